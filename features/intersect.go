package features

import "github.com/paulmach/orb"

// intersects reports whether geometry g (world coordinates) meets the
// closed rectangle r: a point inside it, a segment crossing it, or r lying
// inside a polygon. Bounds only pick candidates; this is the exact test, so
// a rectangle in the empty corner of a triangle's bound does not match.
func intersects(g orb.Geometry, r orb.Bound) bool {
	switch g := g.(type) {
	case nil:
		return false
	case orb.Point:
		return r.Contains(g)
	case orb.MultiPoint:
		for _, p := range g {
			if r.Contains(p) {
				return true
			}
		}
		return false
	case orb.LineString:
		return pathIntersects(g, r)
	case orb.MultiLineString:
		for _, l := range g {
			if pathIntersects(l, r) {
				return true
			}
		}
		return false
	case orb.Ring:
		return polygonIntersects(orb.Polygon{g}, r)
	case orb.Polygon:
		return polygonIntersects(g, r)
	case orb.MultiPolygon:
		for _, p := range g {
			if polygonIntersects(p, r) {
				return true
			}
		}
		return false
	case orb.Bound:
		return g.Intersects(r)
	case orb.Collection:
		for _, m := range g {
			if intersects(m, r) {
				return true
			}
		}
		return false
	}
	return false
}

// polygonIntersects: an edge meets r, or r lies wholly inside the polygon
// (then its corner is inside, holes counted by the even-odd rule).
func polygonIntersects(p orb.Polygon, r orb.Bound) bool {
	if len(p) == 0 || !p[0].Bound().Intersects(r) {
		return false
	}
	for _, ring := range p {
		if pathIntersects(orb.LineString(ring), r) {
			return true
		}
	}
	inside := false
	for _, ring := range p {
		if ringContains(ring, r.Min) {
			inside = !inside
		}
	}
	return inside
}

// pathIntersects reports whether any vertex or segment of a path meets r.
func pathIntersects(l orb.LineString, r orb.Bound) bool {
	for i, p := range l {
		if r.Contains(p) {
			return true
		}
		if i > 0 && segmentIntersects(l[i-1], p, r) {
			return true
		}
	}
	return false
}

// segmentIntersects clips the segment a-b to r (Liang–Barsky) and reports
// whether anything is left.
func segmentIntersects(a, b orb.Point, r orb.Bound) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := b[0]-a[0], b[1]-a[1]
	clip := func(p, q float64) bool {
		switch {
		case p == 0:
			return q >= 0
		case p < 0:
			t := q / p
			if t > t1 {
				return false
			}
			t0 = max(t0, t)
		default:
			t := q / p
			if t < t0 {
				return false
			}
			t1 = min(t1, t)
		}
		return true
	}
	return clip(-dx, a[0]-r.Min[0]) && clip(dx, r.Max[0]-a[0]) &&
		clip(-dy, a[1]-r.Min[1]) && clip(dy, r.Max[1]-a[1]) && t0 <= t1
}

// ringContains is the even-odd point-in-ring test.
func ringContains(ring orb.Ring, p orb.Point) bool {
	in := false
	for i, j := 0, len(ring)-1; i < len(ring); j, i = i, i+1 {
		a, b := ring[i], ring[j]
		if (a[1] > p[1]) != (b[1] > p[1]) &&
			p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}
