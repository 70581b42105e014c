package features

import (
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// transformGeometry maps every vertex of g with t into a new geometry.
func transformGeometry(g orb.Geometry, t crs.Transform) orb.Geometry {
	pt := func(p orb.Point) orb.Point {
		x, y := t(p[0], p[1])
		return orb.Point{x, y}
	}
	pts := func(ps []orb.Point) []orb.Point {
		out := make([]orb.Point, len(ps))
		for i, p := range ps {
			out[i] = pt(p)
		}
		return out
	}
	switch g := g.(type) {
	case orb.Point:
		return pt(g)
	case orb.MultiPoint:
		return orb.MultiPoint(pts(g))
	case orb.LineString:
		return orb.LineString(pts(g))
	case orb.MultiLineString:
		out := make(orb.MultiLineString, len(g))
		for i, l := range g {
			out[i] = pts(l)
		}
		return out
	case orb.Ring:
		return orb.Ring(pts(g))
	case orb.Polygon:
		out := make(orb.Polygon, len(g))
		for i, r := range g {
			out[i] = pts(r)
		}
		return out
	case orb.MultiPolygon:
		out := make(orb.MultiPolygon, len(g))
		for i, p := range g {
			out[i] = transformGeometry(p, t).(orb.Polygon)
		}
		return out
	case orb.Collection:
		out := make(orb.Collection, len(g))
		for i, m := range g {
			out[i] = transformGeometry(m, t)
		}
		return out
	}
	return g
}
