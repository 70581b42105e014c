package styles

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// toolDir is the npm project holding the style specification's validator
// (and the viewer's browser tooling).
var toolDir = filepath.Join("..", "internal", "viewer")

// requireNode returns the path of node and checks that internal/viewer's
// node_modules is installed. Without them it skips, unless make test said
// they must be there (CSDI_TEST_REQUIRE_BROWSER=1): then it fails.
func requireNode(t *testing.T) string {
	t.Helper()
	fail := t.Skipf
	if os.Getenv("CSDI_TEST_REQUIRE_BROWSER") != "" {
		fail = t.Fatalf
	}
	node, err := exec.LookPath("node")
	if err != nil {
		fail("node is not installed: style validation needs Node.js 20 or later")
	}
	if _, err := os.Stat(filepath.Join(toolDir, "node_modules", "@maplibre", "maplibre-gl-style-spec")); err != nil {
		fail("internal/viewer/node_modules is missing: run `npm ci --prefix internal/viewer` (make test does)")
	}
	return node
}

// TestStylesValidate renders every style the handler serves for the demo
// catalogue, and the generated styles of layers of every geometry type,
// and validates each with the MapLibre style specification.
func TestStylesValidate(t *testing.T) {
	node := requireNode(t)
	dir := t.TempDir()
	generatedCatalog := catalog{
		{ID: "polygons", GeometryType: layer.Polygon, MinZoom: 5, MaxZoom: 22, Fields: []layer.Field{{Name: "name_en"}, {Name: "name_zh"}}},
		{ID: "lines", GeometryType: layer.MultiLineString, MaxZoom: 22, Fields: []layer.Field{{Name: "name_zh"}}},
		{ID: "points", GeometryType: layer.Point, MaxZoom: 22, Fields: []layer.Field{{Name: "name_en"}}},
		{ID: "anything", GeometryType: layer.AnyGeometry, MaxZoom: 22},
	}
	var files []string
	for i, c := range []catalog{demoCatalog(), generatedCatalog} {
		rec := serve(t, c, "/styles")
		var doc listDoc
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for _, s := range doc.Styles {
			rec := serve(t, c, "/styles/"+s.ID)
			if rec.Code != http.StatusOK {
				t.Fatalf("style %s: %d", s.ID, rec.Code)
			}
			f := filepath.Join(dir, fmt.Sprintf("%d-%s.json", i, s.ID))
			if err := os.WriteFile(f, rec.Body.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	script, _ := filepath.Abs(filepath.Join(toolDir, "test", "validate-styles.mjs"))
	cmd := exec.CommandContext(ctx, node, append([]string{script}, files...)...)
	cmd.Dir = toolDir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("style validation failed: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
