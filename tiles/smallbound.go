package tiles

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// provablySmall reports whether the size rule would leave out every
// polygon of f, judging from f's bound and its rings' lengths alone: at
// low zooms most buildings of a tile are sub-pixel, and this spares them
// the pipeline and spares the encoder the memory of their vertices (the
// main cost of a dense tile). It only ever says yes when the pipeline
// would leave them out too, so the tile is the same; what it does not
// know is their exact sizes, which the fallback for a layer left empty
// needs (see layerWriter.writeLayer).
//
// Why it is sure: a polygon inside the buffered tile is not clipped, and
// simplification and quantisation keep a subset of its vertices, each
// rounded, so every quantised ring lies in the rounded bound, whose sides
// are at most w+1 and h+1 (w and h: the bound's in tile units). A
// closed ring of n vertices there has at most twice the area of the box
// times n/2 (the trapezoid formula: |2A| ≤ h·Σ|Δx|, and a closed walk
// of n steps in an interval of width w travels at most 2⌊n/2⌋·w), and
// one of at most four vertices at most the box's (|2A| is the cross
// product of its diagonals). Holes do not count: filterPolygons drops
// them with a small exterior.
func (s *shaper) provablySmall(f *cache.Feature) (small bool, bound float64) {
	b := s.proj.bound(f.Bound)
	if !containsBound(s.clip.box, b) {
		return false, math.Inf(1)
	}
	box2 := 2 * (b.Max[0] - b.Min[0] + 1) * (b.Max[1] - b.Min[1] + 1)
	// A margin far above floating-point error: areas are whole numbers.
	limit := float64(s.rules.minArea2) - 0.5
	switch g := f.Geom.(type) {
	case orb.Polygon:
		bound = exteriorBound(g, box2, limit)
	case orb.MultiPolygon:
		if len(g) == 0 {
			return false, math.Inf(1)
		}
		for _, p := range g {
			bound = max(bound, exteriorBound(p, box2, limit))
		}
	default:
		return false, math.Inf(1)
	}
	return bound < limit, bound
}

// exteriorBound is at least twice the area of p's exterior once
// quantised, in a bound of box2 (twice its rounded area, see
// provablySmall). It reads the exterior's points only when that decides
// whether the bound is under limit: reading them is what it is for not to
// do.
func exteriorBound(p orb.Polygon, box2, limit float64) float64 {
	if len(p) == 0 {
		return 0 // nothing to draw: the pipeline drops it too
	}
	ring := p[0]
	n := len(ring)
	if n <= 4 {
		return box2
	}
	if b := box2 * float64(n/2); b < limit || n != 5 || box2 >= limit {
		return b
	}
	if ring[0] == ring[4] { // four corners and the closing point
		return box2
	}
	return box2 * 2
}
