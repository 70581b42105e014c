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
// entry is a field not (or no longer) interned.
type interner struct {
	fields []*fieldValues
}

// fieldValues is one field's shared boxes, by kind of value; a field's
// values are of one kind, the others stay empty.
type fieldValues struct {
	texts   map[string]any
	numbers map[uint64]any // float64 bits
	ints    map[int64]any
}

func (v *fieldValues) len() int { return len(v.texts) + len(v.numbers) + len(v.ints) }

func newInterner(fields int) *interner {
	in := &interner{fields: make([]*fieldValues, fields)}
	for i := range in.fields {
		in.fields[i] = &fieldValues{texts: map[string]any{}, numbers: map[uint64]any{}, ints: map[int64]any{}}
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
		fv := in.fields[i]
		var shared any
		var found bool
		switch v := v.(type) {
		case string:
			shared, found = fv.texts[v]
		case int64:
			shared, found = fv.ints[v]
		case float64:
			shared, found = fv.numbers[math.Float64bits(v)]
		default:
			continue
		}
		if found {
			f.Props[i] = shared
			continue
		}
		if fv.len() == maxInternedValues {
			in.fields[i] = nil // too varied: leave its values as they come
			continue
		}
		switch v := v.(type) {
		case string:
			fv.texts[v] = f.Props[i]
		case int64:
			fv.ints[v] = f.Props[i]
		case float64:
			fv.numbers[math.Float64bits(v)] = f.Props[i]
		}
	}
}
