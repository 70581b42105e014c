package demo

import (
	"math"

	"github.com/paulmach/orb"
)

// signedArea is the ring's area, positive when the ring runs
// counter-clockwise. The ring may be open or closed.
func signedArea(ring []orb.Point) float64 {
	a := 0.0
	n := len(ring)
	for i := range n {
		p, q := ring[i], ring[(i+1)%n]
		a += p[0]*q[1] - q[0]*p[1]
	}
	return a / 2
}

// inRing reports whether p lies inside the (open or closed) ring, by the
// even-odd rule.
func inRing(ring []orb.Point, p orb.Point) bool {
	in := false
	n := len(ring)
	for i, j := 0, n-1; i < n; j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a[1] > p[1]) != (b[1] > p[1]) &&
			p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// closeRing returns ring rounded to centimetres, counter-clockwise and
// closed (last point equal to the first), as OGC simple features want an
// exterior ring.
func closeRing(open []orb.Point) orb.Ring {
	ring := make(orb.Ring, 0, len(open)+1)
	for _, p := range open {
		q := orb.Point{round2(p[0]), round2(p[1])}
		if len(ring) > 0 && ring[len(ring)-1] == q {
			continue
		}
		ring = append(ring, q)
	}
	for len(ring) > 1 && ring[len(ring)-1] == ring[0] {
		ring = ring[:len(ring)-1]
	}
	if signedArea(ring) < 0 {
		for i, j := 0, len(ring)-1; i < j; i, j = i+1, j-1 {
			ring[i], ring[j] = ring[j], ring[i]
		}
	}
	return append(ring, ring[0])
}

// clipHalfPlane keeps the part of a convex-or-not open ring where
// a*x + b*y <= c (one Sutherland–Hodgman step). The result is correct when
// the kept part is connected, which the district tests check.
func clipHalfPlane(ring []orb.Point, a, b, c float64) []orb.Point {
	inside := func(p orb.Point) bool { return a*p[0]+b*p[1] <= c }
	cross := func(p, q orb.Point) orb.Point {
		fp, fq := a*p[0]+b*p[1]-c, a*q[0]+b*q[1]-c
		t := fp / (fp - fq)
		return orb.Point{p[0] + t*(q[0]-p[0]), p[1] + t*(q[1]-p[1])}
	}
	out := make([]orb.Point, 0, len(ring)+2)
	for i := range ring {
		p, q := ring[i], ring[(i+1)%len(ring)]
		pin, qin := inside(p), inside(q)
		if pin {
			out = append(out, p)
		}
		if pin != qin {
			out = append(out, cross(p, q))
		}
	}
	return out
}

// frame is a local, rotated coordinate system: u along the bearing of a
// street grid, v across it. Bearings are in degrees counter-clockwise from
// grid east.
type frame struct {
	origin   orb.Point
	cos, sin float64
}

func newFrame(origin orb.Point, degrees float64) frame {
	s, c := math.Sincos(degrees * math.Pi / 180)
	return frame{origin: origin, cos: c, sin: s}
}

// world maps local (u, v) to grid easting and northing.
func (f frame) world(u, v float64) orb.Point {
	return orb.Point{
		f.origin[0] + u*f.cos - v*f.sin,
		f.origin[1] + u*f.sin + v*f.cos,
	}
}
