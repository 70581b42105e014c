package tiles

import "github.com/paulmach/orb"

// Clipping to the buffered tile. Most features of a dense tile lie wholly
// inside it and skip this stage (see layerWriter.feature); the others are
// clipped path by path into the clipper's scratch buffers, so clipping
// allocates nothing once the buffers have grown.
type clipper struct {
	box  orb.Bound
	a, b []orb.Point // Sutherland-Hodgman passes ping-pong between these
}

// points keeps the points of s inside the box, in place.
func (c *clipper) points(s *shape) {
	kept := s.pts[:0]
	for _, p := range s.pts {
		if c.box.Contains(p) {
			kept = append(kept, p)
		}
	}
	s.pts = kept
}

// lines writes the parts of s's lines inside the box to dst: a line that
// leaves and re-enters the box becomes several.
func (c *clipper) lines(s *shape, dst *shape) {
	dst.reset()
	for _, p := range s.paths {
		line := s.at(p)
		if insideBox(line, c.box) {
			dst.appendPath(line, pathLine)
			continue
		}
		c.line(line, dst)
	}
}

// line clips each segment (Liang-Barsky) and joins the visible pieces that
// meet into parts.
func (c *clipper) line(line []orb.Point, dst *shape) {
	start := -1 // where the open part starts in dst.pts, or -1
	end := func() {
		if start >= 0 && len(dst.pts)-start >= 2 {
			dst.paths = append(dst.paths, path{start: start, end: len(dst.pts), kind: pathLine})
		} else if start >= 0 {
			dst.pts = dst.pts[:start]
		}
		start = -1
	}
	for i := 1; i < len(line); i++ {
		a, b, visible := clipSegment(line[i-1], line[i], c.box)
		if !visible {
			end()
			continue
		}
		if start < 0 || dst.pts[len(dst.pts)-1] != a {
			end()
			start = len(dst.pts)
			dst.pts = append(dst.pts, a)
		}
		dst.pts = append(dst.pts, b)
		if b != line[i] { // left the box
			end()
		}
	}
	end()
}

// clipSegment returns the part of a-b inside box, if any (Liang-Barsky).
func clipSegment(a, b orb.Point, box orb.Bound) (orb.Point, orb.Point, bool) {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t0, t1 := 0.0, 1.0
	for _, pq := range [4][2]float64{
		{-dx, a[0] - box.Min[0]}, {dx, box.Max[0] - a[0]},
		{-dy, a[1] - box.Min[1]}, {dy, box.Max[1] - a[1]},
	} {
		p, q := pq[0], pq[1]
		if p == 0 {
			if q < 0 {
				return a, b, false // parallel to this edge and outside it
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return a, b, false
			}
			t0 = max(t0, r)
		} else {
			if r < t0 {
				return a, b, false
			}
			t1 = min(t1, r)
		}
	}
	from, to := a, b
	if t0 > 0 {
		from = orb.Point{a[0] + t0*dx, a[1] + t0*dy}
	}
	if t1 < 1 {
		to = orb.Point{a[0] + t1*dx, a[1] + t1*dy}
	}
	return from, to, true
}

// polygons writes the rings of s clipped to the box to dst. A polygon whose
// exterior misses the box is dropped with its holes; a hole that misses it
// is dropped alone.
func (c *clipper) polygons(s *shape, dst *shape) {
	dst.reset()
	dropping := false
	for _, p := range s.paths {
		if p.kind == pathInterior && dropping {
			continue
		}
		ring := s.at(p)
		if !insideBox(ring, c.box) {
			ring = c.ring(ring)
		}
		if len(ring) < 3 {
			dropping = p.kind == pathExterior
			continue
		}
		if p.kind == pathExterior {
			dropping = false
		}
		dst.appendPath(ring, p.kind)
	}
}

// ring clips a ring to the box, one box edge at a time
// (Sutherland-Hodgman), and returns it closed, in a scratch buffer that
// the next call reuses. A ring wrapping round the box may leave edges
// running along it; quantisation drops what has no area.
func (c *clipper) ring(ring []orb.Point) []orb.Point {
	if len(ring) == 0 {
		return nil
	}
	in := ring
	for edge := range 4 {
		out := c.a[:0]
		prev := in[len(in)-1]
		prevInside := c.inside(prev, edge)
		for _, p := range in {
			inside := c.inside(p, edge)
			if inside != prevInside {
				out = append(out, c.cross(prev, p, edge))
			}
			if inside {
				out = append(out, p)
			}
			prev, prevInside = p, inside
		}
		c.a, c.b = c.b, out
		if len(out) == 0 {
			return nil
		}
		in = out
	}
	if in[0] != in[len(in)-1] {
		in = append(in, in[0])
		c.b = in
	}
	return in
}

// inside reports whether p is on the box's side of edge 0-3 (left, right,
// top, bottom in tile pixels).
func (c *clipper) inside(p orb.Point, edge int) bool {
	switch edge {
	case 0:
		return p[0] >= c.box.Min[0]
	case 1:
		return p[0] <= c.box.Max[0]
	case 2:
		return p[1] >= c.box.Min[1]
	}
	return p[1] <= c.box.Max[1]
}

// cross is where a-b crosses the line of an edge; a and b are on opposite
// sides of it.
func (c *clipper) cross(a, b orb.Point, edge int) orb.Point {
	switch edge {
	case 0, 1:
		x := c.box.Min[0]
		if edge == 1 {
			x = c.box.Max[0]
		}
		return orb.Point{x, a[1] + (b[1]-a[1])*(x-a[0])/(b[0]-a[0])}
	}
	y := c.box.Min[1]
	if edge == 3 {
		y = c.box.Max[1]
	}
	return orb.Point{a[0] + (b[0]-a[0])*(y-a[1])/(b[1]-a[1]), y}
}

func insideBox(ps []orb.Point, box orb.Bound) bool {
	for _, p := range ps {
		if p[0] < box.Min[0] || p[0] > box.Max[0] || p[1] < box.Min[1] || p[1] > box.Max[1] {
			return false
		}
	}
	return true
}
