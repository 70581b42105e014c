package features

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// bbox is a bbox parameter read into CRS84: MinLon > MaxLon means it
// crosses the antimeridian. A bbox given in a projected CRS whose grid is
// not aligned with longitude and latitude (HK1980) also keeps its outline
// in world coordinates, so the exact test follows its true edges.
type bbox struct {
	MinLon, MinLat, MaxLon, MaxLat float64
	// Outline is the rectangle of a bbox-crs whose axes are not parallel
	// to the world's, densified and mapped to world coordinates; nil when
	// the rectangle is one in world coordinates too.
	Outline orb.Polygon
	rects   []orb.Bound // worldRects, computed once by parseBBox
}

const bboxForm = "bbox must be 4 comma-separated numbers minLon,minLat,maxLon,maxLat in CRS84 " +
	"(or 6, minLon,minLat,minHeight,maxLon,maxLat,maxHeight)"

// parseBBox reads the bbox parameter, given in CRS c (nil: CRS84) and in
// c's axis order, as Part 2 says. Heights of a 6-number bbox are checked to
// be numbers and otherwise ignored: every geometry is 2D.
func parseBBox(s string, c *crsRef) (bbox, error) {
	if c == nil {
		c = defaultCRS
	}
	form := bboxForm
	if c != defaultCRS {
		form = fmt.Sprintf("bbox must be 4 comma-separated numbers (or 6 with heights) in %s: the lower corner's two coordinates, then the upper corner's, in that axis order", c.Label)
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return bbox{}, httpx.BadRequest("%s; got %q", form, truncate(s))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bbox{}, httpx.BadRequest("%s; %q is not a finite number", form, truncate(p))
		}
		v[i] = f
	}
	if len(v) == 6 {
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	var b bbox
	var err error
	switch {
	case c.Projected:
		b, err = projectedBBox(v, c)
	case c.NorthFirst:
		b, err = lonLatBBox([]float64{v[1], v[0], v[3], v[2]}, c)
	default:
		b, err = lonLatBBox(v, c)
	}
	b.rects = b.worldRects()
	return b, err
}

// lonLatBBox checks a geographic bbox given as minLon,minLat,maxLon,maxLat.
func lonLatBBox(v []float64, c *crsRef) (bbox, error) {
	b := bbox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	order := "minLon,minLat,maxLon,maxLat in CRS84 (longitude first)"
	if c.NorthFirst {
		order = "minLat,minLon,maxLat,maxLon in " + c.Label
	}
	for _, lat := range []float64{b.MinLat, b.MaxLat} {
		if lat < -90 || lat > 90 {
			return bbox{}, httpx.BadRequest("bbox latitude %v is outside -90..90; bbox is %s", lat, order)
		}
	}
	for _, lon := range []float64{b.MinLon, b.MaxLon} {
		if lon < -180 || lon > 180 {
			return bbox{}, httpx.BadRequest("bbox longitude %v is outside -180..180; bbox is %s", lon, order)
		}
	}
	if b.MinLat > b.MaxLat {
		return bbox{}, httpx.BadRequest("bbox minimum latitude %v is north of the maximum %v; bbox is %s (south before north)", b.MinLat, b.MaxLat, order)
	}
	return b, nil
}

// projectedBBox maps a bbox in projected metres to CRS84 (its envelope)
// and, when the grid is not Web Mercator's, to its true outline.
func projectedBBox(v []float64, c *crsRef) (bbox, error) {
	axes := "easting"
	if c.NorthFirst {
		axes = "northing"
	}
	if v[0] > v[2] || v[1] > v[3] {
		return bbox{}, httpx.BadRequest("bbox lower corner (%v, %v) is not below and left of the upper corner (%v, %v) in %s; give the lower corner first, %s first",
			v[0], v[1], v[2], v[3], c.Label, axes)
	}
	limit := projectedLimit(c)
	for _, x := range v {
		if math.Abs(x) > limit {
			return bbox{}, httpx.BadRequest("bbox coordinate %v is outside the area %s covers", x, c.Label)
		}
	}
	toWorld := c.toWorld()
	if c.SRID == 3857 {
		x0, y0 := toWorld(v[0], v[3])
		x1, y1 := toWorld(v[2], v[1])
		lon0, lat0 := crs.WorldToLonLat(x0, y0)
		lon1, lat1 := crs.WorldToLonLat(x1, y1)
		return bbox{MinLon: lon0, MinLat: lat1, MaxLon: lon1, MaxLat: lat0}, nil
	}
	outline := densifiedRect(v[0], v[1], v[2], v[3], toWorld)
	env := outline.Bound()
	lon0, lat0 := crs.WorldToLonLat(env.Min[0], env.Min[1])
	lon1, lat1 := crs.WorldToLonLat(env.Max[0], env.Max[1])
	return bbox{MinLon: lon0, MinLat: lat1, MaxLon: lon1, MaxLat: lat0, Outline: outline}, nil
}

// projectedLimit is how far from its origin a projected CRS is usable.
func projectedLimit(c *crsRef) float64 {
	if c.SRID == 3857 {
		return mercatorHalf * 1.0001
	}
	return 1e8
}

// densifySteps is how many pieces each edge of a projected bbox is cut
// into on its way to world coordinates: a straight HK1980 edge is very
// nearly straight in Web Mercator, so a few points keep it to centimetres.
const densifySteps = 16

// densifiedRect is the rectangle [a0,a1]x[b0,b1] of a CRS, its edges cut
// into densifySteps pieces and mapped by toWorld, as a closed ring.
func densifiedRect(a0, b0, a1, b1 float64, toWorld crs.Transform) orb.Polygon {
	corners := [][2]float64{{a0, b0}, {a1, b0}, {a1, b1}, {a0, b1}, {a0, b0}}
	ring := make(orb.Ring, 0, 4*densifySteps+1)
	for i := 0; i < 4; i++ {
		p, q := corners[i], corners[i+1]
		for k := 0; k < densifySteps; k++ {
			t := float64(k) / densifySteps
			x, y := toWorld(p[0]+(q[0]-p[0])*t, p[1]+(q[1]-p[1])*t)
			ring = append(ring, orb.Point{x, y})
		}
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// worldRects are the world-coordinate rectangles b covers: two when it
// crosses the antimeridian, split there.
func (b bbox) worldRects() []orb.Bound {
	if b.rects != nil {
		return b.rects
	}
	if b.MinLon > b.MaxLon {
		east, west := b, b
		east.MaxLon, west.MinLon = 180, -180
		return []orb.Bound{east.worldRect(), west.worldRect()}
	}
	return []orb.Bound{b.worldRect()}
}

// worldRect maps a rectangle that does not cross the antimeridian. World y
// grows southwards, so the north-west corner is the minimum.
func (b bbox) worldRect() orb.Bound {
	x0, y0 := crs.LonLatToWorld(b.MinLon, b.MaxLat)
	x1, y1 := crs.LonLatToWorld(b.MaxLon, b.MinLat)
	return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
}
