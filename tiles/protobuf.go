package tiles

import (
	"encoding/binary"
	"math/bits"
)

// The few protobuf wire-format pieces the Tile message needs. Writing them
// by hand keeps encoding free of intermediate message structs.

// Wire types.
const (
	wireVarint = 0
	wire64     = 1
	wireBytes  = 2
)

// Field numbers of vector_tile.proto (MVT 2.1).
const (
	tileLayers = 3

	layerName     = 1
	layerFeatures = 2
	layerKeys     = 3
	layerValues   = 4
	layerExtent   = 5
	layerVersion  = 15

	featureID       = 1
	featureTags     = 2
	featureType     = 3
	featureGeometry = 4

	valueString = 1
	valueDouble = 3
	valueUint   = 5
	valueSint   = 6
	valueBool   = 7
)

// Geometry types of a feature.
const (
	geomPoint      = 1
	geomLineString = 2
	geomPolygon    = 3
)

func appendKey(b []byte, field, wire int) []byte {
	return binary.AppendUvarint(b, uint64(field)<<3|uint64(wire))
}

func appendVarintField(b []byte, field int, v uint64) []byte {
	return binary.AppendUvarint(appendKey(b, field, wireVarint), v)
}

func appendBytesField(b []byte, field int, s string) []byte {
	b = appendKey(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendDoubleField writes a double given as its bits.
func appendDoubleField(b []byte, field int, bits uint64) []byte {
	return binary.LittleEndian.AppendUint64(appendKey(b, field, wire64), bits)
}

// appendPacked writes a packed repeated uint32 field whose payload is size
// bytes long (see packedSize).
func appendPacked(b []byte, field int, vs []uint32, size int) []byte {
	b = appendKey(b, field, wireBytes)
	b = binary.AppendUvarint(b, uint64(size))
	return appendVarints(b, vs)
}

// appendVarints appends vs as the payload of a packed field.
func appendVarints(b []byte, vs []uint32) []byte {
	for _, v := range vs {
		b = binary.AppendUvarint(b, uint64(v))
	}
	return b
}

// varintSize is the number of bytes v takes as a varint.
func varintSize(v uint64) int { return (bits.Len64(v|1) + 6) / 7 }

// packedSize is the payload size of vs as a packed field.
func packedSize(vs []uint32) int {
	n := 0
	for _, v := range vs {
		n += (bits.Len32(v|1) + 6) / 7
	}
	return n
}

// fieldSize is the size of a length-delimited field with an n-byte payload
// and a one-byte key (every field number used here is below 16).
func fieldSize(n int) int { return 1 + varintSize(uint64(n)) + n }

func zigzag32(v int32) uint32 { return uint32(v<<1) ^ uint32(v>>31) }
func zigzag64(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }
