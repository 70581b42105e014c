package tiles

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// FuzzTileRoute sends tile URLs built from fuzzed path segments (a layer
// list or matrix set id, z, x, y and a collections parameter) through the
// whole tile mux. Whatever the segments, the answer is never a 5xx, every
// error is a problem document, a tile is served only for coordinates
// ParseTile accepts, and the XYZ tile of one layer is byte for byte the
// OGC collection tile with row and column swapped back (or empty where the
// OGC route answers 404, outside its tileset's limits).
func FuzzTileRoute(f *testing.F) {
	tt := testTile
	z, x, y := fmt.Sprint(tt.Z), fmt.Sprint(tt.X), fmt.Sprint(tt.Y)
	for _, seed := range [][5]string{
		{"buildings", z, x, y, ""},
		{"buildings", z, x, y + ".mvt", ""},
		{"buildings,roads", z, x, y + ".pbf", ""},
		{"roads,buildings,roads", z, x, y, ""},
		{"WebMercatorQuad", z, y, x, "buildings,roads"},
		{"HK1980Grid", "3", "1", "2", "roads"},
		{"buildings,", z, x, y, ""},
		{",", "0", "0", "0", ""},
		{"nope", z, x, y, ""},
		{"buildings", "01", x, y, ""},
		{"buildings", z, "-1", y, ""},
		{"buildings", "31", "0", "0", ""},
		{"buildings", z, x, y + ".png", ""},
		{"WebMercatorQuad", z, y, x, ",,"},
		{"a/b", "1", "1", "1", "x"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}
	var (
		once sync.Once
		mux  *http.ServeMux
	)
	f.Fuzz(func(t *testing.T, layers, z, x, y, collections string) {
		once.Do(func() { mux = testServer(t) })
		query := ""
		if collections != "" {
			query = "?collections=" + url.QueryEscape(collections)
		}
		seg := url.PathEscape
		xyz := serveRoute(t, mux, "/tiles/"+seg(layers)+"/"+seg(z)+"/"+seg(x)+"/"+seg(y)+query)
		if xyz.Code != http.StatusOK && xyz.Code != http.StatusNoContent {
			return
		}
		if tileMatrixSet(layers) != nil {
			// the dataset route: level, row, column
			if _, err := parseTile(tileMatrixSet(layers), z, trimTileSuffix(y), x); err != nil {
				t.Fatalf("%s/%s/%s served by %s although it parses as %v", z, x, y, layers, err)
			}
			return
		}
		if _, err := ParseTile(z, x, trimTileSuffix(y)); err != nil {
			t.Fatalf("%s/%s/%s served although it parses as %v", z, x, y, err)
		}
		for _, id := range strings.Split(layers, ",") {
			if id != "buildings" && id != "roads" {
				t.Fatalf("layer list %q served although %q is no layer", layers, id)
			}
		}
		if strings.Contains(layers, ",") || trimTileSuffix(y) != y {
			return
		}
		ogc := serveRoute(t, mux, "/collections/"+seg(layers)+"/tiles/WebMercatorQuad/"+seg(z)+"/"+seg(y)+"/"+seg(x))
		if ogc.Code == http.StatusNotFound && xyz.Code == http.StatusNoContent {
			return // outside the limits the OGC tileset advertises: nothing there
		}
		if ogc.Code != xyz.Code || !bytes.Equal(ogc.Body.Bytes(), xyz.Body.Bytes()) {
			t.Fatalf("XYZ %s/%s/%s of %s: %d, %d bytes; the OGC route: %d, %d bytes",
				z, x, y, layers, xyz.Code, xyz.Body.Len(), ogc.Code, ogc.Body.Len())
		}
	})
}

// serveRoute gets target from mux and checks what every answer must be:
// no server error, and errors as problem documents.
// A path no route matches gets the bare mux's own 404, which the server
// replaces: only the tile handlers' answers are checked for problems.
func serveRoute(t *testing.T, mux *http.ServeMux, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	mux.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Fatalf("GET %s: %d %s", target, w.Code, w.Body.String())
	}
	if _, pattern := mux.Handler(r); pattern == "" {
		return w
	}
	if w.Code >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("GET %s: %d with Content-Type %q, not a problem document", target, w.Code, w.Header().Get("Content-Type"))
	}
	return w
}
