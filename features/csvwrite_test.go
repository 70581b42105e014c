package features

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
)

// TestCSVFieldsAsEncodingCSV checks the appender against encoding/csv on
// fields with every character that matters to quoting.
func TestCSVFieldsAsEncodingCSV(t *testing.T) {
	fields := []string{"", " ", "a", " a", "a ", "\ta", "\u00a0x", "\u3000中", "a,b", `a"b`, "a\nb", "a\r\nb", `\.`, `\.x`, `"`, "中環", "x\x85"}
	rng := rand.New(rand.NewPCG(6, 6))
	alphabet := []string{"a", " ", ",", `"`, "\r", "\n", "\\", ".", "中", "\u2028", "\t"}
	for range 2000 {
		var b strings.Builder
		for range rng.IntN(6) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		fields = append(fields, b.String())
	}
	for _, f := range fields {
		var want bytes.Buffer
		w := csv.NewWriter(&want)
		_ = w.Write([]string{f, "x"})
		w.Flush()
		got := appendCSVField(nil, f)
		got = append(got, ",x\n"...)
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("field %q: got %q, encoding/csv %q", f, got, want.Bytes())
		}
		if g := appendCSVField(nil, []byte(f)); !bytes.Equal(g, got[:len(got)-3]) {
			t.Fatalf("field %q as bytes: %q", f, g)
		}
	}
}

// TestCSVRowValues checks values and WKT in a row, read back with
// encoding/csv.
func TestCSVRowValues(t *testing.T) {
	f := &cache.Feature{ID: cache.StrID("a,b"), Props: []any{
		nil, "x", int64(-3), 2.5, true, day("2024-05-01"), instant("2024-05-01T08:00:00.5Z"),
		json.RawMessage(`{"a":"b"}`), []any{"p", int64(1)},
	}, Geom: orb.LineString{{0.5, 0.5}, {0.6, 0.6}}}
	fields := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	row, _ := appendCSVRow(nil, nil, f, fields, false, crs.Transform(func(x, y float64) (float64, float64) { return x, y }))
	got, err := csv.NewReader(bytes.NewReader(row)).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a,b", "", "x", "-3", "2.5", "true", "2024-05-01", "2024-05-01T08:00:00.5Z", `{"a":"b"}`, `["p",1]`, "LINESTRING(0.5 0.5,0.6 0.6)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("row %q\nread %q\nwant %q", row, got, want)
	}
	point := &cache.Feature{ID: cache.NumID(7), Geom: orb.Point{1, 2}}
	if row, _ := appendCSVRow(nil, nil, point, nil, false, func(x, y float64) (float64, float64) { return x, y }); string(row) != "7,POINT(1 2)\n" {
		t.Errorf("point row %q: a WKT without a comma is not quoted, as encoding/csv does", row)
	}
}

// TestCSVRowAllocatesNothing: a download's rows make no garbage.
func TestCSVRowAllocatesNothing(t *testing.T) {
	f := &cache.Feature{ID: cache.NumID(123456), Props: []any{"Tower, A", int64(42), 3.25, day("2024-05-01"), true},
		Geom: orb.Polygon{{{0.81, 0.45}, {0.82, 0.45}, {0.82, 0.46}, {0.81, 0.45}}}}
	toOut := defaultCRS.fromWorldXY()
	buf, scratch := make([]byte, 0, 4096), make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		buf, scratch = appendCSVRow(buf[:0], scratch, f, []int{0, 1, 2, 3, 4}, false, toOut)
	})
	if allocs != 0 {
		t.Errorf("a CSV row allocates %v times", allocs)
	}
}
