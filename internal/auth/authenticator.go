package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Authenticator says who sent a request: the anonymous principal when it
// carries no credentials, an error (an *Error of kind ErrUnauthenticated,
// or ErrUnavailable) when its credentials cannot be accepted.
type Authenticator interface {
	Authenticate(r *http.Request) (Principal, error)
}

// Options are the parts of a Verifier that are not configuration.
type Options struct {
	Client *http.Client     // fetches JWKS; nil: one with a 10s timeout
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: slog.Default()
}

// Verifier is the Authenticator for a Config: API keys, and the bearer
// tokens of its OIDC providers.
type Verifier struct {
	keys      *keyring
	providers map[string]*provider // by issuer
}

var _ Authenticator = (*Verifier)(nil)

// New builds the Verifier for cfg. It fetches nothing: keys are fetched
// when the first token needs them, or by Refresh.
func New(cfg Config, opts Options) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: fetchTimeout, CheckRedirect: secureRedirect}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	kr, err := newKeyring(cfg.APIKeys)
	if err != nil {
		return nil, err
	}
	v := &Verifier{keys: kr, providers: map[string]*provider{}}
	for _, o := range cfg.OIDC {
		o = o.withDefaults()
		v.providers[o.Issuer] = &provider{cfg: o, now: opts.Now, keys: &keySet{
			issuer: o.Issuer, jwksURL: o.JWKSURL, refresh: o.JWKSRefresh,
			client: opts.Client, now: opts.Now, log: opts.Logger}}
	}
	return v, nil
}

// secureRedirect follows a provider's redirects only to where checkURL
// would let the keys be fetched from in the first place.
func secureRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if err := checkURL(req.URL.String()); err != nil {
		return fmt.Errorf("redirected: %w", err)
	}
	return nil
}

// Refresh fetches every provider's keys now, so the first token does not
// wait for them; call it at start and log a failure: the server can run
// meanwhile, and tokens are checked once the keys come.
func (v *Verifier) Refresh(ctx context.Context) error {
	var errs []error
	for _, pv := range v.providers {
		if err := pv.keys.fetch(ctx, true, true); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Authenticate says who sent r. An API key comes as X-API-Key or as a
// bearer token that is not a JWT; a JWT as a bearer token.
func (v *Verifier) Authenticate(r *http.Request) (Principal, error) {
	bearer, key, err := credentials(r)
	switch {
	case err != nil:
		return Principal{}, err
	case key != "":
		return v.keys.lookup(key)
	case bearer == "":
		return Principal{}, nil
	case strings.Count(bearer, ".") != 2:
		return v.keys.lookup(bearer)
	}
	return v.jwt(r.Context(), bearer)
}

// jwt verifies a bearer JWT against the provider of its issuer.
func (v *Verifier) jwt(ctx context.Context, s string) (Principal, error) {
	if len(v.providers) == 0 {
		return Principal{}, invalidToken("this server accepts no identity provider's tokens; use an API key")
	}
	t, err := parseToken(s)
	if err != nil {
		return Principal{}, invalidToken("the token is malformed: " + err.Error())
	}
	if err := acceptable(t.header.Alg); err != nil {
		return Principal{}, err
	}
	iss, _ := t.claims["iss"].(string)
	if iss == "" {
		return Principal{}, invalidToken("the token names no issuer (iss)")
	}
	pv, ok := v.providers[iss]
	if !ok {
		return Principal{}, invalidToken("the token's issuer is not trusted by this server")
	}
	p, err := pv.principal(ctx, t)
	if err != nil {
		return Principal{}, fmt.Errorf("token of %s: %w", iss, err)
	}
	return p, nil
}

// acceptable refuses the algorithms that must never be trusted, before any
// key is looked for.
func acceptable(alg string) error {
	switch {
	case strings.EqualFold(alg, "none"):
		return invalidToken("unsigned tokens (alg none) are not accepted")
	case strings.HasPrefix(strings.ToUpper(alg), "HS"):
		return invalidToken("tokens signed with a shared secret (" + quotable(short(alg)) + ") are not accepted: only RS, PS and ES algorithms")
	}
	if _, ok := algorithms[alg]; !ok {
		return invalidToken("the token's algorithm " + quotable(short(alg)) + " is not accepted: only RS, PS and ES algorithms")
	}
	return nil
}

// credentials reads the bearer token and the API key a request carries.
// Another Authorization scheme (Basic, for a proxy) is not ours and is
// ignored; two credentials at once are refused (RFC 6750 section 2).
func credentials(r *http.Request) (bearer, key string, err error) {
	authz := r.Header.Values("Authorization")
	keys := r.Header.Values("X-API-Key")
	if len(authz) > 1 || len(keys) > 1 {
		return "", "", &Error{Kind: ErrUnauthenticated, Code: CodeInvalidRequest,
			Msg: "send one Authorization or X-API-Key header, not several"}
	}
	if len(authz) == 1 {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(authz[0]), " ")
		if strings.EqualFold(scheme, "Bearer") {
			if bearer = strings.TrimSpace(rest); bearer == "" {
				return "", "", &Error{Kind: ErrUnauthenticated, Code: CodeInvalidRequest,
					Msg: `the Authorization header has no token after "Bearer"`}
			}
		}
	}
	if len(keys) == 1 {
		key = strings.TrimSpace(keys[0])
	}
	if bearer != "" && key != "" {
		return "", "", &Error{Kind: ErrUnauthenticated, Code: CodeInvalidRequest,
			Msg: "send either a bearer token or an X-API-Key, not both"}
	}
	return bearer, key, nil
}
