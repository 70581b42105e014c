package cache

import "math"

// Most fields of a layer (a use, a district, a year, a storey count)
// repeat a few values over many features, and every record the store reads
// brings its own copy of each, boxed in an interface of its own. The
// builder keeps one boxed copy per distinct value and gives that same
// interface value to every feature that has it: a layer takes less memory,
// and a filter, an attribute index or a tile's attributes reading values
// read a few hot copies instead of one cold copy per feature, spread over
// the heap with its feature. A field with too many distinct values to gain
// from this (names, addresses, measurements) stops being interned once it
// passes maxInternedValues.

// maxInternedValues bounds the distinct values kept per field.
const maxInternedValues = 4096

// interner holds, per field, the shared box of each distinct value; a nil
// map is a field not (or no longer) interned.
type interner struct {
	fields []map[internKey]any
}

// internKey is a value as the interner tells values apart: a float by its
// bits, so that +0 and -0 stay apart and a NaN is found again.
type internKey struct {
	text string
	bits uint64
	kind uint8 // 1 text, 2 integer, 3 float
}

func newInterner(fields int) *interner {
	in := &interner{fields: make([]map[internKey]any, fields)}
	for i := range in.fields {
		in.fields[i] = map[internKey]any{}
	}
	return in
}

// intern replaces f's text and number values by their shared boxes. f must
// not be published yet.
func (in *interner) intern(f *Feature) {
	for i, v := range f.Props {
		if i >= len(in.fields) || in.fields[i] == nil {
			continue
		}
		var k internKey
		switch v := v.(type) {
		case string:
			k = internKey{text: v, kind: 1}
		case int64:
			k = internKey{bits: uint64(v), kind: 2}
		case float64:
			k = internKey{bits: math.Float64bits(v), kind: 3}
		default:
			continue
		}
		m := in.fields[i]
		if shared, ok := m[k]; ok {
			f.Props[i] = shared
			continue
		}
		if len(m) == maxInternedValues {
			in.fields[i] = nil // too varied: leave its values as they come
			continue
		}
		m[k] = v
	}
}
