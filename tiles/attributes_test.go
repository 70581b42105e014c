package tiles

import (
	"bytes"
	"encoding/json"
	"hash/maphash"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// valuesOf decodes the values table an attributes has written.
func valuesOf(t *testing.T, a *attributes) []any {
	t.Helper()
	var vs []any
	r := protoReader{b: a.values}
	for {
		field, _, ok := r.next()
		if !ok {
			break
		}
		if field != layerValues {
			t.Fatalf("field %d in values", field)
		}
		v, err := decodeValue(r.bytes())
		if err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(vs) != int(a.numVals) {
		t.Fatalf("%d values written, %d counted", len(vs), a.numVals)
	}
	return vs
}

func TestAttributeValues(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	midnight := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		ft    layer.FieldType
		in    []any
		want  []any // the values table
		omits int   // values left out
	}{
		{"strings deduplicated", layer.String, []any{"a", "b", "a", "", ""}, []any{"a", "b", ""}, 0},
		{"integers by sign", layer.Integer, []any{int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), int64(-1), 7, int32(-7)},
			[]any{uint64(0), int64(-1), uint64(math.MaxInt64), int64(math.MinInt64), uint64(7), int64(-7)}, 0},
		{"doubles by bits", layer.Number, []any{1.5, math.Inf(-1), 0.0, math.Copysign(0, -1), 1.5, float32(0.25)},
			[]any{1.5, math.Inf(-1), 0.0, math.Copysign(0, -1), 0.25}, 0},
		{"integer and double stay apart", layer.Number, []any{int64(1), 1.0}, []any{uint64(1), 1.0}, 0},
		{"booleans", layer.Boolean, []any{true, false, true, false}, []any{true, false}, 0},
		{"dates", layer.Date, []any{midnight, midnight, midnight.In(hk), midnight.Add(24 * time.Hour)},
			[]any{"2024-03-01", "2024-03-02"}, 0},
		{"date-times keep zone and fraction", layer.DateTime,
			[]any{midnight, midnight.In(hk), midnight.Add(time.Millisecond), midnight, midnight.Add(time.Millisecond)},
			[]any{"2024-03-01T00:00:00Z", "2024-03-01T08:00:00+08:00", "2024-03-01T00:00:00.001Z"}, 0},
		{"date text shared with a string", layer.Date, []any{"2024-03-01", midnight}, []any{"2024-03-01"}, 0},
		{"json and arrays as text", layer.JSON, []any{json.RawMessage(`{"a":[1,2]}`), []any{"x", int64(1), true}, []byte("raw")},
			[]any{`{"a":[1,2]}`, `["x",1,true]`, "raw"}, 0},
		{"values JSON cannot carry are left out", layer.Array, []any{[]any{math.NaN()}, func() {}}, nil, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAttributes()
			a.reset([]layer.Field{{Name: "f", Type: tc.ft}}, 0)
			omitted := 0
			for _, v := range tc.in {
				if len(a.tagsOf([]any{v}, nil, nil)) == 0 {
					omitted++
				}
			}
			got := valuesOf(t, a)
			if len(got) != len(tc.want) || omitted != tc.omits {
				t.Fatalf("values %#v (%d left out), want %#v (%d)", got, omitted, tc.want, tc.omits)
			}
			for i := range got {
				if g, w := got[i], tc.want[i]; g != w && !(isNegZero(g) && isNegZero(w)) {
					if gf, ok := g.(float64); !ok || math.Float64bits(gf) != math.Float64bits(w.(float64)) {
						t.Errorf("value %d: %#v, want %#v", i, g, w)
					}
				}
			}
		})
	}
}

func isNegZero(v any) bool {
	f, ok := v.(float64)
	return ok && f == 0 && math.Signbit(f)
}

// TestAttributeTextHashCollision forces two texts onto one hash: the second
// must get its own value, found again on the next lookup.
func TestAttributeTextHashCollision(t *testing.T) {
	a := newAttributes()
	a.reset([]layer.Field{{Name: "f", Type: layer.String}}, 0)
	first := a.textOf(nil, "first", 0)
	// "second" now hashes onto "first": an entry of its hash names it.
	a.known.add(kindText, maphashString(a, "second"), first)
	second := a.textOf(nil, "second", 0)
	again := a.textOf([]byte("second"), "", 0)
	if second == first || again != second || a.textOf(nil, "first", 0) != first {
		t.Errorf("first %d, second %d, second again %d", first, second, again)
	}
	if got := valuesOf(t, a); len(got) != 2 || got[second] != "second" {
		t.Errorf("values %v", got)
	}
}

// TestInternTableGrows fills a table far beyond its first size: every key
// is still found, under its own kind only.
func TestInternTableGrows(t *testing.T) {
	var tab internTable
	tab.reset(0)
	const n = 10_000
	for i := range n {
		tab.add(kindInt, uint64(i), uint32(i))
	}
	for i := range n {
		if got, ok := tab.find(kindInt, uint64(i)); !ok || got != uint32(i) {
			t.Fatalf("key %d: %d %v", i, got, ok)
		}
		if _, ok := tab.find(kindDouble, uint64(i)); ok {
			t.Fatalf("key %d found as a double", i)
		}
	}
	tab.reset(1)
	if _, ok := tab.find(kindInt, 1); ok || len(tab.slots) != minInternSlots {
		t.Errorf("after reset: %d slots", len(tab.slots))
	}
	// Grown again within the capacity it had: the old values stay out.
	for i := range 1000 {
		tab.add(kindDouble, uint64(i), uint32(i))
	}
	for i := range 1000 {
		if got, ok := tab.find(kindDouble, uint64(i)); !ok || got != uint32(i) {
			t.Fatalf("double %d: %d %v", i, got, ok)
		}
		if _, ok := tab.find(kindInt, uint64(i)); ok {
			t.Fatalf("key %d found from before the reset", i)
		}
	}
	// Across every generation stamp and past its wrapping round, a reset
	// table holds nothing.
	for g := range 1 << 17 {
		tab.reset(1)
		if _, ok := tab.find(kindInt, 7); ok {
			t.Fatalf("reset %d: an old value is found", g)
		}
		tab.add(kindInt, 7, 1)
	}
}

func TestAttributeKeysOnlyWhenUsed(t *testing.T) {
	a := newAttributes()
	a.reset([]layer.Field{{Name: "a", Type: layer.String}, {Name: "b", Type: layer.String}, {Name: "c", Type: layer.String}}, 0)
	tags := a.tagsOf([]any{nil, "x", "y", "extra value beyond the fields"}, nil, nil)
	if len(tags) != 4 || tags[0] != 0 || tags[2] != 1 {
		t.Errorf("tags %v: want b as key 0 and c as key 1", tags)
	}
	r := protoReader{b: a.keys}
	var keys []string
	for {
		if _, _, ok := r.next(); !ok {
			break
		}
		keys = append(keys, string(r.bytes()))
	}
	if len(keys) != 2 || keys[0] != "b" || keys[1] != "c" {
		t.Errorf("keys %v", keys)
	}
}

func maphashString(a *attributes, s string) uint64 { return maphash.String(textSeed, s) }

// TestAttributeKeysMatchValues writes the same properties through their
// keys (as shapers compute them, propKeys) and without: the tags and the
// values table are the same.
func TestAttributeKeysMatchValues(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	fields := []layer.Field{
		{Name: "s", Type: layer.String}, {Name: "i", Type: layer.Integer}, {Name: "d", Type: layer.Number},
		{Name: "b", Type: layer.Boolean}, {Name: "t", Type: layer.Date}, {Name: "j", Type: layer.JSON},
	}
	rows := [][]any{
		{"a", int64(1), 1.5, true, day, json.RawMessage(`{"x":1}`)},
		{"", int64(-1), math.Copysign(0, -1), false, nil, []byte("a")},
		{"a", 7, float32(0.25), true, day.Add(time.Hour), []any{"a", 1}},
		{nil, int32(-7), math.NaN(), nil, day, "extra"},
		{"b"},
		{"a", int64(1), 1.5, true, day, json.RawMessage(`{"x":1}`), "beyond the fields"},
	}
	plain, keyed := newAttributes(), newAttributes()
	plain.reset(fields, 0)
	keyed.reset(fields, 0)
	for _, props := range rows {
		want := slices.Clone(plain.tagsOf(props, nil, nil))
		keys, texts, _ := propKeys(nil, nil, props)
		if got := keyed.tagsOf(props, keys, texts); !slices.Equal(got, want) {
			t.Errorf("%v: tags %v through keys, %v without", props, got, want)
		}
	}
	if !bytes.Equal(keyed.values, plain.values) || !bytes.Equal(keyed.keys, plain.keys) {
		t.Errorf("values or keys differ:\n%q\n%q", keyed.values, plain.values)
	}
}
