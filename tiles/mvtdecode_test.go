package tiles

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// A small, strict MVT decoder for the tests: it checks every structural rule
// of MVT 2.1 the encoder promises while it decodes, so that a test fails on
// a tile that a lenient decoder would quietly accept.

type decodedLayer struct {
	Name     string
	Version  uint64
	Extent   uint64
	Keys     []string
	Values   []any // string, float64, uint64, int64 (sint) or bool
	Features []decodedFeature
}

type decodedFeature struct {
	ID       uint64
	HasID    bool
	Type     uint64
	Props    map[string]any
	Geometry orb.Geometry // tile coordinates; rings closed
}

// crossCheck, when set (see orbmvt_test.go), decodes every tile again with
// another decoder and compares.
var crossCheck func(t testing.TB, data []byte, layers []decodedLayer)

// decodeTile decodes and validates an uncompressed tile encoded with buffer
// tile units of buffer.
func decodeTile(t testing.TB, data []byte, buffer int) []decodedLayer {
	t.Helper()
	layers, err := decodeLayers(data, buffer)
	if err != nil {
		t.Fatalf("invalid tile: %v", err)
	}
	if crossCheck != nil {
		crossCheck(t, data, layers)
	}
	return layers
}

func layerNamed(layers []decodedLayer, name string) *decodedLayer {
	for i := range layers {
		if layers[i].Name == name {
			return &layers[i]
		}
	}
	return nil
}

// protoReader walks the fields of one protobuf message.
type protoReader struct {
	b   []byte
	err error
}

func (r *protoReader) varint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("bad varint")
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

// next returns the next field's number and wire type, or ok false at the end.
func (r *protoReader) next() (field int, wire int, ok bool) {
	if len(r.b) == 0 || r.err != nil {
		return 0, 0, false
	}
	k := r.varint()
	return int(k >> 3), int(k & 7), r.err == nil
}

func (r *protoReader) bytes() []byte {
	n := r.varint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = fmt.Errorf("length %d past the end", n)
		r.b = nil
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *protoReader) fixed64() uint64 {
	if len(r.b) < 8 {
		r.err = fmt.Errorf("short fixed64")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *protoReader) packed() []uint32 {
	sub := protoReader{b: r.bytes()}
	var vs []uint32
	for len(sub.b) > 0 && sub.err == nil {
		v := sub.varint()
		if v > math.MaxUint32 {
			r.err = fmt.Errorf("packed value %d is not a uint32", v)
		}
		vs = append(vs, uint32(v))
	}
	if sub.err != nil {
		r.err = sub.err
	}
	return vs
}

func wantWire(got, want, field int) error {
	if got != want {
		return fmt.Errorf("field %d has wire type %d, want %d", field, got, want)
	}
	return nil
}

func decodeLayers(data []byte, buffer int) ([]decodedLayer, error) {
	var layers []decodedLayer
	names := map[string]bool{}
	r := protoReader{b: data}
	for {
		field, wire, ok := r.next()
		if !ok {
			break
		}
		if field != tileLayers {
			return nil, fmt.Errorf("tile has unexpected field %d", field)
		}
		if err := wantWire(wire, wireBytes, field); err != nil {
			return nil, err
		}
		l, err := decodeLayer(r.bytes(), buffer)
		if err != nil {
			return nil, fmt.Errorf("layer %d (%q): %w", len(layers), l.Name, err)
		}
		if names[l.Name] {
			return nil, fmt.Errorf("two layers named %q", l.Name)
		}
		names[l.Name] = true
		layers = append(layers, l)
	}
	return layers, r.err
}

func decodeLayer(data []byte, buffer int) (decodedLayer, error) {
	l := decodedLayer{Extent: 4096, Version: 1}
	var features [][]byte
	r := protoReader{b: data}
	for {
		field, wire, ok := r.next()
		if !ok {
			break
		}
		switch field {
		case layerVersion, layerExtent:
			if err := wantWire(wire, wireVarint, field); err != nil {
				return l, err
			}
			if field == layerVersion {
				l.Version = r.varint()
			} else {
				l.Extent = r.varint()
			}
		case layerName, layerKeys, layerFeatures, layerValues:
			if err := wantWire(wire, wireBytes, field); err != nil {
				return l, err
			}
			b := r.bytes()
			switch field {
			case layerName:
				l.Name = string(b)
			case layerKeys:
				l.Keys = append(l.Keys, string(b))
			case layerFeatures:
				features = append(features, b)
			case layerValues:
				v, err := decodeValue(b)
				if err != nil {
					return l, fmt.Errorf("value %d: %w", len(l.Values), err)
				}
				l.Values = append(l.Values, v)
			}
		default:
			return l, fmt.Errorf("unexpected layer field %d", field)
		}
	}
	if r.err != nil {
		return l, r.err
	}
	switch {
	case l.Version != 2:
		return l, fmt.Errorf("version %d, want 2", l.Version)
	case l.Name == "":
		return l, fmt.Errorf("no name")
	case len(features) == 0:
		return l, fmt.Errorf("no features")
	}
	if err := unique("key", l.Keys); err != nil {
		return l, err
	}
	if err := unique("value", l.Values); err != nil {
		return l, err
	}
	for i, b := range features {
		f, err := decodeFeature(b, &l, buffer)
		if err != nil {
			return l, fmt.Errorf("feature %d: %w", i, err)
		}
		l.Features = append(l.Features, f)
	}
	return l, nil
}

func unique[T comparable](what string, vs []T) error {
	seen := map[T]bool{}
	for _, v := range vs {
		if seen[v] {
			return fmt.Errorf("%s %v appears twice: keys and values must be deduplicated", what, v)
		}
		seen[v] = true
	}
	return nil
}

func decodeValue(b []byte) (any, error) {
	r := protoReader{b: b}
	var (
		v any
		n int
	)
	for {
		field, wire, ok := r.next()
		if !ok {
			break
		}
		n++
		switch field {
		case valueString:
			v = string(r.bytes())
		case valueDouble:
			if err := wantWire(wire, wire64, field); err != nil {
				return nil, err
			}
			v = math.Float64frombits(r.fixed64())
		case valueUint:
			v = r.varint()
		case valueSint:
			z := r.varint()
			v = int64(z>>1) ^ -int64(z&1)
		case valueBool:
			v = r.varint() != 0
		default:
			return nil, fmt.Errorf("unexpected value field %d", field)
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("a value has %d fields, want exactly 1", n)
	}
	return v, r.err
}

func decodeFeature(b []byte, l *decodedLayer, buffer int) (decodedFeature, error) {
	var (
		f    decodedFeature
		tags []uint32
		cmds []uint32
	)
	r := protoReader{b: b}
	for {
		field, _, ok := r.next()
		if !ok {
			break
		}
		switch field {
		case featureID:
			f.ID, f.HasID = r.varint(), true
		case featureTags:
			tags = r.packed()
		case featureType:
			f.Type = r.varint()
		case featureGeometry:
			cmds = r.packed()
		default:
			return f, fmt.Errorf("unexpected feature field %d", field)
		}
	}
	if r.err != nil {
		return f, r.err
	}
	if len(tags)%2 != 0 {
		return f, fmt.Errorf("odd number of tags")
	}
	f.Props = map[string]any{}
	for i := 0; i < len(tags); i += 2 {
		k, v := int(tags[i]), int(tags[i+1])
		if k >= len(l.Keys) || v >= len(l.Values) {
			return f, fmt.Errorf("tag %d/%d out of range", k, v)
		}
		if _, dup := f.Props[l.Keys[k]]; dup {
			return f, fmt.Errorf("key %q twice", l.Keys[k])
		}
		f.Props[l.Keys[k]] = l.Values[v]
	}
	g, err := decodeGeometry(f.Type, cmds, int32(l.Extent), int32(buffer))
	f.Geometry = g
	return f, err
}

// decodeGeometry decodes and checks a command sequence: command ids and
// counts, parameters present, no zero-length LineTo, every ring closed by a
// ClosePath with a non-zero area, the first ring of each polygon an exterior
// (positive area in tile coordinates) and coordinates inside the buffer.
func decodeGeometry(typ uint64, cmds []uint32, extent, buffer int32) (orb.Geometry, error) {
	var (
		x, y int32
		i    int
	)
	read := func(n int) ([]orb.Point, error) {
		if i+2*n > len(cmds) {
			return nil, fmt.Errorf("command wants %d points, %d integers left", n, len(cmds)-i)
		}
		ps := make([]orb.Point, n)
		for j := range ps {
			dx, dy := unzigzag(cmds[i]), unzigzag(cmds[i+1])
			i += 2
			x, y = x+dx, y+dy
			if x < -buffer || y < -buffer || x > extent+buffer || y > extent+buffer {
				return nil, fmt.Errorf("point (%d, %d) outside the buffered tile", x, y)
			}
			ps[j] = orb.Point{float64(x), float64(y)}
		}
		return ps, nil
	}
	cmd := func() (int, int, error) {
		if i >= len(cmds) {
			return 0, 0, fmt.Errorf("commands end early")
		}
		c := cmds[i]
		i++
		return int(c & 7), int(c >> 3), nil
	}
	// lineParts reads MoveTo(1) LineTo(n ≥ minLineTo) and returns the points.
	lineParts := func(minLineTo int) ([]orb.Point, error) {
		id, n, err := cmd()
		if err != nil {
			return nil, err
		}
		if id != cmdMoveTo || n != 1 {
			return nil, fmt.Errorf("want MoveTo(1), got command %d(%d)", id, n)
		}
		first, err := read(1)
		if err != nil {
			return nil, err
		}
		if id, n, err = cmd(); err != nil {
			return nil, err
		}
		if id != cmdLineTo || n < minLineTo {
			return nil, fmt.Errorf("want LineTo(≥%d), got command %d(%d)", minLineTo, id, n)
		}
		px, py := x, y
		rest, err := read(n)
		if err != nil {
			return nil, err
		}
		for _, p := range rest {
			if int32(p[0]) == px && int32(p[1]) == py {
				return nil, fmt.Errorf("zero-length LineTo at (%d, %d)", px, py)
			}
			px, py = int32(p[0]), int32(p[1])
		}
		return append(first, rest...), nil
	}

	switch typ {
	case geomPoint:
		id, n, err := cmd()
		if err != nil {
			return nil, err
		}
		if id != cmdMoveTo || n < 1 {
			return nil, fmt.Errorf("point: want MoveTo(≥1), got %d(%d)", id, n)
		}
		ps, err := read(n)
		if err != nil {
			return nil, err
		}
		if i != len(cmds) {
			return nil, fmt.Errorf("point: %d integers after the MoveTo", len(cmds)-i)
		}
		if n == 1 {
			return ps[0], nil
		}
		return orb.MultiPoint(ps), nil
	case geomLineString:
		var mls orb.MultiLineString
		for i < len(cmds) {
			ps, err := lineParts(1)
			if err != nil {
				return nil, err
			}
			mls = append(mls, ps)
		}
		if len(mls) == 0 {
			return nil, fmt.Errorf("line without commands")
		}
		if len(mls) == 1 {
			return mls[0], nil
		}
		return mls, nil
	case geomPolygon:
		var mp orb.MultiPolygon
		for i < len(cmds) {
			ps, err := lineParts(2)
			if err != nil {
				return nil, err
			}
			id, n, err := cmd()
			if err != nil {
				return nil, err
			}
			if id != cmdClosePath || n != 1 {
				return nil, fmt.Errorf("ring not closed by ClosePath(1): got %d(%d)", id, n)
			}
			ring := orb.Ring(append(ps, ps[0]))
			a := tileArea(ring)
			switch {
			case a == 0:
				return nil, fmt.Errorf("ring with zero area: %v", ring)
			case a > 0:
				mp = append(mp, orb.Polygon{ring})
			case len(mp) == 0:
				return nil, fmt.Errorf("polygon starts with an interior ring")
			default:
				mp[len(mp)-1] = append(mp[len(mp)-1], ring)
			}
		}
		if len(mp) == 0 {
			return nil, fmt.Errorf("polygon without rings")
		}
		if len(mp) == 1 {
			return mp[0], nil
		}
		return mp, nil
	}
	return nil, fmt.Errorf("geometry type %d", typ)
}

func unzigzag(v uint32) int32 { return int32(v>>1) ^ -int32(v&1) }

// tileArea is the surveyor's-formula area in tile coordinates: positive for
// an MVT exterior ring (clockwise on screen, y down).
func tileArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}
