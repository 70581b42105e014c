package gpkg

import (
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// encodeInSQLite stores values as one row and returns the old_props the
// triggers would write for it, computed by SQLite itself.
func encodeInSQLite(t testing.TB, db *sql.DB, values []any) string {
	t.Helper()
	cols := make([]string, len(values))
	for i := range values {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	if _, err := db.Exec(`DROP TABLE IF EXISTS r`); err != nil {
		t.Fatal(err)
	}
	// No declared types: every value keeps its storage class.
	if _, err := db.Exec(fmt.Sprintf("CREATE TABLE r (%s)", strings.Join(cols, ", "))); err != nil {
		t.Fatal(err)
	}
	marks := strings.Repeat(", ?", len(values))[2:]
	if _, err := db.Exec(fmt.Sprintf("INSERT INTO r VALUES (%s)", marks), values...); err != nil {
		t.Fatal(err)
	}
	var out string
	if err := db.QueryRow(fmt.Sprintf("SELECT %s FROM r", oldPropsSQL(cols, "r."))).Scan(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func scratchDB(t testing.TB) *sql.DB {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "scratch.gpkg"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.db
}

// TestOldPropsRoundTrip stores values of every storage class in SQLite,
// has SQLite write them as old_props, and reads them back: every value
// must come back with its type and, for REALs, its exact bits.
func TestOldPropsRoundTrip(t *testing.T) {
	db := scratchDB(t)
	special := []any{nil, int64(0), int64(math.MinInt64), int64(math.MaxInt64), 0.1 + 0.2, -0.0, 1e300,
		math.SmallestNonzeroFloat64, math.MaxFloat64, math.Inf(-1), "", "中文 'quoted' \"double\" \\ \n\t\u0000end",
		[]byte{}, []byte{0, 1, 2, 0xff}, 5.0, "5", "{\"r\":\"1\"}"}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		switch rnd.IntN(4) {
		case 0:
			special = append(special, rnd.Int64()-rnd.Int64())
		case 1:
			special = append(special, math.Float64frombits(rnd.Uint64()))
		case 2:
			special = append(special, rnd.NormFloat64()*math.Pow(10, float64(rnd.IntN(40)-20)))
		case 3:
			r := make([]rune, rnd.IntN(8))
			for i := range r {
				r[i] = rune(rnd.IntN(0x3000))
			}
			special = append(special, strings.ToValidUTF8(string(r), "?"))
		}
	}
	for start := 0; start < len(special); start += 70 { // over one chunk, too
		values := special[start:min(start+70, len(special))]
		var stored []any
		for _, v := range values {
			if f, ok := v.(float64); ok && math.IsNaN(f) {
				v = nil // SQLite stores NaN as NULL
			}
			stored = append(stored, v)
		}
		enc := encodeInSQLite(t, db, stored)
		got, err := decodeOldProps(enc)
		if err != nil {
			t.Fatalf("decoding %s: %v", enc, err)
		}
		for i, want := range stored {
			v := got[fmt.Sprintf("c%d", i)]
			if f, ok := want.(float64); ok {
				g, ok := v.(float64)
				if !ok || math.Float64bits(g) != math.Float64bits(f) {
					t.Errorf("c%d: %#v came back as %#v (%s)", i, f, v, enc)
				}
				continue
			}
			if !reflect.DeepEqual(v, want) {
				t.Errorf("c%d: %#v came back as %#v (%s)", i, want, v, enc)
			}
		}
	}
}

// FuzzDecodeOldProps feeds old_props as anyone editing the GeoPackage
// could leave it: decoding must fail cleanly or yield only the Go types of
// SQL values. The seeds are what SQLite's own triggers write.
func FuzzDecodeOldProps(f *testing.F) {
	db := scratchDB(f)
	f.Add(encodeInSQLite(f, db, []any{int64(1), "name 中", 0.1 + 0.2, []byte{1, 2}, nil}))
	f.Add(encodeInSQLite(f, db, []any{math.Inf(1), "", int64(-5)}))
	many := make([]any, 65)
	for i := range many {
		many[i] = int64(i)
	}
	f.Add(encodeInSQLite(f, db, many))
	f.Add(`{"a":{"r":"1e999"},"b":{"x":"zz"}}`)
	f.Add(`[{"a":1},[2]]`)
	f.Add(`{"a":1.5}`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := decodeOldProps(s)
		if err != nil {
			return
		}
		for k, v := range m {
			switch v.(type) {
			case nil, int64, float64, string, []byte:
			default:
				t.Fatalf("column %q decoded to a %T", k, v)
			}
		}
	})
}

// TestOldPropsInvalidUTF8 pins the one loss: text that is not UTF-8 (which
// a GeoPackage may not hold, and JSON output could not carry) comes back
// with U+FFFD for its bad bytes rather than failing the history.
func TestOldPropsInvalidUTF8(t *testing.T) {
	db := scratchDB(t)
	got, err := decodeOldProps(encodeInSQLite(t, db, []any{"ok \xff\xfe end"}))
	if err != nil {
		t.Fatal(err)
	}
	if got["c0"] != "ok \ufffd\ufffd end" {
		t.Errorf("invalid UTF-8 decoded as %q", got["c0"])
	}
}
