package features

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestIntersects(t *testing.T) {
	r := orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}
	tri := orb.Polygon{{{2, 0}, {4, 0}, {2, 2}, {2, 0}}}
	donut := orb.Polygon{
		{{-2, -2}, {3, -2}, {3, 3}, {-2, 3}, {-2, -2}},
		{{-1, -1}, {2, -1}, {2, 2}, {-1, 2}, {-1, -1}},
	}
	tests := []struct {
		name string
		g    orb.Geometry
		want bool
	}{
		{"nil", nil, false},
		{"point inside", orb.Point{0.5, 0.5}, true},
		{"point on edge", orb.Point{1, 0.5}, true},
		{"point outside", orb.Point{1.5, 0.5}, false},
		{"multipoint one inside", orb.MultiPoint{{5, 5}, {0.2, 0.2}}, true},
		{"multipoint none inside", orb.MultiPoint{{5, 5}, {-1, 0.2}}, false},
		{"line crossing without a vertex inside", orb.LineString{{-1, 0.5}, {2, 0.5}}, true},
		{"line through a corner", orb.LineString{{-1, 2}, {2, -1}}, true},
		{"line passing by", orb.LineString{{-1, 3.5}, {3.5, -1}}, false},
		{"line touching a corner", orb.LineString{{-1, 3}, {3, -1}}, true},
		{"vertical line outside", orb.LineString{{1.5, -1}, {1.5, 2}}, false},
		{"vertical line inside", orb.LineString{{0.5, -1}, {0.5, 2}}, true},
		{"degenerate line inside", orb.LineString{{0.5, 0.5}}, true},
		{"multiline", orb.MultiLineString{{{5, 5}, {6, 6}}, {{-1, 0.5}, {2, 0.5}}}, true},
		{"polygon containing r", orb.Polygon{{{-1, -1}, {2, -1}, {2, 2}, {-1, 2}, {-1, -1}}}, true},
		{"polygon inside r", orb.Polygon{{{0.2, 0.2}, {0.8, 0.2}, {0.8, 0.8}, {0.2, 0.2}}}, true},
		{"polygon beside r", tri, false},
		{"triangle whose bound holds r", orb.Polygon{{{-0.5, 3}, {3, -0.5}, {3, 3}, {-0.5, 3}}}, false},
		{"r in a hole", donut, false},
		{"ring", orb.Ring{{-1, -1}, {2, -1}, {2, 2}, {-1, 2}, {-1, -1}}, true},
		{"multipolygon", orb.MultiPolygon{tri, {{{0.5, 0.5}, {3, 0.5}, {3, 3}, {0.5, 0.5}}}}, true},
		{"collection", orb.Collection{orb.Point{9, 9}, orb.LineString{{0.5, -1}, {0.5, 2}}}, true},
		{"bound", orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{2, 2}}, true},
		{"empty polygon", orb.Polygon{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := intersects(tc.g, r); got != tc.want {
				t.Errorf("intersects = %v, want %v", got, tc.want)
			}
		})
	}
}
