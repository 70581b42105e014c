package gpkg

import (
	"encoding/binary"
	"math"

	"github.com/paulmach/orb"
)

// appendWKB appends g as little-endian 2D WKB. g has been normalised: it is
// one of the seven Simple Features types orb models.
func appendWKB(dst []byte, g orb.Geometry) []byte {
	switch v := g.(type) {
	case orb.Point:
		dst = appendType(dst, wkbPoint)
		return appendPoint(dst, v)
	case orb.LineString:
		dst = appendType(dst, wkbLineString)
		return appendPoints(dst, v)
	case orb.Polygon:
		dst = appendType(dst, wkbPolygon)
		return appendRings(dst, v)
	case orb.MultiPoint:
		dst = appendType(dst, wkbMultiPoint)
		dst = appendCount(dst, len(v))
		for _, p := range v {
			dst = appendType(dst, wkbPoint)
			dst = appendPoint(dst, p)
		}
		return dst
	case orb.MultiLineString:
		dst = appendType(dst, wkbMultiLineString)
		dst = appendCount(dst, len(v))
		for _, l := range v {
			dst = appendType(dst, wkbLineString)
			dst = appendPoints(dst, l)
		}
		return dst
	case orb.MultiPolygon:
		dst = appendType(dst, wkbMultiPolygon)
		dst = appendCount(dst, len(v))
		for _, p := range v {
			dst = appendType(dst, wkbPolygon)
			dst = appendRings(dst, p)
		}
		return dst
	case orb.Collection:
		dst = appendType(dst, wkbGeometryCollection)
		dst = appendCount(dst, len(v))
		for _, m := range v {
			dst = appendWKB(dst, m)
		}
		return dst
	}
	panic("gpkg: appendWKB called with an unnormalised geometry") // normalise guarantees this is unreachable
}

func appendType(dst []byte, t uint32) []byte {
	dst = append(dst, 1) // little endian
	return binary.LittleEndian.AppendUint32(dst, t)
}

func appendCount(dst []byte, n int) []byte {
	return binary.LittleEndian.AppendUint32(dst, uint32(n))
}

func appendPoint(dst []byte, p orb.Point) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(p[0]))
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(p[1]))
}

func appendPoints(dst []byte, ps []orb.Point) []byte {
	dst = appendCount(dst, len(ps))
	for _, p := range ps {
		dst = appendPoint(dst, p)
	}
	return dst
}

func appendRings(dst []byte, rs []orb.Ring) []byte {
	dst = appendCount(dst, len(rs))
	for _, r := range rs {
		dst = appendPoints(dst, r)
	}
	return dst
}
