package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// CRSError is a coordinate reference system an import cannot use.
type CRSError struct{ Name string }

func (e *CRSError) Error() string {
	return fmt.Sprintf("CRS %q is not supported; use CRS84, EPSG:4326, EPSG:2326 (HK1980 Grid), EPSG:4490 or EPSG:3857", e.Name)
}

// ParseCRS reads the name of an input CRS and returns its EPSG code: CRS84
// (as "CRS84", "OGC:CRS84" or its URN and URI) is 4326; "EPSG:2326",
// "urn:ogc:def:crs:EPSG::2326", ".../def/crs/EPSG/0/2326" and a bare
// "2326" name EPSG codes. Whatever the CRS's authority axis order, input
// positions are read x = easting/longitude, y = northing/latitude, as
// GeoJSON (RFC 7946), WKT and GIS files write them: EPSG:4326 therefore
// means the same as CRS84 here.
func ParseCRS(name string) (int, error) {
	n := strings.TrimSpace(name)
	u := strings.ToUpper(n)
	switch {
	case u == "CRS84" || u == "OGC:CRS84" || strings.HasSuffix(u, ":CRS84") || strings.HasSuffix(u, "/OGC/1.3/CRS84") || strings.HasSuffix(u, "/OGC/0/CRS84"):
		return 4326, nil
	case strings.HasPrefix(u, "EPSG:"):
		u = strings.TrimPrefix(u, "EPSG:")
	case strings.HasPrefix(u, "URN:OGC:DEF:CRS:EPSG:"):
		u = u[strings.LastIndexByte(u, ':')+1:]
	case strings.Contains(u, "/DEF/CRS/EPSG/"):
		u = u[strings.LastIndexByte(u, '/')+1:]
	}
	srid, err := strconv.Atoi(u)
	if err != nil || !crs.Supported(srid) {
		return 0, &CRSError{name}
	}
	return srid, nil
}

// StorageTransform maps input coordinates in SRID from to a layer's
// storage SRID to; nil when they are the same.
func StorageTransform(from, to int) (crs.Transform, error) {
	return storageTransform(from, to)
}

// Transform maps every position of g in place (a reader's own geometry).
func Transform(g orb.Geometry, tr crs.Transform) orb.Geometry { return transform(g, tr) }

func storageTransform(from, to int) (crs.Transform, error) {
	if from == to {
		return nil, nil
	}
	in, err := crs.ToLonLat(from)
	if err != nil {
		return nil, err
	}
	out, err := crs.FromLonLat(to)
	if err != nil {
		return nil, fmt.Errorf("the layer is stored in EPSG:%d, which csdi cannot transform to: %w", to, err)
	}
	switch {
	case from == 4326:
		return out, nil
	case to == 4326:
		return in, nil
	}
	return func(x, y float64) (float64, float64) { return out(in(x, y)) }, nil
}
