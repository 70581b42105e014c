package server

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// handleUnrouted registers the catch-all route: a request no other route
// takes gets a problem document instead of the mux's plain text — 405 with
// Allow when the path exists for GET, 404 otherwise. Only unrouted requests
// pay for the second lookup.
func handleUnrouted(mux *http.ServeMux) {
	mux.Handle("/", httpx.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			asGet := r.Clone(r.Context())
			asGet.Method = http.MethodGet
			if _, pattern := mux.Handler(asGet); pattern != "/" {
				w.Header().Set("Allow", "GET, HEAD")
				return httpx.Errorf(http.StatusMethodNotAllowed, "%s is not allowed on %s; it is read-only (GET)", r.Method, r.URL.Path)
			}
		}
		return nothingAt(r.URL.Path)
	}))
}

// nothingAt is the 404 of a path that leads nowhere — or nowhere the
// caller may know of.
func nothingAt(path string) *httpx.Error {
	return httpx.NotFound("there is nothing at %s; the landing page / lists what there is", path)
}

// cors lets map viewers on other origins read tiles and features.
func cors(origin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin != "" {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", "ETag, Content-Crs, Link, Location, X-Request-Id, CSDI-Stale, Retry-After")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				// Writes too: a department's web tool edits from the browser.
				h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE")
				h.Set("Access-Control-Allow-Headers", "Accept, Accept-Encoding, Accept-Language, Content-Type, Authorization, X-API-Key, If-Match, If-None-Match, Content-Crs")
				h.Set("Access-Control-Max-Age", "86400")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter remembers the status and size of a response for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Flush lets streaming encoders push partial responses through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observeRequests gives each request an id (X-Request-Id, in the response
// and in every log record made with the request's context), and once it
// is answered counts it, times it and logs it under its route pattern.
// mux finds the route of requests the inner layers refused before routing
// (a bad credential, a CORS preflight).
func observeRequests(log *slog.Logger, o *observer, mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{id: requestID(r)}
		w.Header().Set("X-Request-Id", info.id)
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		took := time.Since(start)
		status := sw.status
		if status == 0 {
			status = http.StatusOK // nothing written: net/http sends 200
		}
		if info.route == "" {
			_, pattern := mux.Handler(r)
			info.route = routeOf(pattern)
		}
		o.observe(info.route, methodLabel(r.Method), status, took)
		level := slog.LevelDebug
		if status >= 500 {
			level = slog.LevelError
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("method", r.Method), slog.String("route", info.route),
			slog.String("path", r.URL.Path), slog.String("query", r.URL.RawQuery),
			slog.Int("status", status), slog.Int("bytes", sw.bytes), slog.Duration("duration", took),
		}
		if info.actor != "" {
			attrs = append(attrs, slog.String("actor", info.actor))
		}
		// The request id comes from the context, through contextAttrs.
		log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recoverPanics turns a handler's panic into a 500 problem and a log entry
// with the stack, so one bad request cannot take the process down.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic serving request", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				httpx.WriteProblem(w, r, http.StatusInternalServerError, "the server failed to answer this request; it has been logged")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// privateAnswers keeps what authenticated callers read out of shared
// caches. Their answers may hold an internal or restricted layer, or a
// sensitive layer's full view; Vary names the credential headers, but
// X-API-Key is no Authorization header to a cache (RFC 9111 section 3.5),
// so the answer itself says it is for this caller only, whatever
// freshness the handler chose for the public.
func privateAnswers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !auth.PrincipalFrom(r.Context()).Authenticated() {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&privateWriter{ResponseWriter: w}, r)
	})
}

// privateWriter makes a response's Cache-Control private before its
// header is sent.
type privateWriter struct {
	http.ResponseWriter
	sent bool
}

func (w *privateWriter) WriteHeader(code int) {
	if !w.sent {
		w.sent = true
		h := w.Header()
		h.Set("Cache-Control", privateCacheControl(h.Get("Cache-Control")))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *privateWriter) Write(b []byte) (int, error) {
	if !w.sent {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming encoders push partial responses through.
func (w *privateWriter) Flush() {
	if !w.sent {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *privateWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// privateCacheControl is cc for one caller's cache only: no-store and
// private stay as they are; public and s-maxage (shared caches' own
// lifetime) go, and private comes first.
func privateCacheControl(cc string) string {
	out := []string{"private"}
	for _, d := range strings.Split(cc, ",") {
		d = strings.TrimSpace(d)
		name, _, _ := strings.Cut(strings.ToLower(d), "=")
		switch name {
		case "no-store", "private":
			return cc
		case "", "public", "s-maxage", "proxy-revalidate":
			continue
		}
		out = append(out, d)
	}
	return strings.Join(out, ", ")
}
