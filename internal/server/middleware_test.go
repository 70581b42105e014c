package server

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/httpx"
)

func testMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /collections/{id}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "collection "+r.PathValue("id"))
	})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	handleUnrouted(mux)
	return mux
}

func TestProblemRoutes(t *testing.T) {
	h := testMux()
	cases := []struct {
		method, path string
		status       int
		body, allow  string
	}{
		{"GET", "/collections/roads", 200, "collection roads", ""},
		{"POST", "/collections/roads", 405, "POST is not allowed", "GET, HEAD"},
		{"GET", "/nowhere", 404, "nothing at /nowhere", ""},
	}
	for _, tc := range cases {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %q, want %d containing %q", tc.method, tc.path, w.Code, w.Body.String(), tc.status, tc.body)
		}
		if tc.status >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: content type %q", tc.method, tc.path, w.Header().Get("Content-Type"))
		}
		if tc.allow != "" && w.Header().Get("Allow") != tc.allow {
			t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, w.Header().Get("Allow"), tc.allow)
		}
	}
}

func TestPanicBecomesProblem(t *testing.T) {
	var logged strings.Builder
	log := slog.New(slog.NewTextHandler(&logged, nil))
	w := httptest.NewRecorder()
	recoverPanics(log, testMux()).ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
	var p httpx.Problem
	if w.Code != 500 || json.Unmarshal(w.Body.Bytes(), &p) != nil || p.Status != 500 {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	if strings.Contains(w.Body.String(), "kaboom") || !strings.Contains(logged.String(), "kaboom") {
		t.Error("the panic must be logged, not shown to the client")
	}
}

func TestCORS(t *testing.T) {
	h := cors("*", testMux())
	pre := httptest.NewRequest("OPTIONS", "/collections/roads", nil)
	pre.Header.Set("Origin", "https://maps.example")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(w.Header().Get("Access-Control-Allow-Methods"), "GET") {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/collections/roads", nil))
	if w.Header().Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(w.Header().Get("Access-Control-Expose-Headers"), "ETag") {
		t.Errorf("simple request: %v", w.Header())
	}
	w = httptest.NewRecorder()
	cors("", testMux()).ServeHTTP(w, httptest.NewRequest("GET", "/collections/roads", nil))
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS headers sent although disabled")
	}
}
