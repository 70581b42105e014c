package gpkg

import (
	"math"

	"github.com/paulmach/orb"
)

// bound returns the envelope of g's points, and false when g has none (an
// empty geometry). Unlike orb's Bound it ignores the NaN pairs WKB uses for
// empty points.
func bound(g orb.Geometry) (orb.Bound, bool) {
	e := newEnvelope()
	e.add(g)
	return orb.Bound{Min: e.min, Max: e.max}, e.n > 0
}

// envelope accumulates the bounds of points without allocating (it runs
// for every written row); n counts the points added, nonFinite records a
// NaN or infinite coordinate among them.
type envelope struct {
	min, max  orb.Point
	n         int
	nonFinite bool
}

func newEnvelope() envelope {
	return envelope{min: orb.Point{math.Inf(1), math.Inf(1)}, max: orb.Point{math.Inf(-1), math.Inf(-1)}}
}

// merge adds another envelope's bounds.
func (e *envelope) merge(o envelope) {
	if o.n == 0 {
		return
	}
	e.point(o.min)
	e.point(o.max)
	e.nonFinite = e.nonFinite || o.nonFinite
}

// finite reports whether every coordinate added was a finite number.
func (e *envelope) finite() bool { return !e.nonFinite }

func (e *envelope) add(g orb.Geometry) {
	switch v := g.(type) {
	case orb.Point:
		e.point(v)
	case orb.MultiPoint:
		e.points(v)
	case orb.LineString:
		e.points(v)
	case orb.Ring:
		e.points(v)
	case orb.MultiLineString:
		for _, l := range v {
			e.points(l)
		}
	case orb.Polygon:
		for _, r := range v {
			e.points(r)
		}
	case orb.MultiPolygon:
		for _, p := range v {
			for _, r := range p {
				e.points(r)
			}
		}
	case orb.Collection:
		for _, m := range v {
			e.add(m)
		}
	case orb.Bound:
		e.point(v.Min)
		e.point(v.Max)
	}
}

func (e *envelope) points(ps []orb.Point) {
	for _, p := range ps {
		e.point(p)
	}
}

func (e *envelope) point(p orb.Point) {
	if math.IsNaN(p[0]) && math.IsNaN(p[1]) {
		return // WKB's empty point
	}
	e.n++
	if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) {
		e.nonFinite = true
	}
	// Comparisons with NaN are false, so a lone NaN coordinate is skipped.
	if p[0] < e.min[0] {
		e.min[0] = p[0]
	}
	if p[0] > e.max[0] {
		e.max[0] = p[0]
	}
	if p[1] < e.min[1] {
		e.min[1] = p[1]
	}
	if p[1] > e.max[1] {
		e.max[1] = p[1]
	}
}
