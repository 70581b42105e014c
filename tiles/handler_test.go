package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/tiles/tilecache"
)

// catalog is a fixed Catalog for the handler tests.
type catalog map[string]*cache.Snapshot

func (c catalog) Snapshot(id string) (*cache.Snapshot, bool) { s, ok := c[id]; return s, ok }
func (c catalog) Layers() []*layer.Layer {
	var ls []*layer.Layer
	for _, s := range c {
		ls = append(ls, s.Layer())
	}
	slices.SortFunc(ls, func(a, b *layer.Layer) int { return strings.Compare(a.ID, b.ID) })
	return ls
}

var _ Catalog = (*cache.Cache)(nil)

func testServer(t *testing.T) *http.ServeMux {
	t.Helper()
	buildings := newLayer("buildings",
		layer.Field{Name: "name", Type: layer.String},
		layer.Field{Name: "floors", Type: layer.Integer},
		layer.Field{Name: "listed", Type: layer.Boolean},
		layer.Field{Name: "opened", Type: layer.Date},
	)
	buildings.MinZoom, buildings.MaxZoom = 12, 22
	buildings.Description = layer.Text{En: "Building footprints"}
	buildings.Department = "LandsD"
	roads := newLayer("roads", layer.Field{Name: "ref", Type: layer.String})
	c := catalog{
		"buildings": build(t, buildings,
			pixelRecord(int64(1), orb.Polygon{square(100, 100, 400, 300)}, "Langham Place", int64(59), false, nil),
			pixelRecord(int64(2), orb.Polygon{square(1000, 1000, 1200, 1300)}, "Sino Centre", int64(22), true, nil),
		),
		"roads": build(t, roads, pixelRecord("A1", orb.LineString{{0, 2000}, {4096, 2100}}, "Nathan Road")),
	}
	mux := http.NewServeMux()
	NewHandler(c, Options{}).Register(mux)
	return mux
}

func get(mux http.Handler, url string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func tilePath(t Tile) string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

func TestHandlerTiles(t *testing.T) {
	mux := testServer(t)
	tt := testTile
	ogc := fmt.Sprintf("/collections/buildings/tiles/WebMercatorQuad/%d/%d/%d", tt.Z, tt.Y, tt.X)
	xyz := "/tiles/buildings,roads/" + tilePath(tt)

	t.Run("gzip", func(t *testing.T) {
		w := get(mux, ogc, "Accept-Encoding", "gzip")
		if w.Code != http.StatusOK {
			t.Fatalf("status %d: %s", w.Code, w.Body)
		}
		h := w.Header()
		// The test tile is smaller than compression can help: the cache
		// sends such tiles as they are (tilecache.MinCompressSize).
		if h.Get("Content-Type") != ContentType || h.Get("Content-Encoding") != "" ||
			h.Get("Vary") != "Accept-Encoding" || h.Get("ETag") == "" {
			t.Errorf("headers %v", h)
		}
		raw := w.Body.Bytes()
		if len(raw) >= tilecache.MinCompressSize {
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			if raw, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		layers := decodeTile(t, raw, DefaultBuffer)
		if len(layers) != 1 || layers[0].Name != "buildings" || len(layers[0].Features) != 2 {
			t.Errorf("got %+v", layers)
		}
	})
	t.Run("identity", func(t *testing.T) {
		w := get(mux, ogc)
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "" {
			t.Fatalf("status %d, headers %v", w.Code, w.Header())
		}
		decodeTile(t, w.Body.Bytes(), DefaultBuffer)
	})
	t.Run("several layers", func(t *testing.T) {
		for _, suffix := range []string{".mvt", ".pbf", ""} {
			w := get(mux, xyz+suffix)
			if w.Code != http.StatusOK {
				t.Fatalf("%s: status %d: %s", suffix, w.Code, w.Body)
			}
			layers := decodeTile(t, w.Body.Bytes(), DefaultBuffer)
			if len(layers) != 2 || layers[0].Name != "buildings" || layers[1].Name != "roads" {
				t.Errorf("%s: got layers %+v", suffix, layers)
			}
		}
	})
	t.Run("not modified", func(t *testing.T) {
		first := get(mux, xyz+".mvt", "Accept-Encoding", "gzip")
		etag := first.Header().Get("ETag")
		w := get(mux, xyz+".mvt", "Accept-Encoding", "gzip", "If-None-Match", `"other", W/`+etag)
		if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
			t.Errorf("status %d, %d bytes; want 304", w.Code, w.Body.Len())
		}
		if other := get(mux, "/tiles/roads,buildings/"+tilePath(tt)+".mvt", "If-None-Match", etag); other.Code != http.StatusOK {
			t.Errorf("the ETag matched another layer list: %d", other.Code)
		}
	})
	t.Run("empty tile", func(t *testing.T) {
		far := Tile{Z: tt.Z, X: tt.X + 10, Y: tt.Y}
		for _, url := range []string{
			"/tiles/buildings,roads/" + tilePath(far) + ".mvt",
			"/tiles/buildings/" + tilePath(Tile{Z: 11, X: tt.X >> 3, Y: tt.Y >> 3}) + ".mvt", // below minzoom 12
		} {
			w := get(mux, url, "Accept-Encoding", "gzip")
			if w.Code != http.StatusNoContent || w.Body.Len() != 0 || w.Header().Get("Content-Encoding") != "" {
				t.Errorf("%s: status %d, %d bytes, headers %v; want 204", url, w.Code, w.Body.Len(), w.Header())
			}
		}
	})
}

func TestHandlerErrors(t *testing.T) {
	mux := testServer(t)
	tests := []struct {
		url    string
		status int
	}{
		{"/collections/nope/tiles/WebMercatorQuad/14/7148/13388", http.StatusNotFound},
		{"/collections/nope/tiles/WebMercatorQuad/tilejson.json", http.StatusNotFound},
		{"/collections/" + strings.Repeat("n", 10000) + "/tiles/WebMercatorQuad/tilejson.json", http.StatusNotFound},
		{"/tiles/roads," + strings.Repeat("n", 10000) + "/1/0/0.mvt", http.StatusNotFound},
		{"/tiles/roads,," + strings.Repeat("n", 10000) + "/1/0/0.mvt", http.StatusBadRequest},
		{"/tiles/buildings,nope/14/13388/7148.mvt", http.StatusNotFound},
		{"/tiles/nope/tilejson.json", http.StatusNotFound},
		{"/tiles/buildings,,roads/14/13388/7148.mvt", http.StatusBadRequest},
		{"/tiles/" + strings.Repeat("roads,", maxLayersPerTile) + "roads/1/0/0.mvt", http.StatusBadRequest},
		{"/collections/buildings/tiles/WebMercatorQuad/z/0/0", http.StatusBadRequest},
		{"/collections/buildings/tiles/WebMercatorQuad/14/1.5/0", http.StatusBadRequest},
		{"/tiles/buildings/14/13388/7148.png", http.StatusBadRequest},
		{"/tiles/buildings/14/abc/7148.mvt", http.StatusBadRequest},
		{"/collections/buildings/tiles/WebMercatorQuad/25/0/0", http.StatusNotFound},
		{"/collections/buildings/tiles/WebMercatorQuad/2/4/0", http.StatusNotFound},
		{"/tiles/buildings/2/0/4.mvt", http.StatusNotFound},
		{"/tiles/buildings/2/-1/0.mvt", http.StatusBadRequest},
		{"/tiles/buildings/+2/0/0.mvt", http.StatusBadRequest},
		{"/tiles/buildings/2/01/0.mvt", http.StatusBadRequest},
		{"/tiles/buildings/2/0/-0.mvt", http.StatusBadRequest},
		{"/collections/buildings/tiles/WebMercatorQuad/02/0/0", http.StatusBadRequest},
		{"/tiles/buildings/2/0/" + strings.Repeat("1", 10000) + "x.mvt", http.StatusBadRequest},
		{"/tiles/buildings/2/0/99999999999999999999.mvt", http.StatusNotFound},
		{"/tiles/buildings/2/0/" + strings.Repeat("9", 10000) + ".mvt", http.StatusNotFound},
	}
	for _, tc := range tests {
		w := get(mux, tc.url, "Accept-Encoding", "gzip")
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.url, w.Code, tc.status, w.Body)
			continue
		}
		var p httpx.Problem
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s: content type %q", tc.url, ct)
		} else if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != tc.status || p.Detail == "" {
			t.Errorf("%s: problem %+v, %v", tc.url, p, err)
		} else if len(p.Detail) > 300 {
			t.Errorf("%.80s: detail of %d bytes echoes the request untruncated", tc.url, len(p.Detail))
		}
	}

	// the numbers too large to parse are named as given
	w := get(mux, "/tiles/x/99999999999999999999/0/0")
	var p httpx.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || !strings.HasPrefix(p.Detail, "tile 99999999999999999999/0/0 is outside") {
		t.Errorf("detail %q, %v", p.Detail, err)
	}

	// the OGC tileset metadata path is the tileset metadata, not TileJSON
	if w := get(mux, "/collections/buildings/tiles/WebMercatorQuad"); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"tilejson"`) {
		t.Errorf("/collections/buildings/tiles/WebMercatorQuad: status %d, want 200 with tileset metadata", w.Code)
	}
	r := httptest.NewRequest(http.MethodPost, "/tiles/buildings/1/0/0.mvt", nil)
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d", w.Code)
	}
}

func TestHandlerTileJSON(t *testing.T) {
	mux := testServer(t)
	var doc TileJSON
	w := get(mux, "http://csdi.example/tiles/buildings,roads/tilejson.json")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, headers %v", w.Code, w.Header())
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.TileJSON != "3.0.0" || len(doc.Tiles) != 1 ||
		doc.Tiles[0] != "http://csdi.example/tiles/buildings,roads/{z}/{x}/{y}.mvt" ||
		doc.MinZoom != 0 || doc.MaxZoom != 24 || doc.Name != "Layer buildings, Layer roads" || doc.Attribution != "LandsD" {
		t.Errorf("got %+v", doc)
	}
	if len(doc.VectorLayers) != 2 {
		t.Fatalf("vector_layers %+v", doc.VectorLayers)
	}
	b := doc.VectorLayers[0]
	wantFields := map[string]string{"name": "String", "floors": "Number", "listed": "Boolean", "opened": "String"}
	if b.ID != "buildings" || b.MinZoom != 12 || b.MaxZoom != 22 || b.Description != "Building footprints" ||
		fmt.Sprint(b.Fields) != fmt.Sprint(wantFields) {
		t.Errorf("buildings: %+v", b)
	}
	// the features span testTile, so the bounds must be inside it and the
	// centre inside the bounds
	tb := testTile.Bound()
	west, north := worldToLonLat(tb.Min)
	east, south := worldToLonLat(tb.Max)
	bb := doc.Bounds
	if bb[0] < west-1e-5 || bb[1] < south-1e-5 || bb[2] > east+1e-5 || bb[3] > north+1e-5 || bb[0] >= bb[2] || bb[1] >= bb[3] {
		t.Errorf("bounds %v, want within %v", bb, [4]float64{west, south, east, north})
	}
	if c := doc.Center; c[0] < bb[0] || c[0] > bb[2] || c[1] < bb[1] || c[1] > bb[3] || c[2] < 14 || c[2] > 24 {
		t.Errorf("center %v for bounds %v", c, bb)
	}

	// the template, filled in, serves the tile
	url := strings.NewReplacer("{z}", fmt.Sprint(testTile.Z), "{x}", fmt.Sprint(testTile.X), "{y}", fmt.Sprint(testTile.Y)).Replace(doc.Tiles[0])
	if w := get(mux, url); w.Code != http.StatusOK {
		t.Errorf("%s: status %d", url, w.Code)
	}

	w = get(mux, "https://csdi.example"+TileJSONPath("buildings"))
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("collection TileJSON: status %d, headers %v", w.Code, w.Header())
	}
	doc = TileJSON{}
	if err := json.NewDecoder(bytes.NewReader(w.Body.Bytes())).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if w.Code != http.StatusOK || doc.Tiles[0] != "https://csdi.example/collections/buildings/tiles/WebMercatorQuad/{z}/{y}/{x}" ||
		doc.MinZoom != 12 || doc.MaxZoom != 22 || doc.Description != "Building footprints" || doc.Name != "Layer buildings" {
		t.Errorf("collection TileJSON: %d %+v", w.Code, doc)
	}
	url = strings.NewReplacer("{z}", fmt.Sprint(testTile.Z), "{x}", fmt.Sprint(testTile.X), "{y}", fmt.Sprint(testTile.Y)).Replace(doc.Tiles[0])
	if w := get(mux, url); w.Code != http.StatusOK {
		t.Errorf("%s: status %d", url, w.Code)
	}
}

func TestTileJSONPath(t *testing.T) {
	if got, want := TileJSONPath("a b/c"), "/collections/a%20b%2Fc/tiles/WebMercatorQuad/tilejson.json"; got != want {
		t.Errorf("TileJSONPath = %q, want %q", got, want)
	}
}

// goneWriter is a client that went away once the status was sent: every
// body write fails.
type goneWriter struct {
	header  http.Header
	headers []int // each WriteHeader call's status
}

func (w *goneWriter) Header() http.Header  { return w.header }
func (w *goneWriter) WriteHeader(code int) { w.headers = append(w.headers, code) }
func (w *goneWriter) Write([]byte) (int, error) {
	if len(w.headers) == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return 0, errors.New("write tcp: broken pipe")
}

// TestHandlerClientGone checks a failed body write is logged at debug
// level only: no 500 logged, no second status written.
func TestHandlerClientGone(t *testing.T) {
	var logged bytes.Buffer
	httpx.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	defer func() { httpx.Logger = slog.Default() }()
	mux := testServer(t)
	for _, url := range []string{
		"/tiles/buildings,roads/" + tilePath(testTile) + ".mvt",
		fmt.Sprintf("/collections/buildings/tiles/WebMercatorQuad/%d/%d/%d", testTile.Z, testTile.Y, testTile.X),
		"/tiles/buildings,roads/tilejson.json",
		TileJSONPath("buildings"),
	} {
		logged.Reset()
		w := &goneWriter{header: http.Header{}}
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, url, nil))
		if fmt.Sprint(w.headers) != "[200]" {
			t.Errorf("%s: statuses %v, want one 200", url, w.headers)
		}
		if log := logged.String(); strings.Contains(log, "level=ERROR") || strings.Contains(log, "level=WARN") {
			t.Errorf("%s: logged %q, want at most a debug line", url, log)
		}
	}
}

// TestHandlerNoBuffer checks a negative Buffer turns the buffer off through
// the handler too, which applies the defaults before Encode applies them
// again.
func TestHandlerNoBuffer(t *testing.T) {
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Polygon{square(-500, 96, 200, 304)}))
	for _, tc := range []struct {
		opts   Options
		buffer int
	}{
		{Options{}, DefaultBuffer},
		{Options{Buffer: 16}, 16},
		{Options{Buffer: -1}, 0},
		{Options{Buffer: -64}, 0},
	} {
		mux := http.NewServeMux()
		NewHandler(catalog{"l": snap}, tc.opts).Register(mux)
		w := get(mux, "/tiles/l/"+tilePath(testTile)+".mvt")
		if w.Code != http.StatusOK {
			t.Fatalf("%+v: status %d", tc.opts, w.Code)
		}
		layers := decodeTile(t, w.Body.Bytes(), tc.buffer)
		b := float64(tc.buffer)
		pixelBound(orb.Bound{Min: orb.Point{-b, 96}, Max: orb.Point{200, 304}}, (200+b)*208)(t, layers[0].Features[0].Geometry)
	}
}

// AdmitRender is asked only for a tile the cache does not hold, with its
// zoom; what it refuses is answered as it says (the server's busy 503),
// and a cached tile is served without asking.
func TestAdmitRenderOnlyOnMisses(t *testing.T) {
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Polygon{square(100, 96, 200, 304)}))
	var asked []int
	busy := false
	mux := http.NewServeMux()
	NewHandler(catalog{"l": snap}, Options{AdmitRender: func(ctx context.Context, z int) (func(), error) {
		asked = append(asked, z)
		if busy {
			return nil, &httpx.Error{Status: http.StatusServiceUnavailable, Msg: "busy", RetryAfter: time.Second}
		}
		return func() {}, nil
	}}).Register(mux)
	path := "/tiles/l/" + tilePath(testTile) + ".mvt"
	if w := get(mux, path); w.Code != http.StatusOK {
		t.Fatalf("cold: %d %s", w.Code, w.Body)
	}
	busy = true
	if w := get(mux, path); w.Code != http.StatusOK {
		t.Errorf("cached while renders are refused: %d, want it served", w.Code)
	}
	if !slices.Equal(asked, []int{testTile.Z}) {
		t.Errorf("asked for %v, want once for zoom %d (the miss only)", asked, testTile.Z)
	}
	other := testTile
	other.X++
	w := get(mux, "/tiles/l/"+tilePath(other)+".mvt")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
		t.Errorf("refused render: %d, Retry-After %q; want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
}
