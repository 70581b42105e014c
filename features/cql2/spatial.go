package cql2

import (
	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"
)

// Spatial predicates follow DE-9IM exactly. orb has no relate operation, so
// the exact test is simplefeatures' (a pure-Go DE-9IM implementation) —
// the one place this package uses a second geometry model. Every test
// starts with an envelope check, and a point against an area (the common
// "features in a polygon" query) is decided by a point-in-polygon test
// that classifies boundary points the way DE-9IM does. S_INTERSECTS and
// S_DISJOINT between points, lines and polygons are decided in orb
// (intersects.go) whenever its robust predicates are sure, which is all
// but degenerate cases: simplefeatures allocates a copy of each candidate.

// spatialArg is one operand: a constant literal (pre-converted) or the
// feature geometry.
type spatialArg struct {
	konst bool
	g     orb.Geometry
	bound orb.Bound
	sf    geom.Geometry // converted literal
	point bool          // g is an orb.Point
	area  bool          // g is a Polygon or MultiPolygon
}

func literalArg(g orb.Geometry) (spatialArg, error) {
	sf, err := toSF(g)
	if err != nil {
		return spatialArg{}, err
	}
	a := spatialArg{konst: true, g: g, bound: g.Bound(), sf: sf}
	_, a.point = g.(orb.Point)
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		a.area = true
	}
	return a, nil
}

// spatialOp evaluates op(a, b). Both geometries are non-nil.
func spatialOp(op string, a, b *spatialArg, ga, gb orb.Geometry) (res tri) {
	ba, bb := a.bound, b.bound
	if !a.konst {
		ba = boundOf(ga)
	}
	if !b.konst {
		bb = boundOf(gb)
	}
	// Envelope test: if the boxes do not meet, only S_DISJOINT holds.
	if !ba.Intersects(bb) {
		return triOf(op == "s_disjoint")
	}
	switch op {
	case "s_within":
		if !contains(bb, ba) {
			return tFalse
		}
	case "s_contains":
		if !contains(ba, bb) {
			return tFalse
		}
	case "s_equals":
		if ba != bb {
			return tFalse
		}
	}
	// Fast path: a point against an area.
	if pa, ok := ga.(orb.Point); ok && isArea(gb) {
		return triOf(pointAreaOp(op, locate(pa, gb), true))
	}
	if pb, ok := gb.(orb.Point); ok && isArea(ga) {
		return triOf(pointAreaOp(op, locate(pb, ga), false))
	}
	// Intersection of points, lines and polygons in orb, when it is sure.
	if op == "s_intersects" || op == "s_disjoint" {
		if hit, ok := fastIntersects(ga, gb); ok {
			return triOf(hit == (op == "s_intersects"))
		}
	}
	// Exact DE-9IM. A cached feature geometry that simplefeatures cannot
	// handle (say, a malformed polygon) makes the predicate unknown rather
	// than failing the request.
	defer func() {
		if recover() != nil {
			res = tUnknown
		}
	}()
	sa, sb := a.sf, b.sf
	var err error
	if !a.konst {
		if sa, err = toSF(ga); err != nil {
			return tUnknown
		}
	}
	if !b.konst {
		if sb, err = toSF(gb); err != nil {
			return tUnknown
		}
	}
	var ok bool
	switch op {
	case "s_intersects":
		return triOf(geom.Intersects(sa, sb))
	case "s_disjoint":
		return triOf(!geom.Intersects(sa, sb))
	case "s_equals":
		ok, err = geom.Equals(sa, sb)
	case "s_touches":
		ok, err = geom.Touches(sa, sb)
	case "s_within":
		ok, err = geom.Within(sa, sb)
	case "s_contains":
		ok, err = geom.Contains(sa, sb)
	case "s_overlaps":
		ok, err = geom.Overlaps(sa, sb)
	case "s_crosses":
		ok, err = geom.Crosses(sa, sb)
	}
	if err != nil {
		return tUnknown
	}
	return triOf(ok)
}

func contains(outer, inner orb.Bound) bool {
	return outer.Min[0] <= inner.Min[0] && outer.Min[1] <= inner.Min[1] &&
		inner.Max[0] <= outer.Max[0] && inner.Max[1] <= outer.Max[1]
}

func isArea(g orb.Geometry) bool {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		return true
	}
	return false
}

type location uint8

const (
	exterior location = iota
	boundary
	interior
)

// pointAreaOp decides op(point, area) (pointFirst) or op(area, point) from
// where the point lies: the DE-9IM matrices of a point and a valid area
// depend on nothing else.
func pointAreaOp(op string, loc location, pointFirst bool) bool {
	switch op {
	case "s_intersects":
		return loc != exterior
	case "s_disjoint":
		return loc == exterior
	case "s_touches":
		return loc == boundary
	case "s_within":
		return pointFirst && loc == interior
	case "s_contains":
		return !pointFirst && loc == interior
	}
	return false // equals, overlaps, crosses never hold between dimensions 0 and 2
}

// locate classifies p against a Polygon or MultiPolygon (even-odd rule,
// holes included). Exact for coordinates whose products are exact in
// float64, which covers the integer grids of the PostGIS cross-check.
func locate(p orb.Point, g orb.Geometry) location {
	switch g := g.(type) {
	case orb.Polygon:
		return locatePolygon(p, g)
	case orb.MultiPolygon:
		best := exterior
		for _, poly := range g {
			if l := locatePolygon(p, poly); l > best {
				best = l
			}
		}
		return best
	}
	return exterior
}

func locatePolygon(p orb.Point, poly orb.Polygon) location {
	inside := false
	for _, ring := range poly {
		n := len(ring)
		for i := 0; i < n; i++ {
			a, b := ring[i], ring[(i+1)%n]
			if onSegment(p, a, b) {
				return boundary
			}
			if (a[1] > p[1]) != (b[1] > p[1]) {
				x := a[0] + (p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1])
				if p[0] < x {
					inside = !inside
				}
			}
		}
	}
	if inside {
		return interior
	}
	return exterior
}

func onSegment(p, a, b orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	if cross != 0 {
		return false
	}
	return min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1])
}

// Intersects reports whether two planar geometries share a point, with
// the same exact DE-9IM semantics as S_INTERSECTS. A geometry
// simplefeatures cannot take answers false.
func Intersects(a, b orb.Geometry) bool {
	if a == nil || b == nil || !a.Bound().Intersects(b.Bound()) {
		return false
	}
	if hit, ok := fastIntersects(a, b); ok {
		return hit
	}
	ga, err := toSF(a)
	if err != nil {
		return false
	}
	gb, err := toSF(b)
	if err != nil {
		return false
	}
	return geom.Intersects(ga, gb)
}

// toSF converts an orb geometry to simplefeatures.
func toSF(g orb.Geometry) (geom.Geometry, error) {
	seq := func(pts []orb.Point) geom.Sequence {
		fs := make([]float64, 0, 2*len(pts))
		for _, p := range pts {
			fs = append(fs, p[0], p[1])
		}
		return geom.NewSequence(fs, geom.DimXY)
	}
	poly := func(p orb.Polygon) geom.Polygon {
		rings := make([]geom.LineString, len(p))
		for i, r := range p {
			rings[i] = geom.NewLineString(seq(r))
		}
		return geom.NewPolygon(rings)
	}
	switch g := g.(type) {
	case orb.Point:
		return geom.NewPoint(geom.Coordinates{XY: geom.XY{X: g[0], Y: g[1]}, Type: geom.DimXY}).AsGeometry(), nil
	case orb.MultiPoint:
		pts := make([]geom.Point, len(g))
		for i, p := range g {
			pts[i] = geom.NewPoint(geom.Coordinates{XY: geom.XY{X: p[0], Y: p[1]}, Type: geom.DimXY})
		}
		return geom.NewMultiPoint(pts).AsGeometry(), nil
	case orb.LineString:
		return geom.NewLineString(seq(g)).AsGeometry(), nil
	case orb.MultiLineString:
		ls := make([]geom.LineString, len(g))
		for i, l := range g {
			ls[i] = geom.NewLineString(seq(l))
		}
		return geom.NewMultiLineString(ls).AsGeometry(), nil
	case orb.Ring:
		return poly(orb.Polygon{g}).AsGeometry(), nil
	case orb.Polygon:
		return poly(g).AsGeometry(), nil
	case orb.Bound:
		return poly(orb.Polygon{g.ToRing()}).AsGeometry(), nil
	case orb.MultiPolygon:
		ps := make([]geom.Polygon, len(g))
		for i, p := range g {
			ps[i] = poly(p)
		}
		return geom.NewMultiPolygon(ps).AsGeometry(), nil
	case orb.Collection:
		gs := make([]geom.Geometry, len(g))
		for i, m := range g {
			s, err := toSF(m)
			if err != nil {
				return geom.Geometry{}, err
			}
			gs[i] = s
		}
		return geom.NewGeometryCollection(gs).AsGeometry(), nil
	}
	return geom.Geometry{}, errorf("unsupported geometry type %T", g)
}

// bboxGeometry turns BBOX values into a polygon. A box whose west edge is
// east of its east edge crosses the antimeridian (as the standard allows
// for geographic CRSs) and becomes two polygons split at ±180.
func bboxGeometry(v []float64) orb.Geometry {
	minx, miny, maxx, maxy := v[0], v[1], v[2], v[3]
	if len(v) == 6 {
		minx, miny, maxx, maxy = v[0], v[1], v[3], v[4]
	}
	box := func(x0, x1 float64) orb.Polygon {
		return orb.Polygon{orb.Bound{Min: orb.Point{x0, miny}, Max: orb.Point{x1, maxy}}.ToRing()}
	}
	if minx > maxx {
		return orb.MultiPolygon{box(minx, 180), box(-180, maxx)}
	}
	return box(minx, maxx)
}
