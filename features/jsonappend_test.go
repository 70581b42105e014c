package features

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

var stringCases = []string{
	"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
	"中文 香港", "emoji 🗺️", "\u2028\u2029", "bad \xff utf8 \xe4\xb8", "<script>&amp;</script>", "a\x00b",
}

// appendString writes valid JSON that decodes to what encoding/json would
// decode its own encoding to: invalid UTF-8 as U+FFFD, everything else kept.
func TestAppendString(t *testing.T) {
	for _, s := range stringCases {
		checkString(t, s)
	}
	if got := string(appendString(nil, "a\u2028b\"\n\x01")); got != `"a\u2028b\"\n\u0001"` {
		t.Errorf("escapes: %s", got)
	}
}

func checkString(t *testing.T, s string) {
	t.Helper()
	out := appendString(nil, s)
	var got string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%q → %s: invalid JSON: %v", s, out, err)
	}
	ref, _ := json.Marshal(s)
	var want string
	_ = json.Unmarshal(ref, &want)
	if got != want {
		t.Errorf("%q → %s decodes to %q, want %q", s, out, got, want)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(checkString)
}

func TestAppendCoord(t *testing.T) {
	for v, want := range map[float64]string{
		0: "0", math.Copysign(0, -1): "0", -1e-10: "0", 114.17: "114.17", -180: "-180", 22.3: "22.3",
		114.17000000000002: "114.17", 1e-10: "0", -0.5: "-0.5", 0.000000001: "0.000000001",
		-22.123456789: "-22.123456789", 179.9999999996: "180",
	} {
		if got := string(appendCoord(nil, v)); got != want {
			t.Errorf("appendCoord(%v) = %s, want %s", v, got, want)
		}
	}
	// Walks a range: the fast formatting equals the shortest form of the
	// rounded value.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		v := (rng.Float64()*2 - 1) * 180
		want := strconv.FormatFloat(math.Round(v*1e9)/1e9, 'f', -1, 64)
		if got := string(appendCoord(nil, v)); got != want {
			t.Fatalf("appendCoord(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestAppendValue(t *testing.T) {
	ts := time.Date(2024, 5, 1, 8, 0, 0, 500, time.FixedZone("HKT", 8*3600))
	tests := []struct {
		v    any
		typ  layer.FieldType
		want string
	}{
		{nil, layer.String, "null"},
		{"x", layer.String, `"x"`},
		{int64(-3), layer.Integer, "-3"},
		{1.5, layer.Number, "1.5"},
		{1e21, layer.Number, "1e+21"},
		{1e-7, layer.Number, "1e-07"},
		{math.NaN(), layer.Number, "null"},
		{math.Inf(1), layer.Number, "null"},
		{true, layer.Boolean, "true"},
		{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), layer.Date, `"2024-05-01"`},
		{ts, layer.DateTime, `"2024-05-01T00:00:00.0000005Z"`},
		{json.RawMessage(`{"a": [1, 2]}`), layer.JSON, `{"a": [1, 2]}`},
		{json.RawMessage(`{broken`), layer.JSON, `"{broken"`},
		{json.RawMessage(nil), layer.JSON, "null"},
		{[]any{"a", int64(1), nil, 2.5}, layer.Array, `["a",1,null,2.5]`},
		{[]any{time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}, layer.Date, `["2024-05-01"]`},
		{map[string]int{"k": 1}, layer.JSON, `{"k":1}`},
		{make(chan int), layer.JSON, "null"},
	}
	for _, tc := range tests {
		got := string(appendValue(nil, tc.v, tc.typ))
		if got != tc.want {
			t.Errorf("appendValue(%#v, %s) = %s, want %s", tc.v, tc.typ, got, tc.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("appendValue(%#v) is not JSON: %s", tc.v, got)
		}
	}
}

func TestAppendTimes(t *testing.T) {
	hkt := time.FixedZone("HKT", 8*3600)
	for _, tm := range []time.Time{
		time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 5, 1, 7, 8, 9, 120000000, hkt),
		time.Date(2024, 5, 1, 7, 8, 9, 1, hkt),
		time.Date(-5, 5, 1, 7, 8, 9, 1, time.UTC),
		time.Date(12345, 5, 1, 7, 8, 9, 1, time.UTC),
	} {
		if got, want := string(appendDate(nil, tm)), tm.Format(time.DateOnly); got != want {
			t.Errorf("appendDate %s, want %s", got, want)
		}
		if got, want := string(appendDateTime(nil, tm)), tm.UTC().Format(time.RFC3339Nano); got != want {
			t.Errorf("appendDateTime %s, want %s", got, want)
		}
	}
}
