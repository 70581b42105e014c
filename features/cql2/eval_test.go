package cql2

import (
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"
)

func TestEvaluate(t *testing.T) {
	type feat struct {
		p []any
		g orb.Geometry
	}
	f := func(g orb.Geometry, kv ...any) feat { return feat{props(kv...), g} }
	tests := []struct {
		filter string
		feat   feat
		want   bool
	}{
		// Basic CQL2: comparisons, logic, NULL, booleans.
		{"floors = 5", f(nil, "floors", int64(5)), true},
		{"floors <> 5", f(nil, "floors", int64(5)), false},
		{"floors < 5.5", f(nil, "floors", int64(5)), true},
		{"floors > 4.9", f(nil, "floors", int64(5)), true},
		{"floors >= 5 AND floors <= 5", f(nil, "floors", int64(5)), true},
		{"height = 5", f(nil, "height", 5.0), true},
		{"height = floors", f(nil, "height", 5.0, "floors", int64(5)), true},
		{"floors = 9007199254740993", f(nil, "floors", int64(9007199254740993)), true},
		{"floors = 9007199254740992", f(nil, "floors", int64(9007199254740993)), false},
		{"name = 'Toronto'", f(nil, "name", "Toronto"), true},
		{"name < 'b'", f(nil, "name", "a"), true},
		{"name = 'O''Brien'", f(nil, "name", "O'Brien"), true},
		{"pool = TRUE", f(nil, "pool", true), true},
		{"pool = false", f(nil, "pool", true), false},
		{"TRUE", f(nil), true},
		{"NOT FALSE", f(nil), true},
		{"name IS NULL", f(nil), true},
		{"name IS NOT NULL", f(nil), false},
		{"name IS NOT NULL", f(nil, "name", ""), true},
		{"geom IS NULL", f(nil), true},
		{"geom IS NOT NULL", f(orb.Point{1, 2}), true},
		// NULL is unknown, NOT unknown is unknown, OR/AND follow SQL.
		{"floors = 5", f(nil), false},
		{"NOT floors = 5", f(nil), false},
		{"floors = 5 OR TRUE", f(nil), true},
		{"NOT (floors = 5 AND FALSE)", f(nil), true},
		{"NOT (floors = 5 OR FALSE)", f(nil), false},
		{"floors = 5 OR floors <> 5", f(nil), false},
		// A malformed cached value is NULL, not a match.
		{"floors = 5", f(nil, "floors", "5"), false},
		{"(floors = 5) = TRUE", f(nil, "floors", int64(5)), true},
		{"(floors = 5) IS NULL", f(nil), true},
		// Advanced comparison operators.
		{"name LIKE 'Sm_th%'", f(nil, "name", "Smith & Co"), true},
		{"name LIKE 'sm%'", f(nil, "name", "Smith"), false},
		{"name LIKE '%th'", f(nil, "name", "Smith"), true},
		{"name LIKE '%mi%'", f(nil, "name", "Smith"), true},
		{"name LIKE 'Smith'", f(nil, "name", "Smith"), true},
		{"name LIKE '%i_h%'", f(nil, "name", "Smith"), true},
		{"name LIKE 'a%b%c'", f(nil, "name", "axxbyybzc"), true},
		{"name LIKE 'a%b%c'", f(nil, "name", "axxbyybzcd"), false},
		{"name LIKE '100\\%'", f(nil, "name", "100%"), true},
		{"name LIKE '100\\%'", f(nil, "name", "1000"), false},
		{"name LIKE 'a\\_b'", f(nil, "name", "a_b"), true},
		{"name LIKE 'a\\_b'", f(nil, "name", "axb"), false},
		{"name LIKE 'a\\\\b'", f(nil, "name", `a\b`), true},
		{"name LIKE '_'", f(nil, "name", "香"), true},
		{"name NOT LIKE 'S%'", f(nil, "name", "Smith"), false},
		{"name NOT LIKE 'S%'", f(nil), false},
		{"floors BETWEEN 3 AND 5", f(nil, "floors", int64(5)), true},
		{"floors BETWEEN 3 AND 4.99", f(nil, "floors", int64(5)), false},
		{"floors NOT BETWEEN 3 AND 4", f(nil, "floors", int64(5)), true},
		{"floors BETWEEN height AND 10", f(nil, "floors", int64(5)), false},
		{"name IN ('a', 'b')", f(nil, "name", "b"), true},
		{"name IN ('a', 'b')", f(nil, "name", "c"), false},
		{"name NOT IN ('a', 'b')", f(nil, "name", "c"), true},
		{"name NOT IN ('a', other)", f(nil, "name", "c"), false}, // other is NULL: unknown
		{"floors IN (1, 5.0)", f(nil, "floors", int64(5)), true},
		// CASEI / ACCENTI, nested and inside LIKE and IN.
		{"CASEI(name) = CASEI('STRASSE')", f(nil, "name", "Straße"), true},
		{"CASEI(name) = CASEI('Οδος')", f(nil, "name", "ΟΔΟΣ"), true},
		{"CASEI(name) = 'abc'", f(nil, "name", "ABC"), true},
		{"name = 'abc'", f(nil, "name", "ABC"), false},
		{"ACCENTI(name) = ACCENTI('debarquer')", f(nil, "name", "débárquér"), true},
		{"ACCENTI(name) = ACCENTI('papa')", f(nil, "name", "papá"), true},
		{"ACCENTI(name) = 'papa'", f(nil, "name", "Papá"), false},
		{"ACCENTI(CASEI(name)) = ACCENTI(CASEI('PAPA'))", f(nil, "name", "Papá"), true},
		{"CASEI(ACCENTI(name)) LIKE CASEI(ACCENTI('PÁP%'))", f(nil, "name", "papá"), true},
		{"CASEI(name) LIKE CASEI('%CALCUTTA%')", f(nil, "name", "Survey of Calcutta 1901"), true},
		{"CASEI(name) IN (CASEI('Οδος'), CASEI('Straße'))", f(nil, "name", "STRASSE"), true},
		{"ACCENTI(name) IN (ACCENTI('é'), 'x')", f(nil, "name", "e"), true},
		// Arithmetic.
		{"floors + 1 = 6", f(nil, "floors", int64(5)), true},
		{"floors - 1 * 2 = 3", f(nil, "floors", int64(5)), true},
		{"(floors - 1) * 2 = 8", f(nil, "floors", int64(5)), true},
		{"2 ^ 3 ^ 2 = 512", f(nil), true},
		{"-floors = -5", f(nil, "floors", int64(5)), true},
		{"- 2 ^ 2 = 4", f(nil), true},
		{"floors / 2 = 2.5", f(nil, "floors", int64(5)), true},
		{"floors div 2 = 2", f(nil, "floors", int64(5)), true},
		{"floors % 2 = 1", f(nil, "floors", int64(5)), true},
		{"height % 2 = 1.5", f(nil, "height", 5.5), true},
		{"floors / 0 = 1", f(nil, "floors", int64(5)), false},
		{"NOT floors / 0 = 1", f(nil, "floors", int64(5)), false},
		{"floors div 0 = 1", f(nil, "floors", int64(5)), false},
		{"floors % 0 = 1", f(nil, "floors", int64(5)), false},
		{"(floors / 0) IS NULL", f(nil, "floors", int64(5)), true},
		{"floors * 9223372036854775807 > 0", f(nil, "floors", int64(5)), true},
		{"height > width * 2", f(nil, "height", 5.0, "width", 2.0), true},
		// Property-property and literal-literal.
		{"name = other", f(nil, "name", "a", "other", "a"), true},
		{"'a' = name", f(nil, "name", "a"), true},
		{"1 < 2", f(nil), true},
		// Temporal.
		{"built = DATE('2020-01-02')", f(nil, "built", day("2020-01-02")), true},
		{"built < TIMESTAMP('2020-01-02T00:00:01Z')", f(nil, "built", day("2020-01-02")), true},
		{"seen = TIMESTAMP('2020-01-02T08:00:00+08:00')", f(nil, "seen", ts("2020-01-02T00:00:00Z")), true},
		{"T_BEFORE(built, DATE('2015-01-01'))", f(nil, "built", day("2014-12-31")), true},
		{"T_BEFORE(built, DATE('2015-01-01'))", f(nil, "built", day("2015-01-01")), false},
		{"T_AFTER(built, DATE('2012-06-05'))", f(nil, "built", day("2012-06-06")), true},
		{"T_EQUALS(built, DATE('2012-06-05'))", f(nil, "built", day("2012-06-05")), true},
		{"T_DISJOINT(built, INTERVAL('2012-01-01', '2012-12-31'))", f(nil, "built", day("2013-01-01")), true},
		{"T_INTERSECTS(built, INTERVAL('2012-01-01', '2012-12-31'))", f(nil, "built", day("2012-12-31")), true},
		{"T_INTERSECTS(seen, INTERVAL('..', '2012-12-31'))", f(nil, "seen", ts("1900-01-01T00:00:00Z")), true},
		{"T_INTERSECTS(seen, INTERVAL('2013-01-01', '..'))", f(nil, "seen", ts("2012-12-31T23:59:59.999Z")), false},
		{"T_DURING(INTERVAL(start, end), INTERVAL('2017-06-10T07:30:00Z', '2017-06-11T10:30:00Z'))",
			f(nil, "start", ts("2017-06-10T08:00:00Z"), "end", ts("2017-06-11T10:00:00Z")), true},
		{"T_DURING(INTERVAL(start, end), INTERVAL('2017-06-10T07:30:00Z', '2017-06-11T10:30:00Z'))",
			f(nil, "start", ts("2017-06-10T07:30:00Z"), "end", ts("2017-06-11T10:00:00Z")), false},
		{"T_DURING(INTERVAL(start, end), INTERVAL('2017-06-10T07:30:00Z', '2017-06-11T10:30:00Z'))",
			f(nil, "end", ts("2017-06-11T10:00:00Z")), false},
		{"T_STARTS(INTERVAL(start, end), INTERVAL('2000-01-01', '..'))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_STARTEDBY(INTERVAL('2000-01-01', '..'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_FINISHES(INTERVAL(start, end), INTERVAL('1999-01-01', '2001-01-01'))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_FINISHEDBY(INTERVAL('1999-01-01', '2001-01-01'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_MEETS(INTERVAL('1999-01-01', '2000-01-01'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_METBY(INTERVAL(start, end), INTERVAL('1999-01-01', '2000-01-01'))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_OVERLAPS(INTERVAL(start, end), INTERVAL('2000-06-01', '2001-06-01'))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_OVERLAPPEDBY(INTERVAL('2000-06-01', '2001-06-01'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_CONTAINS(INTERVAL('..', '..'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		{"T_CONTAINS(INTERVAL('2000-01-01', '..'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), false},
		{"T_EQUALS(INTERVAL('2000-01-01', '2001-01-01'), INTERVAL(start, end))", f(nil, "start", day("2000-01-01"), "end", day("2001-01-01")), true},
		// Arrays, as sets.
		{"A_EQUALS(tags, ('b', 'a', 'a'))", f(nil, "tags", []any{"a", "b"}), true},
		{"A_EQUALS(tags, ('a'))", f(nil, "tags", []any{"a", "b"}), false},
		{"A_CONTAINS(tags, ('a', 'b'))", f(nil, "tags", []any{"a", "b", "c"}), true},
		{"A_CONTAINS(tags, ('a', 'd'))", f(nil, "tags", []any{"a", "b", "c"}), false},
		{"A_CONTAINEDBY(tags, ('a', 'b', 'c'))", f(nil, "tags", []any{"a", "c"}), true},
		{"A_CONTAINEDBY(tags, ('a', 'b'))", f(nil, "tags", []any{"a", "c"}), false},
		{"A_OVERLAPS(tags, ('x', 'c'))", f(nil, "tags", []any{"a", "c"}), true},
		{"A_OVERLAPS(tags, ('x', 'y'))", f(nil, "tags", []any{"a", "c"}), false},
		{"A_OVERLAPS(tags, ())", f(nil, "tags", []any{"a", "c"}), false},
		{"A_CONTAINS(tags, (1, TRUE, DATE('2010-02-10')))", f(nil, "tags", []any{1.0, true, day("2010-02-10"), "z"}), true},
		{"A_CONTAINS(tags, (('a', 'b'), 3))", f(nil, "tags", []any{int64(3), []any{"b", "a"}}), true},
		{"A_EQUALS(tags, (name, 'b'))", f(nil, "tags", []any{"a", "b"}, "name", "a"), true},
		{"A_CONTAINS(tags, ('a'))", f(nil), false},
		{"NOT A_CONTAINS(tags, ('a'))", f(nil), false},
		// Spatial (exactness is checked against PostGIS in spatial_test.go).
		{"S_INTERSECTS(geom, POINT(1 1))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, POINT(2 1))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, POINT(3 1))", f(square(0, 0, 2, 2)), false},
		{"S_INTERSECTS(geom, BBOX(2, 2, 3, 3))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, BBOX(2.1, 2, 3, 3))", f(square(0, 0, 2, 2)), false},
		{"S_INTERSECTS(geom, BBOX(170, -10, -170, 10))", f(orb.Point{175, 0}), true},
		{"S_INTERSECTS(geom, BBOX(170, -10, -170, 10))", f(orb.Point{-175, 0}), true},
		{"S_INTERSECTS(geom, BBOX(170, -10, -170, 10))", f(orb.Point{0, 0}), false},
		{"S_INTERSECTS(geom, BBOX(0, 0, -5, 1, 1, 5))", f(orb.Point{0.5, 0.5}), true},
		{"S_INTERSECTS(geom, POLYGON Z ((0 0 1, 4 0 1, 4 4 1, 0 4 1, 0 0 1), (1 1 1, 3 1 1, 3 3 1, 1 3 1, 1 1 1)))", f(orb.Point{2, 2}), false},
		{"S_INTERSECTS(geom, POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 3 1, 3 3, 1 3, 1 1)))", f(orb.Point{0.5, 2}), true},
		{"S_INTERSECTS(geom, MULTIPOINT((5 5), (1 1)))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, MULTIPOINT(5 5, 6 6))", f(square(0, 0, 2, 2)), false},
		{"S_INTERSECTS(geom, LINESTRING(-1 1, 3 1))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, MULTILINESTRING((5 5, 6 6), (-1 -1, 0 0)))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, MULTIPOLYGON(((5 5, 6 5, 6 6, 5 5)), ((1 1, 1.5 1, 1.5 1.5, 1 1))))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(9 9), LINESTRING(1 -1, 1 3)))", f(square(0, 0, 2, 2)), true},
		{"S_INTERSECTS(geom, GEOMETRYCOLLECTION(POINT(9 9), GEOMETRYCOLLECTION(POINT(8 8))))", f(square(0, 0, 2, 2)), false},
		{"S_INTERSECTS(geom, POINT(1 1))", f(nil), false},
		{"NOT S_INTERSECTS(geom, POINT(1 1))", f(nil), false},
		{"S_DISJOINT(geom, POINT(3 3))", f(square(0, 0, 2, 2)), true},
		{"S_CONTAINS(geom, POINT(1 1))", f(square(0, 0, 2, 2)), true},
		{"S_CONTAINS(geom, POINT(2 1))", f(square(0, 0, 2, 2)), false},
		{"S_WITHIN(geom, BBOX(0, 0, 2, 2))", f(orb.Point{1, 1}), true},
		{"S_WITHIN(geom, BBOX(0, 0, 2, 2))", f(orb.Point{0, 1}), false},
		{"S_WITHIN(POINT(1 1), geom)", f(square(0, 0, 2, 2)), true},
		{"S_TOUCHES(geom, POINT(2 1))", f(square(0, 0, 2, 2)), true},
		{"S_TOUCHES(geom, POLYGON((2 0, 3 0, 3 2, 2 2, 2 0)))", f(square(0, 0, 2, 2)), true},
		{"S_OVERLAPS(geom, POLYGON((1 1, 3 1, 3 3, 1 3, 1 1)))", f(square(0, 0, 2, 2)), true},
		{"S_CROSSES(geom, LINESTRING(-1 1, 3 1))", f(square(0, 0, 2, 2)), true},
		{"S_EQUALS(geom, POLYGON((2 2, 0 2, 0 0, 2 0, 2 2)))", f(square(0, 0, 2, 2)), true},
		{"S_EQUALS(POINT(1 2), POINT(1 2))", f(nil), true},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := ParseText(tc.filter, Limits{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			checkRoundTrip(t, e)
			for _, enc := range []string{"text", "json"} {
				if enc == "json" {
					if e, err = ParseJSON(JSON(e), Limits{}); err != nil {
						t.Fatalf("parse JSON: %v", err)
					}
				}
				f, err := Compile(e, testSchema, Options{})
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				if got := f.Match(tc.feat.p, tc.feat.g); got != tc.want {
					t.Errorf("%s: Match = %v, want %v (props %v, geometry %v)", enc, got, tc.want, tc.feat.p, tc.feat.g)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ filter, want string }{
		{"floors = 'tall'", `property "floors" is an integer; 'tall' is a string`},
		{"'tall' = floors", `'tall' is a string; property "floors" is an integer`},
		{"nope = 1", `unknown property "nope"`},
		{"meta = 'x'", `property "meta" is of type json and cannot be used in a filter`},
		{"avg(floors) < 4", `unknown function "avg"`},
		{"Foo(geom) = TRUE", `unknown function "Foo"`},
		{"Foo(geom)", `unknown function "Foo"`},
		{"name LIKE 'a%' AND floors LIKE 'x'", `LIKE needs a string: property "floors" is an integer`},
		{"floors BETWEEN name AND 3", `BETWEEN needs numbers: property "name" is a string`},
		{"name IN ('a', 1)", `property "name" is a string; 1 is a number`},
		{"pool < TRUE", `booleans can only be compared with = and <>: property "pool" is a boolean`},
		{"CASEI(floors) = 'a'", `CASEI needs a string: property "floors" is an integer`},
		{"name + 1 = 2", `arithmetic needs numbers: property "name" is a string`},
		{"S_INTERSECTS(name, POINT(1 1))", `S_INTERSECTS needs geometries: property "name" is a string`},
		{"T_BEFORE(floors, DATE('2020-01-01'))", `T_BEFORE needs instants or intervals: property "floors" is an integer`},
		{"T_DURING(built, INTERVAL('2020-01-01', '..'))", `T_DURING is defined for intervals only: property "built" is a date`},
		{"T_MEETS(INTERVAL(start, end), DATE('2020-01-01'))", `T_MEETS is defined for intervals only: DATE('2020-01-01') is a date`},
		{"T_AFTER(INTERVAL(floors, end), DATE('2020-01-01'))", `INTERVAL needs instants: property "floors" is an integer`},
		{"A_CONTAINS(name, ('a'))", `A_CONTAINS needs two arrays; property "name" is a string`},
		{"built = TIMESTAMP('2020-01-01T00:00:00Z') AND built = 3", `property "built" is a date; 3 is a number`},
		{"geom = 3", `property "geom" is a geometry; 3 is a number`},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := ParseText(tc.filter, Limits{})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = Compile(e, testSchema, Options{})
			var ce *Error
			if !errorsAs(err, &ce) {
				t.Fatalf("Compile error = %v (%T), want *Error", err, err)
			}
			if ce.Msg != tc.want {
				t.Errorf("got  %s\nwant %s", ce.Msg, tc.want)
			}
		})
	}
}

func TestProperties(t *testing.T) {
	f := mustCompile(t, "floors > 1 AND (name = other OR floors < 3) AND S_INTERSECTS(geom, POINT(0 0))", testSchema)
	got, _ := json.Marshal(f.Properties())
	if string(got) != `["floors","name","other","geom"]` {
		t.Errorf("Properties = %s", got)
	}
}
