package postgis

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/csdi-hk/csdi/internal/store/storetest"
)

func TestDecodeGeometry(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		in   orb.Geometry
		want orb.Geometry
	}{
		{"point", orb.Point{1, 2}, orb.Point{1, 2}},
		{"empty point", orb.Point{nan, nan}, nil},
		{"polygon", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
		{"empty polygon", orb.Polygon{}, nil},
		{"empty linestring", orb.LineString{}, nil},
		{"empty multilinestring", orb.MultiLineString{}, nil},
		{"empty multipolygon", orb.MultiPolygon{}, nil},
		{"multipoint with an empty point", orb.MultiPoint{{nan, nan}, {3, 4}}, orb.MultiPoint{{3, 4}}},
		{"multipoint of empties", orb.MultiPoint{{nan, nan}}, nil},
		{"empty collection", orb.Collection{}, nil},
		{"collection with empties", orb.Collection{orb.Point{nan, nan}, orb.LineString{}, orb.Point{1, 2}},
			orb.Collection{orb.Point{1, 2}}},
		{"nested collection", orb.Collection{orb.Collection{orb.Point{nan, nan}}, orb.Polygon{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}},
			orb.Collection{orb.Polygon{{{0, 0}, {1, 0}, {0, 1}, {0, 0}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeGeometry(wkb.MustMarshal(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !storetest.GeometryEqual(got, tt.want, 0) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
	for _, bad := range [][]byte{nil, {1}, {1, 8, 0, 0, 0}, {7, 1, 0, 0, 0, 0, 0}} {
		if _, err := decodeGeometry(bad); err == nil {
			t.Errorf("decodeGeometry(%x) succeeded", bad)
		}
	}
}

// Whatever the bytes, decoding returns an error or a geometry: it never
// panics, as a single odd row must not take a load down.
func FuzzDecodeGeometry(f *testing.F) {
	for _, g := range []orb.Geometry{
		orb.Point{1, 2}, orb.MultiPoint{{1, 2}}, orb.LineString{{0, 0}, {1, 1}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 0}}}},
		orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}},
	} {
		f.Add(wkb.MustMarshal(g))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = decodeGeometry(b)
	})
}
