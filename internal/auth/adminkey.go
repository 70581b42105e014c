package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Authorizer decides whether r may write to layer l, and names who is
// writing (the actor the change log records).
type Authorizer func(r *http.Request, l *layer.Layer) (actor string, err error)

// AdminActor is the actor recorded for writes made with the admin key.
const AdminActor = "admin"

// AdminKey allows every write to a request that carries key, as
// "Authorization: Bearer <key>" or "X-API-Key: <key>". Keys are compared as
// SHA-256 digests in constant time, so neither their content nor their
// length leaks through timing. An empty key disables writes altogether.
func AdminKey(key string) Authorizer {
	if key == "" {
		return func(*http.Request, *layer.Layer) (string, error) {
			return "", &Error{Kind: ErrForbidden,
				Msg: "writes are disabled on this server: they need an admin key, set by CSDI_ADMIN_KEY"}
		}
	}
	want := sha256.Sum256([]byte(key))
	return func(r *http.Request, _ *layer.Layer) (string, error) {
		given, ok := credential(r)
		if !ok {
			return "", &Error{Kind: ErrUnauthenticated,
				Msg: "writes need the admin key, sent as \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\""}
		}
		got := sha256.Sum256([]byte(given))
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return "", &Error{Kind: ErrUnauthenticated, Msg: "the key given is not the admin key"}
		}
		return AdminActor, nil
	}
}

// credential is the key a request carries: a bearer token, else an
// X-API-Key header.
func credential(r *http.Request) (string, bool) {
	if scheme, token, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); ok && strings.EqualFold(scheme, "Bearer") {
		if token = strings.TrimSpace(token); token != "" {
			return token, true
		}
	}
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k, true
	}
	return "", false
}
