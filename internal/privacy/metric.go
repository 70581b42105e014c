package privacy

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// Geometry rules measure in Hong Kong 1980 Grid metres (EPSG:2326) whatever
// SRID a layer is stored in: a 250 m grid or a 50 m radius only means the
// same on the ground everywhere in the territory in a projected system, and
// one grid for every layer lets masked layers line up.
const gridSRID = 2326

// farOff bounds grid coordinates that still mean metres on the ground: the
// projection is for Hong Kong, and a point on the other side of the world
// comes out huge or not at all. Such a point cannot be masked, so its
// feature is left out of the masked view.
const farOff = 1e7

// metric converts between the cache's world coordinates and grid metres.
type metric struct {
	toLonLat   crs.Transform // grid → WGS 84
	fromLonLat crs.Transform // WGS 84 → grid
}

func newMetric() (metric, error) {
	to, err := crs.ToLonLat(gridSRID)
	if err != nil {
		return metric{}, fmt.Errorf("masking grid: %w", err)
	}
	from, err := crs.FromLonLat(gridSRID)
	if err != nil {
		return metric{}, fmt.Errorf("masking grid: %w", err)
	}
	return metric{toLonLat: to, fromLonLat: from}, nil
}

// metres is the grid position of the world point w.
func (m metric) metres(w orb.Point) (orb.Point, bool) {
	x, y := m.fromLonLat(crs.WorldToLonLat(w[0], w[1]))
	return orb.Point{x, y}, usable(x) && usable(y)
}

// world is the world position of the grid point g.
func (m metric) world(g orb.Point) (orb.Point, bool) {
	x, y := crs.LonLatToWorld(m.toLonLat(g[0], g[1]))
	return orb.Point{x, y}, finite(x) && finite(y)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
func usable(v float64) bool { return finite(v) && math.Abs(v) < farOff }

// anchor is the one point in grid metres that stands for a geometry: the
// point itself, or the centroid of a line, polygon or collection; ok is
// false when the geometry has no usable vertex.
func (m metric) anchor(g orb.Geometry) (orb.Point, bool) {
	if p, ok := g.(orb.Point); ok {
		return m.metres(p)
	}
	var c centroid
	ok := true
	eachPart(g, func(kind partKind, ps []orb.Point) {
		mps := make([]orb.Point, len(ps))
		for i, p := range ps {
			var good bool
			if mps[i], good = m.metres(p); !good {
				ok = false
			}
		}
		c.add(kind, mps)
	})
	if !ok {
		return orb.Point{}, false
	}
	return c.point()
}

// partKind is what a run of points is in a geometry.
type partKind int

const (
	partPoints   partKind = iota // separate points
	partLine                     // a line through the points
	partExterior                 // a polygon's outer ring
	partHole                     // a polygon's inner ring
)

// eachPart calls fn for every run of points in g.
func eachPart(g orb.Geometry, fn func(partKind, []orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		fn(partPoints, []orb.Point{g})
	case orb.MultiPoint:
		fn(partPoints, g)
	case orb.LineString:
		fn(partLine, g)
	case orb.MultiLineString:
		for _, l := range g {
			fn(partLine, l)
		}
	case orb.Ring:
		fn(partExterior, g)
	case orb.Polygon:
		for i, r := range g {
			fn(ringKind(i == 0), r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			eachPart(p, fn)
		}
	case orb.Collection:
		for _, c := range g {
			eachPart(c, fn)
		}
	case orb.Bound:
		eachPart(g.ToPolygon(), fn)
	}
}

func ringKind(exterior bool) partKind {
	if exterior {
		return partExterior
	}
	return partHole
}

// centroid accumulates the centre of a geometry of mixed parts: of its
// area if it has any, else of its length, else of its vertices. Sums are
// taken relative to the first vertex, so Hong Kong's six-digit grid
// coordinates lose no precision in the products.
type centroid struct {
	origin                 orb.Point
	started                bool
	area, ax, ay           float64
	length, lx, ly         float64
	n                      int
	px, py                 float64
	minX, minY, maxX, maxY float64
}

func (c *centroid) add(kind partKind, ps []orb.Point) {
	if len(ps) == 0 {
		return
	}
	if !c.started {
		c.origin, c.started = ps[0], true
		c.minX, c.minY, c.maxX, c.maxY = ps[0][0], ps[0][1], ps[0][0], ps[0][1]
	}
	o := c.origin
	for _, p := range ps {
		c.px += p[0] - o[0]
		c.py += p[1] - o[1]
		c.n++
		c.minX, c.maxX = math.Min(c.minX, p[0]), math.Max(c.maxX, p[0])
		c.minY, c.maxY = math.Min(c.minY, p[1]), math.Max(c.maxY, p[1])
	}
	if kind == partPoints {
		return
	}
	for i := 0; i+1 < len(ps); i++ {
		x0, y0 := ps[i][0]-o[0], ps[i][1]-o[1]
		x1, y1 := ps[i+1][0]-o[0], ps[i+1][1]-o[1]
		d := math.Hypot(x1-x0, y1-y0)
		c.length += d
		c.lx += (x0 + x1) / 2 * d
		c.ly += (y0 + y1) / 2 * d
	}
	if kind == partLine {
		return
	}
	// Shoelace over the ring, closed whether or not it repeats its first
	// point; an outer ring adds its area and a hole takes it away, however
	// each is wound.
	var a, cx, cy float64
	for i := range ps {
		x0, y0 := ps[i][0]-o[0], ps[i][1]-o[1]
		j := (i + 1) % len(ps)
		x1, y1 := ps[j][0]-o[0], ps[j][1]-o[1]
		cross := x0*y1 - x1*y0
		a += cross
		cx += (x0 + x1) * cross
		cy += (y0 + y1) * cross
	}
	if a == 0 {
		return
	}
	sign := 1.0
	if (a < 0) != (kind == partHole) {
		sign = -1 // a clockwise outer ring, or an anticlockwise hole
	}
	c.area += sign * a / 2
	c.ax += sign * cx / 6
	c.ay += sign * cy / 6
}

// point is the accumulated centre. An area or length centre outside the
// vertices' bounds (a sliver whose area is all rounding) falls back to the
// next measure; the mean of the vertices is always inside.
func (c *centroid) point() (orb.Point, bool) {
	if c.n == 0 {
		return orb.Point{}, false
	}
	o := c.origin
	inside := func(p orb.Point) bool {
		return finite(p[0]) && finite(p[1]) && p[0] >= c.minX && p[0] <= c.maxX && p[1] >= c.minY && p[1] <= c.maxY
	}
	if c.area > 0 {
		if p := (orb.Point{o[0] + c.ax/c.area, o[1] + c.ay/c.area}); inside(p) {
			return p, true
		}
	}
	if c.length > 0 {
		if p := (orb.Point{o[0] + c.lx/c.length, o[1] + c.ly/c.length}); inside(p) {
			return p, true
		}
	}
	n := float64(c.n)
	return orb.Point{
		math.Min(math.Max(o[0]+c.px/n, c.minX), c.maxX),
		math.Min(math.Max(o[1]+c.py/n, c.minY), c.maxY),
	}, true
}
