package demo

import (
	"math"

	"github.com/paulmach/orb"
)

// roadReserve is how close, in metres, a block may come to a corridor's
// waypoint line: the road's half-width plus the most its bends stray.
const roadReserve = 30.0

// corridorSegment is one straight stretch between two waypoints, with its
// bounds grown by the reserve for a quick rejection.
type corridorSegment struct {
	a, b  orb.Point
	bound orb.Bound
}

// reserves lists every corridor stretch. Blocks keep clear of them so that
// trunk roads run between buildings, not through them.
var reserves = func() []corridorSegment {
	var out []corridorSegment
	for _, c := range corridors {
		for i := 0; i+1 < len(c.waypoints); i++ {
			a, b := c.waypoints[i], c.waypoints[i+1]
			bound := orb.MultiPoint{a, b}.Bound().Pad(roadReserve)
			out = append(out, corridorSegment{a: a, b: b, bound: bound})
		}
	}
	return out
}()

// clearOf reports whether a block's ground (a convex quadrilateral) keeps
// the reserve's distance from every corridor stretch in segs.
func clearOf(segs []corridorSegment, quad [4]orb.Point) bool {
	qb := orb.MultiPoint(quad[:]).Bound()
	for _, s := range segs {
		if !s.bound.Intersects(qb) {
			continue
		}
		if inRing(quad[:], s.a) {
			return false
		}
		for i := range quad {
			c, d := quad[i], quad[(i+1)%4]
			if segmentDistance(s.a, s.b, c, d) < roadReserve {
				return false
			}
		}
	}
	return true
}

// segmentDistance is the least distance between segments ab and cd.
func segmentDistance(a, b, c, d orb.Point) float64 {
	if segmentsCross(a, b, c, d) {
		return 0
	}
	return math.Min(
		math.Min(pointSegment(a, c, d), pointSegment(b, c, d)),
		math.Min(pointSegment(c, a, b), pointSegment(d, a, b)))
}

// segmentsCross reports a proper crossing of ab and cd; touching cases have
// distance zero anyway and are caught by pointSegment.
func segmentsCross(a, b, c, d orb.Point) bool {
	side := func(p, q, r orb.Point) float64 {
		return (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	}
	return side(a, b, c)*side(a, b, d) < 0 && side(c, d, a)*side(c, d, b) < 0
}

// pointSegment is the distance from p to segment ab.
func pointSegment(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = math.Max(0, math.Min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	}
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}
