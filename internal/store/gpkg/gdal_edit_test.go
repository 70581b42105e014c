package gpkg

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// TestOtherClientsAreLogged edits a migrated file with the tools a
// department uses on a GeoPackage — GDAL (ogr2ogr, ogrinfo -sql) and the
// sqlite3 shell, each with its own SQLite build — and checks that the
// triggers work there, log every change with its old row, and leave a
// file GDAL still reads and validates.
func TestOtherClientsAreLogged(t *testing.T) {
	ctx := context.Background()
	ogr2ogr, ogrinfo := needTool(t, "ogr2ogr"), needTool(t, "ogrinfo")
	path := filepath.Join(t.TempDir(), "edited.gpkg")
	writeFixtures(t, path)
	s, err := Open(path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	start, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	time.Sleep(10 * time.Millisecond)

	add := filepath.Join(t.TempDir(), "add.geojson")
	err = os.WriteFile(add, []byte(`{"type":"FeatureCollection",
		"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2326"}},
		"features":[{"type":"Feature","properties":{"name":"Added by GDAL","floors":1},
		"geometry":{"type":"Point","coordinates":[834000,817000]}}]}`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	run(t, ogr2ogr, "-update", "-append", path, add, "-nln", "contract_facilities")
	run(t, ogrinfo, "-q", path, "-sql", "UPDATE contract_facilities SET name = 'GDAL 改' WHERE id = 1")
	sqlite3 := needTool(t, "sqlite3")
	run(t, sqlite3, path, "DELETE FROM contract_facilities WHERE id = 2")

	s, err = Open(path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, _, err := s.Changes(ctx, start, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id any
		op store.Op
	}{{int64(4), store.OpInsert}, {int64(1), store.OpUpdate}, {int64(2), store.OpDelete}}
	if len(got) != len(want) {
		t.Fatalf("the log has %+v, want %v", got, want)
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].Op != w.op || got[i].Actor != "sql" || got[i].At.IsZero() {
			t.Errorf("change %d: %+v, want %v of %v by sql", i, got[i], w.op, w.id)
		}
	}
	fx := storetest.Fixtures()[0]
	l := &fx.Layer
	for _, c := range []struct {
		id   int64
		seq  int64
		want store.Record
	}{{1, got[1].Seq - 1, fx.Records[0]}, {2, got[2].Seq - 1, fx.Records[1]}} {
		rec, ok, err := s.AsOf(ctx, l, c.id, c.seq)
		if err != nil || !ok {
			t.Fatalf("AsOf(%d, %d): %v, %v", c.id, c.seq, ok, err)
		}
		compare(t, rec, c.want)
	}
	// Roll GDAL's edits back through csdi; the file stays GDAL's to read.
	if _, err := s.Rollback(ctx, l, 0, before, "ops"); err != nil {
		t.Fatal(err)
	}
	back := loadAll(t, s, l)
	if len(back) != len(fx.Records) {
		t.Fatalf("after the rollback %d features, want %d", len(back), len(fx.Records))
	}
	for i := range back {
		compare(t, back[i], fx.Records[i])
	}
	var check string
	if err := s.db.QueryRow(`SELECT rtreecheck('rtree_contract_facilities_geom')`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("rtreecheck: %q, %v", check, err)
	}
	if _, err := s.Edit(ctx, l, "csdi", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{Geometry: orb.Point{835000, 818000}, Props: make([]any, len(l.Fields))})
		return err
	}); err != nil {
		t.Fatalf("Edit after GDAL: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	out := run(t, ogrinfo, "-ro", "-so", path, "contract_facilities")
	if !contains(out, "Feature Count: 4") {
		t.Errorf("ogrinfo after the edits:\n%s", out)
	}
	script := "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
	if _, err := os.Stat(script); err == nil {
		run(t, needTool(t, "python3"), script, path)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
