package cache

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// Repeated texts of a field end up as one copy; the values never change;
// a field with too many distinct values is left alone past the bound; and
// non-text values pass through.
func TestInternSharesRepeatedTexts(t *testing.T) {
	in := newInterner(3)
	var fs []*Feature
	for i := range maxInternedValues + 100 {
		use := strings.Clone([]string{"commercial", "residential"}[i%2]) // a fresh copy, as a store gives
		name := fmt.Sprintf("building %d", i)
		f := &Feature{Props: []any{use, name, int64(i)}}
		in.intern(f)
		fs = append(fs, f)
	}
	data := func(v any) *byte { return unsafe.StringData(v.(string)) }
	for i, f := range fs {
		if want := []string{"commercial", "residential"}[i%2]; f.Props[0] != want {
			t.Fatalf("feature %d: use %v, want %s", i, f.Props[0], want)
		}
		if f.Props[1] != fmt.Sprintf("building %d", i) || f.Props[2] != int64(i) {
			t.Fatalf("feature %d changed: %v", i, f.Props)
		}
		if i >= 2 && data(f.Props[0]) != data(fs[i%2].Props[0]) {
			t.Fatalf("feature %d: its use is a copy of its own", i)
		}
	}
	if in.fields[1] != nil {
		t.Errorf("a field of %d distinct names is still interned", len(fs))
	}
	if in.fields[0] == nil || len(in.fields[0]) != 2 {
		t.Errorf("the use field's shared values: %v", in.fields[0])
	}
}
