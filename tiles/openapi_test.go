package tiles

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIPaths checks every documented path parameter appears in its
// path, that the document is plain JSON, and that each documented path,
// filled in, is served by the routes Register adds.
func TestOpenAPIPaths(t *testing.T) {
	paths := OpenAPIPaths()
	want := []string{
		"/collections/{collectionId}/tiles",
		"/collections/{collectionId}/tiles/{tileMatrixSetId}",
		"/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json",
		"/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
		"/tileMatrixSets",
		"/tileMatrixSets/{tileMatrixSetId}",
		"/tiles",
		"/tiles/{layers}/tilejson.json",
		"/tiles/{layers}/{z}/{x}/{y}.mvt",
		"/tiles/{tileMatrixSetId}",
		"/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
	}
	var got []string
	for path := range paths {
		got = append(got, path)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("paths %q, want %q", got, want)
	}
	mux := testServer(t)
	fill := strings.NewReplacer(
		"{collectionId}", "buildings", "{layers}", "buildings,roads", "{tileMatrixSetId}", "WebMercatorQuad",
		"{tileMatrix}", fmt.Sprint(testTile.Z), "{tileRow}", fmt.Sprint(testTile.Y), "{tileCol}", fmt.Sprint(testTile.X),
		"{z}", fmt.Sprint(testTile.Z), "{x}", fmt.Sprint(testTile.X), "{y}", fmt.Sprint(testTile.Y))
	for path, item := range paths {
		op := item.(map[string]any)["get"].(map[string]any)
		for _, p := range op["parameters"].([]any) {
			name := p.(map[string]any)["name"].(string)
			if p.(map[string]any)["in"] == "path" && !strings.Contains(path, "{"+name+"}") {
				t.Errorf("%s: parameter %s is not in the path", path, name)
			}
		}
		if _, err := json.Marshal(item); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if w := get(mux, fill.Replace(path)); w.Code != http.StatusOK {
			t.Errorf("%s: GET %s: status %d", path, fill.Replace(path), w.Code)
		}
	}
}
