package tiles

import "github.com/paulmach/orb"

// projection maps world coordinates to the pixels of one tile: a scale and a
// shift, because the cache already stores normalised Web Mercator.
type projection struct {
	scale            float64 // 2^z · extent
	originX, originY float64 // the tile's top-left corner, scaled
}

func newProjection(t Tile, extent uint32) projection {
	e := float64(extent)
	return projection{
		scale:   float64(uint64(1)<<t.Z) * e,
		originX: float64(t.X) * e,
		originY: float64(t.Y) * e,
	}
}

func (p projection) point(w orb.Point) orb.Point {
	return orb.Point{w[0]*p.scale - p.originX, w[1]*p.scale - p.originY}
}

func (p projection) bound(b orb.Bound) orb.Bound {
	return orb.Bound{Min: p.point(b.Min), Max: p.point(b.Max)}
}

// world is the inverse of point, for the search box.
func (p projection) world(px orb.Point) orb.Point {
	return orb.Point{(px[0] + p.originX) / p.scale, (px[1] + p.originY) / p.scale}
}

// add projects the cached geometry g into s, sorting its parts by the MVT
// geometry type they become. It only reads g, so the shared cached feature
// stays untouched.
func (s *shapes) add(g orb.Geometry, p projection) {
	switch g := g.(type) {
	case orb.Point:
		s.points.pts = append(s.points.pts, p.point(g))
	case orb.MultiPoint:
		s.points.pts = p.appendPoints(s.points.pts, g)
	case orb.LineString:
		s.lines.project(g, pathLine, p)
	case orb.MultiLineString:
		for _, l := range g {
			s.lines.project(l, pathLine, p)
		}
	case orb.Ring:
		s.polygons.project(g, pathExterior, p)
	case orb.Polygon:
		s.polygons.projectPolygon(g, p)
	case orb.MultiPolygon:
		for _, poly := range g {
			s.polygons.projectPolygon(poly, p)
		}
	case orb.Bound:
		s.polygons.projectPolygon(g.ToPolygon(), p)
	case orb.Collection:
		for _, m := range g {
			s.add(m, p)
		}
	}
}

func (p projection) appendPoints(dst, src []orb.Point) []orb.Point {
	n := len(dst)
	dst = append(dst, src...) // grows once; then projected in place
	for i := n; i < len(dst); i++ {
		dst[i] = p.point(dst[i])
	}
	return dst
}

func (s *shape) project(ps []orb.Point, kind pathKind, p projection) {
	start := len(s.pts)
	s.pts = p.appendPoints(s.pts, ps)
	s.paths = append(s.paths, path{start: start, end: len(s.pts), kind: kind})
}

func (s *shape) projectPolygon(poly orb.Polygon, p projection) {
	for i, r := range poly {
		kind := pathInterior
		if i == 0 {
			kind = pathExterior
		}
		s.project(r, kind, p)
	}
}
