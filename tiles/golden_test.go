package tiles

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/tiles")

// goldenDir is the repository's testdata folder for this package.
var goldenDir = filepath.Join("..", "testdata", "tiles")

// TestGoldenSmallTile pins the exact bytes of one small tile, with a
// readable dump beside them so that a change shows up as a text diff.
func TestGoldenSmallTile(t *testing.T) {
	l := newLayer("landmarks",
		layer.Field{Name: "name", Type: layer.String},
		layer.Field{Name: "height", Type: layer.Number},
		layer.Field{Name: "floors", Type: layer.Integer},
		layer.Field{Name: "opened", Type: layer.Date},
	)
	opened := time.Date(2004, 12, 1, 0, 0, 0, 0, time.UTC)
	snap := build(t, l,
		pixelRecord(int64(1), orb.Polygon{square(100, 100, 400, 300), reversed(square(200, 150, 250, 200))}, "Langham Place", 255.1, int64(59), opened),
		pixelRecord(int64(2), orb.Point{2048, 2048}, "Mong Kok Station", nil, nil, nil),
		pixelRecord("nathan-rd", orb.LineString{{2000, -200}, {2010, 1000}, {2050, 4300}}, "Nathan Road", nil, nil, nil),
		pixelRecord(int64(4), orb.Polygon{square(3900, 3900, 4400, 4400)}, "Edge", 12.0, int64(-1), nil),
	)
	layers := encodeAndDecode(t, testTile, Options{}, snap)
	data, err := Encode(t.Context(), testTile.Z, testTile.X, testTile.Y, []*cache.Snapshot{snap}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dump := dumpTile(layers)
	bin, txt := filepath.Join(goldenDir, "small.mvt"), filepath.Join(goldenDir, "small.txt")
	if *update {
		if err := os.WriteFile(bin, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(txt, []byte(dump), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantTxt, err := os.ReadFile(txt)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if dump != string(wantTxt) {
		t.Errorf("tile differs from %s (rerun with -update if intended):\ngot:\n%s\nwant:\n%s", txt, dump, wantTxt)
	}
	wantBin, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, wantBin) {
		t.Errorf("tile bytes differ from %s (rerun with -update if intended)", bin)
	}
}

// dumpTile is a stable text form of decoded layers.
func dumpTile(layers []decodedLayer) string {
	var b strings.Builder
	for _, l := range layers {
		fmt.Fprintf(&b, "layer %s version %d extent %d\n  keys %q\n  values", l.Name, l.Version, l.Extent, l.Keys)
		for _, v := range l.Values {
			fmt.Fprintf(&b, " %s", typed(v))
		}
		b.WriteString("\n")
		for _, f := range l.Features {
			keys := make([]string, 0, len(f.Props))
			for k := range f.Props {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			fmt.Fprintf(&b, "  feature id %d type %d\n", f.ID, f.Type)
			for _, k := range keys {
				fmt.Fprintf(&b, "    %s = %s\n", k, typed(f.Props[k]))
			}
			fmt.Fprintf(&b, "    %s\n", wkt.MarshalString(f.Geometry))
		}
	}
	return b.String()
}

func typed(v any) string { return fmt.Sprintf("%T(%#v)", v, v) }
