package gpkg

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// bytesOf builds blobs by hand, independently of the encoder under test.
type bytesOf struct {
	order binary.AppendByteOrder
	b     []byte
}

func le() *bytesOf { return &bytesOf{order: binary.LittleEndian} }
func be() *bytesOf { return &bytesOf{order: binary.BigEndian} }

func (w *bytesOf) raw(p ...byte) *bytesOf { w.b = append(w.b, p...); return w }
func (w *bytesOf) u32(v uint32) *bytesOf  { w.b = w.order.AppendUint32(w.b, v); return w }
func (w *bytesOf) f64(vs ...float64) *bytesOf {
	for _, v := range vs {
		w.b = w.order.AppendUint64(w.b, math.Float64bits(v))
	}
	return w
}

// gp writes a GeoPackage header in w's byte order: flags get the byte order
// bit, the envelope indicator and the empty bit; env is written as given.
func (w *bytesOf) gp(envKind int, empty bool, srid int32, env ...float64) *bytesOf {
	flags := byte(envKind << 1)
	if w.order == binary.LittleEndian {
		flags |= flagLittleEndian
	}
	if empty {
		flags |= flagEmpty
	}
	return w.raw('G', 'P', 0, flags).u32(uint32(srid)).f64(env...)
}

// geom writes a WKB geometry header in w's byte order.
func (w *bytesOf) geom(typ uint32) *bytesOf {
	if w.order == binary.LittleEndian {
		w.raw(1)
	} else {
		w.raw(0)
	}
	return w.u32(typ)
}

// then switches the byte order for what follows (a WKB body may differ
// from its blob header, and members from their multi-geometry).
func (w *bytesOf) then(order binary.AppendByteOrder) *bytesOf { w.order = order; return w }

var nan = math.NaN()

func TestDecodeGeometry(t *testing.T) {
	tests := []struct {
		name string
		blob []byte
		want orb.Geometry
	}{
		{"point LE no envelope",
			le().gp(0, false, 4326).geom(1).f64(114.1, 22.3).b,
			orb.Point{114.1, 22.3}},
		{"point big-endian header and WKB",
			be().gp(0, false, 2326).geom(1).f64(836694.05, 819069.8).b,
			orb.Point{836694.05, 819069.8}},
		{"big-endian header, little-endian WKB",
			be().gp(1, false, 4326, 1, 2, 3, 4).then(binary.LittleEndian).geom(1).f64(1, 3).b,
			orb.Point{1, 3}},
		{"ISO point Z drops z",
			le().gp(2, false, 4326, 1, 1, 2, 2, 9, 9).geom(1001).f64(1, 2, 9).b,
			orb.Point{1, 2}},
		{"ISO point M drops m",
			be().gp(3, false, 4326, 1, 1, 2, 2, 7, 7).geom(2001).f64(1, 2, 7).b,
			orb.Point{1, 2}},
		{"ISO point ZM",
			le().gp(4, false, 4326, 1, 1, 2, 2, 9, 9, 7, 7).geom(3001).f64(1, 2, 9, 7).b,
			orb.Point{1, 2}},
		{"EWKB Z flag and SRID",
			le().gp(0, false, 4326).geom(0x80000001|0x20000000).u32(4326).f64(1, 2, 3).b,
			orb.Point{1, 2}},
		{"linestring Z big-endian with xyz envelope",
			be().gp(2, false, 4326, 0, 2, 0, 3, 5, 6).geom(1002).u32(3).f64(0, 0, 5, 1, 1, 6, 2, 3, 5).b,
			orb.LineString{{0, 0}, {1, 1}, {2, 3}}},
		{"polygon with hole, xym envelope",
			le().gp(3, false, 4326, 0, 10, 0, 10, 0, 0).geom(2003).u32(2).
				u32(4).f64(0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, 0).
				u32(4).f64(2, 2, 0, 4, 2, 0, 2, 4, 0, 2, 2, 0).b,
			orb.Polygon{{{0, 0}, {10, 0}, {0, 10}, {0, 0}}, {{2, 2}, {4, 2}, {2, 4}, {2, 2}}}},
		{"multipoint ZM, members in mixed byte order",
			le().gp(4, false, 4326, 1, 3, 2, 4, 0, 0, 0, 0).geom(3004).u32(2).
				then(binary.BigEndian).geom(3001).f64(1, 2, 0, 0).
				then(binary.LittleEndian).geom(3001).f64(3, 4, 0, 0).b,
			orb.MultiPoint{{1, 2}, {3, 4}}},
		{"multilinestring",
			le().gp(1, false, 4326, 0, 3, 0, 3).geom(5).u32(2).
				geom(2).u32(2).f64(0, 0, 1, 1).
				geom(2).u32(2).f64(2, 2, 3, 3).b,
			orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}},
		{"multipolygon Z",
			be().gp(1, false, 4326, 0, 1, 0, 1).geom(1006).u32(1).
				geom(1003).u32(1).u32(4).f64(0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 1).b,
			orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}},
		{"nested collection",
			le().gp(1, false, 4326, 0, 5, 0, 5).geom(7).u32(2).
				geom(1).f64(5, 5).
				geom(7).u32(1).geom(2).u32(2).f64(0, 0, 1, 1).b,
			orb.Collection{orb.Point{5, 5}, orb.Collection{orb.LineString{{0, 0}, {1, 1}}}}},
		{"empty flag",
			le().gp(0, true, 4326).geom(1).f64(nan, nan).b,
			nil},
		{"empty point without the flag",
			le().gp(0, false, 4326).geom(1).f64(nan, nan).b,
			nil},
		{"empty linestring",
			le().gp(0, false, 4326).geom(2).u32(0).b,
			nil},
		{"empty parts are left out",
			le().gp(1, false, 4326, 1, 1, 2, 2).geom(4).u32(2).
				geom(1).f64(nan, nan).geom(1).f64(1, 2).b,
			orb.MultiPoint{{1, 2}}},
		{"polygon with empty exterior is empty",
			le().gp(0, false, 4326).geom(3).u32(2).u32(0).u32(4).f64(0, 0, 1, 0, 1, 1, 0, 0).b,
			nil},
		{"collection of empties is empty",
			le().gp(0, false, 4326).geom(7).u32(2).geom(2).u32(0).geom(6).u32(0).b,
			nil},
		{"trailing bytes are ignored",
			le().gp(0, false, 4326).geom(1).f64(1, 2).raw(0xde, 0xad).b,
			orb.Point{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeGeometry(tt.blob)
			if err != nil {
				t.Fatalf("DecodeGeometry: %v", err)
			}
			if !sameGeometry(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestDecodeGeometryErrors(t *testing.T) {
	deep := le().gp(0, false, 4326)
	for range maxNesting + 2 {
		deep.geom(7).u32(1)
	}
	deep.geom(1).f64(1, 2)
	tests := []struct {
		name string
		blob []byte
	}{
		{"nothing", nil},
		{"short header", []byte("GP\x00\x01")},
		{"bad magic", le().raw('X', 'P', 0, 1).u32(0).geom(1).f64(1, 2).b},
		{"version 1", le().raw('G', 'P', 1, 1).u32(0).geom(1).f64(1, 2).b},
		{"envelope indicator 5", le().raw('G', 'P', 0, 5<<1|1).u32(0).f64(0, 0, 0, 0, 0, 0, 0, 0).geom(1).f64(1, 2).b},
		{"truncated envelope", le().gp(1, false, 0, 1, 2).b},
		{"no WKB", le().gp(0, false, 4326).b},
		{"bad byte order mark", le().gp(0, false, 4326).raw(2).u32(1).f64(1, 2).b},
		{"unknown type", le().gp(0, false, 4326).geom(8).b},
		{"curve type", le().gp(0, false, 4326).geom(9).b},
		{"dimension code 4", le().gp(0, false, 4326).geom(4001).f64(1, 2).b},
		{"ISO and EWKB flags", le().gp(0, false, 4326).geom(3001|0x80000000).f64(1, 2, 3, 4, 5).b},
		{"truncated point", le().gp(0, false, 4326).geom(1001).f64(1, 2).b},
		{"huge count", le().gp(0, false, 4326).geom(2).u32(0xffffffff).f64(1, 2).b},
		{"huge ring count", le().gp(0, false, 4326).geom(3).u32(0x10000000).b},
		{"linestring in a multipoint", le().gp(0, false, 4326).geom(4).u32(1).geom(2).u32(1).f64(1, 2).b},
		{"nested too deep", deep.b},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := DecodeGeometry(tt.blob)
			if err == nil {
				t.Fatalf("decoded %v, want an error", g)
			}
			var be *BlobError
			if !errors.As(err, &be) {
				t.Errorf("error %v is not a *BlobError", err)
			}
		})
	}
}

func TestEncodeGeometry(t *testing.T) {
	tests := []struct {
		name     string
		in, want orb.Geometry
		envelope bool
	}{
		{"point", orb.Point{1, 2}, orb.Point{1, 2}, false},
		{"linestring", orb.LineString{{0, 0}, {3, -1}}, orb.LineString{{0, 0}, {3, -1}}, true},
		{"polygon", orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, true},
		{"multipoint", orb.MultiPoint{{1, 2}, {3, 4}}, orb.MultiPoint{{1, 2}, {3, 4}}, true},
		{"multilinestring", orb.MultiLineString{{{0, 0}, {1, 1}}}, orb.MultiLineString{{{0, 0}, {1, 1}}}, true},
		{"multipolygon", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}, orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}, true},
		{"collection", orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}}, orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}}, true},
		{"ring is a polygon", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}, true},
		{"bound is a polygon", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}.ToPolygon(), true},
		{"empty linestring", orb.LineString{}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeGeometry(tt.in, 2326)
			if err != nil {
				t.Fatal(err)
			}
			h, err := parseHeader(b)
			if err != nil {
				t.Fatal(err)
			}
			if b[3]&flagLittleEndian == 0 || h.srsID != 2326 || h.hasEnv != tt.envelope || h.empty != (tt.want == nil) {
				t.Errorf("header %+v (flags %08b): want little-endian, SRS 2326, envelope %v, empty %v",
					h, b[3], tt.envelope, tt.want == nil)
			}
			if h.hasEnv {
				if wb := tt.want.Bound(); h.envelope != wb {
					t.Errorf("envelope %v, want %v", h.envelope, wb)
				}
			}
			got, err := DecodeGeometry(b)
			if err != nil {
				t.Fatal(err)
			}
			if !sameGeometry(got, tt.want) {
				t.Errorf("round trip gave %#v, want %#v", got, tt.want)
			}
		})
	}
	if b, err := EncodeGeometry(nil, 4326); err != nil || b != nil {
		t.Errorf("EncodeGeometry(nil) = %v, %v; want nil, nil", b, err)
	}
	if _, err := EncodeGeometry(orb.Collection{nil}, 4326); !errors.Is(err, errUnsupportedGeometry) {
		t.Errorf("EncodeGeometry of a nil member: %v, want errUnsupportedGeometry", err)
	}
}

// sameGeometry compares geometries exactly, bit for bit, so NaN equals NaN.
func sameGeometry(a, b orb.Geometry) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch x := a.(type) {
	case orb.Point:
		y, ok := b.(orb.Point)
		return ok && samePoint(x, y)
	case orb.MultiPoint:
		y, ok := b.(orb.MultiPoint)
		return ok && samePoints(x, y)
	case orb.LineString:
		y, ok := b.(orb.LineString)
		return ok && samePoints(x, y)
	case orb.MultiLineString:
		y, ok := b.(orb.MultiLineString)
		return ok && sameEach(x, y, func(p, q orb.LineString) bool { return samePoints(p, q) })
	case orb.Polygon:
		y, ok := b.(orb.Polygon)
		return ok && samePolygon(x, y)
	case orb.MultiPolygon:
		y, ok := b.(orb.MultiPolygon)
		return ok && sameEach(x, y, samePolygon)
	case orb.Collection:
		y, ok := b.(orb.Collection)
		return ok && sameEach(x, y, sameGeometry)
	}
	return false
}

func samePolygon(a, b orb.Polygon) bool {
	return sameEach(a, b, func(p, q orb.Ring) bool { return samePoints(p, q) })
}

func sameEach[T any](a, b []T, same func(T, T) bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !same(a[i], b[i]) {
			return false
		}
	}
	return true
}

func samePoints[P ~[]orb.Point](a, b P) bool { return sameEach(a, b, samePoint) }

func samePoint(a, b orb.Point) bool {
	return math.Float64bits(a[0]) == math.Float64bits(b[0]) && math.Float64bits(a[1]) == math.Float64bits(b[1])
}

// TestDecodeGDALBlobs decodes blobs ogr2ogr (GDAL 3.6) wrote, with the
// Z, M and ZM ISO type codes and xyz/xym envelopes GDAL uses.
func TestDecodeGDALBlobs(t *testing.T) {
	tests := []struct {
		name, hex string
		want      orb.Geometry
	}{
		{"POINT ZM (1 2 3 4)",
			"47500001e610000001b90b0000000000000000f03f000000000000004000000000000008400000000000001040",
			orb.Point{1, 2}},
		{"LINESTRING M (0 0 1,1 1 2)",
			"47500003e61000000000000000000000000000000000f03f0000000000000000000000000000f03f01d20700000200000000000000000000000000000000000000000000000000f03f000000000000f03f000000000000f03f0000000000000040",
			orb.LineString{{0, 0}, {1, 1}}},
		{"MULTIPOINT M ((1 2 3),(4 5 6))",
			"47500003e6100000000000000000f03f00000000000010400000000000000040000000000000144001d40700000200000001d1070000000000000000f03f0000000000000040000000000000084001d1070000000000000000104000000000000014400000000000001840",
			orb.MultiPoint{{1, 2}, {4, 5}}},
		{"MULTILINESTRING ZM ((0 0 0 0,1 1 1 1))",
			"47500005e61000000000000000000000000000000000f03f0000000000000000000000000000f03f0000000000000000000000000000f03f01bd0b00000100000001ba0b0000020000000000000000000000000000000000000000000000000000000000000000000000000000000000f03f000000000000f03f000000000000f03f000000000000f03f",
			orb.MultiLineString{{{0, 0}, {1, 1}}}},
		{"GEOMETRYCOLLECTION Z (POINT Z (1 2 3),LINESTRING Z (0 0 0,1 1 1))",
			"47500005e61000000000000000000000000000000000f03f000000000000000000000000000000400000000000000000000000000000084001ef0300000200000001e9030000000000000000f03f0000000000000040000000000000084001ea03000002000000000000000000000000000000000000000000000000000000000000000000f03f000000000000f03f000000000000f03f",
			orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeGeometry(b)
			if err != nil {
				t.Fatal(err)
			}
			if !sameGeometry(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}
