package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// demoStore serves a small demo dataset straight from its generator.
type demoStore struct{}

func (demoStore) Layers(context.Context) ([]layer.Layer, error) { return demo.Layers(), nil }
func (demoStore) Close() error                                  { return nil }
func (demoStore) Load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	for rec, err := range demo.Records(l.ID, demo.Options{Buildings: 200, Seed: 1}) {
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testServer struct {
	*httptest.Server
	srv              *Server
	logs             *syncBuffer
	adminKey, viewer string
}

// newTestServer serves the small demo cache, logging JSON at debug level,
// with an admin and a viewer API key.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := loadedDemo(t, log)
	cfg := defaultConfig(t)
	adminKey, adminHash, err := auth.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	viewerKey, viewerHash, err := auth.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth.APIKeys = []auth.APIKey{
		{Name: "ops", Department: "csdi", Roles: []auth.Role{auth.Admin}, Hash: adminHash},
		{Name: "gis", Department: "landsd", Roles: []auth.Role{auth.Viewer}, Hash: viewerHash},
	}
	srv, err := NewWith(cfg, c, log, "v-test", Backends{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &testServer{Server: hs, srv: srv, logs: logs, adminKey: adminKey, viewer: viewerKey}
}

func (ts *testServer) get(t *testing.T, path, key string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestMetricsEndpoint(t *testing.T) {
	ts := newTestServer(t)
	tile := "/collections/roads/tiles/WebMercatorQuad/11/893/1673"
	for range 2 { // a miss, then a hit
		if res, body := ts.get(t, tile, ""); res.StatusCode != 200 && res.StatusCode != 204 {
			t.Log(body)
			t.Fatalf("tile: %d", res.StatusCode)
		}
	}
	ts.get(t, "/collections/roads/items/1", "")
	ts.get(t, "/collections/roads/items/2", "")
	ts.get(t, "/nowhere/at/all", "")

	res, body := ts.get(t, "/metrics", ts.adminKey)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("/metrics: %d %v", res.StatusCode, res.Header)
	}
	for _, want := range []string{
		`csdi_http_requests_total{route="/collections/{collectionId}/tiles/{tileMatrixSetId}/{z}/{y}/{x}",method="GET",status="`,
		`csdi_http_requests_total{route="/collections/{collectionId}/items/{featureId}",method="GET",status="200"} 2`,
		`csdi_http_requests_total{route="/",method="GET",status="404"} 1`,
		`csdi_http_request_duration_seconds_bucket{route="/collections/{collectionId}/items/{featureId}",method="GET",status="2xx",le="+Inf"} 2`,
		`csdi_http_request_duration_seconds_count{route="/",method="GET",status="4xx"} 1`,
		"# TYPE csdi_http_request_duration_seconds histogram",
		"csdi_tile_cache_hits_total 1\n",
		"csdi_tile_cache_misses_total 1\n",
		"csdi_tile_cache_bytes ",
		"csdi_tile_cache_entries 1\n",
		`csdi_cache_features{layer="roads",view="full"} `,
		`csdi_cache_bytes{layer="buildings",view="full"} `,
		"csdi_cache_loaded 1\n",
		"# TYPE csdi_rate_limited_total counter",
		`csdi_build_info{version="v-test"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "/nowhere") || strings.Contains(body, `/items/1"`) {
		t.Error("raw paths must not become labels")
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestAdminOnlyEndpointsHide(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		for who, key := range map[string]string{"anonymous": "", "viewer": ts.viewer} {
			res, body := ts.get(t, path, key)
			_, nowhere := ts.get(t, "/no"+path, key)
			if res.StatusCode != 404 || !strings.Contains(body, "there is nothing at "+path) ||
				strings.ReplaceAll(nowhere, "/no"+path, path) != body {
				t.Errorf("%s %s: %d %q; want the 404 of a missing path", who, path, res.StatusCode, body)
			}
		}
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline", "/metrics"} {
		if res, _ := ts.get(t, path, ts.adminKey); res.StatusCode != 200 {
			t.Errorf("admin %s: %d", path, res.StatusCode)
		}
	}
}

func TestMetricsListener(t *testing.T) {
	ts := newTestServer(t)
	ts.get(t, "/collections", "")
	ms := httptest.NewServer(ts.srv.MetricsHandler())
	defer ms.Close()
	res, err := http.Get(ms.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `csdi_http_requests_total{route="/collections",method="GET",status="200"} 1`) {
		t.Errorf("metrics listener: %d\n%s", res.StatusCode, body)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, err := http.Get(ms.URL + path); err != nil || res.StatusCode != 200 {
			t.Errorf("%s on the metrics listener: %v %v", path, res, err)
		}
	}
	if res, err := http.Get(ms.URL + "/debug/pprof/"); err != nil || res.StatusCode != 404 {
		t.Errorf("pprof must not be on the unauthenticated listener: %v %v", res, err)
	}
}

// logLine finds the JSON request log line of path.
func logLine(t *testing.T, logs, path string) map[string]any {
	t.Helper()
	for line := range strings.Lines(logs) {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "request" && m["path"] == path {
			return m
		}
	}
	t.Fatalf("no request log line for %s in\n%s", path, logs)
	return nil
}

func TestRequestIDs(t *testing.T) {
	ts := newTestServer(t)
	cases := []struct {
		name, incoming string
		kept           bool
	}{
		{"none", "", false},
		{"kept", "nginx-4f2a.9:1_b", true},
		{"too long", strings.Repeat("a", maxRequestID+1), false},
		{"log injection", "abc\" level=ERROR msg=forged", false},
		{"non-ascii", "請求", false},
	}
	seen := map[string]bool{}
	for i, tc := range cases {
		path := "/collections/roads/items/" + string(rune('1'+i))
		var hdr []string
		if tc.incoming != "" {
			hdr = []string{"X-Request-Id", tc.incoming}
		}
		res, _ := ts.get(t, path, ts.viewer, hdr...)
		id := res.Header.Get("X-Request-Id")
		switch {
		case tc.kept && id != tc.incoming:
			t.Errorf("%s: id %q, want the incoming one kept", tc.name, id)
		case !tc.kept && (id == tc.incoming || !validRequestID(id)):
			t.Errorf("%s: id %q, want a fresh one", tc.name, id)
		case seen[id]:
			t.Errorf("%s: id %q reused", tc.name, id)
		}
		seen[id] = true
		line := logLine(t, ts.logs.String(), path)
		if line["request_id"] != id || line["route"] != "/collections/{collectionId}/items/{featureId}" ||
			line["method"] != "GET" || line["status"] != float64(200) || line["actor"] != "landsd/gis" {
			t.Errorf("%s: log line %v", tc.name, line)
		}
	}
}

func TestRouteOfUnroutedRefusal(t *testing.T) {
	ts := newTestServer(t)
	// A bad key is refused before the mux routes: the route still comes
	// from the pattern, and the log line has no actor.
	res, _ := ts.get(t, "/collections/roads/items/7", "csdi_not-a-key")
	if res.StatusCode != 401 {
		t.Fatalf("bad key: %d", res.StatusCode)
	}
	line := logLine(t, ts.logs.String(), "/collections/roads/items/7")
	if line["route"] != "/collections/{collectionId}/items/{featureId}" || line["actor"] != nil {
		t.Errorf("log line %v", line)
	}
}

func TestContextLoggerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := withRequestIDs(slog.New(slog.NewJSONHandler(&buf, nil)))
	if withRequestIDs(log) != log {
		t.Error("wrapped twice")
	}
	o := newObserver("x")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /x/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.With("part", "test").InfoContext(r.Context(), "inside")
	})
	h := observeRequests(log, o, mux, noteRoute(mux))
	req := httptest.NewRequest("GET", "/x/1", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	h.ServeHTTP(httptest.NewRecorder(), req)
	if !strings.Contains(buf.String(), `"msg":"inside","part":"test","request_id":"abc-123"`) {
		t.Errorf("log: %s", buf.String())
	}
}

func TestMethodLabelBounded(t *testing.T) {
	if methodLabel("BREW") != "other" || methodLabel("GET") != "GET" {
		t.Error("unknown methods must share one label")
	}
	if routeOf("GET /a/{b}") != "/a/{b}" || routeOf("/debug/pprof/") != "/debug/pprof/" || routeOf("") != "" {
		t.Error("routeOf")
	}
}

func BenchmarkObserve(b *testing.B) {
	o := newObserver("x")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			o.observe("/collections/{collectionId}/tiles/{tileMatrixSetId}/{z}/{y}/{x}", "GET", 200, 1000)
		}
	})
}

func TestRejectionsCountedByClass(t *testing.T) {
	o := newObserver("x")
	o.rejected("anonymous")
	o.rejected("anonymous")
	o.rejected("downloads")
	var buf bytes.Buffer
	o.reg.WriteTo(&buf)
	for _, want := range []string{`csdi_rate_limited_total{class="anonymous"} 2`, `csdi_rate_limited_total{class="downloads"} 1`} {
		if !strings.Contains(buf.String(), want+"\n") {
			t.Errorf("missing %q", want)
		}
	}
}
