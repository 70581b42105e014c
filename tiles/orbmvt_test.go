// Cross-checks every tile the tests decode against orb's encoding/mvt
// decoder, an independent reader of what our encoder writes.

package tiles

import (
	"fmt"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/csdi-hk/csdi/internal/cache"
)

func init() {
	crossCheck = func(t testing.TB, data []byte, layers []decodedLayer) {
		t.Helper()
		theirs, err := mvt.Unmarshal(data)
		if err != nil {
			t.Fatalf("orb cannot decode the tile: %v", err)
		}
		if len(theirs) != len(layers) {
			t.Fatalf("orb decodes %d layers, we %d", len(theirs), len(layers))
		}
		for i, l := range theirs {
			ours := layers[i]
			if l.Name != ours.Name || uint64(l.Extent) != ours.Extent || uint64(l.Version) != ours.Version {
				t.Errorf("layer %d: orb %s/%d/v%d, ours %s/%d/v%d", i, l.Name, l.Extent, l.Version, ours.Name, ours.Extent, ours.Version)
			}
			if len(l.Features) != len(ours.Features) {
				t.Fatalf("layer %s: orb decodes %d features, we %d", l.Name, len(l.Features), len(ours.Features))
			}
			for j, f := range l.Features {
				of := ours.Features[j]
				if f.ID != float64(of.ID) {
					t.Errorf("layer %s feature %d: orb id %v, ours %d", l.Name, j, f.ID, of.ID)
				}
				if !orb.Equal(f.Geometry, of.Geometry) {
					t.Errorf("layer %s feature %d: orb geometry %v\nours %v", l.Name, j, f.Geometry, of.Geometry)
				}
				if len(f.Properties) != len(of.Props) {
					t.Errorf("layer %s feature %d: orb props %v, ours %v", l.Name, j, f.Properties, of.Props)
				}
				for k, v := range of.Props {
					if fmt.Sprint(asOrbValue(v)) != fmt.Sprint(f.Properties[k]) {
						t.Errorf("layer %s feature %d %s: orb %v, ours %v", l.Name, j, k, f.Properties[k], v)
					}
				}
			}
		}
	}
}

// asOrbValue converts a value as orb's decoder reports numbers: float64.
func asOrbValue(v any) any {
	switch v := v.(type) {
	case uint64:
		return float64(v)
	case int64:
		return float64(v)
	}
	return v
}

// TestOrbDecodesWhatWeDecode makes sure the cross-check ran at all.
func TestOrbDecodesWhatWeDecode(t *testing.T) {
	calls := 0
	check := crossCheck
	crossCheck = func(t testing.TB, data []byte, layers []decodedLayer) { calls++; check(t, data, layers) }
	defer func() { crossCheck = check }()
	TestEncodeGeometry(t)
	if calls == 0 {
		t.Error("the orb cross-check never ran")
	}
}

// BenchmarkOrbMarshal times orb's mvt.Marshal on the dense z15 tile's
// content, already projected, clipped and simplified: only the protobuf
// stage, to set beside BenchmarkEncodeDense/z15, which does everything.
func BenchmarkOrbMarshal(b *testing.B) {
	snap := city(b, "buildings")
	t := tileAt(mongKokLon, mongKokLat, 15)
	data, err := Encode(b.Context(), t.Z, t.X, t.Y, []*cache.Snapshot{snap}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	layers, err := mvt.Unmarshal(data)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mvt.Marshal(layers); err != nil {
			b.Fatal(err)
		}
	}
}
