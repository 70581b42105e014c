package gpkg

import (
	"testing"

	"github.com/paulmach/orb"
)

// FuzzDecodeGeometry feeds arbitrary bytes to the decoder: it must never
// panic, and whatever it decodes must survive encoding and decoding again
// unchanged. The seeds are the valid blobs of the table tests plus our own
// encodings; testdata/fuzz/FuzzDecodeGeometry holds more.
func FuzzDecodeGeometry(f *testing.F) {
	for _, g := range []orb.Geometry{
		orb.Point{836694.05, 819069.8},
		orb.LineString{{114.15, 22.28}, {114.16, 22.29}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, {{0.2, 0.2}, {0.4, 0.2}, {0.2, 0.4}, {0.2, 0.2}}},
		orb.MultiPoint{{1, 2}, {3, 4}},
		orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}},
		orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
		orb.Collection{orb.Point{1, 2}, orb.Collection{orb.LineString{{0, 0}, {1, 1}}}},
	} {
		b, err := EncodeGeometry(g, 4326)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(le().gp(4, false, 4326, 1, 3, 2, 4, 0, 0, 0, 0).geom(3004).u32(1).geom(3001).f64(1, 2, 0, 0).b)
	f.Add(be().gp(2, false, 4326, 0, 2, 0, 3, 5, 6).geom(1002).u32(2).f64(0, 0, 5, 1, 1, 6).b)
	f.Add(le().gp(0, false, 4326).geom(0x80000001|0x20000000).u32(4326).f64(1, 2, 3).b)
	f.Add(le().gp(0, true, 4326).geom(1).f64(nan, nan).b)

	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := DecodeGeometry(b)
		if err != nil || g == nil {
			return
		}
		enc, err := EncodeGeometry(g, 4326)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", g, err)
		}
		again, err := DecodeGeometry(enc)
		if err != nil {
			t.Fatalf("decoding our own encoding of %#v: %v", g, err)
		}
		if !sameGeometry(g, again) {
			t.Fatalf("round trip changed %#v into %#v", g, again)
		}
	})
}
