package cql2

import (
	"errors"
	"strings"
	"testing"
)

func TestStringDates(t *testing.T) {
	tests := []struct{ src, want string }{
		{"built = '2020-01-01'", "built = DATE('2020-01-01')"},
		{"built = '2020-01-01T'", "built = DATE('2020-01-01')"},
		{"'2020-01-01T' < built", "DATE('2020-01-01') < built"},
		{"seen >= '2020-01-01T10Z'", "seen >= TIMESTAMP('2020-01-01T10:00:00Z')"},
		{"seen <> '2020-01-01T10:30Z'", "seen <> TIMESTAMP('2020-01-01T10:30:00Z')"},
		{"seen <= '2020-01-01T10:30:15.5+08:00'", "seen <= TIMESTAMP('2020-01-01T02:30:15.5Z')"},
		{"seen > '2020-01-01'", "seen > DATE('2020-01-01')"},
		{"(name = 'x') AND (NOT (built > '2020-01-01T') OR seen IS NULL)",
			"name = 'x' AND (NOT built > DATE('2020-01-01') OR seen IS NULL)"},
		// Only string literals against date or timestamp properties change.
		{"name = '2020-01-01'", "name = '2020-01-01'"},
		{"built = DATE('2020-01-01')", "built = DATE('2020-01-01')"},
		{"built = other", "built = other"},
		{"T_AFTER(built, DATE('2020-01-01'))", "T_AFTER(built, DATE('2020-01-01'))"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			e, err := StringDates(mustParse(t, tc.src), testSchema)
			if err != nil {
				t.Fatal(err)
			}
			if got := Text(e); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if _, err := Compile(e, testSchema, Options{}); err != nil && !strings.Contains(tc.src, "other") {
				t.Errorf("compile: %v", err)
			}
		})
	}
	for _, src := range []string{"built = 'tomorrow'", "seen < '2020-02-30T00:00:00Z'", "NOT (built = '2020-1-1')", "'10:00' = seen"} {
		_, err := StringDates(mustParse(t, src), testSchema)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want *Error", src, err)
		}
	}
}

// ILIKE, GDAL's case-insensitive LIKE, is cql-text only, and reads as
// CASEI on both sides.
func TestLegacyILike(t *testing.T) {
	for src, want := range map[string]string{
		"name ILIKE 'lang%'":           "CASEI(name) LIKE CASEI('lang%')",
		"(name NOT ILIKE 'x_') OR a=1": "NOT CASEI(name) LIKE CASEI('x_') OR a = 1",
	} {
		e, err := ParseLegacyText(src, Limits{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := Text(e); got != want {
			t.Errorf("%s: got %s, want %s", src, got, want)
		}
	}
	if _, err := ParseText("name ILIKE 'x'", Limits{}); err == nil {
		t.Error("cql2-text took ILIKE, which is not CQL2")
	}
}
