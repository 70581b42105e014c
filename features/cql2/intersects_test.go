package cql2

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// randomShape draws a point, line, polygon (with a hole sometimes),
// their multi forms or a collection, around (0.5, 0.5). On a grid its
// coordinates are multiples of 1/8, so that vertices fall on edges and
// edges overlap: the degenerate cases the fast path must leave alone.
func randomShape(rng *rand.Rand, grid bool) orb.Geometry {
	coord := func(v float64) float64 {
		if grid {
			return math.Round(v*8) / 8
		}
		return v
	}
	pt := func() orb.Point { return orb.Point{coord(rng.Float64()), coord(rng.Float64())} }
	line := func() orb.LineString {
		l := orb.LineString{pt()}
		for range 1 + rng.IntN(4) {
			l = append(l, pt())
		}
		return l
	}
	// A star-shaped ring around c is simple whatever its radii.
	ring := func(c orb.Point, rmin, rmax float64, n int, ccw bool) orb.Ring {
		r := make(orb.Ring, 0, n+1)
		for i := range n {
			a := 2 * math.Pi * float64(i) / float64(n)
			if !ccw {
				a = -a
			}
			rad := rmin + rng.Float64()*(rmax-rmin)
			r = append(r, orb.Point{coord(c[0] + rad*math.Cos(a)), coord(c[1] + rad*math.Sin(a))})
		}
		return append(r, r[0])
	}
	poly := func() orb.Polygon {
		c := orb.Point{0.2 + 0.6*rng.Float64(), 0.2 + 0.6*rng.Float64()}
		size := 0.05 + 0.3*rng.Float64()
		p := orb.Polygon{ring(c, size*0.6, size, 3+rng.IntN(8), true)}
		if !grid && rng.IntN(3) == 0 {
			p = append(p, ring(c, size*0.1, size*0.4, 3+rng.IntN(5), false))
		}
		return p
	}
	switch rng.IntN(8) {
	case 0:
		return pt()
	case 1, 2:
		return line()
	case 3, 4:
		return poly()
	case 5:
		return orb.MultiPoint{pt(), pt(), pt()}
	case 6:
		return orb.MultiPolygon{poly(), poly()}
	}
	return orb.Collection{pt(), line(), poly()}
}

// TestFastIntersectsAgrees checks the orb intersection test against
// simplefeatures' exact DE-9IM on random geometries: it must agree
// whenever it answers, and answer nearly always off the grid.
func TestFastIntersectsAgrees(t *testing.T) {
	for _, grid := range []bool{false, true} {
		rng := rand.New(rand.NewPCG(12, 34))
		answered, total, hits := 0, 0, 0
		for range 20000 {
			a, b := randomShape(rng, grid), randomShape(rng, grid)
			hit, ok := fastIntersects(a, b)
			total++
			if !ok {
				continue
			}
			answered++
			sa, err := toSF(a)
			if err != nil {
				t.Fatal(err)
			}
			sb, err := toSF(b)
			if err != nil {
				t.Fatal(err)
			}
			if want := geom.Intersects(sa, sb); hit != want {
				t.Fatalf("grid %v: fastIntersects(%v, %v) = %v, simplefeatures %v", grid, a, b, hit, want)
			}
			if hit {
				hits++
			}
		}
		t.Logf("grid %v: answered %d of %d (%d hits)", grid, answered, total, hits)
		if !grid && answered < total*99/100 {
			t.Errorf("off the grid the fast path answered only %d of %d", answered, total)
		}
		if hits < answered/5 || hits > answered*4/5 {
			t.Errorf("grid %v: %d hits of %d: the test draws too few of one answer", grid, hits, answered)
		}
	}
}

func TestFastIntersectsMalformed(t *testing.T) {
	square := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}
	for _, g := range []orb.Geometry{
		orb.LineString{{0.5, 0.5}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}}},
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}},
		orb.Point{math.NaN(), 0.5},
		orb.LineString{{0.5, 0.5}, {math.Inf(1), 0.5}},
	} {
		if _, ok := fastIntersects(g, square); ok {
			t.Errorf("fastIntersects(%v, square) answered; a malformed geometry must go to simplefeatures", g)
		}
	}
	if hit, _ := fastIntersects(orb.Polygon{}, square); hit {
		t.Error("an empty polygon meets nothing")
	}
	// Touching and collinear cases abstain rather than guess.
	for _, g := range []orb.Geometry{
		orb.Point{1, 0.5},
		orb.Point{1, 1},
		orb.LineString{{1, 0}, {2, 0}},
		orb.Polygon{{{1, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 0}}},
	} {
		if _, ok := fastIntersects(g, square); ok && !isPoint(g) {
			t.Errorf("fastIntersects(%v, square) answered a touching case", g)
		}
	}
}

func isPoint(g orb.Geometry) bool { _, ok := g.(orb.Point); return ok }

// BenchmarkMatchIntersectsPolygons is make bench's spatial filter in
// miniature: small building footprints against a 5-vertex polygon.
func BenchmarkMatchIntersectsPolygons(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	feats := make([][]any, 256)
	geoms := make([]orb.Geometry, len(feats))
	for i := range geoms {
		x, y := 0.3+0.4*r.Float64(), 0.3+0.4*r.Float64()
		geoms[i] = orb.Polygon{{{x, y}, {x + 0.02, y}, {x + 0.02, y + 0.01}, {x + 0.014, y + 0.01},
			{x + 0.014, y + 0.02}, {x, y + 0.02}, {x, y}}}
		feats[i] = props()
	}
	benchMatch(b, "S_INTERSECTS(geom, POLYGON((0.4 0.42, 0.55 0.4, 0.6 0.55, 0.45 0.6, 0.4 0.42)))", feats, geoms)
}

func TestBoundOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for range 2000 {
		g := randomShape(rng, rng.IntN(2) == 0)
		if got, want := boundOf(g), g.Bound(); got != want {
			t.Fatalf("boundOf(%v) = %v, want %v", g, got, want)
		}
	}
	for _, g := range []orb.Geometry{orb.LineString{}, orb.Polygon{}, orb.MultiPolygon{}, orb.Polygon{{}}} {
		if got, want := boundOf(g), g.Bound(); got != want {
			t.Errorf("boundOf(%#v) = %v, want %v", g, got, want)
		}
	}
}
