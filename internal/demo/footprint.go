package demo

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// Footprint sizes, metres.
const (
	minSide = 8.0
	maxSide = 60.0
	// maxTilt is how far a building may turn from its street grid.
	maxTilt = 4 * math.Pi / 180
)

// footprint draws a building on a square lot of side room centred at local
// (u, v) of grid g: a rectangle or an L, slightly turned, never reaching
// outside the lot, so buildings on different lots never touch. The ring is
// closed, counter-clockwise and in world coordinates.
func footprint(r *rand.Rand, g lattice, u, v, room, lShare float64) orb.Ring {
	// Keep a gap to the lot's edge, narrower on small lots so that an 8 m
	// building still fits there turned by maxTilt.
	margin := math.Max(0.5, math.Min(1.5, (room-8.6)/2))
	avail := room - 2*margin
	hi := math.Min(maxSide, avail)
	lo := math.Max(minSide, 0.55*hi)
	w, h := between(r, lo, hi), between(r, lo, hi)
	tilt := between(r, -maxTilt, maxTilt)
	sin, cos := math.Abs(math.Sin(tilt)), math.Abs(math.Cos(tilt))
	bw, bh := w*cos+h*sin, w*sin+h*cos
	if s := avail / math.Max(bw, bh); s < 1 {
		w, h, bw, bh = w*s, h*s, bw*s, bh*s
	}
	du := between(r, -(avail-bw)/2, (avail-bw)/2)
	dv := between(r, -(avail-bh)/2, (avail-bh)/2)

	var shape []orb.Point
	if math.Min(w, h) >= 14 && chance(r, lShare) {
		shape = lShape(r, w, h)
	} else {
		shape = []orb.Point{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}}
	}
	s, c := math.Sincos(tilt)
	for i, p := range shape {
		x, y := p[0]*c-p[1]*s, p[0]*s+p[1]*c
		shape[i] = g.frame.world(u+du+x, v+dv+y)
	}
	return closeRing(shape)
}

// lShape is a w×h rectangle centred on the origin with a notch cut from one
// corner. Mirroring may leave it clockwise; closeRing turns it round.
func lShape(r *rand.Rand, w, h float64) []orb.Point {
	a, b := between(r, 0.3, 0.6)*w, between(r, 0.3, 0.6)*h
	x0, y0, x1, y1 := -w/2, -h/2, w/2, h/2
	shape := []orb.Point{{x0, y0}, {x1, y0}, {x1, y1 - b}, {x1 - a, y1 - b}, {x1 - a, y1}, {x0, y1}}
	sx, sy := float64(1-2*r.IntN(2)), float64(1-2*r.IntN(2))
	for i := range shape {
		shape[i] = orb.Point{shape[i][0] * sx, shape[i][1] * sy}
	}
	return shape
}
