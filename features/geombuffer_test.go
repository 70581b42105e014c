package features

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestGeomBufferAsTransformGeometry checks every shape against the
// allocating transform, including a geometry that grows the buffers while
// earlier results' boxes are kept.
func TestGeomBufferAsTransformGeometry(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	shift := func(x, y float64) (float64, float64) { return x*2 + 1, y - 3 }
	ring := func(n int) orb.Ring {
		r := make(orb.Ring, n)
		for i := range r {
			r[i] = orb.Point{rng.Float64(), rng.Float64()}
		}
		return r
	}
	var b geomBuffer
	for range 500 {
		var g orb.Geometry
		switch rng.IntN(8) {
		case 0:
			g = orb.Point{rng.Float64(), rng.Float64()}
		case 1:
			g = orb.MultiPoint(ring(1 + rng.IntN(5)))
		case 2:
			g = orb.LineString(ring(2 + rng.IntN(50)))
		case 3:
			g = orb.MultiLineString{orb.LineString(ring(2)), orb.LineString(ring(3 + rng.IntN(9)))}
		case 4:
			g = orb.Polygon{ring(4 + rng.IntN(9)), ring(4)}
		case 5:
			g = orb.MultiPolygon{{ring(5)}, {ring(4 + rng.IntN(200)), ring(4)}}
		case 6:
			g = orb.Collection{orb.Point{1, 2}, orb.LineString(ring(2))}
		default:
			g = orb.Polygon{}
		}
		want := transformGeometry(g, shift)
		got := b.transform(g, shift)
		if !orb.Equal(got, want) {
			t.Fatalf("transform(%v) = %v, want %v", g, got, want)
		}
	}
}

func TestGeomBufferAllocatesNothing(t *testing.T) {
	shift := func(x, y float64) (float64, float64) { return x + 1, y + 1 }
	polys := []orb.Geometry{
		orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}},
		orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}},
		orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
	}
	var b geomBuffer
	for _, g := range polys {
		b.transform(g, shift) // warm: the boxes of these shapes
	}
	i := 0
	allocs := testing.AllocsPerRun(300, func() {
		b.transform(polys[i%len(polys)], shift)
		i++
	})
	if allocs != 0 {
		t.Errorf("a polygon through the buffer allocates %v times", allocs)
	}
}
