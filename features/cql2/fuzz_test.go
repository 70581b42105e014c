package cql2

import (
	"hash/fnv"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/paulmach/orb"
)

// anySchema makes every property name queryable, with a type chosen by a
// hash of the name, so fuzzed filters compile often and reach evaluation.
type anySchema struct{}

func (anySchema) Queryable(name string) (Queryable, bool) {
	h := fnv.New32a()
	h.Write([]byte(name))
	types := []layer.FieldType{layer.String, layer.Integer, layer.Number, layer.Boolean,
		layer.Date, layer.DateTime, layer.Array, GeometryType}
	typ := types[h.Sum32()%uint32(len(types))]
	if q, ok := testSchema[name]; ok {
		return q, true
	}
	if typ == GeometryType {
		return Queryable{Name: name, Type: typ, Index: -1}, true
	}
	return Queryable{Name: name, Type: typ, Index: int(h.Sum32() % 12)}, true
}

var fuzzFeatures = []struct {
	p []any
	g orb.Geometry
}{
	{props(), nil},
	{[]any{"a", int64(3), 2.5, true, day("2020-01-01"), ts("2020-01-01T10:00:00Z"), []any{"a", int64(1)},
		nil, ts("2019-01-01T00:00:00Z"), ts("2021-01-01T00:00:00Z"), "b", 0.0}, square(0, 0, 2, 2)},
	{[]any{"香港", int64(-1), -0.0, false, time.Time{}, time.Time{}, []any{}, nil, nil, nil, "", 1e300}, orb.Point{1, 1}},
}

// fuzzCheck is what both fuzz targets require of any accepted filter:
// stable round trips through both printers, and compiling and evaluating
// without panicking.
func fuzzCheck(t *testing.T, e Expr) {
	checkRoundTrip(t, e)
	f, err := Compile(e, anySchema{}, Options{})
	if err != nil {
		if _, ok := err.(*Error); !ok {
			t.Fatalf("Compile returned %T, want *Error: %v", err, err)
		}
		return
	}
	for _, ft := range fuzzFeatures {
		f.Match(ft.p, ft.g)
	}
	f.Bound()
}

func addSeeds(f *testing.F, json bool) {
	for _, ex := range loadExamples(f) {
		if json {
			f.Add([]byte(ex.json))
		} else {
			f.Add([]byte(ex.text))
		}
	}
}

func FuzzParseText(f *testing.F) {
	addSeeds(f, false)
	for _, s := range []string{"floors = 5 OR NOT (a IS NULL)", "x = -1 * -y ^ 2 div 3 % 4", "A_CONTAINS(t, ((1, 'a'), ()))",
		`"a""b" = 'c''d'`, "S_INTERSECTS(g, BBOX(170, -10, -170, 10))", "T_MEETS(INTERVAL('..', d), INTERVAL(d, '..'))"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		e, err := ParseText(string(src), Limits{})
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("ParseText returned %T, want *SyntaxError: %v", err, err)
			}
			return
		}
		fuzzCheck(t, e)
	})
}

func FuzzParseJSON(f *testing.F) {
	addSeeds(f, true)
	f.Fuzz(func(t *testing.T, src []byte) {
		e, err := ParseJSON(src, Limits{})
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("ParseJSON returned %T, want *SyntaxError: %v", err, err)
			}
			return
		}
		fuzzCheck(t, e)
	})
}
