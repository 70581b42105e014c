package cql2

import (
	"math"

	"github.com/paulmach/orb"
)

// fastIntersects decides whether two geometries share a point, for
// points, lines, polygons, their multi forms and collections of them,
// with orb geometry and no allocation: two geometries meet when an edge
// of one meets an edge of the other, or else when one lies inside the
// other, which a single vertex then shows (a point-in-polygon test).
//
// The orientation tests are exact or abstain: each is computed in float64
// with Shewchuk's error bound, and when the bound cannot tell the sign (a
// vertex on, or within rounding error of, another's edge), or a geometry
// is malformed (a ring not closed, a line of one point, NaN), ok is false
// and the caller asks simplefeatures' exact DE-9IM instead. So the answer,
// when given, is the one an exact implementation gives.
//
// The callers have compared the two bounds already; parts of multi
// geometries are compared by bound here.
func fastIntersects(a, b orb.Geometry) (hit, ok bool) {
	if a == nil || b == nil {
		return false, false
	}
	if simple(a) && simple(b) {
		return partsIntersect(a, b)
	}
	return eachPart(a, func(pa orb.Geometry) (bool, bool) {
		return eachPart(b, func(pb orb.Geometry) (bool, bool) {
			if !boundOf(pa).Intersects(boundOf(pb)) {
				return false, true
			}
			return partsIntersect(pa, pb)
		})
	})
}

// simple reports whether g is a point, a line string or a polygon.
func simple(g orb.Geometry) bool {
	switch g.(type) {
	case orb.Point, orb.LineString, orb.Polygon:
		return true
	}
	return false
}

// eachPart calls fn on every point, line string and polygon of g and
// combines the answers: a certain hit decides; otherwise the answer is
// certain only if every part's was.
func eachPart(g orb.Geometry, fn func(orb.Geometry) (bool, bool)) (hit, ok bool) {
	sure := true
	visit := func(p orb.Geometry) bool {
		h, ok := fn(p)
		if ok && h {
			hit = true
			return false
		}
		sure = sure && ok
		return true
	}
	switch g := g.(type) {
	case orb.Point, orb.LineString, orb.Polygon:
		visit(g)
	case orb.Ring:
		visit(orb.Polygon{g})
	case orb.Bound:
		visit(orb.Polygon{g.ToRing()})
	case orb.MultiPoint:
		for _, p := range g {
			if !visit(p) {
				break
			}
		}
	case orb.MultiLineString:
		for _, l := range g {
			if !visit(l) {
				break
			}
		}
	case orb.MultiPolygon:
		for _, p := range g {
			if !visit(p) {
				break
			}
		}
	case orb.Collection:
		for _, m := range g {
			h, ok := eachPart(m, fn)
			if ok && h {
				return true, true
			}
			sure = sure && ok
		}
	default:
		return false, false
	}
	if hit {
		return true, true
	}
	return false, sure
}

// partsIntersect decides one pair of simple parts whose bounds meet.
func partsIntersect(a, b orb.Geometry) (hit, ok bool) {
	if !wellFormed(a) || !wellFormed(b) {
		return false, false
	}
	// Order the pair as point < line < polygon.
	if rank(a) > rank(b) {
		a, b = b, a
	}
	switch a := a.(type) {
	case orb.Point:
		switch b := b.(type) {
		case orb.Point:
			return a == b, true
		case orb.LineString:
			return pointOnPath(a, b)
		case orb.Polygon:
			loc, ok := locateExact(a, b)
			return loc != exterior, ok
		}
	case orb.LineString:
		switch b := b.(type) {
		case orb.LineString:
			return pathsCross(a, b)
		case orb.Polygon:
			return pathMeetsPolygon(a, b)
		}
	case orb.Polygon:
		return polygonsMeet(a, b.(orb.Polygon))
	}
	return false, false
}

func rank(g orb.Geometry) int {
	switch g.(type) {
	case orb.Point:
		return 0
	case orb.LineString:
		return 1
	}
	return 2
}

// wellFormed: finite coordinates, lines of two points or more, polygons
// of closed rings of four points or more.
func wellFormed(g orb.Geometry) bool {
	switch g := g.(type) {
	case orb.Point:
		return g[0]-g[0] == 0 && g[1]-g[1] == 0
	case orb.LineString:
		return len(g) >= 2 && finite(g)
	case orb.Polygon:
		if len(g) == 0 {
			return false
		}
		for _, r := range g {
			if len(r) < 4 || r[0] != r[len(r)-1] || !finite(r) {
				return false
			}
		}
		return true
	}
	return false
}

// finite reports whether every coordinate is a finite number: x-x is 0
// for those, NaN for NaN and the infinities.
func finite(ps []orb.Point) bool {
	var sum float64
	for _, p := range ps {
		sum += (p[0] - p[0]) + (p[1] - p[1])
	}
	return sum == 0
}

// pointOnPath reports whether p lies on a segment of l. A point on a
// segment makes orient abstain, so this only ever decides a miss.
func pointOnPath(p orb.Point, l orb.LineString) (hit, ok bool) {
	for i := 1; i < len(l); i++ {
		if a, b := l[i-1], l[i]; inBox(p, a, b) {
			if _, ok := orient(a, b, p); !ok {
				return false, false
			}
		}
	}
	return false, true
}

// pathsCross reports whether two paths share a point. The segments of
// the path with the larger bound are tested against the other's bound
// first: a small feature near a query polygon's edge meets the bound of
// one or two of its segments, not all of them.
func pathsCross(l, m orb.LineString) (hit, ok bool) {
	lb, mb := pointsBound(l), pointsBound(m)
	if area(lb) < area(mb) {
		l, m, mb = m, l, lb
	}
	sure := true
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		if max(a[0], b[0]) < mb.Min[0] || min(a[0], b[0]) > mb.Max[0] ||
			max(a[1], b[1]) < mb.Min[1] || min(a[1], b[1]) > mb.Max[1] {
			continue
		}
		for j := 1; j < len(m); j++ {
			h, ok := segmentsMeet(a, b, m[j-1], m[j])
			if ok && h {
				return true, true
			}
			sure = sure && ok
		}
	}
	return false, sure
}

func area(b orb.Bound) float64 { return (b.Max[0] - b.Min[0]) * (b.Max[1] - b.Min[1]) }

// pathMeetsPolygon: a vertex of the path inside the polygon, or an edge
// meeting a ring; with neither, the path lies wholly outside (or in a
// hole), as its first vertex does.
func pathMeetsPolygon(l orb.LineString, p orb.Polygon) (hit, ok bool) {
	first, sure := locateExact(l[0], p)
	if sure && first == interior {
		return true, true
	}
	h, ok := pathMeetsRings(l, p)
	if ok && h {
		return true, true
	}
	return false, ok && sure
}

// polygonsMeet: a vertex of one inside the other (the common case of a
// small feature within a query polygon, decided by one point-in-polygon
// test), or their rings meeting; with neither they are apart, since a
// polygon inside another without the rings meeting has every vertex
// inside it.
func polygonsMeet(p, q orb.Polygon) (hit, ok bool) {
	pq, sure1 := locateExact(p[0][0], q)
	if sure1 && pq == interior {
		return true, true
	}
	// A vertex outside the other's bound is outside it; small features
	// seldom hold a vertex of the query polygon.
	qp, sure2 := exterior, true
	if v := q[0][0]; pointsBound(p[0]).Contains(v) {
		qp, sure2 = locateExact(v, p)
	}
	if sure2 && qp == interior {
		return true, true
	}
	sure := sure1 && sure2
	for _, r := range p {
		h, ok := pathMeetsRings(orb.LineString(r), q)
		if ok && h {
			return true, true
		}
		sure = sure && ok
	}
	return false, sure
}

// pathMeetsRings reports whether a path meets any ring of a polygon.
func pathMeetsRings(l orb.LineString, p orb.Polygon) (hit, ok bool) {
	sure := true
	for _, r := range p {
		h, ok := pathsCross(l, orb.LineString(r))
		if ok && h {
			return true, true
		}
		sure = sure && ok
	}
	return false, sure
}

// segmentsMeet reports whether the closed segments ab and cd share a
// point. Only crossings and clear misses are decided; touching or
// collinear segments abstain.
func segmentsMeet(a, b, c, d orb.Point) (hit, ok bool) {
	if max(a[0], b[0]) < min(c[0], d[0]) || max(c[0], d[0]) < min(a[0], b[0]) ||
		max(a[1], b[1]) < min(c[1], d[1]) || max(c[1], d[1]) < min(a[1], b[1]) {
		return false, true
	}
	o1, ok1 := orient(a, b, c)
	o2, ok2 := orient(a, b, d)
	if ok1 && ok2 && o1 == o2 && o1 != 0 {
		return false, true // c and d on one side of ab
	}
	o3, ok3 := orient(c, d, a)
	o4, ok4 := orient(c, d, b)
	if ok3 && ok4 && o3 == o4 && o3 != 0 {
		return false, true
	}
	if ok1 && ok2 && ok3 && ok4 && o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0 {
		return true, true // a proper crossing
	}
	return false, false
}

// locateExact classifies p against polygon poly (even-odd over all its
// rings); ok is false when p is on an edge or too close to one to tell.
func locateExact(p orb.Point, poly orb.Polygon) (location, bool) {
	inside := false
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			a, b := ring[i-1], ring[i]
			if (a[1] > p[1]) == (b[1] > p[1]) {
				// The edge does not cross the ray, but p may lie on it
				// (at an end, or along a horizontal edge).
				if inBox(p, a, b) {
					if _, ok := orient(a, b, p); !ok {
						return boundary, false
					}
				}
				continue
			}
			s, ok := orient(a, b, p)
			if !ok {
				return boundary, false
			}
			// p is left of an upward edge, or right of a downward one:
			// the edge crosses the ray from p towards +x.
			if (s > 0) == (b[1] > a[1]) {
				inside = !inside
			}
		}
	}
	if inside {
		return interior, true
	}
	return exterior, true
}

func inBox(p, a, b orb.Point) bool {
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// orientErrBound is Shewchuk's ccwerrboundA: (3 + 16ε)ε with ε = 2^-53.
const orientErrBound = (3.0 + 16.0*0x1p-53) * 0x1p-53

// orient is the side of line ab that c is on: +1 left (counterclockwise),
// -1 right, computed in float64 and trusted only when its magnitude
// exceeds the rounding error bound (Shewchuk, "Adaptive Precision
// Floating-Point Arithmetic and Fast Robust Geometric Predicates", 1997,
// orient2dfast with the stage-A bound); ok is false otherwise, zero
// included, so a degenerate configuration is never decided here.
func orient(a, b, c orb.Point) (sign int, ok bool) {
	left := (a[0] - c[0]) * (b[1] - c[1])
	right := (a[1] - c[1]) * (b[0] - c[0])
	det := left - right
	bound := orientErrBound * (math.Abs(left) + math.Abs(right))
	switch {
	case det > bound:
		return 1, true
	case -det > bound:
		return -1, true
	}
	return 0, false
}

// boundOf is g.Bound(), a few times faster for the simple shapes: orb
// extends a bound point by point through math.Min and math.Max, and
// S_INTERSECTS takes the bound of every candidate. For finite coordinates
// only (as every cached feature's are): a NaN is not carried through.
func boundOf(g orb.Geometry) orb.Bound {
	switch g := g.(type) {
	case orb.Point:
		return orb.Bound{Min: g, Max: g}
	case orb.LineString:
		return pointsBound(g)
	case orb.Polygon:
		if len(g) > 0 && len(g[0]) > 0 {
			return pointsBound(g[0]) // the holes lie within the shell
		}
	case orb.MultiPolygon:
		if len(g) > 0 {
			b := boundOf(g[0])
			for _, p := range g[1:] {
				b = b.Union(boundOf(p))
			}
			return b
		}
	}
	return g.Bound()
}

func pointsBound(ps []orb.Point) orb.Bound {
	if len(ps) == 0 {
		return orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{-1, -1}}
	}
	b := orb.Bound{Min: ps[0], Max: ps[0]}
	for _, p := range ps[1:] {
		if p[0] < b.Min[0] {
			b.Min[0] = p[0]
		} else if p[0] > b.Max[0] {
			b.Max[0] = p[0]
		}
		if p[1] < b.Min[1] {
			b.Min[1] = p[1]
		} else if p[1] > b.Max[1] {
			b.Max[1] = p[1]
		}
	}
	return b
}
