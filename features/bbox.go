package features

import (
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// bbox is the bbox parameter: a CRS84 rectangle. MinLon > MaxLon means it
// crosses the antimeridian.
type bbox struct {
	MinLon, MinLat, MaxLon, MaxLat float64
}

const bboxForm = "bbox must be 4 comma-separated numbers minLon,minLat,maxLon,maxLat in CRS84 " +
	"(or 6, minLon,minLat,minHeight,maxLon,maxLat,maxHeight)"

// parseBBox reads the bbox parameter. Heights of a 6-number bbox are
// checked to be numbers and otherwise ignored: every geometry is 2D.
func parseBBox(s string) (bbox, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return bbox{}, httpx.BadRequest("%s; got %q", bboxForm, truncate(s))
	}
	v := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return bbox{}, httpx.BadRequest("%s; %q is not a finite number", bboxForm, truncate(p))
		}
		v[i] = f
	}
	if len(v) == 6 {
		v = []float64{v[0], v[1], v[3], v[4]}
	}
	b := bbox{MinLon: v[0], MinLat: v[1], MaxLon: v[2], MaxLat: v[3]}
	for _, lat := range []float64{b.MinLat, b.MaxLat} {
		if lat < -90 || lat > 90 {
			return bbox{}, httpx.BadRequest("bbox latitude %v is outside -90..90; bbox is minLon,minLat,maxLon,maxLat in CRS84 (longitude first)", lat)
		}
	}
	for _, lon := range []float64{b.MinLon, b.MaxLon} {
		if lon < -180 || lon > 180 {
			return bbox{}, httpx.BadRequest("bbox longitude %v is outside -180..180; bbox is minLon,minLat,maxLon,maxLat in CRS84", lon)
		}
	}
	if b.MinLat > b.MaxLat {
		return bbox{}, httpx.BadRequest("bbox minLat %v is north of maxLat %v; bbox is minLon,minLat,maxLon,maxLat (south before north)", b.MinLat, b.MaxLat)
	}
	return b, nil
}

// worldRects are the world-coordinate rectangles b covers: two when it
// crosses the antimeridian, split there.
func (b bbox) worldRects() []orb.Bound {
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
