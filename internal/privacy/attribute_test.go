package privacy

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// maskOf compiles one rule for a field of type ft and returns its masker.
func maskOf(t *testing.T, ft layer.FieldType, rule string) fieldMask {
	t.Helper()
	r, err := parseAttrRule(rule)
	if err != nil {
		t.Fatal(err)
	}
	fm, ok, err := compileField(layer.Field{Name: "f", Type: ft}, 0, r, subkey(testKey, "attribute"))
	if err != nil || !ok {
		t.Fatalf("%s on %s: %v, kept %v", rule, ft, err, ok)
	}
	return fm
}

func TestGeneraliseIntegers(t *testing.T) {
	cases := []struct {
		rule string
		in   any
		want any
	}{
		{"generalise", int64(78), "70–79"},
		{"generalise", int64(70), "70–79"},
		{"generalise", int64(79), "70–79"},
		{"generalise", int64(0), "0–9"},
		{"generalise", int64(-1), "-10–-1"},
		{"generalise", int64(-10), "-10–-1"},
		{"generalise:5", int64(78), "75–79"},
		{"generalise:100", int64(1234), "1200–1299"},
		{"generalise", float64(78), "70–79"}, // a store that reads integers as floats
		{"generalise", int(78), "70–79"},
		{"generalise", float64(78.5), nil}, // not an integer: fail closed
		{"generalise", "78", nil},
		{"generalise", nil, nil},
		{"generalise", int64(math.MaxInt64), "9223372036854775800–9223372036854775809"},
		{"generalise", int64(math.MinInt64), "-9223372036854775810–-9223372036854775801"},
		{"generalise:7", int64(math.MaxInt64), "9223372036854775807–9223372036854775813"},
		{"generalise:7", int64(math.MaxInt64 - 3), "9223372036854775800–9223372036854775806"},
	}
	for _, c := range cases {
		fm := maskOf(t, layer.Integer, c.rule)
		if got := fm.mask(c.in); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.rule, c.in, got, c.want)
		}
		if fm.field.Type != layer.String {
			t.Errorf("%s: masked type %s, want string", c.rule, fm.field.Type)
		}
	}
}

// TestIntegerBandsCover: every integer falls in exactly the band whose
// label it is given, for a range of widths and values.
func TestIntegerBandsCover(t *testing.T) {
	for _, w := range []int64{2, 3, 7, 10, 25} {
		for n := int64(-100); n <= 100; n++ {
			var lo, hi int64
			label := integerBand(n, w)
			if _, err := parseBand(label, &lo, &hi); err != nil {
				t.Fatalf("band %q: %v", label, err)
			}
			if n < lo || n > hi || hi-lo != w-1 || (lo%w+w)%w != 0 {
				t.Fatalf("integerBand(%d, %d) = %q", n, w, label)
			}
		}
	}
}

func TestGeneraliseNumbers(t *testing.T) {
	cases := []struct {
		rule string
		in   any
		want any
	}{
		{"generalise", 78.4, "70–80"},
		{"generalise", 80.0, "80–90"},
		{"generalise", -0.5, "-10–0"},
		{"generalise:0.5", 1.26, "1.0–1.5"},
		{"generalise:0.1", 0.3, "0.3–0.4"},
		{"generalise:0.05", 1.15, "1.15–1.20"},
		{"generalise:2.5", 7.5, "7.5–10.0"},
		{"generalise", int64(78), "70–80"},
		{"generalise", math.NaN(), nil},
		{"generalise", math.Inf(1), nil},
		{"generalise", math.MaxFloat64, nil},
		{"generalise", "78", nil},
		{"generalise", nil, nil},
	}
	for _, c := range cases {
		fm := maskOf(t, layer.Number, c.rule)
		if got := fm.mask(c.in); got != c.want {
			t.Errorf("%s(%v) = %v, want %v", c.rule, c.in, got, c.want)
		}
	}
}

func TestGeneraliseDates(t *testing.T) {
	day := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	// 20:30 UTC on 31 March is already 1 April in Hong Kong.
	late := time.Date(2024, 3, 31, 20, 30, 0, 0, time.UTC)
	cases := []struct {
		ft   layer.FieldType
		rule string
		in   any
		want any
	}{
		{layer.Date, "generalise", day, "2024-03"},
		{layer.Date, "generalise:month", day, "2024-03"},
		{layer.Date, "generalise:year", day, "2024"},
		{layer.DateTime, "generalise", late, "2024-04"},
		{layer.DateTime, "generalise:day", late, "2024-04-01"},
		{layer.DateTime, "generalise:year", time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC), "2025"},
		{layer.Date, "generalise", "2024-03-05", nil},
		{layer.Date, "generalise", nil, nil},
	}
	for _, c := range cases {
		fm := maskOf(t, c.ft, c.rule)
		if got := fm.mask(c.in); got != c.want {
			t.Errorf("%s on %s (%v) = %v, want %v", c.rule, c.ft, c.in, got, c.want)
		}
		if fm.field.Type != layer.String {
			t.Errorf("masked type %s, want string", fm.field.Type)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, ft := range []layer.FieldType{layer.String, layer.Integer, layer.Number, layer.Boolean, layer.Date, layer.DateTime, layer.JSON, layer.Array} {
		fm := maskOf(t, ft, "redact")
		// A null is masked too: a null left null would tell who has a value.
		for _, v := range []any{"secret", int64(7), 1.5, true, time.Now(), json.RawMessage(`{"a":1}`), []any{"x"}, nil} {
			if got := fm.mask(v); got != "***" {
				t.Errorf("redact on %s (%v) = %v", ft, v, got)
			}
		}
		if fm.field.Type != layer.String || !strings.Contains(fm.field.Title.En, "withheld") {
			t.Errorf("redacted field published as %+v", fm.field)
		}
	}
}

func TestHash(t *testing.T) {
	fm := maskOf(t, layer.String, "hash")
	a, b := fm.mask("A123456(7)"), fm.mask("A123456(7)")
	if a != b {
		t.Errorf("hash not stable: %v, %v", a, b)
	}
	s, ok := a.(string)
	if !ok || !strings.HasPrefix(s, hashPrefix) || len(s) != len(hashPrefix)+pseudonymLen || strings.Contains(s, "123456") {
		t.Errorf("hash = %v", a)
	}
	if fm.mask("A123456(8)") == a {
		t.Error("different values hash alike")
	}
	if fm.mask(nil) != nil || fm.mask(1.5) != nil {
		t.Error("a null or a non-integer number must hash to null")
	}
	// Joinable: the integer 42 in one layer and the text "42" in another.
	ints := maskOf(t, layer.Integer, "hash")
	if ints.mask(int64(42)) != fm.mask("42") {
		t.Error("the integer 42 and the text 42 hash differently: layers would not join")
	}
	// Keyed: another key gives unrelated pseudonyms.
	r, _ := parseAttrRule("hash")
	other, _, _ := compileField(layer.Field{Name: "f", Type: layer.String}, 0, r, subkey([]byte("another key, 16+ bytes"), "attribute"))
	if other.mask("A123456(7)") == a {
		t.Error("the hash does not depend on the key")
	}
}

// TestFieldTypeMismatch: rules that cannot apply to a type are refused.
func TestFieldTypeMismatch(t *testing.T) {
	cases := []struct {
		ft   layer.FieldType
		rule string
		want error
	}{
		{layer.Integer, "partial", ErrTypeMismatch},
		{layer.Number, "hash", ErrTypeMismatch},
		{layer.Boolean, "hash", ErrTypeMismatch},
		{layer.Date, "hash", ErrTypeMismatch},
		{layer.Boolean, "generalise", ErrTypeMismatch},
		{layer.String, "generalise", ErrTypeMismatch},
		{layer.JSON, "generalise", ErrTypeMismatch},
		{layer.Array, "partial", ErrTypeMismatch},
		{layer.Integer, "generalise:month", ErrTypeMismatch},
		{layer.Number, "generalise:year", ErrTypeMismatch},
		{layer.Date, "generalise:10", ErrTypeMismatch},
		{layer.Date, "generalise:day", ErrContradiction},
		{layer.Integer, "generalise:1", ErrBadParameter},
		{layer.Integer, "generalise:2.5", ErrBadParameter},
	}
	for _, c := range cases {
		r, err := parseAttrRule(c.rule)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := compileField(layer.Field{Name: "f", Type: c.ft}, 0, r, nil); !errors.Is(err, c.want) {
			t.Errorf("%s on %s: error %v, want %v", c.rule, c.ft, err, c.want)
		}
	}
}

// parseBand reads an integer band label "lo–hi".
func parseBand(label string, lo, hi *int64) (int, error) {
	a, b, ok := strings.Cut(label, "–")
	if !ok {
		return 0, errors.New("no dash")
	}
	var err error
	if *lo, err = strconv.ParseInt(a, 10, 64); err != nil {
		return 0, err
	}
	*hi, err = strconv.ParseInt(b, 10, 64)
	return 2, err
}
