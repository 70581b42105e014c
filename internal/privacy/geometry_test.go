package privacy

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

func geomPolicy(t *testing.T, gt layer.GeometryType, rule string) *Policy {
	t.Helper()
	l := homeCare(&layer.Masking{Geometry: rule})
	l.GeometryType = gt
	return compile(t, l)
}

// TestSnapCellCentre: every point of a cell is shown at the cell's centre,
// and at nothing else: the true position is gone.
func TestSnapCellCentre(t *testing.T) {
	p := geomPolicy(t, layer.Point, "snap:250")
	rnd := rand.New(rand.NewPCG(1, 2))
	for cellNo := 0; cellNo < 20; cellNo++ {
		col, row := 3340+rnd.IntN(40), 3270+rnd.IntN(40) // across Hong Kong
		var first orb.Geometry
		for i := 0; i < 50; i++ {
			e := float64(col)*250 + 0.001 + rnd.Float64()*249.998
			n := float64(row)*250 + 0.001 + rnd.Float64()*249.998
			in := world(t, e, n)
			g, ok := p.maskGeometry(cache.NumID(int64(i)), in)
			if !ok {
				t.Fatal("not masked")
			}
			if first == nil {
				first = g
				c := grid(t, g.(orb.Point))
				if math.Abs(c[0]-(float64(col)+0.5)*250) > 1e-3 || math.Abs(c[1]-(float64(row)+0.5)*250) > 1e-3 {
					t.Fatalf("cell (%d, %d) shown at %v, not its centre", col, row, c)
				}
			}
			if g != first {
				t.Fatalf("two points of one cell shown apart: %v, %v", g, first)
			}
			if g == orb.Geometry(in) {
				t.Fatal("a snapped point kept its true position")
			}
		}
	}
}

func TestSnapLinesAndPolygonsToCentroidCell(t *testing.T) {
	p := geomPolicy(t, layer.Polygon, "snap:100")
	// A 40 m square whose centroid (836070, 819030) is in cell (8360, 8190).
	sq := orb.Polygon{{world(t, 836050, 819010), world(t, 836090, 819010), world(t, 836090, 819050), world(t, 836050, 819050), world(t, 836050, 819010)}}
	g, ok := p.maskGeometry(cache.NumID(1), sq)
	if !ok {
		t.Fatal("not masked")
	}
	pt, isPoint := g.(orb.Point)
	if !isPoint {
		t.Fatalf("a snapped polygon is %T, want a point", g)
	}
	if c := grid(t, pt); math.Abs(c[0]-836050) > 1e-3 || math.Abs(c[1]-819050) > 1e-3 {
		t.Errorf("snapped to %v, want the centre of the centroid's cell (836050, 819050)", c)
	}
	line := orb.LineString{world(t, 836000, 819020), world(t, 836180, 819020)}
	g, _ = p.maskGeometry(cache.NumID(2), line)
	if c := grid(t, g.(orb.Point)); math.Abs(c[0]-836050) > 1e-3 || math.Abs(c[1]-819050) > 1e-3 {
		t.Errorf("line snapped to %v, want (836050, 819050)", c)
	}
}

func TestSnapMultiPoint(t *testing.T) {
	p := geomPolicy(t, layer.MultiPoint, "snap:250")
	mp := orb.MultiPoint{world(t, 836010, 819010), world(t, 836020, 819020), world(t, 836400, 819010)}
	g, ok := p.maskGeometry(cache.NumID(1), mp)
	if !ok {
		t.Fatal("not masked")
	}
	if got := g.(orb.MultiPoint); len(got) != 2 {
		t.Errorf("three points in two cells snapped to %d points", len(got))
	}
}

// TestDisplace: within the radius, never at the true place, the same for
// the same feature every time, and apart for two features on one spot.
func TestDisplace(t *testing.T) {
	const radius = 50.0
	p := geomPolicy(t, layer.Point, "displace:50")
	in := world(t, 836123.4, 819456.7)
	truth := grid(t, in)
	seen := map[orb.Point]bool{}
	var sum [2]float64
	const n = 2000
	for i := 0; i < n; i++ {
		id := cache.NumID(int64(i))
		g, ok := p.maskGeometry(id, in)
		if !ok {
			t.Fatal("not masked")
		}
		again, _ := p.maskGeometry(id, in)
		if again != g {
			t.Fatalf("feature %d displaced differently on a second call", i)
		}
		m := grid(t, g.(orb.Point))
		d := math.Hypot(m[0]-truth[0], m[1]-truth[1])
		if d > radius+1e-3 || d < radius/10-1e-3 {
			t.Fatalf("feature %d displaced %.3f m, want %.0f–%.0f m", i, d, radius/10, radius)
		}
		if seen[g.(orb.Point)] {
			t.Fatalf("two features on one spot displaced to the same place")
		}
		seen[g.(orb.Point)] = true
		sum[0] += m[0] - truth[0]
		sum[1] += m[1] - truth[1]
	}
	// Unbiased: the mean offset over many features is near zero.
	if mx, my := sum[0]/n, sum[1]/n; math.Hypot(mx, my) > 3 {
		t.Errorf("mean offset (%.2f, %.2f) m: displacement is biased", mx, my)
	}
	// A keyed offset: another key moves the same feature elsewhere.
	l := homeCare(&layer.Masking{Geometry: "displace:50"})
	other, err := Compile(l, []byte("a different key of 16+ bytes"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.maskGeometry(cache.NumID(1), in)
	b, _ := other.maskGeometry(cache.NumID(1), in)
	if a == b {
		t.Error("displacement does not depend on the key")
	}
}

// TestDisplaceMoveGetsNewOffset: when a feature moves, its masked move is
// not its true move (the offset is reseeded), so one known place does not
// give away the others.
func TestDisplaceMoveGetsNewOffset(t *testing.T) {
	p := geomPolicy(t, layer.Point, "displace:50:min=20")
	id := cache.NumID(7)
	a, b := world(t, 836000, 819000), world(t, 836300, 819100)
	ma, _ := p.maskGeometry(id, a)
	mb, _ := p.maskGeometry(id, b)
	ta, tb := grid(t, a), grid(t, b)
	oa, ob := grid(t, ma.(orb.Point)), grid(t, mb.(orb.Point))
	offA := orb.Point{oa[0] - ta[0], oa[1] - ta[1]}
	offB := orb.Point{ob[0] - tb[0], ob[1] - tb[1]}
	if math.Hypot(offA[0]-offB[0], offA[1]-offB[1]) < 1 {
		t.Errorf("the same offset %v before and after a move", offA)
	}
}

func TestDisplaceMultiPointEachApart(t *testing.T) {
	p := geomPolicy(t, layer.MultiPoint, "displace:30")
	pt := world(t, 836000, 819000)
	g, _ := p.maskGeometry(cache.NumID(1), orb.MultiPoint{pt, pt})
	mp := g.(orb.MultiPoint)
	if len(mp) != 2 || mp[0] == mp[1] {
		t.Errorf("two points on one spot of a multipoint displaced alike: %v", mp)
	}
}

func TestCentroid(t *testing.T) {
	p := geomPolicy(t, layer.Polygon, "centroid")
	// A square with a square hole in its east half: the centroid moves west.
	outer := orb.Ring{world(t, 0+836000, 819000), world(t, 836100, 819000), world(t, 836100, 819100), world(t, 836000, 819100), world(t, 836000, 819000)}
	hole := orb.Ring{world(t, 836060, 819040), world(t, 836060, 819060), world(t, 836080, 819060), world(t, 836080, 819040), world(t, 836060, 819040)}
	g, ok := p.maskGeometry(cache.NumID(1), orb.Polygon{outer, hole})
	if !ok {
		t.Fatal("not masked")
	}
	// Area 10000 − 400; x̄ = (10000·50 − 400·70) / 9600.
	want := orb.Point{836000 + (10000*50-400*70)/9600.0, 819050}
	if c := grid(t, g.(orb.Point)); math.Abs(c[0]-want[0]) > 0.01 || math.Abs(c[1]-want[1]) > 0.01 {
		t.Errorf("centroid %v, want %v", c, want)
	}
	// Winding does not matter.
	rev := make(orb.Ring, len(outer))
	for i := range outer {
		rev[i] = outer[len(outer)-1-i]
	}
	g2, _ := p.maskGeometry(cache.NumID(1), orb.Polygon{rev, hole})
	if c := grid(t, g2.(orb.Point)); math.Abs(c[0]-want[0]) > 0.01 {
		t.Errorf("reversed ring: centroid %v, want %v", c, want)
	}
	// A point is its own centroid: left out, not shown as it is.
	if _, ok := p.maskGeometry(cache.NumID(2), world(t, 836000, 819000)); ok {
		t.Error("centroid showed a point where it is")
	}
	pt := world(t, 836000, 819000)
	if _, ok := p.maskGeometry(cache.NumID(3), orb.LineString{pt, pt}); ok {
		t.Error("centroid showed a line of one point where it is")
	}
}

func TestCentroidDegenerate(t *testing.T) {
	var c centroid
	// A flat "polygon": all area is rounding; the line centre stands.
	c.add(partExterior, []orb.Point{{0, 0}, {10, 0}, {20, 0}, {0, 0}})
	if p, ok := c.point(); !ok || math.Abs(p[0]-10) > 1e-9 || p[1] != 0 {
		t.Errorf("flat ring centroid %v, %v", p, ok)
	}
	var none centroid
	if _, ok := none.point(); ok {
		t.Error("an empty geometry has a centroid")
	}
}

// TestFarOffLeftOut: a point the grid cannot measure is left out of the
// masked view rather than shown unmasked.
func TestFarOffLeftOut(t *testing.T) {
	p := geomPolicy(t, layer.Point, "snap:250")
	antipode := orb.Point{0.1, 0.5} // longitude −144°: the far side of the world
	if _, ok := p.maskGeometry(cache.NumID(1), antipode); ok {
		t.Error("a point on the far side of the world was masked")
	}
	if _, ok := p.maskGeometry(cache.NumID(1), orb.Point{math.NaN(), 0.5}); ok {
		t.Error("a NaN point was masked")
	}
	if g, ok := p.maskGeometry(cache.NumID(1), nil); !ok || g != nil {
		t.Error("a feature without geometry must stay, without geometry")
	}
	if g, ok := p.maskGeometry(cache.NumID(1), orb.MultiPoint{}); !ok || g != nil {
		t.Error("an empty geometry must become no geometry")
	}
}

// TestCentroidOfEveryGeometryType: the centre of area wins over the centre
// of length, which wins over the mean of the points.
func TestCentroidOfEveryGeometryType(t *testing.T) {
	sq := func(x, y, s float64) orb.Ring {
		return orb.Ring{{x, y}, {x + s, y}, {x + s, y + s}, {x, y + s}, {x, y}}
	}
	cases := []struct {
		name string
		g    orb.Geometry
		want orb.Point
	}{
		{"multipolygon", orb.MultiPolygon{{sq(0, 0, 10)}, {sq(20, 0, 10)}}, orb.Point{15, 5}},
		{"ring", sq(0, 0, 10), orb.Point{5, 5}},
		{"bound", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{4, 2}}, orb.Point{2, 1}},
		{"multilinestring", orb.MultiLineString{{{0, 0}, {10, 0}}, {{0, 10}, {30, 10}}}, orb.Point{(5*10 + 15*30) / 40.0, (0*10 + 10*30) / 40.0}},
		{"multipoint", orb.MultiPoint{{0, 0}, {4, 0}, {2, 6}}, orb.Point{2, 2}},
		{"collection: the polygon outweighs", orb.Collection{orb.Point{100, 100}, orb.Polygon{sq(0, 0, 10)}, orb.LineString{{50, 50}, {60, 60}}}, orb.Point{5, 5}},
		{"collection of lines and points", orb.Collection{orb.Point{100, 100}, orb.LineString{{0, 0}, {10, 0}}}, orb.Point{5, 0}},
	}
	for _, c := range cases {
		var acc centroid
		eachPart(c.g, acc.add)
		got, ok := acc.point()
		if !ok || abs(got[0]-c.want[0]) > 1e-9 || abs(got[1]-c.want[1]) > 1e-9 {
			t.Errorf("%s: centroid %v, %v; want %v", c.name, got, ok, c.want)
		}
	}
}

// TestAggregatePolygonsByCentroid: a polygon counts in its centroid's cell.
func TestAggregatePolygonsByCentroid(t *testing.T) {
	l := homeCare(&layer.Masking{Others: "drop", Geometry: "aggregate:1000:k=2"})
	l.GeometryType = layer.Polygon
	p := compile(t, l)
	var fs []*cache.Feature
	for i := range 3 {
		x := 836100 + float64(i)*200
		g := orb.Polygon{{world(t, x, 819100), world(t, x+50, 819100), world(t, x+50, 819150), world(t, x, 819150), world(t, x, 819100)}}
		fs = append(fs, &cache.Feature{ID: cache.NumID(int64(i)), Geom: g, Bound: g.Bound()})
	}
	got := p.MaskAll(func(yield func(*cache.Feature) bool) {
		for _, f := range fs {
			if !yield(f) {
				return
			}
		}
	})
	if len(got) != 1 || got[0].ID.Str != "cell_E836000_N819000" || got[0].Props[0] != int64(3) {
		t.Errorf("cells %v", counts(got))
	}
}
