package tiles

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// projection maps world coordinates to the pixels of one tile. For
// WebMercatorQuad it is a scale and a shift, because the cache already
// stores normalised Web Mercator; for another matrix set (grid set) each
// vertex goes world → lon/lat → the set's CRS → tile pixels.
type projection struct {
	scale            float64 // 2^z · extent
	originX, originY float64 // the tile's top-left corner, scaled
	grid             *gridProjection
}

// gridProjection is the per-vertex path of a non-Mercator matrix set.
type gridProjection struct {
	from       crs.Transform // lon/lat → the set's CRS
	minE, maxN float64       // the tile's top-left corner in the CRS
	k          float64       // tile units per CRS unit
}

func (g *gridProjection) point(w orb.Point) orb.Point {
	e, n := g.from(crs.WorldToLonLat(w[0], w[1]))
	return orb.Point{(e - g.minE) * g.k, (g.maxN - n) * g.k}
}

// newTileProjection is the projection of tile t of set s.
func newTileProjection(s *TileMatrixSet, t Tile, extent uint32) projection {
	if s.isMercator() {
		return newProjection(t, extent)
	}
	from, _ := crs.FromLonLat(s.srid)
	b := s.TileBound(t)
	return projection{grid: &gridProjection{
		from: from, minE: b.Min[0], maxN: b.Max[1],
		k: float64(extent) / (b.Max[0] - b.Min[0]),
	}}
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
	if p.grid != nil {
		return p.grid.point(w)
	}
	return orb.Point{w[0]*p.scale - p.originX, w[1]*p.scale - p.originY}
}

// bound is where world box b lies in tile pixels. Through a grid
// projection the box's image is not a box: the envelope of its corners is
// grown by 1% of its size and a unit, more than the grid convergence and
// curvature can add within a tile, so that "wholly inside" stays true.
func (p projection) bound(b orb.Bound) orb.Bound {
	if p.grid == nil {
		return orb.Bound{Min: p.point(b.Min), Max: p.point(b.Max)}
	}
	out := orb.Bound{Min: p.point(b.Min), Max: p.point(b.Min)}
	for _, c := range [3]orb.Point{{b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}} {
		out = out.Extend(p.point(c))
	}
	g := math.Max(out.Max[0]-out.Min[0], out.Max[1]-out.Min[1])/100 + 1
	return orb.Bound{Min: orb.Point{out.Min[0] - g, out.Min[1] - g}, Max: orb.Point{out.Max[0] + g, out.Max[1] + g}}
}

// world is the inverse of point for WebMercatorQuad.
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
	if p.grid != nil {
		for i := n; i < len(dst); i++ {
			dst[i] = p.grid.point(dst[i])
		}
		return dst
	}
	for i := n; i < len(dst); i++ {
		dst[i] = orb.Point{dst[i][0]*p.scale - p.originX, dst[i][1]*p.scale - p.originY}
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
