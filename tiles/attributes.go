package tiles

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"hash/maphash"
	"math"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// attributes turns feature properties into MVT tags, keeping one key per
// field and one value per distinct typed value for the whole layer.
//
// Values are typed by their Go value: string → string; int64 (and other
// integers) → uint_value when ≥ 0, sint_value when negative; float64 →
// double; bool → bool; time.Time → a string, YYYY-MM-DD for a date field and
// RFC 3339 (with fractional seconds only when present) otherwise;
// json.RawMessage → its JSON text; arrays and anything else → their JSON
// text. Nil values are left out.
type attributes struct {
	fields   []layer.Field
	keyIndex []int32 // per field: its index in keys, -1 until first used
	keys     []byte  // the encoded Layer.keys fields
	numKeys  int32
	values   []byte // the encoded Layer.values fields
	numVals  uint32
	seed     maphash.Seed
	texts    map[uint64]textValue // string values by the hash of their text
	collided map[string]uint32    // the rare text whose hash another took first
	timeLoc  *time.Location       // the zone of the times cached in times
	times    map[int64]uint32     // by seconds<<1 | 1 for dates: see time
	ints     map[int64]uint32
	doubles  map[uint64]uint32 // by bits, so that NaN and -0 are values too
	bools    [2]uint32         // index+1; 0 when not yet used
	tags     []uint32
	text     []byte
}

// textValue is a string value and where its text lies in values. Text
// values are found by hash and checked against that copy, which is in
// cache, rather than against a map key pointing into some cached feature.
type textValue struct {
	index      uint32
	start, end int
}

func newAttributes() *attributes {
	return &attributes{
		seed:     maphash.MakeSeed(),
		texts:    make(map[uint64]textValue),
		collided: make(map[string]uint32),
		times:    make(map[int64]uint32),
		ints:     make(map[int64]uint32),
		doubles:  make(map[uint64]uint32),
	}
}

// reset starts a new layer with the given fields.
func (a *attributes) reset(fields []layer.Field) {
	a.fields = fields
	a.keyIndex = a.keyIndex[:0]
	for range fields {
		a.keyIndex = append(a.keyIndex, -1)
	}
	a.keys, a.values = a.keys[:0], a.values[:0]
	a.numKeys, a.numVals = 0, 0
	clear(a.texts)
	clear(a.collided)
	clear(a.times)
	a.timeLoc = nil
	clear(a.ints)
	clear(a.doubles)
	a.bools = [2]uint32{}
}

// tagsOf returns the feature's tags: key and value index pairs. The slice is
// reused by the next call.
func (a *attributes) tagsOf(props []any) []uint32 {
	a.tags = a.tags[:0]
	for i, v := range props[:min(len(props), len(a.fields))] {
		if v == nil {
			continue
		}
		val, ok := a.value(a.fields[i].Type, v)
		if !ok {
			continue
		}
		a.tags = append(a.tags, a.key(i), val)
	}
	return a.tags
}

func (a *attributes) key(field int) uint32 {
	if k := a.keyIndex[field]; k >= 0 {
		return uint32(k)
	}
	a.keys = appendBytesField(a.keys, layerKeys, a.fields[field].Name)
	a.keyIndex[field] = a.numKeys
	a.numKeys++
	return uint32(a.keyIndex[field])
}

func (a *attributes) value(ft layer.FieldType, v any) (uint32, bool) {
	switch v := v.(type) {
	case string:
		return a.textOf(nil, v), true
	case int64:
		return a.integer(v), true
	case int:
		return a.integer(int64(v)), true
	case int32:
		return a.integer(int64(v)), true
	case float64:
		return a.double(v), true
	case float32:
		return a.double(float64(v)), true
	case bool:
		return a.boolean(v), true
	case time.Time:
		return a.time(v, ft == layer.Date), true
	case json.RawMessage:
		return a.textOf(v, ""), true
	case []byte:
		return a.textOf(v, ""), true
	}
	text, err := json.Marshal(v)
	if err != nil {
		return 0, false // a value JSON cannot carry (NaN in an array) is left out
	}
	return a.textOf(text, ""), true
}

// textOf finds or adds a string value given as bytes b or, when b is nil,
// as s.
func (a *attributes) textOf(b []byte, s string) uint32 {
	var h uint64
	if b != nil {
		h = maphash.Bytes(a.seed, b)
	} else {
		h = maphash.String(a.seed, s)
	}
	v, found := a.texts[h]
	if !found {
		v = a.appendText(b, s)
		a.texts[h] = v
		return v.index
	}
	if stored := a.values[v.start:v.end]; (b != nil && bytes.Equal(stored, b)) || (b == nil && string(stored) == s) {
		return v.index
	}
	if b != nil {
		s = string(b)
	}
	if i, ok := a.collided[s]; ok {
		return i
	}
	v = a.appendText(nil, s)
	a.collided[s] = v.index
	return v.index
}

// appendText writes a string value, b or else s.
func (a *attributes) appendText(b []byte, s string) textValue {
	n := len(s)
	if b != nil {
		n = len(b)
	}
	a.values = appendValueHeader(a.values, fieldSize(n))
	a.values = appendKey(a.values, valueString, wireBytes)
	a.values = binary.AppendUvarint(a.values, uint64(n))
	start := len(a.values)
	if b != nil {
		a.values = append(a.values, b...)
	} else {
		a.values = append(a.values, s...)
	}
	return textValue{index: a.next(), start: start, end: len(a.values)}
}

// time finds or adds a time's text: a date field's as YYYY-MM-DD, any
// other's in RFC 3339 (with fractional seconds only when it has them).
// Formatting is the costliest conversion and times repeat (dates above
// all), so whole-second times in the zone of the first one seen are cached
// by their seconds.
func (a *attributes) time(t time.Time, date bool) uint32 {
	if a.timeLoc == nil {
		a.timeLoc = t.Location()
	}
	sec := t.Unix()
	cacheable := t.Nanosecond() == 0 && t.Location() == a.timeLoc && sec < 1<<62 && sec >= -1<<62
	key := sec << 1
	if date {
		key |= 1
	}
	if cacheable {
		if i, ok := a.times[key]; ok {
			return i
		}
	}
	layout := time.RFC3339Nano
	if date {
		layout = time.DateOnly
	}
	a.text = t.AppendFormat(a.text[:0], layout)
	i := a.textOf(a.text, "")
	if cacheable {
		a.times[key] = i
	}
	return i
}

func (a *attributes) integer(n int64) uint32 {
	if i, ok := a.ints[n]; ok {
		return i
	}
	if n >= 0 {
		a.values = appendValueHeader(a.values, 1+varintSize(uint64(n)))
		a.values = appendVarintField(a.values, valueUint, uint64(n))
	} else {
		z := zigzag64(n)
		a.values = appendValueHeader(a.values, 1+varintSize(z))
		a.values = appendVarintField(a.values, valueSint, z)
	}
	i := a.next()
	a.ints[n] = i
	return i
}

func (a *attributes) double(f float64) uint32 {
	b := math.Float64bits(f)
	if i, ok := a.doubles[b]; ok {
		return i
	}
	a.values = appendValueHeader(a.values, 9)
	a.values = appendDoubleField(a.values, valueDouble, f)
	i := a.next()
	a.doubles[b] = i
	return i
}

func (a *attributes) boolean(v bool) uint32 {
	slot := 0
	if v {
		slot = 1
	}
	if a.bools[slot] != 0 {
		return a.bools[slot] - 1
	}
	var n uint64
	if v {
		n = 1
	}
	a.values = appendValueHeader(a.values, 2)
	a.values = appendVarintField(a.values, valueBool, n)
	i := a.next()
	a.bools[slot] = i + 1
	return i
}

// next numbers the value just written.
func (a *attributes) next() uint32 {
	a.numVals++
	return a.numVals - 1
}

// appendValueHeader starts a Layer.values field whose Value message is n
// bytes long.
func appendValueHeader(b []byte, n int) []byte {
	b = appendKey(b, layerValues, wireBytes)
	return binary.AppendUvarint(b, uint64(n))
}
