package gpkg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// A GeoPackage geometry blob (GeoPackage 1.3, clause 2.1.3) is a small
// header — magic "GP", a version, a flags byte, the SRS id and an optional
// envelope — followed by the geometry as WKB.

const (
	flagLittleEndian = 0x01 // bit 0: byte order of srs_id and envelope
	flagEnvelopeMask = 0x0e // bits 1-3: envelope contents indicator
	flagEmpty        = 0x10 // bit 4: the geometry is empty
	flagExtended     = 0x20 // bit 5: ExtendedGeoPackageBinary (non-standard types)

	headerSize = 8 // magic, version, flags, srs_id
)

// envelopeSizes holds the byte length of each envelope contents indicator
// (none, xy, xyz, xym, xyzm); indicators 5-7 are invalid.
var envelopeSizes = [...]int{0, 32, 48, 48, 64}

// BlobError reports a GeoPackage geometry blob that cannot be decoded.
type BlobError struct {
	Reason string
	Err    error // the underlying WKB error, if any
}

func (e *BlobError) Error() string {
	if e.Err != nil {
		return "gpkg: geometry blob: " + e.Reason + ": " + e.Err.Error()
	}
	return "gpkg: geometry blob: " + e.Reason
}

func (e *BlobError) Unwrap() error { return e.Err }

// header is the decoded fixed part of a geometry blob.
type header struct {
	srsID    int32
	empty    bool
	envelope orb.Bound // valid when hasEnvelope
	hasEnv   bool
	wkbStart int // offset of the WKB in the blob
}

func parseHeader(b []byte) (header, error) {
	if len(b) < headerSize {
		return header{}, &BlobError{Reason: fmt.Sprintf("%d bytes is too short for a header", len(b))}
	}
	if b[0] != 'G' || b[1] != 'P' {
		return header{}, &BlobError{Reason: "missing GP magic"}
	}
	if b[2] != 0 {
		return header{}, &BlobError{Reason: fmt.Sprintf("unknown version %d", b[2])}
	}
	flags := b[3]
	var order binary.ByteOrder = binary.BigEndian
	if flags&flagLittleEndian != 0 {
		order = binary.LittleEndian
	}
	kind := int(flags&flagEnvelopeMask) >> 1
	if kind >= len(envelopeSizes) {
		return header{}, &BlobError{Reason: fmt.Sprintf("invalid envelope indicator %d", kind)}
	}
	h := header{
		srsID:    int32(order.Uint32(b[4:8])),
		empty:    flags&flagEmpty != 0,
		wkbStart: headerSize + envelopeSizes[kind],
	}
	if len(b) < h.wkbStart {
		return header{}, &BlobError{Reason: "envelope truncated"}
	}
	if kind > 0 {
		// Every envelope starts with minx, maxx, miny, maxy; z and m follow.
		f := func(i int) float64 { return math.Float64frombits(order.Uint64(b[headerSize+8*i:])) }
		h.envelope = orb.Bound{Min: orb.Point{f(0), f(2)}, Max: orb.Point{f(1), f(3)}}
		h.hasEnv = true
	}
	return h, nil
}

// DecodeGeometry decodes a GeoPackage geometry blob into a 2D orb geometry,
// dropping any Z and M. It returns nil for an empty geometry.
func DecodeGeometry(b []byte) (orb.Geometry, error) {
	h, err := parseHeader(b)
	if err != nil {
		return nil, err
	}
	if h.empty {
		return nil, nil
	}
	g, err := readWKB(b[h.wkbStart:]) // nil when nothing but empty parts
	if err != nil {
		return nil, &BlobError{Reason: "bad WKB", Err: err}
	}
	return g, nil
}

// EncodeGeometry encodes g as a GeoPackage geometry blob in srsID. A nil
// geometry encodes as nil, which the store writes as NULL.
func EncodeGeometry(g orb.Geometry, srsID int32) ([]byte, error) {
	return AppendGeometry(nil, g, srsID)
}

// errUnsupportedGeometry is returned for geometry types outside the seven
// Simple Features types orb models.
var errUnsupportedGeometry = errors.New("unsupported geometry type")

// AppendGeometry appends the blob EncodeGeometry would return to dst, so a
// writer can reuse one buffer for every row. It writes a little-endian
// header, an xy envelope for everything but points, and 2D WKB.
func AppendGeometry(dst []byte, g orb.Geometry, srsID int32) ([]byte, error) {
	if g == nil {
		return dst, nil
	}
	g, err := normalise(g)
	if err != nil {
		return dst, err
	}
	env := newEnvelope()
	env.add(g)
	return appendBlob(dst, g, srsID, env), nil
}

// appendBlob encodes the normalised geometry g whose envelope is env.
func appendBlob(dst []byte, g orb.Geometry, srsID int32, env envelope) []byte {
	flags := byte(flagLittleEndian)
	_, isPoint := g.(orb.Point)
	switch {
	case env.n == 0:
		flags |= flagEmpty // no coordinates: GeoPackage's empty geometry
	case !isPoint:
		flags |= 1 << 1 // envelope contents indicator 1: [minx, maxx, miny, maxy]
	}
	dst = append(dst, 'G', 'P', 0, flags)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(srsID))
	if flags&flagEnvelopeMask != 0 {
		for _, v := range [...]float64{env.min[0], env.max[0], env.min[1], env.max[1]} {
			dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
		}
	}
	return appendWKB(dst, g)
}

// normalise maps the orb types that are not Simple Features types of their
// own (Ring, Bound) onto the one they stand for.
func normalise(g orb.Geometry) (orb.Geometry, error) {
	switch v := g.(type) {
	case orb.Point, orb.MultiPoint, orb.LineString, orb.MultiLineString,
		orb.Polygon, orb.MultiPolygon:
		return g, nil
	case orb.Ring:
		return orb.Polygon{v}, nil
	case orb.Bound:
		return v.ToPolygon(), nil
	case orb.Collection:
		out := make(orb.Collection, len(v))
		for i, m := range v {
			n, err := normalise(m)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("gpkg: %w: %T", errUnsupportedGeometry, g)
}
