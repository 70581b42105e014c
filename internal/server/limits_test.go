package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/limits"
	"github.com/csdi-hk/csdi/internal/store"
)

func TestHeavyClass(t *testing.T) {
	classify := heavyClass()
	cases := []struct {
		method, target, accept, want string
	}{
		{"GET", "/collections/roads/items?f=csv", "", limits.Downloads},
		{"GET", "/collections/roads/items?f=GPKG&limit=5", "", limits.Downloads},
		{"HEAD", "/collections/roads/items?f=geopackage", "", limits.Downloads},
		{"GET", "/collections/roads/items", "text/csv", limits.Downloads},
		{"GET", "/collections/roads/items", "application/json, application/geopackage+sqlite3;q=0.5", limits.Downloads},
		{"GET", "/collections/roads/items", "text/csv;q=0", ""},
		{"GET", "/collections/roads/items?f=json", "text/csv", ""},
		{"GET", "/collections/roads/items", "", ""},
		{"GET", "/collections/roads/items/7?f=csv", "", ""},
		{"POST", "/collections/roads/import", "", limits.Imports},
		{"POST", "/collections/roads/items", "", ""},
		{"GET", "/tiles/roads,lamps/10/855/439.mvt", "", ""},
		{"GET", "/tiles/roads/0/0/0", "", ""},
		{"GET", "/tiles/roads/11/1710/878.mvt", "", ""},
		{"GET", "/tiles/WebMercatorQuad/8/109/213", "", ""},
		{"GET", "/collections/roads/tiles/WebMercatorQuad/9/219/427", "", ""},
		{"GET", "/collections/roads/tiles/WebMercatorQuad/16/28102/54880", "", ""},
		{"GET", "/collections/roads/tiles/WebMercatorQuad/tilejson.json", "", ""},
		{"GET", "/tiles/roads/tilejson.json", "", ""},
		{"GET", "/tiles/roads/x/1/1", "", ""},
		{"GET", "/tiles/roads/-1/0/0", "", ""},
		// Low-zoom tiles are bounded when rendered, not by their path.
		{"GET", "/tiles/a%2Fb/3/1/1", "", ""},
		// An escaped slash keeps the id one segment, as the mux routes it.
		{"GET", "/collections/a%2Fb/items?f=csv", "", limits.Downloads},
		{"GET", "/a/b/c/d/e/f/g/h/i/j", "", ""},
		{"GET", "/", "", ""},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		if tc.accept != "" {
			r.Header.Set("Accept", tc.accept)
		}
		if got := classify(r); got != tc.want {
			t.Errorf("%s %s (Accept %q): %q, want %q", tc.method, tc.target, tc.accept, got, tc.want)
		}
	}
}

// heavyLimiter bounds the heavy classes at bounds, without rate limits and
// with a short queue time; rejected collects the classes it refuses.
func heavyLimiter(t *testing.T, bounds limits.HeavyConcurrency) (lim *limits.Limiter, rejected *[]string) {
	t.Helper()
	no := false
	lim, err := limits.New(limits.Config{RateLimit: &no, HeavyConcurrency: bounds, HeavyQueueTimeout: 20 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rejected = new([]string)
	lim.OnReject = func(class string) { *rejected = append(*rejected, class) }
	return lim, rejected
}

// TestHeavyDownloadsDoNotStarveTiles fills the download bound, then shows
// the next download is turned away after the queue time while tiles are
// still served.
func TestHeavyDownloadsDoNotStarveTiles(t *testing.T) {
	const bound = 3
	lim, rejected := heavyLimiter(t, limits.HeavyConcurrency{Downloads: bound})
	started := make(chan struct{})
	unblock := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /collections/{id}/items", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("f") == "csv" {
			started <- struct{}{}
			<-unblock
		}
		io.WriteString(w, "a,b\n")
	})
	mux.HandleFunc("GET /tiles/{layers}/{z}/{x}/{y}", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "tile")
	})
	h := lim.Middleware(heavyClass(), mux)

	var wg sync.WaitGroup
	codes := make([]int, bound)
	for i := range bound {
		wg.Go(func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest("GET", "/collections/roads/items?f=csv", nil))
			codes[i] = w.Code
		})
	}
	for range bound {
		<-started
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/collections/roads/items?f=gpkg", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
		t.Errorf("download %d: %d, Retry-After %q; want 503 with Retry-After 1", bound+1, w.Code, w.Header().Get("Retry-After"))
	}
	var p httpx.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != 503 || !strings.Contains(p.Detail, "downloads") {
		t.Errorf("problem %s (%v)", w.Body, err)
	}
	for _, target := range []string{"/tiles/roads/14/13703/7045.mvt", "/tiles/roads/3/6/3.mvt", "/collections/roads/items?limit=10"} {
		w = httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		if w.Code != 200 {
			t.Errorf("%s while downloads are full: %d", target, w.Code)
		}
	}
	close(unblock)
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("download %d: %d", i+1, c)
		}
	}
	if len(*rejected) != 1 || (*rejected)[0] != limits.Downloads {
		t.Errorf("OnReject saw %v, want one downloads", *rejected)
	}
}

// Low-zoom renders wait for room in their bound, and are refused with a
// 503 and Retry-After once the queue time runs out; renders above the low
// zooms never wait.
func TestLowZoomRendersAreBounded(t *testing.T) {
	lim, rejected := heavyLimiter(t, limits.HeavyConcurrency{LowZoomTiles: 1})
	admit := admitLowZoomRenders(lim)
	ctx := context.Background()
	release, err := admit(ctx, lim.LowZoomMax())
	if err != nil {
		t.Fatalf("first low-zoom render: %v", err)
	}
	if _, err := admit(ctx, 0); err == nil {
		t.Fatal("a second low-zoom render was admitted past a bound of one")
	} else {
		var he *httpx.Error
		if !errors.As(err, &he) || he.Status != http.StatusServiceUnavailable || he.RetryAfter < time.Second {
			t.Errorf("refusal %v, want a 503 with a Retry-After", err)
		}
		w := httptest.NewRecorder()
		httpx.WriteError(w, httptest.NewRequest("GET", "/tiles/roads/0/0/0", nil), err)
		if w.Code != 503 || w.Header().Get("Retry-After") != "1" || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("written as %d, Retry-After %q, %s", w.Code, w.Header().Get("Retry-After"), w.Header().Get("Content-Type"))
		}
	}
	deep, err := admit(ctx, lim.LowZoomMax()+1)
	if err != nil {
		t.Fatalf("a render above the low zooms waited on their bound: %v", err)
	}
	deep()
	release()
	again, err := admit(ctx, 3)
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	again()
	if len(*rejected) != 1 || (*rejected)[0] != limits.LowZoomTiles {
		t.Errorf("OnReject saw %v, want one low_zoom_tiles", *rejected)
	}
}

// TestLongTransfers runs a real server with a write timeout shorter than
// a slow response: an ordinary route is cut off, a download is not.
func TestLongTransfers(t *testing.T) {
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond) // past the write timeout
		io.WriteString(w, "done")
	})
	log := slog.New(slog.DiscardHandler)
	srv := httptest.NewUnstartedServer(longTransfers(time.Minute, heavyClass(), log, slow))
	srv.Config.WriteTimeout = 50 * time.Millisecond
	srv.Start()
	defer srv.Close()
	get := func(path string) (string, error) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if body, err := get("/collections/roads/items?f=csv"); err != nil || body != "done" {
		t.Errorf("download: %q, %v; want it to outlast the write timeout", body, err)
	}
	if body, err := get("/collections/roads/items"); err == nil && body == "done" {
		t.Errorf("ordinary request outlasted the write timeout; the test shows nothing")
	}
}

// noLayers is a store with nothing in it.
type noLayers struct{}

func (noLayers) Layers(context.Context) ([]layer.Layer, error)                      { return nil, nil }
func (noLayers) Load(context.Context, *layer.Layer, func(store.Record) error) error { return nil }
func (noLayers) Close() error                                                       { return nil }

// TestServerRateLimits checks the wiring: the server's configuration
// reaches the limiter, which sits behind authentication.
func TestServerRateLimits(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	c := cache.New(noLayers{}, nil, log)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.AnonymousRPS, cfg.Limits.AnonymousBurst = 0.01, 2
	srv, err := NewWith(cfg, c, log, "test", Backends{})
	if err != nil {
		t.Fatal(err)
	}
	codes := []int{}
	for range 3 {
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/conformance", nil)) // from 192.0.2.1
		codes = append(codes, w.Code)
		if w.Code == http.StatusTooManyRequests && w.Header().Get("Retry-After") != "100" {
			t.Errorf("Retry-After %q, want 100", w.Header().Get("Retry-After"))
		}
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != http.StatusTooManyRequests {
		t.Errorf("statuses %v, want 200 200 429", codes)
	}
	// Bad credentials are no way around the limit: each is charged to its
	// address as an anonymous request, and once the bucket is empty the
	// answer is 429, not yet another signature check's 401.
	codes = codes[:0]
	for range 3 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/conformance", nil)
		r.RemoteAddr = "198.51.100.7:4000"
		r.Header.Set("X-API-Key", "csdi_not-a-key")
		srv.Handler().ServeHTTP(w, r)
		codes = append(codes, w.Code)
	}
	if codes[0] != 401 || codes[1] != 401 || codes[2] != http.StatusTooManyRequests {
		t.Errorf("bad keys: statuses %v, want 401 401 429", codes)
	}
	// Loopback callers (the test suite, benchmarks) are not limited.
	for range 5 {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/conformance", nil)
		r.RemoteAddr = "127.0.0.1:9999"
		srv.Handler().ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("loopback: %d", w.Code)
		}
	}
	cfg.Limits.MaxTracked = 1
	if _, err := NewWith(cfg, c, log, "test", Backends{}); err == nil || !strings.Contains(err.Error(), "limits.max_tracked") {
		t.Errorf("max_tracked 1: %v, want an error naming limits.max_tracked", err)
	}
}
