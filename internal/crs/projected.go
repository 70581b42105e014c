package crs

import "math"

// projectedSystem is a Transverse Mercator grid on a local datum that a
// Helmert transform ties to WGS 84 — the shape of PROJ's pipeline
// "inv tmerc, cart, helmert, inv cart" with the ellipsoidal height taken as
// zero going in and dropped coming out.
type projectedSystem struct {
	grid  transverseMercator
	local ellipsoid
	toWGS helmert // local geocentric frame to WGS 84's
}

const (
	degree = math.Pi / 180
	radian = 180 / math.Pi
)

func (s *projectedSystem) toLonLat(easting, northing float64) (lon, lat float64) {
	tau, sinL, cosL := s.grid.inverse(easting, northing)
	cosLat := 1 / hypot(1, tau)
	// Turn the longitude from the central meridian into one from Greenwich.
	sinLon := sinL*s.grid.lon0Cos + cosL*s.grid.lon0Sin
	cosLon := cosL*s.grid.lon0Cos - sinL*s.grid.lon0Sin
	x, y, z := s.local.toGeocentric(tau*cosLat, cosLat, sinLon, cosLon)
	x, y, z = s.toWGS.forward(x, y, z)
	tau = wgs84.latitudeTangent(hypot(x, y), z)
	return math.Atan2(y, x) * radian, math.Atan(tau) * radian
}

func (s *projectedSystem) fromLonLat(lon, lat float64) (easting, northing float64) {
	sinLat, cosLat := math.Sincos(lat * degree)
	sinLon, cosLon := math.Sincos(lon * degree)
	x, y, z := wgs84.toGeocentric(sinLat, cosLat, sinLon, cosLon)
	x, y, z = s.toWGS.inverse(x, y, z)
	p := hypot(x, y)
	tau := s.local.latitudeTangent(p, z)
	// Turn the longitude from Greenwich into one from the central meridian.
	sinL := (y*s.grid.lon0Cos - x*s.grid.lon0Sin) / p
	cosL := (x*s.grid.lon0Cos + y*s.grid.lon0Sin) / p
	return s.grid.forward(tau, sinL, cosL)
}
