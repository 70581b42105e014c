package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/klauspost/compress/gzip"
)

func TestHandlerErrors(t *testing.T) {
	var logged bytes.Buffer
	Logger = slog.New(slog.NewTextHandler(&logged, nil))
	defer func() { Logger = slog.Default() }()
	cases := []struct {
		name       string
		err        error
		status     int
		detail     string
		wantLogged bool
	}{
		{"client error keeps its message", BadRequest("limit must be a whole number, got %q", "x"), 400, `limit must be a whole number, got "x"`, false},
		{"wrapped client error", fmt.Errorf("items: %w", NotFound("no feature 7")), 404, "no feature 7", false},
		{"detail stays in the log", &Error{Status: 404, Msg: "no such collection", Err: errors.New("secret_table missing")}, 404, "no such collection", false},
		{"internal error reveals nothing", errors.New("pq: password authentication failed"), 500, "the server could not answer this request; it has been logged", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logged.Reset()
			w := httptest.NewRecorder()
			HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				w.Header().Set("ETag", `"x"`)
				return tc.err
			}).ServeHTTP(w, httptest.NewRequest("GET", "/collections/a", nil))
			if w.Code != tc.status || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("got %d %q", w.Code, w.Header().Get("Content-Type"))
			}
			if w.Header().Get("ETag") != "" {
				t.Error("an error response kept the ETag set for the success response")
			}
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != tc.status || p.Detail != tc.detail || p.Instance != "/collections/a" || p.Title == "" {
				t.Errorf("problem %+v", p)
			}
			if bytes.Contains(w.Body.Bytes(), []byte("secret_table")) || bytes.Contains(w.Body.Bytes(), []byte("password")) {
				t.Error("internal detail leaked to the client")
			}
			if (logged.Len() > 0) != tc.wantLogged {
				t.Errorf("logged %q, want logged=%v", logged.String(), tc.wantLogged)
			}
		})
	}
	t.Run("cancelled request is not answered", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w := httptest.NewRecorder()
		HandlerFunc(func(http.ResponseWriter, *http.Request) error { return fmt.Errorf("encode: %w", context.Canceled) }).
			ServeHTTP(w, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
		if w.Body.Len() != 0 {
			t.Errorf("wrote %q to a client that left", w.Body.String())
		}
	})
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                   false,
		"gzip":               true,
		"deflate, gzip;q=1":  true,
		"GZIP":               true,
		"br, gzip;q=0":       false,
		"gzip;q=0.5":         true,
		"*":                  true,
		"identity":           false,
		"x-gzip-not, br":     false,
		" gzip ; q=0.8, br ": true,
		"gzip;q=0.0":         false,
		"gzip;q=0.000":       false,
		"gzip;q=nonsense":    false,
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept-Encoding", header)
		if got := AcceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: %v, want %v", header, got, want)
		}
	}
}

func TestGzipRoundTrip(t *testing.T) {
	in := bytes.Repeat([]byte("香港 tiles "), 1000)
	zr, err := gzip.NewReader(bytes.NewReader(Gzip(in)))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(out, in) {
		t.Fatalf("round trip failed: %v", err)
	}
}

func TestBaseAndLinks(t *testing.T) {
	var got string
	h := WithBase("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Base(r) }))
	r := httptest.NewRequest("GET", "http://internal:8080/x", nil)
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("X-Forwarded-Host", "csdi.example.hk")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "https://csdi.example.hk" {
		t.Errorf("base %q", got)
	}
	r.Header.Set("X-Forwarded-Host", "evil.example/path")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "https://internal:8080" {
		t.Errorf("a forwarded host with a path was trusted: %q", got)
	}
	WithBase("https://maps.gov.hk/csdi/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = Base(r) })).
		ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if got != "https://maps.gov.hk/csdi" {
		t.Errorf("configured base %q", got)
	}
	q := url.Values{"bbox": {"1,2,3,4"}, "offset": {"10"}}
	if u := WithQuery("http://h", "/items", q, "offset", "", "limit", "5"); u != "http://h/items?bbox=1,2,3,4&limit=5" {
		t.Errorf("WithQuery = %s", u)
	}
	if q.Get("offset") != "10" {
		t.Error("WithQuery modified its input")
	}
}
