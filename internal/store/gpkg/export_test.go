package gpkg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// exported writes recs through Export and opens the bytes as a
// GeoPackage.
func exported(t *testing.T, l *layer.Layer, recs iter.Seq2[store.Record, error]) *Store {
	t.Helper()
	var buf bytes.Buffer
	n, err := Export(context.Background(), &buf, l, recs)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Export reported %d bytes, wrote %d", n, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "out.gpkg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func loadExported(t *testing.T, s *Store) []store.Record {
	t.Helper()
	layers, err := s.Layers(context.Background())
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %v, %v", layers, err)
	}
	var got []store.Record
	if err := s.Load(context.Background(), &layers[0], func(r store.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestExport writes each store fixture through Export and reads it back:
// one self-contained file with every record as it was given.
func TestExport(t *testing.T) {
	for _, fx := range storetest.Fixtures() {
		t.Run(fx.Layer.ID, func(t *testing.T) {
			got := loadExported(t, exported(t, &fx.Layer, storetest.Seq(fx.Records)))
			if len(got) != len(fx.Records) {
				t.Fatalf("%d records back, want %d", len(got), len(fx.Records))
			}
			for i := range got {
				if fmt.Sprint(got[i].ID) != fmt.Sprint(fx.Records[i].ID) {
					t.Errorf("record %d id %v, want %v", i, got[i].ID, fx.Records[i].ID)
				}
				if !storetest.GeometryEqual(got[i].Geometry, fx.Records[i].Geometry, 1e-9) {
					t.Errorf("record %d geometry %v, want %v", i, got[i].Geometry, fx.Records[i].Geometry)
				}
				if fmt.Sprint(got[i].Props) != fmt.Sprint(fx.Records[i].Props) {
					t.Errorf("record %d props %v, want %v", i, got[i].Props, fx.Records[i].Props)
				}
			}
		})
	}
}

// TestExportIndex checks the streamed spatial index with SQLite's
// rtreecheck() and against a scan, at sizes around a node's capacity (51
// cells) and over several levels, and the extent registered for the table.
func TestExportIndex(t *testing.T) {
	for _, n := range []int{1, 2, 50, 51, 52, 51 * 51, 51*51 + 1, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			recs := boxes(n, uint64(n))
			if n > 1 {
				recs[n/2].Geometry = nil // no cell
			}
			s := exported(t, boxLayer(), seq(recs))
			checkRTree(t, s, recs)
			var minX, maxX float64
			if err := s.db.QueryRow(`SELECT min_x, max_x FROM gpkg_contents WHERE table_name = 'boxes'`).Scan(&minX, &maxX); err != nil {
				t.Fatal(err)
			}
			want := newEnvelope()
			for _, r := range recs {
				if r.Geometry != nil {
					want.add(r.Geometry)
				}
			}
			if minX != want.min[0] || maxX != want.max[0] {
				t.Errorf("extent x %v..%v, want %v..%v", minX, maxX, want.min[0], want.max[0])
			}
		})
	}
}

// TestExportTriggers: the file keeps the spec's triggers, so that an edit
// made with SQL afterwards, as QGIS makes it, keeps the index right.
func TestExportTriggers(t *testing.T) {
	recs := boxes(3000, 7)
	s := exported(t, boxLayer(), seq(recs))
	moved := orb.Bound{Min: orb.Point{20000, 20000}, Max: orb.Point{20001, 20002}}.ToPolygon()
	blob, _ := EncodeGeometry(moved, 4326)
	if _, err := s.db.Exec(`UPDATE boxes SET geom = ? WHERE id = 10`, blob); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`DELETE FROM boxes WHERE id BETWEEN 13 AND 99`); err != nil {
		t.Fatal(err)
	}
	recs[9].Geometry = moved
	recs = slices.Delete(recs, 12, 99)
	checkRTree(t, s, recs)
}

func TestExportStringIDs(t *testing.T) {
	l := &layer.Layer{ID: "named", Source: layer.Source{Table: "named", IDColumn: "code", SRID: 4326},
		GeometryType: layer.Point, Fields: []layer.Field{{Name: "n", Type: layer.Integer}}}
	var recs []store.Record
	for i := range 300 {
		recs = append(recs, store.Record{ID: fmt.Sprintf("k%03d", i), Geometry: orb.Point{float64(i), 1}, Props: []any{int64(i)}})
	}
	got := loadExported(t, exported(t, l, seq(recs)))
	if len(got) != len(recs) {
		t.Fatalf("%d records back, want %d", len(got), len(recs))
	}
	for i := range got {
		if got[i].ID != recs[i].ID || got[i].Props[0] != recs[i].Props[0] {
			t.Fatalf("record %d: %v %v, want %v %v", i, got[i].ID, got[i].Props, recs[i].ID, recs[i].Props)
		}
	}
}

// TestExportErrors: a bad record or a failing source after the first
// fails the export with the record named, as WriteLayer does.
func TestExportErrors(t *testing.T) {
	boom := errors.New("source failed")
	tests := map[string]struct {
		recs func() iter.Seq2[store.Record, error]
		want string
	}{
		"source error": {func() iter.Seq2[store.Record, error] {
			return func(yield func(store.Record, error) bool) {
				for _, r := range boxes(5, 1) {
					if !yield(r, nil) {
						return
					}
				}
				yield(store.Record{}, boom)
			}
		}, "after 5 records"},
		"geometry type": {func() iter.Seq2[store.Record, error] {
			recs := boxes(5, 1)
			recs[3].Geometry = orb.Point{1, 2}
			return seq(recs)
		}, "record 3"},
		"id kind": {func() iter.Seq2[store.Record, error] {
			recs := boxes(5, 1)
			recs[2].ID = "x"
			return seq(recs)
		}, "first record had"},
		"duplicate id": {func() iter.Seq2[store.Record, error] {
			recs := boxes(5, 1)
			recs[4].ID = recs[1].ID
			return seq(recs)
		}, "UNIQUE"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Export(context.Background(), io.Discard, boxLayer(), tc.recs())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Export: %v, want an error mentioning %q", err, tc.want)
			}
			if name == "source error" && !errors.Is(err, boom) {
				t.Errorf("Export: %v does not wrap the source's error", err)
			}
		})
	}
}

// reusedBoxes yields n boxes through one record, as a download does,
// with ids boxed beforehand (a download boxes each, 8 bytes, on its side).
func reusedBoxes(n int) iter.Seq2[store.Record, error] {
	ids := make([]any, n)
	for i := range ids {
		ids[i] = int64(i + 1000)
	}
	return func(yield func(store.Record, error) bool) {
		ring := make(orb.Ring, 5)
		poly := orb.Polygon{ring}
		var geom orb.Geometry = poly
		rec := store.Record{Geometry: geom, Props: []any{"a name", int64(7), 400.5}}
		for i := range n {
			x, y := float64(i%1000)*30, float64(i/1000)*30
			ring[0], ring[1], ring[2], ring[3], ring[4] = orb.Point{x, y}, orb.Point{x + 20, y}, orb.Point{x + 20, y + 20}, orb.Point{x, y + 20}, orb.Point{x, y}
			rec.ID = ids[i]
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// TestExportMemoryIsFlat exports n and 4n records and compares the Go
// heap allocated: the rows, the index and SQLite's cache must not make
// memory grow with the number of records. (Allocation, not the heap's
// peak: with the cache's large live heap a collection may come long after
// a download, so every byte allocated per row is a byte of peak.)
func TestExportMemoryIsFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 100,000 records")
	}
	allocated := func(n int) uint64 {
		recs := reusedBoxes(n)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		if _, err := Export(context.Background(), io.Discard, benchLayer("flat"), recs); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		return m1.TotalAlloc - m0.TotalAlloc
	}
	const n = 20_000
	allocated(1000) // the driver's and the module's one-time setup
	small, large := allocated(n), allocated(4*n)
	perRecord := (float64(large) - float64(small)) / (3 * n)
	// What remains is a boxed node number per index node (16 bytes for
	// 51 records) and the merge's read buffers for more runs.
	t.Logf("allocated %d KiB for %d records, %d KiB for %d: %.1f bytes a record more", small>>10, n, large>>10, 4*n, perRecord)
	if perRecord > 2 {
		t.Errorf("Export allocates %.1f bytes per record beyond the first %d; it must be flat", perRecord, n)
	}
}

// TestGDALReadsExport: GDAL reads a streamed export, finds its features
// through the spatial index, and its validator passes it.
func TestGDALReadsExport(t *testing.T) {
	ogrinfo := needTool(t, "ogrinfo")
	var buf bytes.Buffer
	recs := boxes(5000, 3)
	if _, err := Export(context.Background(), &buf, boxLayer(), seq(recs)); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "export.gpkg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(t, ogrinfo, "-ro", "-al", "-so", path); !strings.Contains(out, "Feature Count: 5000") {
		t.Errorf("ogrinfo:\n%s", out)
	}
	if out := run(t, ogrinfo, "-ro", "-q", path, "-sql", "SELECT HasSpatialIndex('boxes', 'geom')"); !strings.Contains(out, "HasSpatialIndex (Integer) = 1") {
		t.Errorf("spatial index:\n%s", out)
	}
	q := orb.Bound{Min: orb.Point{2000, 2000}, Max: orb.Point{2600, 2500}}
	want := 0
	for _, r := range recs {
		if r.Geometry.Bound().Intersects(q) {
			want++
		}
	}
	out := run(t, ogrinfo, "-ro", "-so", path, "boxes", "-spat", "2000", "2000", "2600", "2500")
	if !strings.Contains(out, fmt.Sprintf("Feature Count: %d", want)) {
		t.Errorf("bbox filter through the index, want %d features:\n%s", want, out)
	}
	script := "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
	if _, err := os.Stat(script); err == nil {
		run(t, needTool(t, "python3"), script, path)
	}
}
