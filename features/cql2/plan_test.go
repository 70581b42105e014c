package cql2

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestTerms(t *testing.T) {
	idx := func(name string) int { return testSchema[name].Index }
	closed := func(lo, hi any) Span { return Span{Lo: lo, Hi: hi} }
	point := func(v any) Span { return closed(v, v) }
	tests := []struct {
		filter string
		want   []Term
	}{
		{"floors > 60 AND name = 'x'", []Term{
			{idx("name"), []Span{point("x")}},
			{idx("floors"), []Span{{Lo: int64(60), LoOpen: true}}},
		}},
		{"60 < floors", []Term{{idx("floors"), []Span{{Lo: int64(60), LoOpen: true}}}}},
		{"floors >= 10 AND floors < 20.5", []Term{{idx("floors"), []Span{{Lo: int64(10), Hi: 20.5, HiOpen: true}}}}},
		{"floors > 10 AND floors < 5", []Term{{idx("floors"), []Span{}}}},
		{"floors >= 5 AND floors <= 5", []Term{{idx("floors"), []Span{point(int64(5))}}}},
		{"floors > 5 AND floors <= 5", []Term{{idx("floors"), []Span{}}}},
		{"height BETWEEN 2 AND 3.5", []Term{{idx("height"), []Span{closed(int64(2), 3.5)}}}},
		{"height BETWEEN 3 AND 2", []Term{{idx("height"), []Span{}}}},
		{"floors IN (3, 1, 2, 1)", []Term{{idx("floors"), []Span{point(int64(1)), point(int64(2)), point(int64(3))}}}},
		{"floors IN (1, 2, 3) AND floors >= 2", []Term{{idx("floors"), []Span{point(int64(2)), point(int64(3))}}}},
		{"name LIKE 'Tow%'", []Term{{idx("name"), []Span{{Lo: "Tow", Hi: "Tox", HiOpen: true}}}}},
		{"name LIKE '商%'", []Term{{idx("name"), []Span{{Lo: "商", Hi: "\xe5\x95\x87", HiOpen: true}}}}},
		{"name LIKE 'abc'", []Term{{idx("name"), []Span{point("abc")}}}},
		{`name LIKE 'a\%%'`, []Term{{idx("name"), []Span{{Lo: "a%", Hi: "a&", HiOpen: true}}}}},
		{"name LIKE '%x'", nil},
		{"name LIKE 'a_c%'", nil},
		{"name LIKE '%'", nil},
		{"pool", []Term{{idx("pool"), []Span{point(true)}}}},
		{"pool = false", []Term{{idx("pool"), []Span{point(false)}}}},
		{"name IS NOT NULL", []Term{{idx("name"), []Span{{}}}}},
		{"built >= DATE('2020-01-01')", []Term{{idx("built"), []Span{{Lo: day("2020-01-01")}}}}},
		{"seen < TIMESTAMP('2020-01-01T10:00:00Z')", []Term{{idx("seen"), []Span{{Hi: ts("2020-01-01T10:00:00Z"), HiOpen: true}}}}},
		// Nested ANDs count; OR, NOT, <>, CASEI, arithmetic and property
		// against property do not.
		{"(floors > 1 AND (height < 2 AND name = 'a'))", []Term{
			{idx("name"), []Span{point("a")}},
			{idx("floors"), []Span{{Lo: int64(1), LoOpen: true}}},
			{idx("height"), []Span{{Hi: int64(2), HiOpen: true}}},
		}},
		{"floors > 1 OR name = 'a'", nil},
		{"NOT floors > 1", nil},
		{"floors <> 1", nil},
		{"CASEI(name) = CASEI('a')", nil},
		{"name LIKE CASEI('a%')", nil},
		{"floors + 1 > 2", nil},
		{"height = floors", nil},
		{"name IS NULL", nil},
		{"tags = ('a')", nil},
		{"S_INTERSECTS(geom, POINT(1 2)) AND floors = 3", []Term{{idx("floors"), []Span{point(int64(3))}}}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			e, err := ParseText(tt.filter, Limits{})
			if err != nil {
				t.Skipf("does not parse: %v", err)
			}
			f, err := Compile(e, testSchema, Options{})
			if err != nil {
				if tt.want == nil {
					return
				}
				t.Fatal(err)
			}
			got := f.Terms()
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			for i := range got {
				if got[i].Spans == nil {
					got[i].Spans = []Span{}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Terms() = %+v\nwant      %+v", got, tt.want)
			}
		})
	}
}

// TestTermsAreNecessary draws random conjunctions of comparisons and
// random features, and checks that every feature the filter matches has
// its values within the terms' spans: the property that makes candidates
// from an index on any one term hold every match.
func TestTermsAreNecessary(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	ints := []string{"-2", "0", "1", "2", "3", "5", "9007199254740993", "2.5", "-0.5"}
	strs := []string{"''", "'a'", "'ab'", "'b'", "'b商'", "'ba'"}
	likes := []string{"'a%'", "'b%'", "'ab'", "'b商%'", "'%'", "'a_'"}
	ops := []string{"=", "<", "<=", ">", ">=", "<>"}
	pick := func(s []string) string { return s[rng.IntN(len(s))] }
	conjunct := func() string {
		switch rng.IntN(9) {
		case 0:
			return fmt.Sprintf("floors %s %s", pick(ops), pick(ints))
		case 1:
			return fmt.Sprintf("%s %s height", pick(ints), pick(ops))
		case 2:
			return fmt.Sprintf("name %s %s", pick(ops), pick(strs))
		case 3:
			return fmt.Sprintf("name LIKE %s", pick(likes))
		case 4:
			return fmt.Sprintf("floors BETWEEN %s AND %s", pick(ints), pick(ints))
		case 5:
			return fmt.Sprintf("height IN (%s, %s)", pick(ints), pick(ints))
		case 6:
			return fmt.Sprintf("pool = %v", rng.IntN(2) == 0)
		case 7:
			return "name IS NOT NULL"
		}
		return fmt.Sprintf("(floors %s %s OR name %s %s)", pick(ops), pick(ints), pick(ops), pick(strs))
	}
	values := func() []any {
		floors := []any{nil, int64(-2), int64(0), int64(1), int64(2), int64(3), int64(5), int64(9007199254740992), int64(9007199254740993), int64(9007199254740994)}
		heights := []any{nil, -0.5, 0.0, 1.0, 2.5, 3.0, 9007199254740992.0, int64(2)}
		names := []any{nil, "", "a", "ab", "abc", "b", "b商", "b商z", "ba", "c"}
		bools := []any{nil, true, false}
		return props("floors", floors[rng.IntN(len(floors))], "height", heights[rng.IntN(len(heights))],
			"name", names[rng.IntN(len(names))], "pool", bools[rng.IntN(len(bools))])
	}
	checked := 0
	for range 3000 {
		parts := make([]string, 1+rng.IntN(3))
		for i := range parts {
			parts[i] = conjunct()
		}
		src := strings.Join(parts, " AND ")
		f := mustCompile(t, src, testSchema)
		for range 30 {
			p := values()
			if !f.Match(p, nil) {
				continue
			}
			checked++
			for _, term := range f.Terms() {
				if !inSpans(p[term.Index], term.Spans) {
					t.Fatalf("%s matches %v, but its value %v at %d is outside the term's spans %+v", src, p, p[term.Index], term.Index, term.Spans)
				}
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d matches checked", checked)
	}
}

func TestPrefixEnd(t *testing.T) {
	for p, want := range map[string]string{"a": "b", "az": "a{", "a\xff": "b", "a\xff\xff": "b", "\xff": ""} {
		got, ok := prefixEnd(p)
		if got != want || ok != (want != "") {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q", p, got, ok, want)
		}
	}
}

// inSpans tests v against spans with the evaluator's own comparison.
func inSpans(v any, spans []Span) bool {
	x := scalarOf(v)
	if x.k == vNull {
		return false
	}
	for _, s := range spans {
		if s.Lo != nil {
			c, ok := compare(x, scalarOf(s.Lo))
			if !ok || c < 0 || (c == 0 && s.LoOpen) {
				continue
			}
		}
		if s.Hi != nil {
			c, ok := compare(x, scalarOf(s.Hi))
			if !ok || c > 0 || (c == 0 && s.HiOpen) {
				continue
			}
		}
		return true
	}
	return false
}
