package cache

// Most text fields of a layer (a use, a district, a department) repeat a
// few values over many features, and every record the store reads brings
// its own copy of each. The builder keeps one copy per distinct value and
// gives it to every feature that has it: a layer takes less memory, and a
// filter or an attribute index comparing values reads a few hot copies
// instead of one cold copy per feature, spread over the heap with its
// feature. A field with too many distinct values to gain from this (names,
// addresses) stops being interned once it passes maxInternedValues.

// maxInternedValues bounds the distinct values kept per field.
const maxInternedValues = 4096

// interner holds, per field, the copy of each distinct text value; a nil
// map is a field not (or no longer) interned.
type interner struct {
	fields []map[string]string
}

func newInterner(fields int) *interner {
	in := &interner{fields: make([]map[string]string, fields)}
	for i := range in.fields {
		in.fields[i] = map[string]string{}
	}
	return in
}

// intern replaces f's text values by their shared copies. f must not be
// published yet.
func (in *interner) intern(f *Feature) {
	for i, v := range f.Props {
		s, ok := v.(string)
		if !ok || i >= len(in.fields) || in.fields[i] == nil {
			continue
		}
		m := in.fields[i]
		if shared, ok := m[s]; ok {
			f.Props[i] = shared
			continue
		}
		if len(m) == maxInternedValues {
			in.fields[i] = nil // too varied: leave its values as they come
			continue
		}
		m[s] = s
	}
}
