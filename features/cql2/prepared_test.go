package cql2

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// smallShape is a random shape shrunk to about a tenth of the unit square
// and moved, so that many lie wholly inside or outside a query polygon.
func smallShape(rng *rand.Rand, grid bool) orb.Geometry {
	g := orb.Clone(randomShape(rng, grid))
	s := 0.02 + 0.1*rng.Float64()
	dx, dy := rng.Float64()*1.2-0.6, rng.Float64()*1.2-0.6
	move := func(ps []orb.Point) {
		for i, p := range ps {
			ps[i] = orb.Point{0.5 + (p[0]-0.5)*s + dx, 0.5 + (p[1]-0.5)*s + dy}
		}
	}
	var walk func(orb.Geometry) orb.Geometry
	walk = func(g orb.Geometry) orb.Geometry {
		switch g := g.(type) {
		case orb.Point:
			ps := []orb.Point{g}
			move(ps)
			return ps[0]
		case orb.MultiPoint:
			move(g)
		case orb.LineString:
			move(g)
		case orb.Polygon:
			for _, r := range g {
				move(r)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				for _, r := range p {
					move(r)
				}
			}
		case orb.Collection:
			for i := range g {
				g[i] = walk(g[i])
			}
		}
		return g
	}
	return walk(g)
}

// TestPreparedAgrees checks the grid's conclusions against simplefeatures
// and checks that it concludes for most small shapes.
func TestPreparedAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	decided, total := 0, 0
	for range 300 {
		var q orb.Geometry
		for q == nil {
			switch g := randomShape(rng, false).(type) {
			case orb.Polygon, orb.MultiPolygon:
				q = g
			}
		}
		pa := prepareArea(q)
		if pa == nil {
			t.Fatalf("prepareArea(%v) = nil", q)
		}
		sq, _ := toSF(q)
		for range 100 {
			g := smallShape(rng, rng.IntN(4) == 0)
			b := g.Bound()
			if !b.Intersects(pa.bound) {
				continue
			}
			total++
			hit, ok := pa.classify(b)
			if !ok {
				continue
			}
			decided++
			sg, _ := toSF(g)
			if want := geom.Intersects(sg, sq); hit != want {
				t.Fatalf("grid says %v for %v against %v; simplefeatures %v", hit, g, q, want)
			}
		}
	}
	t.Logf("the grid decided %d of %d", decided, total)
	if decided < total/2 {
		t.Errorf("the grid decided only %d of %d", decided, total)
	}
}

// TestDirectSpatialAgrees compiles S_INTERSECTS and S_DISJOINT with a
// polygon literal, alone and combined, with and without the direct path,
// and compares them, through Match and MatchBounded.
func TestDirectSpatialAgrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	shapes := []string{"%s", "%s AND floors > 3", "floors > 3 AND %s AND S_INTERSECTS(geom, BBOX(0, 0, 0.7, 0.7))",
		"NOT %s", "%s OR floors = 2", "(%s AND floors < 9)"}
	for range 100 {
		q := randomShape(rng, rng.IntN(3) == 0)
		for _, op := range []string{"S_INTERSECTS", "S_DISJOINT"} {
			for _, shape := range shapes {
				src := fmt.Sprintf(shape, op+"(geom, "+Text(Geometry{G: q})+")")
				direct = false
				general := mustCompile(t, src, testSchema)
				direct = true
				fast := mustCompile(t, src, testSchema)
				for range 50 {
					var g orb.Geometry
					if rng.IntN(20) > 0 {
						g = smallShape(rng, rng.IntN(3) == 0)
					}
					p := props("floors", []any{nil, int64(2), int64(5)}[rng.IntN(3)])
					if a, b := general.eval(p, g), fast.eval(p, g); a != b {
						t.Fatalf("%s on %v: general %v, direct %v", src, g, a, b)
					}
					var bound orb.Bound
					if g != nil {
						bound = g.Bound()
					}
					if a, b := general.Match(p, g), fast.MatchBounded(p, g, bound); a != b {
						t.Fatalf("%s on %v: Match %v, MatchBounded %v", src, g, a, b)
					}
				}
			}
		}
	}
}

func TestPrepareAreaRefuses(t *testing.T) {
	for _, g := range []orb.Geometry{
		orb.Point{1, 2},
		orb.LineString{{0, 0}, {1, 1}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}}},                         // not closed
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1e-12}, {0, 1e-12}, {0, 0}}}, // too thin
		orb.Polygon{{{1e6, 0}, {1e6 + 1e-6, 0}, {1e6, 1}, {1e6, 0}}},  // too narrow for its coordinates
	} {
		if prepareArea(g) != nil {
			t.Errorf("prepareArea(%v) made a grid", g)
		}
	}
}
