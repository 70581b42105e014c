package ingest

import (
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

// shapeProblems names the part a problem is in ("ring 0 of polygon 3"),
// though it only spells the name out when there is a problem.
func TestShapeProblemsNameTheirPart(t *testing.T) {
	nan := math.NaN()
	ring := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	open := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}
	short := orb.Ring{{0, 0}, {1, 0}, {0, 0}}
	bad := orb.Ring{{0, 0}, {nan, 0}, {1, 1}, {0, 0}}
	outside := "is outside the range of its coordinate reference system or not a finite number"
	for _, c := range []struct {
		g    orb.Geometry
		want []string
	}{
		{orb.Point{1, 2}, nil},
		{orb.MultiPolygon{{ring}, {ring, ring}}, nil},
		{orb.Point{nan, 1}, []string{"position 0 of the geometry " + outside}},
		{orb.MultiPoint{}, []string{"the geometry is empty; use null for a feature without geometry"}},
		{orb.LineString{{1, 1}}, []string{"the geometry has 1 position(s); a line string needs at least 2"}},
		{orb.MultiLineString{{{1, 1}}, {{1, 1}, {2, 2}}, {{nan, 1}, {1, 1}}}, []string{
			"line 0 has 1 position(s); a line string needs at least 2",
			"position 0 of line 2 " + outside}},
		{orb.Polygon{}, []string{"the geometry has no rings; use null for a feature without geometry"}},
		{orb.Polygon{ring, open, short, bad}, []string{
			"ring 1 is not closed: its first and last positions differ",
			"ring 2 has 3 position(s); a polygon ring needs at least 4",
			"position 1 of ring 3 " + outside}},
		{orb.MultiPolygon{{ring}, {open}, {}, {short, bad}}, []string{
			"ring 0 of polygon 1 is not closed: its first and last positions differ",
			"polygon 2 has no rings; use null for a feature without geometry",
			"ring 0 of polygon 3 has 3 position(s); a polygon ring needs at least 4",
			"position 1 of ring 1 of polygon 3 " + outside}},
		{orb.Collection{orb.Point{nan, 1}, orb.Collection{orb.Polygon{open}, orb.MultiPolygon{{ring}, {short}}}, orb.LineString{{1, 1}}}, []string{
			"position 0 of member 0 " + outside,
			"ring 0 of member 0 of member 1 is not closed: its first and last positions differ",
			"ring 0 of polygon 1 of member 1 of member 1 has 3 position(s); a polygon ring needs at least 4",
			"member 2 has 1 position(s); a line string needs at least 2"}},
	} {
		if got := shapeProblems(4326, c.g); !slices.Equal(got, c.want) {
			t.Errorf("%v:\n got %q\nwant %q", c.g, got, c.want)
		}
	}
	// However many parts are wrong, a geometry reports a few.
	many := orb.MultiPolygon{{bad, bad, bad, bad, bad, bad}, {bad, bad, bad, bad, bad, bad}}
	if got := shapeProblems(4326, many); len(got) != maxShapeProblems || got[9] != "position 1 of ring 3 of polygon 1 "+outside {
		t.Errorf("%d problems, last %q", len(got), got[len(got)-1])
	}
}

func BenchmarkShapeProblems(b *testing.B) {
	p := orb.Polygon{{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.4}, {114.1, 22.3}}}
	b.ReportAllocs()
	for b.Loop() {
		if ps := shapeProblems(4326, p); ps != nil {
			b.Fatal(ps)
		}
	}
}
