package features

import (
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// geomBuffer transforms geometries into slices it reuses from one to the
// next, for a download that hands each record to its writer and forgets
// it: a 500,000-feature GeoPackage then makes no garbage per feature.
//
// Even a reused slice makes garbage when it is put in an orb.Geometry
// interface (its header is copied to the heap), so the boxed values are
// kept too, by header: every polygon of three rings transformed into the
// buffer has the same header, pointing at the same ring array, so one
// boxed value serves them all. A point is boxed anew (16 bytes).
type geomBuffer struct {
	pts   []orb.Point
	rings []orb.Ring
	polys []orb.Polygon
	lines []orb.LineString
	boxes map[boxKey]orb.Geometry
}

// boxKey is a slice header: kind, length and the address of its first
// element.
type boxKey struct {
	kind  byte
	n     int
	first any // a pointer, which an interface holds without allocating
}

// transform maps every vertex of g with t into the buffer's slices; the
// result is valid until the next call.
func (b *geomBuffer) transform(g orb.Geometry, t crs.Transform) orb.Geometry {
	b.pts, b.rings, b.polys, b.lines = b.pts[:0], b.rings[:0], b.polys[:0], b.lines[:0]
	switch g := g.(type) {
	case orb.Point:
		x, y := t(g[0], g[1])
		return orb.Point{x, y}
	case orb.MultiPoint:
		if len(g) > 0 {
			b.reserve(len(g), 0, 0, 0)
			ps := orb.MultiPoint(b.points(g, t))
			return keep(b, 'm', len(ps), &ps[0], ps)
		}
	case orb.LineString:
		if len(g) > 0 {
			b.reserve(len(g), 0, 0, 0)
			ls := orb.LineString(b.points(g, t))
			return keep(b, 'l', len(ls), &ls[0], ls)
		}
	case orb.MultiLineString:
		if len(g) > 0 {
			b.reserve(pointCount(g...), 0, 0, len(g))
			for _, l := range g {
				b.lines = append(b.lines, b.points(l, t))
			}
			ml := orb.MultiLineString(b.lines)
			return keep(b, 'L', len(ml), &ml[0], ml)
		}
	case orb.Polygon:
		if len(g) > 0 {
			b.reserve(pointCount(g...), len(g), 0, 0)
			p := b.polygon(g, t)
			return keep(b, 'p', len(p), &p[0], p)
		}
	case orb.MultiPolygon:
		if len(g) > 0 {
			pts, rings := 0, 0
			for _, p := range g {
				pts += pointCount(p...)
				rings += len(p)
			}
			b.reserve(pts, rings, len(g), 0)
			for _, p := range g {
				b.polys = append(b.polys, b.polygon(p, t))
			}
			mp := orb.MultiPolygon(b.polys)
			return keep(b, 'P', len(mp), &mp[0], mp)
		}
	}
	return transformGeometry(g, t) // empty parts, rings, bounds, collections: rare
}

// keep returns g boxed, reusing the boxed value of the same header.
func keep[G orb.Geometry](b *geomBuffer, kind byte, n int, first any, g G) orb.Geometry {
	k := boxKey{kind: kind, n: n, first: first}
	if boxed, ok := b.boxes[k]; ok {
		return boxed
	}
	if b.boxes == nil {
		b.boxes = make(map[boxKey]orb.Geometry)
	}
	var boxed orb.Geometry = g
	b.boxes[k] = boxed
	return boxed
}

// reserve makes room for a whole geometry before any of it is written,
// so no slice handed out for it is left on an old array. Growing an array
// makes the boxes of its headers stale.
func (b *geomBuffer) reserve(pts, rings, polys, lines int) {
	grown := false
	if cap(b.pts) < pts {
		b.pts, grown = make([]orb.Point, 0, 2*pts), true
	}
	if cap(b.rings) < rings {
		b.rings, grown = make([]orb.Ring, 0, 2*rings), true
	}
	if cap(b.polys) < polys {
		b.polys, grown = make([]orb.Polygon, 0, 2*polys), true
	}
	if cap(b.lines) < lines {
		b.lines, grown = make([]orb.LineString, 0, 2*lines), true
	}
	if grown {
		clear(b.boxes)
	}
}

// points appends ps, transformed, to the point buffer (reserved) and
// returns them.
func (b *geomBuffer) points(ps []orb.Point, t crs.Transform) []orb.Point {
	start := len(b.pts)
	for _, p := range ps {
		x, y := t(p[0], p[1])
		b.pts = append(b.pts, orb.Point{x, y})
	}
	return b.pts[start:len(b.pts):len(b.pts)]
}

// polygon transforms p's rings into the buffers (reserved).
func (b *geomBuffer) polygon(p orb.Polygon, t crs.Transform) orb.Polygon {
	start := len(b.rings)
	for _, r := range p {
		b.rings = append(b.rings, b.points(r, t))
	}
	return b.rings[start:len(b.rings):len(b.rings)]
}

// pointCount is the number of points in parts.
func pointCount[S ~[]orb.Point](parts ...S) int {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	return n
}
