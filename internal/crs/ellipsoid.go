package crs

import "math"

// ellipsoid holds an earth model's shape and the derived constants the
// conversions below need on every call.
type ellipsoid struct {
	a   float64 // semi-major axis, metres
	b   float64 // semi-minor axis, metres
	e2  float64 // first eccentricity squared
	ep2 float64 // second eccentricity squared
}

func newEllipsoid(a, invFlattening float64) ellipsoid {
	f := 1 / invFlattening
	b := a * (1 - f)
	e2 := f * (2 - f)
	return ellipsoid{a: a, b: b, e2: e2, ep2: e2 / (1 - e2)}
}

var (
	wgs84         = newEllipsoid(6378137, 298.257223563)
	international = newEllipsoid(6378388, 297) // International 1924 (Hayford)
)

// toGeocentric converts a point on the ellipsoid's surface (height 0), given
// by the sines and cosines of its latitude and longitude, to Earth-centred
// Cartesian X, Y, Z. Taking sines and cosines lets callers that already have
// them skip the trigonometry.
func (el ellipsoid) toGeocentric(sinLat, cosLat, sinLon, cosLon float64) (x, y, z float64) {
	n := el.a / math.Sqrt(1-el.e2*sinLat*sinLat)
	x = n * cosLat * cosLon
	y = n * cosLat * sinLon
	z = n * (1 - el.e2) * sinLat
	return x, y, z
}

// latitudeTangent returns tan(latitude) of the geocentric point x, y, z using
// Bowring's closed form, the method PROJ's "cart" step uses; near the surface
// it is exact to well under a micrometre. The height is dropped, as PROJ's
// pipeline drops it after the datum shift. p is hypot(x, y).
func (el ellipsoid) latitudeTangent(p, z float64) float64 {
	// Parametric latitude estimate: tan(theta) = z*a / (p*b).
	za, pb := z*el.a, p*el.b
	r := hypot(za, pb)
	sinT, cosT := za/r, pb/r
	num := z + el.ep2*el.b*sinT*sinT*sinT
	den := p - el.e2*el.a*cosT*cosT*cosT
	return num / den
}

// hypot is √(a²+b²) without math.Hypot's scaling against overflow, which
// magnitudes here (at most ~1e7, or tan of a latitude) never need and which
// took a third of the transform time.
func hypot(a, b float64) float64 { return math.Sqrt(a*a + b*b) }
