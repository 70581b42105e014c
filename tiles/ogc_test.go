package tiles

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
)

func getJSON(t *testing.T, mux http.Handler, url string, v any) {
	t.Helper()
	w := get(mux, url)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%s: status %d, %v: %s", url, w.Code, w.Header(), w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

func TestTileMatrixSetRoutes(t *testing.T) {
	mux := testServer(t)
	var list struct {
		TileMatrixSets []struct {
			ID    string
			URI   string
			Links []httpx.Link
		}
	}
	getJSON(t, mux, "http://csdi.example/tileMatrixSets", &list)
	if len(list.TileMatrixSets) != 2 || list.TileMatrixSets[0].ID != WebMercatorQuadID || list.TileMatrixSets[1].ID != HK1980GridID ||
		list.TileMatrixSets[1].Links[0].Href != "http://csdi.example/tileMatrixSets/HK1980Grid" {
		t.Errorf("list %+v", list)
	}
	for _, s := range TileMatrixSets {
		var doc map[string]any
		getJSON(t, mux, "/tileMatrixSets/"+s.ID+"?f=json", &doc)
		if doc["id"] != s.ID || doc["crs"] != s.CRS || len(doc["tileMatrices"].([]any)) != len(s.Matrices) {
			t.Errorf("%s: %v", s.ID, doc["id"])
		}
	}
	for url, status := range map[string]int{
		"/tileMatrixSets/WorldCRS84Quad":                    http.StatusNotFound,
		"/tileMatrixSets/WebMercatorQuad?f=html":            http.StatusBadRequest,
		"/collections/buildings/tiles/Nope":                 http.StatusNotFound,
		"/collections/nope/tiles":                           http.StatusNotFound,
		"/collections/nope/tiles/HK1980Grid":                http.StatusNotFound,
		"/tiles/Nope":                                       http.StatusNotFound,
		"/tiles/HK1980Grid?collections=nope":                http.StatusNotFound,
		"/tiles/HK1980Grid?collections=roads,,x":            http.StatusBadRequest,
		"/tiles/HK1980Grid/tilejson.json":                   http.StatusNotFound,
		"/collections/roads/tiles/HK1980Grid/tilejson.json": http.StatusNotFound,
		"/collections/roads/tiles/Nope/tilejson.json":       http.StatusNotFound,
		"/collections/roads/tiles/Nope/1/0/0":               http.StatusNotFound,
		"/collections/roads/tiles/HK1980Grid/21/0/0":        http.StatusNotFound,
		"/collections/roads/tiles/HK1980Grid/3/0/0":         http.StatusNotFound, // outside Hong Kong
		"/collections/roads/tiles/HK1980Grid/x/0/0":         http.StatusBadRequest,
		"/tiles/HK1980Grid/12/01/0":                         http.StatusBadRequest,
		"/tiles/WebMercatorQuad/1/0/0?f=png":                http.StatusBadRequest,
	} {
		w := get(mux, url)
		if w.Code != status || w.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: status %d (%s), want %d problem", url, w.Code, w.Header().Get("Content-Type"), status)
		}
	}
}

func TestTilesetRoutes(t *testing.T) {
	mux := testServer(t)
	var list tilesetsList
	getJSON(t, mux, "http://csdi.example/collections/buildings/tiles", &list)
	if len(list.Tilesets) != 2 || list.Tilesets[1].CRS != HK1980Grid.CRS || list.Tilesets[0].DataType != "vector" {
		t.Fatalf("tilesets %+v", list)
	}
	if l := list.Tilesets[0].Links; l[0].Href != "http://csdi.example/collections/buildings/tiles/WebMercatorQuad" || l[1].Rel != relTilingScheme {
		t.Errorf("links %+v", l)
	}
	getJSON(t, mux, "/tiles", &list)
	if len(list.Tilesets) != 2 || !strings.HasSuffix(list.Tilesets[1].Links[0].Href, "/tiles/HK1980Grid") {
		t.Errorf("dataset tilesets %+v", list)
	}

	for _, s := range TileMatrixSets {
		var ts tileset
		getJSON(t, mux, "http://csdi.example/collections/buildings/tiles/"+s.ID, &ts)
		if ts.DataType != "vector" || ts.CRS != s.CRS || len(ts.Layers) != 1 || ts.Layers[0].MinTileMatrix != "12" || ts.Layers[0].MaxTileMatrix != fmt.Sprint(min(22, s.MaxMatrix())) {
			t.Fatalf("%s: %+v", s.ID, ts)
		}
		if ts.TileMatrixSetLimits[0].TileMatrix != "12" || len(ts.TileMatrixSetLimits) != min(22, s.MaxMatrix())-12+1 {
			t.Errorf("%s: limits %+v", s.ID, ts.TileMatrixSetLimits)
		}
		props := ts.Layers[0].PropertiesSchema["properties"].(map[string]any)
		if props["floors"].(map[string]any)["type"] != "integer" || props["listed"].(map[string]any)["type"] != "boolean" {
			t.Errorf("%s: properties %v", s.ID, props)
		}
		var item string
		for _, l := range ts.Links {
			if l.Rel == "item" && l.Templated && l.Type == ContentType {
				item = l.Href
			}
		}
		// The limits hold the data: the tile of Mong Kok at level 16 is in
		// them, served, and decodes with both buildings; its neighbour far
		// away is outside them: 404.
		c := ts.CenterPoint.Coordinates
		if s.northEast {
			c[0], c[1] = c[1], c[0]
		}
		tile := s.TileAt(16, orb.Point(c))
		url := strings.NewReplacer("{tileMatrix}", "16", "{tileRow}", fmt.Sprint(tile.Y), "{tileCol}", fmt.Sprint(tile.X)).Replace(item)
		w := get(mux, url)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %s: status %d %s", s.ID, url, w.Code, w.Body)
		}
		if cc := w.Header().Get("Cache-Control"); cc != DefaultCacheControl {
			t.Errorf("%s: Cache-Control %q", s.ID, cc)
		}
		if n := len(decodeTile(t, w.Body.Bytes(), DefaultBuffer)[0].Features); n == 0 {
			t.Errorf("%s: %s has no features", s.ID, url)
		}
		far := strings.NewReplacer("{tileMatrix}", "16", "{tileRow}", fmt.Sprint(tile.Y+50), "{tileCol}", fmt.Sprint(tile.X)).Replace(item)
		if w := get(mux, far); w.Code != http.StatusNotFound {
			t.Errorf("%s: %s outside the limits: status %d", s.ID, far, w.Code)
		}
		below := strings.NewReplacer("{tileMatrix}", "11", "{tileRow}", fmt.Sprint(tile.Y>>5), "{tileCol}", fmt.Sprint(tile.X>>5)).Replace(item)
		if w := get(mux, below); w.Code != http.StatusNoContent {
			t.Errorf("%s: %s below the layer's zoom: status %d", s.ID, below, w.Code)
		}
	}

	var ds tileset
	getJSON(t, mux, "http://csdi.example/tiles/WebMercatorQuad?collections=roads,buildings", &ds)
	if len(ds.Layers) != 2 || ds.Layers[0].ID != "roads" || ds.TileMatrixSetLimits[0].TileMatrix != "0" ||
		!strings.HasSuffix(ds.Links[0].Href, "/tiles/WebMercatorQuad?collections=roads,buildings") {
		t.Errorf("dataset tileset %+v", ds)
	}
	getJSON(t, mux, "/tiles/HK1980Grid", &ds)
	if len(ds.Layers) != 2 || ds.Layers[0].ID != "buildings" || ds.BoundingBox == nil || ds.BoundingBox.OrderedAxes[0] != "N" {
		t.Errorf("dataset tileset of all %+v", ds)
	}
}

// TestDatasetTileDispatch checks /tiles/{a}/{b}/{c}/{d} is a dataset tile
// (level, row, column) when a is a matrix set and an XYZ tile (z, x, y)
// otherwise.
func TestDatasetTileDispatch(t *testing.T) {
	mux := testServer(t)
	tt := testTile
	xyz := get(mux, fmt.Sprintf("/tiles/buildings,roads/%d/%d/%d.mvt", tt.Z, tt.X, tt.Y))
	ogc := get(mux, fmt.Sprintf("/tiles/WebMercatorQuad/%d/%d/%d?collections=buildings,roads", tt.Z, tt.Y, tt.X))
	all := get(mux, fmt.Sprintf("/tiles/WebMercatorQuad/%d/%d/%d", tt.Z, tt.Y, tt.X))
	if xyz.Code != http.StatusOK || ogc.Code != http.StatusOK || all.Code != http.StatusOK {
		t.Fatalf("statuses %d %d %d", xyz.Code, ogc.Code, all.Code)
	}
	if !bytes.Equal(xyz.Body.Bytes(), ogc.Body.Bytes()) || !bytes.Equal(xyz.Body.Bytes(), all.Body.Bytes()) {
		t.Error("the XYZ and the dataset tile differ")
	}
	// Swapping row and column finds nothing there: 404 on the OGC route
	// (outside the limits), 204 on XYZ.
	if w := get(mux, fmt.Sprintf("/tiles/WebMercatorQuad/%d/%d/%d", tt.Z, tt.X, tt.Y)); w.Code != http.StatusNotFound {
		t.Errorf("swapped OGC tile: status %d", w.Code)
	}
	var doc TileJSON
	getJSON(t, mux, "http://csdi.example/tiles/WebMercatorQuad/tilejson.json?collections=roads", &doc)
	if len(doc.VectorLayers) != 1 || doc.Tiles[0] != "http://csdi.example/tiles/WebMercatorQuad/{z}/{y}/{x}?collections=roads" {
		t.Errorf("dataset TileJSON %+v", doc)
	}
	url := strings.NewReplacer("{z}", fmt.Sprint(tt.Z), "{x}", fmt.Sprint(tt.X), "{y}", fmt.Sprint(tt.Y)).Replace(doc.Tiles[0])
	if w := get(mux, url); w.Code != http.StatusOK || len(decodeTile(t, w.Body.Bytes(), DefaultBuffer)) != 1 {
		t.Errorf("%s: status %d", url, w.Code)
	}
}

func TestCacheControl(t *testing.T) {
	mk := func(id, cc string) *cache.Snapshot {
		l := newLayer(id)
		l.CacheControl = cc
		return build(t, l, pixelRecord(int64(1), orb.Point{100, 100}))
	}
	c := catalog{
		"a": mk("a", "public, max-age=3600"), "b": mk("b", "public, max-age=30"),
		"c": mk("c", ""), "p": mk("p", "private, max-age=600"), "n": mk("n", "no-store"),
	}
	mux := http.NewServeMux()
	NewHandler(c, Options{CacheControl: "public, max-age=120"}).Register(mux)
	for list, want := range map[string]string{
		"a": "public, max-age=3600", "c": "public, max-age=120", "a,b": "public, max-age=30", "a,c": "public, max-age=120",
		"a,p": "private, max-age=600", "p,n,a": "no-store",
	} {
		w := get(mux, "/tiles/"+list+"/"+tilePath(testTile))
		if got := w.Header().Get("Cache-Control"); w.Code != http.StatusOK || got != want {
			t.Errorf("%s: status %d, Cache-Control %q, want %q", list, w.Code, got, want)
		}
	}
}

// TestOverBudgetWarnsOnce checks a tile that cannot meet the budget is
// served, smallest, with one warning for any number of requests.
func TestOverBudgetWarnsOnce(t *testing.T) {
	var logged bytes.Buffer
	httpx.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	defer func() { httpx.Logger = slog.Default() }()
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Polygon{square(100, 100, 900, 900)}, nil))
	mux := http.NewServeMux()
	NewHandler(catalog{"l": snap}, Options{MaxTileBytes: 10}).Register(mux)
	for range 3 {
		if w := get(mux, "/tiles/l/"+tilePath(testTile)); w.Code != http.StatusOK {
			t.Fatalf("status %d", w.Code)
		}
	}
	if n := strings.Count(logged.String(), "level=WARN"); n != 1 || !strings.Contains(logged.String(), "over budget") {
		t.Errorf("logged %q", logged.String())
	}
}

func TestConformanceAndLinks(t *testing.T) {
	cc := ConformanceClasses()
	for _, want := range []string{"ogcapi-tiles-1/1.0/conf/core", "conf/mvt", "conf/dataset-tilesets", "tms/2.0/conf/json-tilematrixset"} {
		found := false
		for _, c := range cc {
			found = found || strings.HasSuffix(c, want)
		}
		if !found {
			t.Errorf("no conformance class %s", want)
		}
	}
	links := LandingLinks("https://x")
	if links[0].Rel != relTilingSchemes || links[0].Href != "https://x/tileMatrixSets" || links[1].Rel != relTilesetsVector {
		t.Errorf("links %+v", links)
	}
}
