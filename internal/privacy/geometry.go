package privacy

import (
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Lines and polygons are reduced to their centroid before snap and
// displace: a shape moved or coarsened as a whole can still be matched
// against other layers (a building's footprint, a road) to find the true
// place. Points (and each point of a multipoint) are masked as they are.

// maskGeometry masks one feature's geometry (world coordinates in and out);
// ok is false when the geometry cannot be masked, and then the feature
// must be left out of the masked view rather than shown as it is.
func (p *Policy) maskGeometry(id cache.ID, g orb.Geometry) (orb.Geometry, bool) {
	if g == nil || p.geom.kind == geomKeep {
		return g, true
	}
	if !hasVertex(g) {
		return nil, true // an empty geometry tells nothing
	}
	switch p.geom.kind {
	case geomCentroid:
		if b := g.Bound(); b.Min == b.Max {
			return nil, false // a point is its own centroid: nothing would be hidden
		}
		c, ok := p.metric.anchor(g)
		if !ok {
			return nil, false
		}
		return p.toWorld(c)
	case geomSnap, geomDisplace:
		if mp, ok := g.(orb.MultiPoint); ok {
			return p.maskPoints(id, mp)
		}
		c, ok := p.metric.anchor(g)
		if !ok {
			return nil, false
		}
		return p.toWorld(p.movePoint(id, 0, c))
	}
	return nil, false // aggregate has no per-feature geometry
}

// maskPoints snaps or displaces each point of a multipoint; snapped points
// that share a cell become one.
func (p *Policy) maskPoints(id cache.ID, mp orb.MultiPoint) (orb.Geometry, bool) {
	out := make(orb.MultiPoint, 0, len(mp))
	seen := make(map[orb.Point]bool, len(mp))
	for i, w := range mp {
		m, ok := p.metric.metres(w)
		if !ok {
			return nil, false
		}
		moved := p.movePoint(id, i, m)
		if seen[moved] {
			continue
		}
		seen[moved] = true
		wp, ok := p.metric.world(moved)
		if !ok {
			return nil, false
		}
		out = append(out, wp)
	}
	return out, true
}

func (p *Policy) toWorld(m orb.Point) (orb.Geometry, bool) {
	w, ok := p.metric.world(m)
	if !ok {
		return nil, false
	}
	return w, true
}

// movePoint snaps or displaces the grid point m, the part-th point of the
// feature id.
func (p *Policy) movePoint(id cache.ID, part int, m orb.Point) orb.Point {
	if p.geom.kind == geomSnap {
		return cellOf(m, p.geom.size).centre(p.geom.size)
	}
	return p.displace(id, part, m)
}

// displace moves m in a direction and by a distance (between the rule's
// inner and outer radius, uniform over that ring's area) drawn from a keyed
// HMAC. The seed is the feature's id and its true position to the metre:
// repeated queries get the same answer, so nothing can be averaged out,
// and a feature that moves gets a new, unrelated offset — with the id alone
// the offset would stay fixed and the masked move would be the true one.
func (p *Policy) displace(id cache.ID, part int, m orb.Point) orb.Point {
	var pos [20]byte
	binary.BigEndian.PutUint64(pos[0:], uint64(int64(math.Round(m[0]))))
	binary.BigEndian.PutUint64(pos[8:], uint64(int64(math.Round(m[1]))))
	binary.BigEndian.PutUint32(pos[16:], uint32(part))
	s := newSeed(p.displaceKey, idBytes(id), pos[:])
	theta := 2 * math.Pi * s.unit(0)
	lo, hi := p.geom.minDisplacement(), float64(p.geom.radius)
	r := math.Sqrt(lo*lo + s.unit(1)*(hi*hi-lo*lo))
	sin, cos := math.Sincos(theta)
	return orb.Point{m[0] + r*cos, m[1] + r*sin}
}

// hasVertex reports whether g has at least one point.
func hasVertex(g orb.Geometry) bool {
	found := false
	eachPart(g, func(_ partKind, ps []orb.Point) { found = found || len(ps) > 0 })
	return found
}

// cell is one square of a grid in HK1980 metres, by column and row.
type cell struct{ col, row int64 }

// cellOf is the cell of size metres holding the grid point m (usable, so
// the indexes fit).
func cellOf(m orb.Point, size int) cell {
	s := float64(size)
	return cell{int64(math.Floor(m[0] / s)), int64(math.Floor(m[1] / s))}
}

func (c cell) centre(size int) orb.Point {
	s := float64(size)
	return orb.Point{(float64(c.col) + 0.5) * s, (float64(c.row) + 0.5) * s}
}

// square is the cell's outline, anticlockwise from its south-west corner
// (the winding RFC 7946 asks of an outer ring, once in longitude/latitude).
func (c cell) square(size int) orb.Ring {
	s := float64(size)
	x0, y0 := float64(c.col)*s, float64(c.row)*s
	return orb.Ring{{x0, y0}, {x0 + s, y0}, {x0 + s, y0 + s}, {x0, y0 + s}, {x0, y0}}
}

// maskedGeometryType is the geometry type of the masked view of a layer
// with geometry type t.
func maskedGeometryType(t layer.GeometryType, r geomRule) layer.GeometryType {
	switch r.kind {
	case geomKeep:
		return t
	case geomAggregate:
		if r.centre {
			return layer.Point
		}
		return layer.Polygon
	case geomCentroid:
		return layer.Point
	}
	switch t { // snap, displace
	case layer.Point, layer.MultiPoint:
		return t
	case layer.LineString, layer.MultiLineString, layer.Polygon, layer.MultiPolygon:
		return layer.Point
	}
	return layer.AnyGeometry
}
