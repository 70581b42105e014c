package httpx

import (
	"net/http"
	"net/url"
	"strings"
)

type baseKey struct{}

// WithBase returns middleware that fixes the public base URL of the service
// (no trailing slash). With an empty base the URL is taken from each
// request: its Host, and X-Forwarded-Proto/Host when a proxy sets them.
func WithBase(base string, next http.Handler) http.Handler {
	base = strings.TrimRight(base, "/")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := base
		if b == "" {
			b = requestBase(r)
		}
		next.ServeHTTP(w, r.WithContext(contextWith(r, b)))
	})
}

// Base is the public base URL of the service for building absolute links.
func Base(r *http.Request) string {
	if b, ok := r.Context().Value(baseKey{}).(string); ok {
		return b
	}
	return requestBase(r)
}

func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		scheme = p
	}
	host := r.Host
	if h := r.Header.Get("X-Forwarded-Host"); h != "" && !strings.ContainsAny(h, "/\\ @") {
		host = h
	}
	return scheme + "://" + host
}

// Link is a web link as OGC API documents carry them.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel"`
	Type      string `json:"type,omitempty"`
	Title     string `json:"title,omitempty"`
	Templated bool   `json:"templated,omitempty"`
}

// WithQuery returns the URL base+path with the query q (which it does not
// modify) and the given parameters set or, when empty, removed.
func WithQuery(base, path string, q url.Values, set ...string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	for i := 0; i+1 < len(set); i += 2 {
		if set[i+1] == "" {
			v.Del(set[i])
		} else {
			v.Set(set[i], set[i+1])
		}
	}
	u := base + path
	if enc := v.Encode(); enc != "" {
		// Commas are legal in a query (RFC 3986 sub-delims); keeping them
		// makes bbox=... links readable.
		u += "?" + strings.ReplaceAll(enc, "%2C", ",")
	}
	return u
}
