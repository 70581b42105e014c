package tiles

import "github.com/paulmach/orb"

// simplifier runs Douglas-Peucker on each path of a shape, in tile pixels,
// compacting the shape in place. Its scratch lives as long as the encoder.
//
// Rings are simplified one at a time, so a ring could in principle be made
// to cross itself or a neighbour; keeping the tolerance below a pixel (the
// default is half of one, the size of the rounding that follows anyway) and
// refusing any result that collapses or turns a ring (see keepsRing) keep
// that to what quantisation alone could also produce.
type simplifier struct {
	tolerance2 float64 // squared tolerance; 0 turns simplification off
	keep       []bool
	stack      []span
}

type span struct{ first, last int }

// minRingToSimplify: a ring of four corners plus its closing point has
// nothing to lose; removing a corner would only risk a sliver.
const minRingToSimplify = 6

func (sm *simplifier) shape(s *shape) {
	if sm.tolerance2 == 0 {
		return
	}
	w := 0 // write position: paths only ever move towards the front
	for i, p := range s.paths {
		n := p.end - p.start
		if n < 3 || (p.kind != pathLine && n < minRingToSimplify) {
			w += copy(s.pts[w:], s.pts[p.start:p.end])
			s.paths[i] = path{start: w - n, end: w, kind: p.kind}
			continue
		}
		keep := sm.mark(s.pts[p.start:p.end])
		if p.kind != pathLine && !keepsRing(s.pts[p.start:p.end], keep) {
			for j := range keep {
				keep[j] = true
			}
		}
		start := w
		for j, k := range keep {
			if k {
				s.pts[w] = s.pts[p.start+j]
				w++
			}
		}
		s.paths[i] = path{start: start, end: w, kind: p.kind}
	}
	s.pts = s.pts[:w]
}

// mark flags the points of ps that Douglas-Peucker keeps.
func (sm *simplifier) mark(ps []orb.Point) []bool {
	n := len(ps)
	keep := sm.keep[:0]
	for range n {
		keep = append(keep, false)
	}
	sm.keep = keep
	keep[0], keep[n-1] = true, true
	stack := append(sm.stack[:0], span{0, n - 1})
	for len(stack) > 0 {
		sp := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		far, farDist := -1, sm.tolerance2
		for i := sp.first + 1; i < sp.last; i++ {
			if d := segmentDistance2(ps[i], ps[sp.first], ps[sp.last]); d > farDist {
				far, farDist = i, d
			}
		}
		if far >= 0 {
			keep[far] = true
			stack = append(stack, span{sp.first, far}, span{far, sp.last})
		}
	}
	sm.stack = stack
	return keep
}

// keepsRing reports whether the simplified ring is still a ring turning the
// same way: Douglas-Peucker on rings can collapse or flip a thin one.
func keepsRing(ps []orb.Point, keep []bool) bool {
	var (
		before, after float64
		kept          int
		prev          = -1
		first         = -1
	)
	for i := range ps {
		j := (i + 1) % len(ps)
		before += ps[i][0]*ps[j][1] - ps[j][0]*ps[i][1]
		if keep[i] {
			if prev >= 0 {
				after += ps[prev][0]*ps[i][1] - ps[i][0]*ps[prev][1]
			} else {
				first = i
			}
			prev = i
			kept++
		}
	}
	after += ps[prev][0]*ps[first][1] - ps[first][0]*ps[prev][1]
	return kept >= 4 && (before > 0) == (after > 0) && after != 0
}

// segmentDistance2 is the squared distance from p to the segment a-b.
func segmentDistance2(p, a, b orb.Point) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	x, y := a[0], a[1]
	if dx != 0 || dy != 0 {
		t := ((p[0]-a[0])*dx + (p[1]-a[1])*dy) / (dx*dx + dy*dy)
		switch {
		case t > 1:
			x, y = b[0], b[1]
		case t > 0:
			x, y = a[0]+t*dx, a[1]+t*dy
		}
	}
	dx, dy = p[0]-x, p[1]-y
	return dx*dx + dy*dy
}
