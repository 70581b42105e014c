package auth

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Middleware authenticates every request with a and puts the principal in
// its context (PrincipalFrom); a request whose credentials are refused
// goes to onError instead (nil: WriteError). Every answer varies by the
// credentials, so it says so: no shared cache may give one caller's
// answer to another.
func Middleware(a Authenticator, onError func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	if onError == nil {
		onError = WriteError
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Add("Vary", "Authorization")
			h.Add("Vary", "X-API-Key")
			p, err := a.Authenticate(r)
			if err != nil {
				onError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}

// Status is the HTTP status for an error of this package: 401, 403, 404,
// 503 for ErrUnavailable, and 500 for anything else.
func Status(err error) int {
	switch {
	case errors.Is(err, ErrUnauthenticated):
		return http.StatusUnauthorized
	case errors.Is(err, ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// WriteError answers a refused request with an RFC 7807 problem document,
// the WWW-Authenticate challenge on a 401, and Retry-After on a 503. Only
// the client-facing message of an *Error is shown.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	detail := "the server could not check the credentials"
	var ae *Error
	switch {
	case errors.As(err, &ae):
		detail = ae.Msg
	case status == http.StatusServiceUnavailable:
		detail = "the identity provider cannot be reached to check the token; try again shortly"
	}
	h := w.Header()
	switch status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", Challenge(err))
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "30")
	}
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status,
		"detail": detail, "instance": r.URL.Path,
	})
}
