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
	known    internTable    // the values so far, by kind and key
	spans    []textSpan     // per value: where a text value's text lies in values
	timeLoc  *time.Location // the zone of the times known by their seconds
	bools    [2]uint32      // index+1; 0 when not yet used
	tags     []uint32
	text     []byte
}

// textSpan is where a text value's text lies in values. Texts are found
// by hash and checked against that copy, which is in cache, rather than
// against some cached feature's string.
type textSpan struct{ start, end int32 }

func newAttributes() *attributes { return &attributes{} }

// textSeed seeds the hashes of text values, which shapers compute ahead of
// the attributes (propKeys).
var textSeed = maphash.MakeSeed()

// propKey is a property value as the attributes look it up: its kind and
// key (a text's hash, an integer, a double's bits, a boolean's 0 or 1)
// and a text's bytes, copied to a buffer of texts at [start, end). Kind
// kindLookup is a value the attributes read themselves (a time, JSON).
type propKey struct {
	key        uint64
	start, end int32
	kind       valueKind
}

// propKeys appends the key of each of props to keys, and the bytes of its
// texts to texts. Shapers compute them so that the attributes, written in
// order on one goroutine, need not read the features at all: only these
// buffers, one after the other (see parallel.go). lookup reports a value
// of kind kindLookup among them.
func propKeys(keys []propKey, texts []byte, props []any) (_ []propKey, _ []byte, lookup bool) {
	for _, v := range props {
		var k propKey
		switch v := v.(type) {
		case nil:
			k.kind = kindNil
		case string:
			k = propKey{key: maphash.String(textSeed, v), kind: kindText}
			k.start = int32(len(texts))
			texts = append(texts, v...)
		case json.RawMessage:
			k = propKey{key: maphash.Bytes(textSeed, v), kind: kindText}
			k.start = int32(len(texts))
			texts = append(texts, v...)
		case []byte:
			k = propKey{key: maphash.Bytes(textSeed, v), kind: kindText}
			k.start = int32(len(texts))
			texts = append(texts, v...)
		case int64:
			k = propKey{key: uint64(v), kind: kindInt}
		case int:
			k = propKey{key: uint64(int64(v)), kind: kindInt}
		case int32:
			k = propKey{key: uint64(int64(v)), kind: kindInt}
		case float64:
			k = propKey{key: math.Float64bits(v), kind: kindDouble}
		case float32:
			k = propKey{key: math.Float64bits(float64(v)), kind: kindDouble}
		case bool:
			if v {
				k.key = 1
			}
			k.kind = kindBool
		default:
			k.kind, lookup = kindLookup, true
		}
		k.end = int32(len(texts))
		keys = append(keys, k)
	}
	return keys, texts, lookup
}

// reset starts a new layer with the given fields, for about n features.
func (a *attributes) reset(fields []layer.Field, n int) {
	a.fields = fields
	a.keyIndex = a.keyIndex[:0]
	for range fields {
		a.keyIndex = append(a.keyIndex, -1)
	}
	a.keys, a.values = a.keys[:0], a.values[:0]
	a.numKeys, a.numVals = 0, 0
	// Sized for a quarter of the features, and grown as values come: most
	// layers repeat a few values, and a table sized for a dense layer's
	// every name (2 MB at 20,000 features) was memory to allocate, clear
	// and scatter look-ups over for each tile; the cold tiles of the tile
	// load bench took 10% longer with it.
	a.known.reset(n / 4)
	a.spans = a.spans[:0]
	a.timeLoc = nil
	a.bools = [2]uint32{}
}

// tagsOf returns the feature's tags: key and value index pairs. The slice is
// reused by the next call. keys, when not nil, are the keys of props with
// their texts (propKeys); props is then read only for a value of kind
// kindLookup.
func (a *attributes) tagsOf(props []any, keys []propKey, texts []byte) []uint32 {
	a.tags = a.tags[:0]
	n := len(props)
	if keys != nil {
		n = len(keys)
	}
	for i := range min(n, len(a.fields)) {
		var (
			val uint32
			ok  = true
		)
		switch {
		case keys == nil:
			if props[i] == nil {
				continue
			}
			val, ok = a.value(a.fields[i].Type, props[i])
		case keys[i].kind == kindNil:
			continue
		case keys[i].kind == kindLookup:
			val, ok = a.value(a.fields[i].Type, props[i])
		default:
			val = a.keyed(&keys[i], texts)
		}
		if !ok {
			continue
		}
		a.tags = append(a.tags, a.key(i), val)
	}
	return a.tags
}

// keyed finds or adds the value of key k, whose text is in texts.
func (a *attributes) keyed(k *propKey, texts []byte) uint32 {
	switch k.kind {
	case kindInt:
		return a.integer(int64(k.key))
	case kindDouble:
		return a.double(k.key)
	case kindBool:
		return a.boolean(k.key == 1)
	}
	text := texts[k.start:k.end]
	if text == nil {
		return a.textOf(nil, "", k.key) // an empty text
	}
	return a.textOf(text, "", k.key)
}

// key is the index of field's key, added on first use.
func (a *attributes) key(field int) uint32 {
	if k := a.keyIndex[field]; k >= 0 {
		return uint32(k)
	}
	a.keys = appendBytesField(a.keys, layerKeys, a.fields[field].Name)
	a.keyIndex[field] = a.numKeys
	a.numKeys++
	return uint32(a.keyIndex[field])
}

// value finds or adds v, a value of a field of type ft.
func (a *attributes) value(ft layer.FieldType, v any) (uint32, bool) {
	switch v := v.(type) {
	case string:
		return a.textOf(nil, v, 0), true
	case int64:
		return a.integer(v), true
	case int:
		return a.integer(int64(v)), true
	case int32:
		return a.integer(int64(v)), true
	case float64:
		return a.double(math.Float64bits(v)), true
	case float32:
		return a.double(math.Float64bits(float64(v))), true
	case bool:
		return a.boolean(v), true
	case time.Time:
		return a.time(v, ft == layer.Date), true
	case json.RawMessage:
		return a.textOf(v, "", 0), true
	case []byte:
		return a.textOf(v, "", 0), true
	}
	text, err := json.Marshal(v)
	if err != nil {
		return 0, false // a value JSON cannot carry (NaN in an array) is left out
	}
	return a.textOf(text, "", 0), true
}

// textOf finds or adds a string value given as bytes b or, when b is nil,
// as s, whose hash is h (0: not yet computed). Two texts whose hashes
// collide each get their own value.
func (a *attributes) textOf(b []byte, s string, h uint64) uint32 {
	switch {
	case h != 0:
	case b != nil:
		h = maphash.Bytes(textSeed, b)
	default:
		h = maphash.String(textSeed, s)
	}
	t := &a.known
	for i := t.home(kindText, h); t.used(i); i = t.next(i) {
		if sl := &t.slots[i]; sl.key == h && sl.kind == kindText {
			sp := a.spans[sl.index]
			if stored := a.values[sp.start:sp.end]; (b != nil && bytes.Equal(stored, b)) || (b == nil && string(stored) == s) {
				return sl.index
			}
		}
	}
	i := a.appendText(b, s)
	t.add(kindText, h, i)
	return i
}

// appendText writes a string value, b or else s.
func (a *attributes) appendText(b []byte, s string) uint32 {
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
	i := a.next()
	a.spans[i] = textSpan{int32(start), int32(len(a.values))}
	return i
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
		if i, ok := a.known.find(kindTime, uint64(key)); ok {
			return i
		}
	}
	layout := time.RFC3339Nano
	if date {
		layout = time.DateOnly
	}
	a.text = t.AppendFormat(a.text[:0], layout)
	i := a.textOf(a.text, "", 0)
	if cacheable {
		a.known.add(kindTime, uint64(key), i)
	}
	return i
}

func (a *attributes) integer(n int64) uint32 {
	if i, ok := a.known.find(kindInt, uint64(n)); ok {
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
	a.known.add(kindInt, uint64(n), i)
	return i
}

// double finds or adds the double whose bits are b.
func (a *attributes) double(b uint64) uint32 {
	if i, ok := a.known.find(kindDouble, b); ok {
		return i
	}
	a.values = appendValueHeader(a.values, 9)
	a.values = appendDoubleField(a.values, valueDouble, b)
	i := a.next()
	a.known.add(kindDouble, b, i)
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
	a.spans = append(a.spans, textSpan{})
	a.numVals++
	return a.numVals - 1
}

// appendValueHeader starts a Layer.values field whose Value message is n
// bytes long.
func appendValueHeader(b []byte, n int) []byte {
	b = appendKey(b, layerValues, wireBytes)
	return binary.AppendUvarint(b, uint64(n))
}
