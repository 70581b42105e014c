package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

// fixed is an Authenticator with one answer, counting its calls.
type fixed struct {
	p     Principal
	err   error
	calls *int
}

func (f fixed) Authenticate(*http.Request) (Principal, error) {
	if f.calls != nil {
		*f.calls++
	}
	return f.p, f.err
}

func TestEditors(t *testing.T) {
	pub, int_, sens := testLayers[0], testLayers[1], testLayers[3]
	cases := []struct {
		name  string
		a     Authenticator
		l     *layer.Layer
		actor string
		kind  error
		msg   string
	}{
		{"owning department's editor", fixed{p: jwtPrincipal("LandsD", "", Editor)}, pub, "LandsD/someone", nil, ""},
		{"admin of another department", fixed{p: jwtPrincipal("PlanD", "", Admin)}, sens, "PlanD/someone", nil, ""},
		{"anonymous on a public layer", fixed{}, pub, "", ErrUnauthenticated, "writes need credentials"},
		{"anonymous on an internal layer: it is not there", fixed{}, int_, "", ErrNotFound, `there is no collection "int"`},
		{"bad credentials", fixed{err: invalidToken("the token has expired")}, pub, "", ErrUnauthenticated, "expired"},
		{"viewer of the owning department", fixed{p: jwtPrincipal("LandsD", "", Viewer)}, pub, "", ErrForbidden,
			`LandsD/someone may not change collection "pub": writes need the editor role in department "LandsD", or admin`},
		{"editor of another department", fixed{p: jwtPrincipal("DH", "", Editor)}, pub, "", ErrForbidden, "editor role"},
		{"editor of a department that cannot see the layer", fixed{p: jwtPrincipal("LandsD", "", Editor)}, sens, "", ErrNotFound, "no collection"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/collections/x/items", nil)
			actor, err := Editors(tc.a)(r, tc.l)
			if tc.kind == nil {
				if err != nil || actor != tc.actor {
					t.Fatalf("got %q %v", actor, err)
				}
				return
			}
			var ae *Error
			if actor != "" || !errors.Is(err, tc.kind) || !errors.As(err, &ae) || !strings.Contains(ae.Msg, tc.msg) {
				t.Fatalf("got %q %v, want %v saying %q", actor, err, tc.kind, tc.msg)
			}
		})
	}
	t.Run("the provider is down", func(t *testing.T) {
		down := &unavailableError{issuer: "https://idp", err: errors.New("502")}
		_, err := Editors(fixed{err: down})(httptest.NewRequest("POST", "/", nil), pub)
		var ae *Error
		if !errors.Is(err, ErrUnavailable) || errors.As(err, &ae) {
			t.Fatalf("got %v: an outage must not look like a refusal", err)
		}
	})
	t.Run("the principal in the context is used", func(t *testing.T) {
		calls := 0
		r := httptest.NewRequest("POST", "/", nil)
		r = r.WithContext(WithPrincipal(r.Context(), jwtPrincipal("LandsD", "", Editor)))
		actor, err := Editors(fixed{calls: &calls})(r, pub)
		if err != nil || actor != "LandsD/someone" || calls != 0 {
			t.Fatalf("got %q %v after %d calls", actor, err, calls)
		}
		// Anonymous in the context stays anonymous: no second look.
		r = httptest.NewRequest("POST", "/", nil)
		r = r.WithContext(WithPrincipal(r.Context(), Principal{}))
		if _, err := Editors(fixed{p: jwtPrincipal("LandsD", "", Admin), calls: &calls})(r, pub); !errors.Is(err, ErrUnauthenticated) || calls != 0 {
			t.Fatalf("got %v after %d calls", err, calls)
		}
	})
	t.Run("the features package's mapping", func(t *testing.T) {
		// features.authorize answers *Error of ErrUnauthenticated 401 with
		// a challenge, other *Error 403: the same as Status.
		for _, kind := range []error{ErrUnauthenticated, ErrForbidden, ErrNotFound} {
			err := error(&Error{Kind: kind, Msg: "m"})
			if want := map[error]int{ErrUnauthenticated: 401, ErrForbidden: 403, ErrNotFound: 404}[kind]; Status(err) != want {
				t.Errorf("%v: %d", kind, Status(err))
			}
		}
	})
}

func TestMiddleware(t *testing.T) {
	var seen Principal
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = PrincipalFrom(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
	kr, err := newKeyring([]APIKey{{Name: "etl", Department: "DH", Roles: []Role{Editor}, Hash: HashAPIKey("csdi_k")}})
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{keys: kr}
	h := Middleware(v, nil)(next)

	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/collections", nil)
	r.Header.Set("X-API-Key", "csdi_k")
	h.ServeHTTP(w, r)
	if w.Code != 204 || seen.Actor() != "DH/etl" || seen.Method != ByAPIKey {
		t.Fatalf("%d %+v", w.Code, seen)
	}
	if vary := w.Header().Values("Vary"); strings.Join(vary, ",") != "Authorization,X-API-Key" {
		t.Errorf("Vary %v", vary)
	}

	seen = Principal{Subject: "unset"}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/collections", nil))
	if w.Code != 204 || seen.Authenticated() || seen.Subject != "" {
		t.Fatalf("anonymous: %d %+v", w.Code, seen)
	}

	seen = Principal{Subject: "unset"}
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "/collections/x", nil)
	r.Header.Set("Authorization", "Bearer eyJhbGciOiJub25lIn0.e30.")
	h.ServeHTTP(w, r)
	if w.Code != 401 || seen.Subject != "unset" {
		t.Fatalf("a bad token reached the handler: %d %+v", w.Code, seen)
	}
	want := `Bearer realm="csdi", error="invalid_token", error_description="this server accepts no identity provider's tokens; use an API key"`
	if got := w.Header().Get("WWW-Authenticate"); got != want {
		t.Errorf("challenge\n got %s\nwant %s", got, want)
	}
	var doc map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil || doc["status"] != 401.0 || doc["instance"] != "/collections/x" ||
		w.Header().Get("Content-Type") != "application/problem+json" {
		t.Errorf("problem %s %v", w.Body, err)
	}

	// The caller's own error writer gets the error.
	var got error
	h = Middleware(fixed{err: ErrUnavailable}, func(w http.ResponseWriter, r *http.Request, err error) { got = err })(next)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(got, ErrUnavailable) {
		t.Errorf("onError got %v", got)
	}
	w = httptest.NewRecorder()
	WriteError(w, httptest.NewRequest("GET", "/", nil), &unavailableError{"https://idp", errors.New("secret detail")})
	if w.Code != 503 || w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "secret detail") {
		t.Errorf("unavailable: %d %v %s", w.Code, w.Header(), w.Body)
	}
}

func TestChallenge(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&Error{Kind: ErrUnauthenticated, Msg: "writes need credentials"}, `Bearer realm="csdi"`},
		{errors.New("other"), `Bearer realm="csdi"`},
		{invalidToken(`the "token" \ has expired — 過期`), `Bearer realm="csdi", error="invalid_token", error_description="the ?token? ? has expired ? ??"`},
		{&Error{Kind: ErrUnauthenticated, Code: CodeInvalidRequest, Msg: "send one"}, `Bearer realm="csdi", error="invalid_request", error_description="send one"`},
	} {
		if got := Challenge(tc.err); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	want := `Bearer realm="csdi", error="insufficient_user_authentication", error_description="the full view needs a stronger authentication", acr_values="substantial"`
	if got := StepUpChallenge("substantial"); got != want {
		t.Errorf("step-up\n got %s\nwant %s", got, want)
	}
}
