// Package crs transforms coordinates between the reference systems csdi
// serves: WGS 84 (CRS84 / EPSG:4326), Web Mercator (EPSG:3857), Hong Kong
// 1980 Grid (EPSG:2326) and CGCS2000 (EPSG:4490).
//
// Coordinates are always passed as (x, y) = (easting or longitude, northing
// or latitude); authority axis order is a concern of the encoders.
package crs

import (
	"fmt"
	"math"
)

// Transform maps one coordinate pair to another.
type Transform func(x, y float64) (float64, float64)

// system is a CRS the package can take to and from WGS 84 longitude/latitude.
type system struct {
	toLonLat   Transform
	fromLonLat Transform
}

// systems is filled at init by each CRS's file; it is never written after.
var systems = map[int]system{
	4326: {identity, identity},
	3857: {mercatorToLonLat, lonLatToMercator},
}

func identity(x, y float64) (float64, float64) { return x, y }

// UnsupportedError reports a SRID the package cannot transform.
type UnsupportedError struct{ SRID int }

func (e UnsupportedError) Error() string {
	return fmt.Sprintf("crs: EPSG:%d is not supported", e.SRID)
}

// Supported reports whether srid can be transformed to and from WGS 84.
func Supported(srid int) bool {
	_, ok := systems[srid]
	return ok
}

// ToLonLat returns the transform from srid to WGS 84 longitude/latitude.
func ToLonLat(srid int) (Transform, error) {
	s, ok := systems[srid]
	if !ok {
		return nil, UnsupportedError{srid}
	}
	return s.toLonLat, nil
}

// FromLonLat returns the transform from WGS 84 longitude/latitude to srid.
func FromLonLat(srid int) (Transform, error) {
	s, ok := systems[srid]
	if !ok {
		return nil, UnsupportedError{srid}
	}
	return s.fromLonLat, nil
}

const (
	earthRadius = 6378137.0
	// maxMercatorLat is where Web Mercator's square world ends.
	maxMercatorLat = 85.05112877980659
)

func lonLatToMercator(lon, lat float64) (float64, float64) {
	lat = math.Max(-maxMercatorLat, math.Min(maxMercatorLat, lat))
	x := earthRadius * lon * math.Pi / 180
	y := earthRadius * math.Log(math.Tan(math.Pi/4+lat*math.Pi/360))
	return x, y
}

func mercatorToLonLat(x, y float64) (float64, float64) {
	lon := x / earthRadius * 180 / math.Pi
	lat := (2*math.Atan(math.Exp(y/earthRadius)) - math.Pi/2) * 180 / math.Pi
	return lon, lat
}

// LonLatToWorld maps longitude/latitude to normalised Web Mercator "world"
// coordinates: x and y in [0, 1], y growing southwards, so that at zoom z
// tile (tx, ty) covers [tx, tx+1]/2^z by [ty, ty+1]/2^z. The cache stores
// geometry in this space so tile encoding is a scale and a shift.
func LonLatToWorld(lon, lat float64) (float64, float64) {
	lat = math.Max(-maxMercatorLat, math.Min(maxMercatorLat, lat))
	x := (lon + 180) / 360
	s := math.Sin(lat * math.Pi / 180)
	y := 0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)
	return x, y
}

// WorldToLonLat is the inverse of LonLatToWorld.
func WorldToLonLat(x, y float64) (float64, float64) {
	lon := x*360 - 180
	lat := 90 - 360*math.Atan(math.Exp((y-0.5)*2*math.Pi))/math.Pi
	return lon, lat
}
