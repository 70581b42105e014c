package cache

import (
	"fmt"
	"math"
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
	// The interface values themselves are shared, not only the bytes: a
	// reader of many features reads one hot box per distinct value.
	box := func(v *any) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(v))[1] }
	if box(&fs[2].Props[0]) != box(&fs[0].Props[0]) || box(&fs[3].Props[0]) != box(&fs[1].Props[0]) {
		t.Error("repeated texts are boxed once per feature")
	}
	if in.fields[1] != nil {
		t.Errorf("a field of %d distinct names is still interned", len(fs))
	}
	if in.fields[0] == nil || len(in.fields[0]) != 2 {
		t.Errorf("the use field's shared values: %v", in.fields[0])
	}
}

// Repeated numbers share one box too, and values that differ only in ways
// equality hides (+0 and -0) stay apart.
func TestInternSharesRepeatedNumbers(t *testing.T) {
	in := newInterner(2)
	var fs []*Feature
	for i := range 100 {
		year := int64(1990 + i%3)
		height := []float64{0, math.Copysign(0, -1), 3.5}[i%3]
		f := &Feature{Props: []any{year, height}}
		in.intern(f)
		fs = append(fs, f)
	}
	box := func(v *any) unsafe.Pointer { return (*[2]unsafe.Pointer)(unsafe.Pointer(v))[1] }
	for i, f := range fs[3:] {
		if f.Props[0] != int64(1990+i%3) || box(&f.Props[0]) != box(&fs[i%3].Props[0]) {
			t.Fatalf("feature %d: year %v not the shared box", i+3, f.Props[0])
		}
		if box(&f.Props[1]) != box(&fs[i%3].Props[1]) {
			t.Fatalf("feature %d: height not the shared box", i+3)
		}
	}
	if math.Signbit(fs[0].Props[1].(float64)) || !math.Signbit(fs[1].Props[1].(float64)) {
		t.Error("+0 and -0 were merged")
	}
}
