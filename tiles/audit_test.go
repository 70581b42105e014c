package tiles

import (
	"context"
	"testing"

	"github.com/csdi-hk/csdi/internal/cache"
)

// featuresIn counts what a full decoder finds, layer by layer, and reads
// a truncated tile without panicking.
func TestFeaturesInCountsTheLayersFeatures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 100 000-building city")
	}
	snaps := []*cache.Snapshot{city(t, "buildings"), city(t, "others")}
	tile := tileAt(mongKokLon, mongKokLat, 15)
	data, err := Encode(context.Background(), tile.Z, tile.X, tile.Y, snaps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	layers := decodeTile(t, data, 64)
	for _, name := range []string{"buildings", "others", "absent"} {
		want := 0
		if l := layerNamed(layers, name); l != nil {
			want = len(l.Features)
		}
		if got := featuresIn(data, name); got != want {
			t.Errorf("layer %s: %d features, the decoder finds %d", name, got, want)
		}
	}
	if featuresIn(data, "buildings") == 0 {
		t.Fatal("the tile holds no buildings: nothing was tested")
	}
	for cut := 0; cut < len(data); cut += 1 + len(data)/97 {
		featuresIn(data[:cut], "buildings")
	}
}
