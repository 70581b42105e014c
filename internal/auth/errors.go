package auth

import (
	"errors"
	"strings"
)

// The kinds of refusal: a handler answers ErrUnauthenticated with 401 and
// a WWW-Authenticate challenge (see Challenge), ErrForbidden with 403, and
// ErrNotFound with 404, because the caller may not even know the layer
// exists.
var (
	ErrUnauthenticated = errors.New("unauthenticated")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
)

// ErrUnavailable is an identity provider whose keys cannot be fetched, so a
// token cannot be checked either way: a 503, not the caller's fault. It is
// deliberately not an *Error, so that code mapping *Error kinds to 4xx
// answers does not mistake it for a refusal.
var ErrUnavailable = errors.New("identity provider unavailable")

// OAuth 2.0 bearer token error codes (RFC 6750 section 3.1).
const (
	CodeInvalidRequest = "invalid_request"
	CodeInvalidToken   = "invalid_token"
	// CodeStepUp asks for a stronger authentication (RFC 9470).
	CodeStepUp = "insufficient_user_authentication"
)

// Realm names this server in WWW-Authenticate challenges.
const Realm = "csdi"

// Error is a refused request. Msg is meant for the client: it says what to
// do, never what the credential is.
type Error struct {
	Kind error // ErrUnauthenticated, ErrForbidden or ErrNotFound
	Msg  string
	// Code is the RFC 6750 error code of a bad credential
	// (CodeInvalidToken, ...); empty when no credential was given.
	Code string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// Challenge is the WWW-Authenticate header value for this refusal.
func (e *Error) Challenge() string {
	if e.Code == "" {
		return `Bearer realm="` + Realm + `"`
	}
	return `Bearer realm="` + Realm + `", error="` + e.Code + `", error_description="` + quotable(e.Msg) + `"`
}

// StepUpChallenge is the WWW-Authenticate value of a 401 that asks the
// client to authenticate again at level minACR or above (RFC 9470), for a
// caller who asked for a sensitive layer's full view without it.
func StepUpChallenge(minACR string) string {
	return (&Error{Code: CodeStepUp, Msg: "the full view needs a stronger authentication"}).Challenge() +
		`, acr_values="` + quotable(minACR) + `"`
}

// Challenge is the WWW-Authenticate header value to send with a 401 for
// err: the error's own challenge when it is an *Error, otherwise the plain
// "Bearer realm" one.
func Challenge(err error) string {
	var ae *Error
	if errors.As(err, &ae) {
		return ae.Challenge()
	}
	return (&Error{}).Challenge()
}

// quotable keeps only what RFC 6750 allows in error_description: printable
// ASCII without '"' and '\'.
func quotable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '?'
		}
		return r
	}, s)
}

// invalidToken is a bad credential: 401 with an invalid_token challenge.
func invalidToken(msg string) *Error {
	return &Error{Kind: ErrUnauthenticated, Code: CodeInvalidToken, Msg: msg}
}

// unavailableError keeps the cause of ErrUnavailable for the log.
type unavailableError struct {
	issuer string
	err    error
}

func (e *unavailableError) Error() string {
	return "the signing keys of " + e.issuer + " cannot be fetched: " + e.err.Error()
}

func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }
