package gpkg

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/paulmach/orb"
)

// Our own WKB reader rather than orb's encoding/wkb: orb's rejects the ISO
// Z/M/ZM type codes (1001, 2001, 3001, ...) that GeoPackages written by other
// tools carry, and it cannot drop the extra ordinates.

// WKB geometry type codes (OGC 06-103r4, ISO 13249-3).
const (
	wkbPoint              = 1
	wkbLineString         = 2
	wkbPolygon            = 3
	wkbMultiPoint         = 4
	wkbMultiLineString    = 5
	wkbMultiPolygon       = 6
	wkbGeometryCollection = 7
)

// EWKB-style dimension flags, which some writers use instead of ISO codes.
const (
	ewkbZ    = 0x80000000
	ewkbM    = 0x40000000
	ewkbSRID = 0x20000000
)

// maxNesting bounds how deep geometry collections may nest, so a hostile
// blob cannot exhaust the stack.
const maxNesting = 32

// WKBError reports malformed or unsupported WKB at a byte offset.
type WKBError struct {
	Offset int
	Reason string
}

func (e *WKBError) Error() string {
	return fmt.Sprintf("wkb: at byte %d: %s", e.Offset, e.Reason)
}

// readWKB decodes one WKB geometry into 2D orb types, dropping Z and M and
// leaving out empty parts (an empty point, line, ring or member); the whole
// geometry is nil when nothing is left. Trailing bytes are ignored.
func readWKB(b []byte) (orb.Geometry, error) {
	r := wkbReader{b: b}
	return r.geometry(0)
}

type wkbReader struct {
	b   []byte
	off int
}

func (r *wkbReader) fail(format string, args ...any) error {
	return &WKBError{Offset: r.off, Reason: fmt.Sprintf(format, args...)}
}

// geometry reads one geometry; depth counts the enclosing collections.
func (r *wkbReader) geometry(depth int) (orb.Geometry, error) {
	if depth > maxNesting {
		return nil, r.fail("geometry collections nested deeper than %d", maxNesting)
	}
	order, typ, dims, err := r.header()
	if err != nil {
		return nil, err
	}
	switch typ {
	case wkbPoint:
		p, err := r.point(order, dims)
		if err != nil || emptyPoint(p) {
			return nil, err
		}
		return p, nil
	case wkbLineString:
		ps, err := r.points(order, dims)
		if err != nil || len(ps) == 0 {
			return nil, err
		}
		return orb.LineString(ps), nil
	case wkbPolygon:
		p, err := r.polygon(order, dims)
		if err != nil || p == nil {
			return nil, err
		}
		return p, nil
	case wkbMultiPoint:
		return r.multiPoint(order)
	case wkbMultiLineString:
		return r.multiLineString(order)
	case wkbMultiPolygon:
		return r.multiPolygon(order)
	default: // wkbGeometryCollection; header rejects anything else
		return r.collection(order, depth)
	}
}

// header reads a byte order mark and type code and returns the byte order,
// the base type (1-7) and the number of ordinates per point (2-4).
func (r *wkbReader) header() (binary.ByteOrder, uint32, int, error) {
	if len(r.b)-r.off < 5 {
		return nil, 0, 0, r.fail("truncated geometry header")
	}
	var order binary.ByteOrder
	switch r.b[r.off] {
	case 0:
		order = binary.BigEndian
	case 1:
		order = binary.LittleEndian
	default:
		return nil, 0, 0, r.fail("invalid byte order mark %d", r.b[r.off])
	}
	t := order.Uint32(r.b[r.off+1:])
	r.off += 5
	dims := 2
	if t&ewkbZ != 0 {
		dims++
	}
	if t&ewkbM != 0 {
		dims++
	}
	hasSRID := t&ewkbSRID != 0
	t &^= ewkbZ | ewkbM | ewkbSRID
	switch t / 1000 {
	case 0:
	case 1, 2:
		dims++
	case 3:
		dims += 2
	default:
		return nil, 0, 0, r.fail("unsupported geometry type code %d", t)
	}
	if dims > 4 {
		return nil, 0, 0, r.fail("both EWKB and ISO dimension flags in type code %d", t)
	}
	base := t % 1000
	if base < wkbPoint || base > wkbGeometryCollection {
		return nil, 0, 0, r.fail("unsupported geometry type code %d", t)
	}
	if hasSRID {
		if len(r.b)-r.off < 4 {
			return nil, 0, 0, r.fail("truncated SRID")
		}
		r.off += 4
	}
	return order, base, dims, nil
}

// count reads an element count and checks that the rest of the data can hold
// that many elements of at least minSize bytes, before anything is allocated.
func (r *wkbReader) count(order binary.ByteOrder, minSize int) (int, error) {
	if len(r.b)-r.off < 4 {
		return 0, r.fail("truncated count")
	}
	n := order.Uint32(r.b[r.off:])
	r.off += 4
	if uint64(n)*uint64(minSize) > uint64(len(r.b)-r.off) {
		return 0, r.fail("count %d exceeds the remaining %d bytes", n, len(r.b)-r.off)
	}
	return int(n), nil
}

func (r *wkbReader) point(order binary.ByteOrder, dims int) (orb.Point, error) {
	if len(r.b)-r.off < 8*dims {
		return orb.Point{}, r.fail("truncated point")
	}
	p := orb.Point{
		math.Float64frombits(order.Uint64(r.b[r.off:])),
		math.Float64frombits(order.Uint64(r.b[r.off+8:])),
	}
	r.off += 8 * dims
	return p, nil
}

func (r *wkbReader) points(order binary.ByteOrder, dims int) ([]orb.Point, error) {
	n, err := r.count(order, 8*dims)
	if err != nil || n == 0 {
		return nil, err
	}
	ps := make([]orb.Point, n)
	step := 8 * dims
	for i := range ps {
		b := r.b[r.off : r.off+16]
		ps[i] = orb.Point{
			math.Float64frombits(order.Uint64(b)),
			math.Float64frombits(order.Uint64(b[8:])),
		}
		r.off += step
	}
	return ps, nil
}

// polygon reads a polygon's rings; it is nil when the exterior ring is
// empty, and empty interior rings are left out.
func (r *wkbReader) polygon(order binary.ByteOrder, dims int) (orb.Polygon, error) {
	n, err := r.count(order, 4)
	if err != nil {
		return nil, err
	}
	var p orb.Polygon
	noExterior := false
	for i := 0; i < n; i++ {
		// Every ring is read, even after an empty exterior, so the offset
		// stays right for an enclosing multi-geometry.
		ps, err := r.points(order, dims)
		if err != nil {
			return nil, err
		}
		switch {
		case i == 0 && len(ps) == 0:
			noExterior = true
		case len(ps) > 0 && !noExterior:
			if p == nil {
				p = make(orb.Polygon, 0, n)
			}
			p = append(p, orb.Ring(ps))
		}
	}
	if noExterior {
		return nil, nil
	}
	return p, nil
}

// member reads the header of a multi-geometry's member and checks its type.
func (r *wkbReader) member(want uint32) (binary.ByteOrder, int, error) {
	order, typ, dims, err := r.header()
	if err != nil {
		return nil, 0, err
	}
	if typ != want {
		return nil, 0, r.fail("member of type %d in a multi-geometry of type %d", typ, want+3)
	}
	return order, dims, nil
}

func (r *wkbReader) multiPoint(order binary.ByteOrder) (orb.Geometry, error) {
	n, err := r.count(order, 5+16)
	if err != nil {
		return nil, err
	}
	var mp orb.MultiPoint
	for i := 0; i < n; i++ {
		o, dims, err := r.member(wkbPoint)
		if err != nil {
			return nil, err
		}
		p, err := r.point(o, dims)
		if err != nil {
			return nil, err
		}
		if !emptyPoint(p) {
			mp = append(mp, p)
		}
	}
	if len(mp) == 0 {
		return nil, nil
	}
	return mp, nil
}

func (r *wkbReader) multiLineString(order binary.ByteOrder) (orb.Geometry, error) {
	n, err := r.count(order, 9)
	if err != nil {
		return nil, err
	}
	var ml orb.MultiLineString
	for i := 0; i < n; i++ {
		o, dims, err := r.member(wkbLineString)
		if err != nil {
			return nil, err
		}
		ps, err := r.points(o, dims)
		if err != nil {
			return nil, err
		}
		if len(ps) > 0 {
			ml = append(ml, ps)
		}
	}
	if len(ml) == 0 {
		return nil, nil
	}
	return ml, nil
}

func (r *wkbReader) multiPolygon(order binary.ByteOrder) (orb.Geometry, error) {
	n, err := r.count(order, 9)
	if err != nil {
		return nil, err
	}
	var mp orb.MultiPolygon
	for i := 0; i < n; i++ {
		o, dims, err := r.member(wkbPolygon)
		if err != nil {
			return nil, err
		}
		p, err := r.polygon(o, dims)
		if err != nil {
			return nil, err
		}
		if p != nil {
			mp = append(mp, p)
		}
	}
	if len(mp) == 0 {
		return nil, nil
	}
	return mp, nil
}

func (r *wkbReader) collection(order binary.ByteOrder, depth int) (orb.Geometry, error) {
	n, err := r.count(order, 9)
	if err != nil {
		return nil, err
	}
	var c orb.Collection
	for i := 0; i < n; i++ {
		g, err := r.geometry(depth + 1)
		if err != nil {
			return nil, err
		}
		if g != nil {
			c = append(c, g)
		}
	}
	if len(c) == 0 {
		return nil, nil
	}
	return c, nil
}

func emptyPoint(p orb.Point) bool { return math.IsNaN(p[0]) && math.IsNaN(p[1]) }
