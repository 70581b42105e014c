package tiles

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// Quantisation: round to integer tile coordinates, drop repeated points,
// drop what rounding made degenerate, and give rings the MVT 2.1 winding.

func round(p orb.Point) ipoint {
	return ipoint{int32(math.Round(p[0])), int32(math.Round(p[1]))}
}

// quantisePoints rounds every point of s into dst.
func quantisePoints(s *shape, dst *ishape) {
	dst.reset()
	for _, p := range s.pts {
		dst.pts = append(dst.pts, round(p))
	}
}

// quantiseLines keeps each line that still has two distinct points.
func quantiseLines(s *shape, dst *ishape) {
	dst.reset()
	for _, p := range s.paths {
		start := len(dst.pts)
		dst.appendDistinct(s.at(p))
		if len(dst.pts)-start < 2 {
			dst.pts = dst.pts[:start]
			continue
		}
		dst.paths = append(dst.paths, path{start: start, end: len(dst.pts), kind: pathLine})
	}
}

// quantisePolygons keeps each ring that still has three distinct points and
// an area, without its closing point (ClosePath implies it), exteriors with
// a positive area and interiors a negative one in tile coordinates (y down):
// clockwise and anticlockwise on screen, as MVT 2.1 §4.3.4.4 requires. A
// polygon whose exterior degenerates is dropped with its holes.
func quantisePolygons(s *shape, dst *ishape) {
	dst.reset()
	dropping := false
	for _, p := range s.paths {
		if p.kind == pathInterior && dropping {
			continue
		}
		start := len(dst.pts)
		dst.appendDistinct(s.at(p))
		for len(dst.pts)-start > 1 && dst.pts[len(dst.pts)-1] == dst.pts[start] {
			dst.pts = dst.pts[:len(dst.pts)-1] // the closing point, or repeats of it
		}
		ring := dst.pts[start:]
		area := area2(ring)
		if len(ring) < 3 || area == 0 {
			dst.pts = dst.pts[:start]
			dropping = p.kind == pathExterior
			continue
		}
		if p.kind == pathExterior {
			dropping = false
		}
		if (p.kind == pathExterior) != (area > 0) {
			slices.Reverse(ring[1:]) // keeps the first point first
		}
		dst.paths = append(dst.paths, path{start: start, end: len(dst.pts), kind: p.kind})
	}
}

// appendDistinct rounds ps onto dst.pts, skipping a point equal to the one
// before it.
func (dst *ishape) appendDistinct(ps []orb.Point) {
	start := len(dst.pts)
	for _, p := range ps {
		q := round(p)
		if n := len(dst.pts); n > start && dst.pts[n-1] == q {
			continue
		}
		dst.pts = append(dst.pts, q)
	}
}

// area2 is twice the signed area of an implicitly closed ring by the
// surveyor's formula, in integers: positive is clockwise on screen.
func area2(ring []ipoint) int64 {
	var a int64
	prev := ring[len(ring)-1]
	for _, p := range ring {
		a += int64(prev.x)*int64(p.y) - int64(p.x)*int64(prev.y)
		prev = p
	}
	return a
}
