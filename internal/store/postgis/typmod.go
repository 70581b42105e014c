package postgis

import "github.com/csdi-hk/csdi/internal/layer"

// typmod is a geometry column's type modifier, as in geometry(PointZ, 2326).
// PostGIS packs it into one int32: SRID in bits 8-28 (bit 28 the sign), the
// geometry type in bits 2-7, Z in bit 1, M in bit 0. Decoding it here keeps
// discovery independent of where PostGIS's own functions are installed.
type typmod int32

// srid is the declared SRID, 0 when the column is not constrained.
func (t typmod) srid() int {
	if t < 0 {
		return 0
	}
	v := int32(t)
	return int((v&0x0FFFFF00)-(v&0x10000000)) >> 8
}

// geometryType is the declared type; false when PostGIS knows the type but
// it has no OGC Simple Features name csdi serves (curves, surfaces, TINs).
func (t typmod) geometryType() (layer.GeometryType, bool) {
	if t < 0 {
		return layer.AnyGeometry, true
	}
	switch (int32(t) & 0xFC) >> 2 {
	case 0:
		return layer.AnyGeometry, true
	case 1:
		return layer.Point, true
	case 2:
		return layer.LineString, true
	case 3:
		return layer.Polygon, true
	case 4:
		return layer.MultiPoint, true
	case 5:
		return layer.MultiLineString, true
	case 6:
		return layer.MultiPolygon, true
	case 7:
		return layer.GeometryCollection, true
	}
	return layer.AnyGeometry, false
}
