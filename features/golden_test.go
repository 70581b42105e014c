package features

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/features")

const goldenDir = "../testdata/features"

// Golden answers, byte for byte: the clock is fixed and the host is
// testBase, so they only change when the encoders do.
func TestGolden(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct {
		file   string
		target string
	}{
		{"items_bbox.geojson", "/collections/buildings/items?bbox=114.169,22.319,114.179,22.324&limit=3"},
		{"item.geojson", "/collections/buildings/items/5"},
		{"item_string_id.geojson", "/collections/places/items/NT-ST"},
		{"items.html", "/collections/buildings/items?bbox=114.169,22.319,114.179,22.324&limit=3&f=html"},
		{"item.html", "/collections/places/items/KLN-MK?f=html&lang=zh"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r := get(t, mux, tc.target)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if filepath.Ext(tc.file) == ".geojson" && !json.Valid(r.Body) {
				t.Fatalf("invalid JSON: %s", r.Body)
			}
			path := filepath.Join(goldenDir, tc.file)
			if *update {
				if err := os.MkdirAll(goldenDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, r.Body, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if !bytes.Equal(r.Body, want) {
				actual := filepath.Join(os.TempDir(), "csdi-golden-"+tc.file)
				_ = os.WriteFile(actual, r.Body, 0o644)
				t.Errorf("%s differs from the golden file; the answer is in %s (go test -update accepts it)", tc.file, actual)
			}
		})
	}
}
