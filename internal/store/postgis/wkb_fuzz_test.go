package postgis

import (
	"bytes"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// FuzzDecodeGeometryRoundTrip: whatever WKB decodeGeometry accepts, the
// geometry it gives (empty parts dropped) encodes again, and that encoding
// is a fixed point: decoded and encoded once more it is the same bytes, so
// the one in-memory model loses nothing a second trip could.
func FuzzDecodeGeometryRoundTrip(f *testing.F) {
	for _, g := range []orb.Geometry{
		orb.Point{836694.05, 819069.8},
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.LineString{{114.15, 22.28}, {114.16, 22.29}},
		orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, {{0.2, 0.2}, {0.4, 0.2}, {0.2, 0.4}, {0.2, 0.2}}},
		orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
		orb.Collection{orb.Point{1, 2}, orb.Collection{orb.LineString{{0, 0}, {1, 1}}}},
	} {
		f.Add(wkb.MustMarshal(g))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := decodeGeometry(b)
		if err != nil || g == nil {
			return
		}
		once, err := wkb.Marshal(g)
		if err != nil {
			t.Fatalf("decoded %T does not encode: %v", g, err)
		}
		g2, err := decodeGeometry(once)
		if err != nil || g2 == nil {
			t.Fatalf("re-encoded %T decodes as %v, %v", g, g2, err)
		}
		twice, err := wkb.Marshal(g2)
		if err != nil || !bytes.Equal(once, twice) {
			t.Fatalf("%T changed on a second trip (%v)", g, err)
		}
	})
}
