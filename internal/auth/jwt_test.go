package auth

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

const testAudience = "https://csdi.example.hk"

// quiet takes the warnings of fetches the tests make fail.
var quiet = slog.New(slog.DiscardHandler)

// testVerifier is a Verifier trusting p, on clock c.
func testVerifier(t testing.TB, p *idp, c *clock, edit ...func(*OIDC)) *Verifier {
	t.Helper()
	o := OIDC{Issuer: p.issuer, Audience: testAudience, JWKSURL: p.jwksURL(),
		ACRValues: ACROrder{"low", "substantial", "high"}}
	for _, e := range edit {
		e(&o)
	}
	v, err := New(Config{OIDC: []OIDC{o}}, Options{Now: c.Now, Client: p.srv.Client(), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func baseClaims(p *idp, c *clock) map[string]any {
	return map[string]any{"iss": p.issuer, "aud": testAudience, "sub": "chan.tai.man",
		"exp": c.Unix(5 * time.Minute), "iat": c.Unix(0), "department": "LandsD",
		"roles": []string{"editor"}, "acr": "substantial"}
}

func bearer(v Authenticator, token string) (Principal, error) {
	r := httptest.NewRequest("GET", "/collections", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	return v.Authenticate(r)
}

func standardKeys() []map[string]any {
	return []map[string]any{
		jwkOf("r1", "", key("rsa1")),
		jwkOf("r2", "RS512", key("rsa2")),
		jwkOf("e1", "ES256", key("p256")),
		jwkOf("e2", "", key("p384")),
		jwkOf("e3", "ES512", key("p521")),
	}
}

func TestTokens(t *testing.T) {
	p := newIDP(t, standardKeys()...)
	c := newClock()
	v := testVerifier(t, p, c)
	publicPEM := func() []byte {
		der, err := x509.MarshalPKIXPublicKey(key("rsa1").Public())
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}()
	cases := []struct {
		name   string
		alg    string
		kid    string
		signer string // test key; "" for none/HS256
		claims func(map[string]any)
		header func(map[string]any)
		want   string // in the error's message; "" for accepted
	}{
		{name: "RS256", alg: "RS256", kid: "r1", signer: "rsa1"},
		{name: "RS384", alg: "RS384", kid: "r1", signer: "rsa1"},
		{name: "RS512", alg: "RS512", kid: "r2", signer: "rsa2"},
		{name: "PS256", alg: "PS256", kid: "r1", signer: "rsa1"},
		{name: "PS384", alg: "PS384", kid: "r1", signer: "rsa1"},
		{name: "PS512", alg: "PS512", kid: "r1", signer: "rsa1"},
		{name: "ES256", alg: "ES256", kid: "e1", signer: "p256"},
		{name: "ES384", alg: "ES384", kid: "e2", signer: "p384"},
		{name: "ES512", alg: "ES512", kid: "e3", signer: "p521"},
		{name: "no kid: every fitting key is tried", alg: "ES384", signer: "p384"},
		{name: "aud as an array", alg: "RS256", kid: "r1", signer: "rsa1",
			claims: func(m map[string]any) { m["aud"] = []string{"other", testAudience} }},
		{name: "fractional dates", alg: "RS256", kid: "r1", signer: "rsa1",
			claims: func(m map[string]any) { m["exp"] = float64(c.Unix(time.Minute)) + 0.5 }},
		{name: "expired within the clock skew", alg: "RS256", kid: "r1", signer: "rsa1",
			claims: func(m map[string]any) { m["exp"] = c.Unix(-30 * time.Second) }},
		{name: "nbf within the clock skew", alg: "RS256", kid: "r1", signer: "rsa1",
			claims: func(m map[string]any) { m["nbf"] = c.Unix(30 * time.Second) }},
		{name: "typ at+jwt", alg: "RS256", kid: "r1", signer: "rsa1",
			header: func(h map[string]any) { h["typ"] = "at+jwt" }},

		{name: "expired", alg: "RS256", kid: "r1", signer: "rsa1", want: "expired",
			claims: func(m map[string]any) { m["exp"] = c.Unix(-2 * time.Minute) }},
		{name: "no exp", alg: "RS256", kid: "r1", signer: "rsa1", want: "no expiry",
			claims: func(m map[string]any) { delete(m, "exp") }},
		{name: "exp a string", alg: "RS256", kid: "r1", signer: "rsa1", want: "not a number",
			claims: func(m map[string]any) { m["exp"] = "tomorrow" }},
		{name: "exp absurd", alg: "RS256", kid: "r1", signer: "rsa1", want: "not a date",
			claims: func(m map[string]any) { m["exp"] = 1e300 }},
		{name: "not yet valid", alg: "RS256", kid: "r1", signer: "rsa1", want: "not valid yet",
			claims: func(m map[string]any) { m["nbf"] = c.Unix(10 * time.Minute) }},
		{name: "issued in the future", alg: "RS256", kid: "r1", signer: "rsa1", want: "issued in the future",
			claims: func(m map[string]any) { m["iat"] = c.Unix(10 * time.Minute) }},
		{name: "wrong audience", alg: "RS256", kid: "r1", signer: "rsa1", want: "not meant for this server",
			claims: func(m map[string]any) { m["aud"] = "https://other.example.hk" }},
		{name: "audience array without ours", alg: "RS256", kid: "r1", signer: "rsa1", want: "not meant for this server",
			claims: func(m map[string]any) { m["aud"] = []string{"a", "b"} }},
		{name: "no audience", alg: "RS256", kid: "r1", signer: "rsa1", want: "not meant for this server",
			claims: func(m map[string]any) { delete(m, "aud") }},
		{name: "wrong issuer", alg: "RS256", kid: "r1", signer: "rsa1", want: "issuer is not trusted",
			claims: func(m map[string]any) { m["iss"] = "https://evil.example" }},
		{name: "issuer with a trailing slash is another issuer", alg: "RS256", kid: "r1", signer: "rsa1", want: "issuer is not trusted",
			claims: func(m map[string]any) { m["iss"] = p.issuer + "/" }},
		{name: "no issuer", alg: "RS256", kid: "r1", signer: "rsa1", want: "no issuer",
			claims: func(m map[string]any) { delete(m, "iss") }},
		{name: "no subject", alg: "RS256", kid: "r1", signer: "rsa1", want: "no subject",
			claims: func(m map[string]any) { delete(m, "sub") }},
		{name: "subject with a newline", alg: "RS256", kid: "r1", signer: "rsa1", want: "control characters",
			claims: func(m map[string]any) { m["sub"] = "alice\nadmin" }},
		{name: "department not a string", alg: "RS256", kid: "r1", signer: "rsa1", want: "not one department",
			claims: func(m map[string]any) { m["department"] = []string{"LandsD", "PlanD"} }},
		{name: "department with a slash", alg: "RS256", kid: "r1", signer: "rsa1", want: "not one department",
			claims: func(m map[string]any) { m["department"] = "LandsD/../PlanD" }},
		{name: "roles not names", alg: "RS256", kid: "r1", signer: "rsa1", want: "other than names",
			claims: func(m map[string]any) { m["roles"] = []any{"editor", 7} }},
		{name: "acr not a string", alg: "RS256", kid: "r1", signer: "rsa1", want: "acr claim is not a string",
			claims: func(m map[string]any) { m["acr"] = 3 }},
		{name: "wrong key under a known kid", alg: "RS256", kid: "r1", signer: "rsa3", want: "signature does not verify"},
		{name: "wrong key, no kid", alg: "RS256", signer: "rsa3", want: "signature does not verify"},
		{name: "alg none", alg: "none", kid: "r1", want: "alg none"},
		{name: "alg NONE", alg: "NONE", kid: "r1", want: "alg none"},
		{name: "HS256 with the public key as the secret", alg: "HS256", kid: "r1", want: "shared secret"},
		{name: "unknown alg", alg: "EdDSA", kid: "r1", want: "not accepted"},
		{name: "ES256 under an RSA kid", alg: "ES256", kid: "r1", signer: "p256", want: "does not fit its key"},
		{name: "RS256 under a key for RS512 only", alg: "RS256", kid: "r2", signer: "rsa2", want: "does not fit its key"},
		{name: "ES384 under a P-256 kid", alg: "ES384", kid: "e1", signer: "p384", want: "does not fit its key"},
		{name: "crit header", alg: "RS256", kid: "r1", signer: "rsa1", want: "critical",
			header: func(h map[string]any) { h["crit"] = []string{"b64"}; h["b64"] = false }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := baseClaims(p, c)
			if tc.claims != nil {
				tc.claims(claims)
			}
			hdr := map[string]any{"alg": tc.alg, "typ": "JWT"}
			if tc.kid != "" {
				hdr["kid"] = tc.kid
			}
			if tc.header != nil {
				tc.header(hdr)
			}
			var signer crypto.Signer
			if tc.signer != "" {
				signer = key(tc.signer)
			}
			tok := signJWT(t, hdr, claims, signer, publicPEM)
			got, err := bearer(v, tok)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.Method != ByJWT || got.Subject != "chan.tai.man" || got.Department != "LandsD" ||
					!slices.Equal(got.Roles, []Role{Editor}) || got.ACR != "substantial" || got.Issuer != p.issuer {
					t.Fatalf("principal %+v", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			var ae *Error
			if !errors.As(err, &ae) || !errors.Is(err, ErrUnauthenticated) || ae.Code != CodeInvalidToken {
				t.Fatalf("want an invalid_token *Error, got %T %v", err, err)
			}
			if !strings.Contains(ae.Msg, tc.want) {
				t.Errorf("message %q, want it to say %q", ae.Msg, tc.want)
			}
			if Status(err) != 401 || !strings.HasPrefix(Challenge(err), `Bearer realm="csdi", error="invalid_token", error_description="`) {
				t.Errorf("status %d, challenge %s", Status(err), Challenge(err))
			}
		})
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("the JWKS was fetched %d times; once is enough when no kid is unknown", n)
	}
}

func TestClaimsMapping(t *testing.T) {
	p := newIDP(t, jwkOf("r1", "RS256", key("rsa1")))
	c := newClock()
	cases := []struct {
		name   string
		cfg    func(*OIDC)
		claims func(map[string]any)
		dept   string
		roles  []Role
		acr    string
	}{
		{"roles as a space-separated string, unknown ones ignored", nil,
			func(m map[string]any) { m["roles"] = "viewer superuser analyst" }, "LandsD", []Role{Viewer, Analyst}, "substantial"},
		{"no roles, no department, no acr", nil,
			func(m map[string]any) { delete(m, "roles"); delete(m, "department"); delete(m, "acr") }, "", nil, ""},
		{"nested claims by dotted path", func(o *OIDC) {
			o.RolesClaim, o.DepartmentClaim = "realm_access.roles", "org.dept"
		}, func(m map[string]any) {
			m["realm_access"] = map[string]any{"roles": []string{"admin", "offline_access"}}
			m["org"] = map[string]any{"dept": "PlanD"}
		}, "PlanD", []Role{Admin}, "substantial"},
		{"a claim named with dots is found whole first", func(o *OIDC) { o.DepartmentClaim = "https://csdi.gov.hk/dept" },
			func(m map[string]any) { m["https://csdi.gov.hk/dept"] = "FEHD" }, "FEHD", []Role{Editor}, "substantial"},
		{"department as a one-element array", nil,
			func(m map[string]any) { m["department"] = []string{"DH"} }, "DH", []Role{Editor}, "substantial"},
		{"role map replaces the names", func(o *OIDC) {
			o.RoleMap = map[string]Role{"CSDI.Analyst": Analyst, "CSDI.Admin": Admin}
		}, func(m map[string]any) { m["roles"] = []string{"editor", "CSDI.Analyst"} }, "LandsD", []Role{Analyst}, "substantial"},
		{"default roles added", func(o *OIDC) { o.DefaultRoles = []Role{Viewer, Editor} },
			func(m map[string]any) { m["roles"] = []string{"editor"} }, "LandsD", []Role{Viewer, Editor}, "substantial"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			edit := func(*OIDC) {}
			if tc.cfg != nil {
				edit = tc.cfg
			}
			v := testVerifier(t, p, c, edit)
			claims := baseClaims(p, c)
			tc.claims(claims)
			got, err := bearer(v, signJWT(t, map[string]any{"alg": "RS256", "kid": "r1"}, claims, key("rsa1"), nil))
			if err != nil {
				t.Fatal(err)
			}
			if got.Department != tc.dept || !slices.Equal(got.Roles, tc.roles) || got.ACR != tc.acr {
				t.Fatalf("got %q %v %q", got.Department, got.Roles, got.ACR)
			}
		})
	}
}

// TestRotation: a token with a kid the cached keys lack fetches them again
// (at most once per RefetchInterval); once the provider drops a key, tokens
// signed with it fail.
func TestRotation(t *testing.T) {
	p := newIDP(t, jwkOf("old", "RS256", key("rsa1")))
	c := newClock()
	v := testVerifier(t, p, c)
	claims := func() map[string]any { return baseClaims(p, c) }
	oldTok := func() string {
		return signJWT(t, map[string]any{"alg": "RS256", "kid": "old"}, claims(), key("rsa1"), nil)
	}
	newTok := func() string {
		return signJWT(t, map[string]any{"alg": "RS256", "kid": "new"}, claims(), key("rsa2"), nil)
	}

	if _, err := bearer(v, oldTok()); err != nil {
		t.Fatal(err)
	}
	// The provider adds a key and starts signing with it, within the
	// rate limit of the first fetch: the kid is unknown and stays so.
	p.setKeys(jwkOf("old", "RS256", key("rsa1")), jwkOf("new", "RS256", key("rsa2")))
	c.Advance(10 * time.Second)
	if _, err := bearer(v, newTok()); err == nil || !strings.Contains(err.Error(), "does not publish") {
		t.Fatalf("an unknown kid within the rate limit: %v", err)
	}
	if n := p.fetches.Load(); n != 1 {
		t.Fatalf("fetched %d times within the rate limit", n)
	}
	// After the interval, the unknown kid fetches the keys again.
	c.Advance(RefetchInterval)
	if _, err := bearer(v, newTok()); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("fetched %d times, want 2", n)
	}
	// Made-up kids do not hammer the provider.
	for range 5 {
		tok := signJWT(t, map[string]any{"alg": "RS256", "kid": "made-up"}, claims(), key("rsa3"), nil)
		if _, err := bearer(v, tok); err == nil {
			t.Fatal("a made-up kid was accepted")
		}
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("made-up kids fetched the keys: %d fetches", n)
	}
	// The provider retires the old key; once the keys are fetched again
	// (an unknown kid after the interval, or their age), old tokens fail.
	p.setKeys(jwkOf("new", "RS256", key("rsa2")))
	if _, err := bearer(v, oldTok()); err != nil {
		t.Fatalf("the old key is still held until the next fetch: %v", err)
	}
	c.Advance(DefaultJWKSRefresh)
	if _, err := bearer(v, newTok()); err != nil {
		t.Fatal(err)
	}
	if n := p.fetches.Load(); n != 3 {
		t.Fatalf("stale keys were not refreshed: %d fetches", n)
	}
	if _, err := bearer(v, oldTok()); err == nil || !strings.Contains(err.Error(), `does not publish (kid old)`) {
		t.Fatalf("a token of the retired key: %v", err)
	}
}

// TestJWKSDownKeepsKeys: a failed fetch keeps the last good keys, and is
// not retried on every request.
func TestJWKSDownKeepsKeys(t *testing.T) {
	p := newIDP(t, jwkOf("k", "ES256", key("p256")))
	c := newClock()
	v := testVerifier(t, p, c)
	tok := func(kid string) string {
		return signJWT(t, map[string]any{"alg": "ES256", "kid": kid}, baseClaims(p, c), key("p256"), nil)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	p.down.Store(true)
	c.Advance(DefaultJWKSRefresh + time.Second)
	for range 3 {
		if _, err := bearer(v, tok("k")); err != nil {
			t.Fatalf("with the provider down: %v", err)
		}
	}
	if n := p.fetches.Load(); n != 2 {
		t.Fatalf("%d fetches: a failed refresh must be retried only after %v", n, RefetchInterval)
	}
	// An unknown kid while the provider is down is an unknown key, not an
	// outage: the keys held say what is published.
	c.Advance(RefetchInterval)
	if _, err := bearer(v, tok("other")); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("unknown kid with the provider down: %v", err)
	}
	p.down.Store(false)
	c.Advance(RefetchInterval)
	if _, err := bearer(v, tok("k")); err != nil {
		t.Fatal(err)
	}
}

// TestJWKSUnavailable: without any keys, a token cannot be checked either
// way: ErrUnavailable (503), not a 401 that would make clients drop it.
func TestJWKSUnavailable(t *testing.T) {
	p := newIDP(t, jwkOf("k", "RS256", key("rsa1")))
	p.down.Store(true)
	c := newClock()
	v := testVerifier(t, p, c)
	tok := signJWT(t, map[string]any{"alg": "RS256", "kid": "k"}, baseClaims(p, c), key("rsa1"), nil)
	if err := v.Refresh(t.Context()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("refresh: %v", err)
	}
	c.Advance(RefetchInterval)
	_, err := bearer(v, tok)
	var ae *Error
	if !errors.Is(err, ErrUnavailable) || errors.As(err, &ae) || Status(err) != 503 {
		t.Fatalf("got %v", err)
	}
	if !strings.Contains(err.Error(), "502") {
		t.Errorf("the cause is lost: %v", err)
	}
	p.down.Store(false)
	if _, err := bearer(v, tok); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("retried within the interval: %v", err)
	}
	c.Advance(RefetchInterval)
	if _, err := bearer(v, tok); err != nil {
		t.Fatalf("after the provider is back: %v", err)
	}
}

func TestDiscovery(t *testing.T) {
	p := newIDP(t, jwkOf("k", "PS256", key("rsa1")))
	c := newClock()
	v := testVerifier(t, p, c, func(o *OIDC) { o.JWKSURL = "" })
	tok := signJWT(t, map[string]any{"alg": "PS256", "kid": "k"}, baseClaims(p, c), key("rsa1"), nil)
	if _, err := bearer(v, tok); err != nil {
		t.Fatal(err)
	}
	// A discovery document naming another issuer is not believed.
	p2 := newIDP(t, jwkOf("k", "PS256", key("rsa1")))
	p2.discoveryIssuer = "https://someone.else"
	v2 := testVerifier(t, p2, c, func(o *OIDC) { o.JWKSURL = "" })
	tok2 := signJWT(t, map[string]any{"alg": "PS256", "kid": "k"}, baseClaims(p2, c), key("rsa1"), nil)
	if err := v2.Refresh(t.Context()); err == nil || !strings.Contains(err.Error(), "names issuer") {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := bearer(v2, tok2); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("got %v", err)
	}
}

func TestJWKSParsing(t *testing.T) {
	rsaShort := jwkOf("short", "", key("rsa1"))
	rsaShort["n"] = b64.EncodeToString(make([]byte, 128))
	notOnCurve := jwkOf("bad", "", key("p256"))
	notOnCurve["y"] = notOnCurve["x"]
	enc := jwkOf("enc", "", key("rsa1"))
	enc["use"] = "enc"
	hmacKey := map[string]any{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}
	wrongAlg := jwkOf("wa", "ES256", key("rsa1"))
	good := jwkOf("good", "", key("p384"))
	doc := func(keys ...map[string]any) []byte {
		b, _ := jsonMarshal(map[string]any{"keys": keys})
		return b
	}
	keys, skipped, err := parseJWKS(doc(rsaShort, notOnCurve, enc, hmacKey, wrongAlg, good))
	if err != nil || len(keys) != 1 || keys[0].kid != "good" || len(skipped) != 5 {
		t.Fatalf("keys %v, skipped %v, err %v", keys, skipped, err)
	}
	if _, _, err := parseJWKS(doc(enc, hmacKey)); err == nil {
		t.Error("a set without a usable key was accepted")
	}
	if _, _, err := parseJWKS([]byte(`<html>`)); err == nil {
		t.Error("not JSON was accepted")
	}
}

// TestConcurrentRotation runs many verifications while keys rotate, for
// the race detector.
func TestConcurrentRotation(t *testing.T) {
	p := newIDP(t, jwkOf("a", "ES256", key("p256")))
	c := newClock()
	v := testVerifier(t, p, c)
	claims := baseClaims(p, c)
	tokA := signJWT(t, map[string]any{"alg": "ES256", "kid": "a"}, claims, key("p256"), nil)
	tokB := signJWT(t, map[string]any{"alg": "ES384", "kid": "b"}, maps.Clone(claims), key("p384"), nil)
	p.setKeys(jwkOf("a", "ES256", key("p256")), jwkOf("b", "ES384", key("p384")))
	done := make(chan error, 16)
	for i := range 16 {
		go func() {
			tok := tokA
			if i%2 == 1 {
				tok = tokB
			}
			_, err := bearer(v, tok)
			done <- err
		}()
	}
	for range 16 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := p.fetches.Load(); n != 1 {
		t.Errorf("%d fetches for one set of keys", n)
	}
}

func TestRedirects(t *testing.T) {
	p := newIDP(t, jwkOf("k", "RS256", key("rsa1")))
	mux := http.NewServeMux()
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p.jwksURL(), http.StatusFound)
	})
	mux.HandleFunc("/to-plain-http", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://keys.example.hk/jwks", http.StatusFound)
	})
	redirector := httptest.NewServer(mux)
	defer redirector.Close()
	c := newClock()
	for _, tc := range []struct {
		path string
		ok   bool
	}{{"/to-loopback", true}, {"/to-plain-http", false}} {
		v, err := New(Config{OIDC: []OIDC{{Issuer: p.issuer, Audience: testAudience, JWKSURL: redirector.URL + tc.path}}},
			Options{Now: c.Now, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		err = v.Refresh(t.Context())
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "must be an https URL")) {
			t.Errorf("%s: %v", tc.path, err)
		}
	}
}
