package cql2

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"(floors = 1 OR", "line 1, column 15: expected an expression, found end of input"},
		{"(floors = 1 name", "line 1, column 13: expected ')', found 'name'"},
		{"floors = 1 name", "line 1, column 12: expected AND, OR or end of input, found 'name'"},
		{"floors = = 1", "line 1, column 10: expected an expression, found '='"},
		{"name NOT = 'a'", "line 1, column 10: expected LIKE, BETWEEN or IN, found '='"},
		{"name IS 'a'", "line 1, column 9: expected NOT or NULL, found 'a'"},
		{"floors BETWEEN 1 OR 2", "line 1, column 18: expected AND, found OR"},
		{"name = 'abc", "line 1, column 8: unterminated string"},
		{"a = 1 AND\n  b = # 2", "line 2, column 7: unexpected character '#'"},
		{"built = DATE('2020-13-01')", "line 1, column 14: invalid date '2020-13-01' (want YYYY-MM-DD)"},
		{"seen = TIMESTAMP('2020-01-01')", "line 1, column 18: invalid timestamp '2020-01-01' (want YYYY-MM-DDThh:mm:ss[.fff]Z)"},
		{"name LIKE name", "line 1, column 1: a LIKE pattern must be a string literal, optionally inside CASEI/ACCENTI"},
		{"floors", "line 1, column 1: a filter must be a boolean expression (a predicate, TRUE/FALSE or a function)"},
		{"S_INTERSECTS(geom, POLYGON((0 0, 1 0, 1 1)))", "line 1, column 20: polygon rings must be closed and have at least 4 points"},
		{"S_INTERSECTS(geom, POINT(1))", "line 1, column 27: expected a number, found ')'"},
		{"S_INTERSECTS(geom)", "line 1, column 1: S_INTERSECTS takes two arguments"},
		{"S_INTERSECTS(geom, BBOX(1, 2, 3))", "line 1, column 20: BBOX needs 4 or 6 numbers"},
		{"A_CONTAINS(tags, (1 + 2))", "line 1, column 18: array elements must be literals, properties, functions or arrays"},
		{"x = 1e999", "line 1, column 5: number '1e999' is out of range"},
		{`"" = 1`, "line 1, column 1: empty property name"},
		{"NOT", "line 1, column 4: expected an expression, found end of input"},
		{"", "line 1, column 1: expected an expression, found end of input"},
		{"香 = 'x' AND 港 LIKE", "line 1, column 19: expected an expression, found end of input"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			_, err := ParseText(tc.src, Limits{})
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *SyntaxError", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

func TestJSONSyntaxErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{`{"op":"=","args":[{"property":"a"}]}`, "at $.args: = takes 2 arguments, got 1"},
		{`{"op":"and","args":[{"op":"=","args":[{"property":"a"},1]},{"op":"like","args":[{"property":"a"},{"property":"b"}]}]}`,
			"at $.args[1]: a LIKE pattern must be a string literal, optionally inside CASEI/ACCENTI"},
		{`{"op":"=","args":[{"propery":"a"},1]}`, "at $.args[0]: expected an object with op, property, date, timestamp, interval, bbox or a GeoJSON type"},
		{`{"op":"=","args":[{"property":"a","x":1},1]}`, `at $.args[0]: unexpected member "x"`},
		{`{"op":"t_after","args":[{"property":"a"},{"date":"2020-1-1"}]}`, "at $.args[1].date: invalid date '2020-1-1' (want YYYY-MM-DD)"},
		{`{"op":"date","args":[]}`, `at $.op: unknown operator "date"`},
		{`{"op":"=","args":[{"property":"a"},1]`, "line 1, column 38: invalid JSON: unexpected end of JSON input"},
		{`{"op":"=","args":[{"property":"a"},1]} x`, "line 1, column 40: unexpected data after the filter"},
		{`{"op":"=","args":[{"property":"a"},null]}`, "at $.args[1]: null is not a CQL2 expression"},
		{`{"op":"in","args":[{"property":"a"},[]]}`, "at $: IN needs at least one list element"},
		{`{"op":"s_intersects","args":[{"property":"g"},{"type":"LineString","coordinates":[[1,2]]}]}`, "at $.args[1]: line strings need at least 2 points"},
		{`{"property":"a"}`, "at $: a filter must be a boolean expression (a predicate, true/false or a function)"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			_, err := ParseJSON([]byte(tc.src), Limits{})
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v (%T), want *SyntaxError", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

// TestLimits feeds pathological inputs: each must fail fast with an error,
// never overflow the stack or hang.
func TestLimits(t *testing.T) {
	big := Limits{MaxLength: 4 << 20, MaxDepth: 64}
	texts := map[string]string{
		"parens":      strings.Repeat("(", 100000) + "a = 1" + strings.Repeat(")", 100000),
		"open parens": strings.Repeat("(", 100000),
		"not":         strings.Repeat("NOT ", 100000) + "TRUE",
		"minus":       "a = " + strings.Repeat("-", 100000) + "a",
		"power":       "a = " + strings.Repeat("2 ^ ", 100000) + "2",
		"plus nest":   "a = " + strings.Repeat("1 + (", 100000) + "1" + strings.Repeat(")", 100000),
		"casei":       "a = " + strings.Repeat("CASEI(", 100000) + "'a'" + strings.Repeat(")", 100000),
		"collection":  "S_INTERSECTS(g, " + strings.Repeat("GEOMETRYCOLLECTION(", 100000) + "POINT(1 1)" + strings.Repeat(")", 100000) + ")",
		"arrays":      "A_CONTAINS(t, " + strings.Repeat("(", 100000) + strings.Repeat(")", 100000) + ")",
	}
	for name, src := range texts {
		t.Run("text/"+name, func(t *testing.T) {
			start := time.Now()
			_, err := ParseText(src, big)
			if err == nil {
				t.Fatal("no error")
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	jsons := map[string]string{
		"arrays": strings.Repeat("[", 100000) + strings.Repeat("]", 100000),
		"not":    strings.Repeat(`{"op":"not","args":[`, 20000) + "true" + strings.Repeat("]}", 20000),
		"plus":   `{"op":"=","args":[1,` + strings.Repeat(`{"op":"+","args":[1,`, 100) + "1" + strings.Repeat("]}", 100) + "]}",
	}
	for name, src := range jsons {
		t.Run("json/"+name, func(t *testing.T) {
			_, err := ParseJSON([]byte(src), big)
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
	if _, err := ParseText(strings.Repeat(" ", 65<<10)+"TRUE", Limits{}); err == nil {
		t.Error("no error for an input over the default length")
	}
	if _, err := ParseText("a = 1 AND b = 2", Limits{MaxLength: 5}); err == nil {
		t.Error("MaxLength not applied")
	}
	// Within the limits, depth 64 works.
	if _, err := ParseText(strings.Repeat("(", 60)+"a = 1"+strings.Repeat(")", 60), Limits{}); err != nil {
		t.Errorf("60 parentheses: %v", err)
	}
}

func TestBound(t *testing.T) {
	tests := []struct {
		filter string
		want   orb.Bound
		ok     bool
	}{
		{"S_INTERSECTS(geom, BBOX(0, 0, 2, 2))", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 2}}, true},
		{"floors > 1 AND S_WITHIN(geom, POLYGON((0 0, 4 0, 4 3, 0 0)))", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{4, 3}}, true},
		{"S_CONTAINS(POINT(1 1), geom) AND (S_TOUCHES(geom, BBOX(0, 0, 5, 5)) AND floors > 1)", orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{1, 1}}, true},
		{"S_INTERSECTS(geom, BBOX(0, 0, 2, 2)) AND S_OVERLAPS(geom, BBOX(1, 1, 3, 3))", orb.Bound{Min: orb.Point{1, 1}, Max: orb.Point{2, 2}}, true},
		{"S_EQUALS(geom, POINT(1 1)) AND S_CROSSES(geom, LINESTRING(5 5, 6 6))", orb.Bound{Min: orb.Point{5, 5}, Max: orb.Point{1, 1}}, true},
		{"S_INTERSECTS(geom, BBOX(0, 0, 2, 2)) OR floors > 1", orb.Bound{}, false},
		{"S_DISJOINT(geom, BBOX(0, 0, 2, 2))", orb.Bound{}, false},
		{"NOT S_INTERSECTS(geom, BBOX(0, 0, 2, 2))", orb.Bound{}, false},
		{"floors > 1", orb.Bound{}, false},
		{"S_INTERSECTS(POINT(0 0), BBOX(0, 0, 2, 2))", orb.Bound{}, false},
	}
	for _, tc := range tests {
		f := mustCompile(t, tc.filter, testSchema)
		b, ok := f.Bound()
		if ok != tc.ok || b != tc.want {
			t.Errorf("%s: Bound = %v, %v; want %v, %v", tc.filter, b, ok, tc.want, tc.ok)
		}
	}
	// Options.Geometry maps literals (here: scale by 1/10) before bounding.
	e, _ := ParseText("S_INTERSECTS(geom, BBOX(0, 0, 20, 10))", Limits{})
	f, err := Compile(e, testSchema, Options{Geometry: func(g orb.Geometry) (orb.Geometry, error) {
		p := g.(orb.Polygon).Clone()
		for _, r := range p {
			for i := range r {
				r[i] = orb.Point{r[i][0] / 10, r[i][1] / 10}
			}
		}
		return p, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := f.Bound(); b != (orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{2, 1}}) {
		t.Errorf("mapped bound = %v", b)
	}
	if !f.Match(nil, orb.Point{1.5, 0.5}) || f.Match(nil, orb.Point{15, 5}) {
		t.Error("literal not mapped into feature space")
	}
}
