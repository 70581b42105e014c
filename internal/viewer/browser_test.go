package viewer_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/features"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/viewer"
	"github.com/csdi-hk/csdi/styles"
	"github.com/csdi-hk/csdi/tiles"
)

// demoStore serves the demo dataset straight from its generator.
type demoStore struct{ opts demo.Options }

func (demoStore) Layers(context.Context) ([]layer.Layer, error) { return demo.Layers(), nil }
func (demoStore) Close() error                                  { return nil }
func (s demoStore) Load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	for rec, err := range demo.Records(l.ID, s.opts) {
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// newServer serves the demo data with every handler the viewer uses.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	c := cache.New(demoStore{demo.Options{Buildings: 20_000, Seed: 1}}, demo.Layers(), log)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	tiles.NewHandler(c, tiles.Options{}).Register(mux)
	paths := tiles.OpenAPIPaths()
	maps.Copy(paths, styles.OpenAPIPaths())
	features.NewHandler(c, features.Options{ExtraPaths: paths}).Register(mux)
	styles.NewHandler(c).Register(mux)
	viewer.NewHandler().Register(mux)
	srv := httptest.NewServer(httpx.WithBase("", mux))
	t.Cleanup(srv.Close)
	return srv
}

// TestViewerInBrowser opens the viewer in Chromium and checks that it
// draws the demo data, opens a feature's popup and toggles layers (see
// test/browser.mjs). It needs node, internal/viewer/node_modules (npm ci)
// and Chromium; without them it skips, unless CSDI_TEST_REQUIRE_BROWSER=1
// (make test) says they must be there. The screenshot goes to
// $CSDI_ARTIFACTS_DIR/viewer.png, by default testdata/artifacts/ at the
// repository's root.
func TestViewerInBrowser(t *testing.T) {
	fail := t.Skipf
	if os.Getenv("CSDI_TEST_REQUIRE_BROWSER") != "" {
		fail = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		fail("node is not installed: the browser test needs Node.js 20 or later (set CSDI_TEST_REQUIRE_BROWSER=1 to make this a failure)")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "playwright-core")); err != nil {
		fail("internal/viewer/node_modules is missing: run `npm ci --prefix internal/viewer` (make test does)")
	}
	chromium := cmpOr(os.Getenv("CSDI_CHROMIUM"), "/usr/bin/chromium")
	if _, err := os.Stat(chromium); err != nil {
		fail("no Chromium at %s: install Debian's chromium (internal/testenv/deps.sh does) or set CSDI_CHROMIUM", chromium)
	}
	artifacts := os.Getenv("CSDI_ARTIFACTS_DIR")
	if artifacts == "" {
		artifacts, _ = filepath.Abs(filepath.Join("..", "..", "testdata", "artifacts"))
	}
	shot := filepath.Join(artifacts, "viewer.png")

	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("test", "browser.mjs"))
	cmd.Env = append(os.Environ(),
		"CSDI_BASE_URL="+srv.URL,
		"CSDI_SCREENSHOT="+shot,
		"CSDI_CHROMIUM="+chromium,
	)
	out, err := cmd.CombinedOutput()
	t.Logf("browser test output:\n%s", out)
	if err != nil {
		t.Fatalf("the viewer failed in the browser: %v (screenshot, if any: %s)", err, shot)
	}
	if !strings.Contains(string(out), "viewer OK") {
		t.Fatalf("the browser script did not finish")
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// The handlers work together on one mux, as the server wires them: the
// API document takes the styles' paths, the default style points at
// TileJSON the tiles handler serves, and the viewer's page is there.
func TestWiring(t *testing.T) {
	srv := newServer(t)
	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/api"); code != 200 || !strings.Contains(body, "/styles/{styleId}") {
		t.Errorf("/api: %d, names /styles/{styleId}: %v", code, strings.Contains(body, "/styles/{styleId}"))
	}
	code, body := get("/styles/default")
	if code != 200 {
		t.Fatalf("/styles/default: %d", code)
	}
	var style styles.Style
	if err := json.Unmarshal([]byte(body), &style); err != nil {
		t.Fatal(err)
	}
	for name, src := range style.Sources {
		path := strings.TrimPrefix(src.URL, srv.URL)
		if code, body := get(path); code != 200 || !strings.Contains(body, `"vector_layers"`) {
			t.Errorf("source %s: %s answers %d", name, src.URL, code)
		}
	}
	if code, _ := get("/map"); code != 200 {
		t.Errorf("/map: %d", code)
	}
}
