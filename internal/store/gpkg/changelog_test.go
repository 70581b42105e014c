package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// migrated opens a new GeoPackage with the contract's layers and the
// change log.
func migrated(t *testing.T) (*Store, []storetest.Fixture) {
	t.Helper()
	s := openTemp(t)
	t.Cleanup(func() { s.Close() })
	fx := storetest.Fixtures()
	for i := range fx {
		if err := s.WriteLayer(context.Background(), &fx[i].Layer, seq(fx[i].Records)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Migrate(context.Background(), nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s, fx
}

func schemaCookie(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var v int64
	if err := db.QueryRow(`PRAGMA schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// triggerNames lists the csdi triggers on table.
func triggerNames(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE 'csdi_log_%' ORDER BY name`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	fx := storetest.Fixtures()
	if err := s.WriteLayer(ctx, &fx[0].Layer, seq(fx[0].Records)); err != nil {
		t.Fatal(err)
	}
	if ok, err := hasLog(ctx, s.db); err != nil || ok {
		t.Fatalf("a file never migrated has a change log (%v, %v): Export would ship it", ok, err)
	}
	if c, err := s.Head(ctx); err != nil || c.Seq != 0 {
		t.Errorf("Head of a file without a log: %+v, %v", c, err)
	}
	if from, err := s.Migrate(ctx, nil); err != nil || from != 0 {
		t.Fatalf("first Migrate: from %d, %v", from, err)
	}
	v, err := logVersion(ctx, s.db)
	if err != nil || v != schemaVersion {
		t.Errorf("schema version %d (%v), want %d", v, err, schemaVersion)
	}
	want := []string{"csdi_log_contract_facilities_delete", "csdi_log_contract_facilities_insert",
		"csdi_log_contract_facilities_rekey", "csdi_log_contract_facilities_update"}
	if got := triggerNames(t, s.db, "contract_facilities"); !slices.Equal(got, want) {
		t.Errorf("triggers %v, want %v", got, want)
	}

	t.Run("idempotent", func(t *testing.T) {
		before := schemaCookie(t, s.db)
		for range 2 {
			if from, err := s.Migrate(ctx, nil); err != nil || from != schemaVersion {
				t.Fatalf("Migrate again: from %d, %v", from, err)
			}
		}
		if after := schemaCookie(t, s.db); after != before {
			t.Errorf("Migrate of a migrated file changed its schema (%d → %d)", before, after)
		}
	})
	t.Run("stale trigger replaced", func(t *testing.T) {
		// A column added by GDAL or QGIS must reach old_props.
		if _, err := s.db.Exec(`ALTER TABLE contract_facilities ADD COLUMN note TEXT`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx, nil); err != nil {
			t.Fatal(err)
		}
		var ddl string
		if err := s.db.QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'csdi_log_contract_facilities_update'`).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ddl, `OLD."note"`) {
			t.Errorf("the update trigger does not keep the new column:\n%s", ddl)
		}
	})
	t.Run("table added later", func(t *testing.T) {
		// A table WriteLayer makes in a migrated file gets triggers at once.
		if err := s.WriteLayer(ctx, &fx[1].Layer, seq(fx[1].Records)); err != nil {
			t.Fatal(err)
		}
		if got := triggerNames(t, s.db, "contract_shapes"); len(got) != 4 {
			t.Errorf("a table written after Migrate has triggers %v", got)
		}
	})
	t.Run("newer schema refused", func(t *testing.T) {
		if _, err := s.db.Exec(`UPDATE csdi_meta SET value = '99' WHERE key = 'schema_version'`); err != nil {
			t.Fatal(err)
		}
		defer s.db.Exec(`UPDATE csdi_meta SET value = ? WHERE key = 'schema_version'`, fmt.Sprint(schemaVersion))
		var newer *NewerSchemaError
		if _, err := s.Migrate(ctx, nil); !errors.As(err, &newer) || newer.Have != 99 {
			t.Errorf("Migrate of a newer log: %v", err)
		}
		_, err := s.Edit(ctx, &fx[0].Layer, "x", func(store.Tx) error { return nil })
		if !errors.As(err, &newer) {
			t.Errorf("Edit of a file with a newer log: %v", err)
		}
	})
}

// TestEditInstallsTriggers: a feature table another tool created after the
// last Migrate is logged from its first Edit on, direct writes included.
func TestEditInstallsTriggers(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	for _, q := range []string{
		`DROP TRIGGER csdi_log_contract_facilities_insert`,
		`DROP TRIGGER csdi_log_contract_facilities_update`,
		`DROP TRIGGER csdi_log_contract_facilities_rekey`,
		`DROP TRIGGER csdi_log_contract_facilities_delete`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	l := &fx[0].Layer
	c, err := s.Edit(ctx, l, "x", func(tx store.Tx) error { return tx.Delete(ctx, int64(3)) })
	if err != nil || c.Changes != 1 {
		t.Fatalf("Edit on a table without triggers: %+v, %v", c, err)
	}
	if err := (editBackend{s}).Direct(ctx, l, storetest.DirectEdit{Op: store.OpDelete, ID: int64(2)}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Changes(ctx, store.Cursor{Seq: c.Seq}, 0); len(got) != 1 || got[0].ID != int64(2) {
		t.Errorf("a direct delete after the Edit logged %+v", got)
	}
}

// openReadOnly opens path as SQLite's read-only mode does a file csdi may
// not write: a mounted dataset, a file of another user.
func openReadOnly(t *testing.T, path string) *Store {
	t.Helper()
	drv, err := sqliteDriver()
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Add("_pragma", "busy_timeout(5000)")
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String()
	conn := connector{driver: drv, dsn: dsn}
	s := &Store{db: sql.OpenDB(conn), conn: conn, log: testLogger(t), path: path}
	t.Cleanup(func() { s.db.Close() })
	return s
}

func TestReadOnlyFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fx := storetest.Fixtures()
	write := func(name string, migrate bool) string {
		path := filepath.Join(dir, name)
		s, err := Open(path, Options{Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.WriteLayer(ctx, &fx[0].Layer, seq(fx[0].Records)); err != nil {
			t.Fatal(err)
		}
		if migrate {
			if _, err := s.Migrate(ctx, nil); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}

	ro := openReadOnly(t, write("migrated.gpkg", true))
	if _, err := ro.Migrate(ctx, nil); err != nil {
		t.Errorf("Migrate of a read-only file that is up to date: %v", err)
	}
	_, err := ro.Edit(ctx, &fx[0].Layer, "x", func(tx store.Tx) error { return tx.Delete(ctx, int64(1)) })
	if !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Edit of a read-only file: %v, want ErrReadOnly", err)
	}
	if _, err := ro.Rollback(ctx, &fx[0].Layer, 0, time.Now(), "x"); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Rollback of a read-only file: %v, want ErrReadOnly", err)
	}
	if got := loadAll(t, ro, &fx[0].Layer); len(got) != 3 {
		t.Errorf("a read-only file serves %d features", len(got))
	}
	if _, _, err := ro.Changes(ctx, store.Cursor{}, 10); err != nil {
		t.Errorf("Changes of a read-only file: %v", err)
	}

	ro = openReadOnly(t, write("plain.gpkg", false))
	if _, err := ro.Migrate(ctx, nil); !errors.Is(err, store.ErrReadOnly) {
		t.Errorf("Migrate of a read-only file without a log: %v, want ErrReadOnly", err)
	}
	if c, err := ro.Head(ctx); err != nil || c.Seq != 0 {
		t.Errorf("Head of a read-only file without a log: %+v, %v", c, err)
	}
}

// TestOldRowsExact: history and rollback give back exactly what was
// stored — REALs to the last bit, infinities, BLOBs, columns the layer
// does not publish.
func TestOldRowsExact(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	l := &fx[0].Layer // height is a number field
	if _, err := s.db.Exec(`ALTER TABLE contract_facilities ADD COLUMN secret BLOB`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.Exec(`ALTER TABLE contract_facilities ADD COLUMN ratio REAL`); err != nil {
		t.Fatal(err)
	}
	secret := []byte{0, 0xff, 0x10, 'x'}
	if _, err := s.db.Exec(`UPDATE contract_facilities SET secret = ?, ratio = ? WHERE id = 1`, secret, 0.1+0.2); err != nil {
		t.Fatal(err)
	}
	heights := []float64{0.1 + 0.2, math.Inf(1), -math.MaxFloat64, math.SmallestNonzeroFloat64, 1e21, -0.0}
	var marks []int64
	for _, h := range heights {
		r := fx[0].Records[0]
		r.Props = slices.Clone(r.Props)
		r.Props[2] = h
		c, err := s.Edit(ctx, l, "x", func(tx store.Tx) error { return tx.Replace(ctx, r) })
		if err != nil {
			t.Fatal(err)
		}
		marks = append(marks, c.Seq)
	}
	for i, h := range heights {
		rec, ok, err := s.AsOf(ctx, l, int64(1), marks[i])
		if err != nil || !ok {
			t.Fatalf("AsOf(%d): %v, %v", marks[i], ok, err)
		}
		if got := rec.Props[2].(float64); math.Float64bits(got) != math.Float64bits(h) {
			t.Errorf("height as of %d: %v, want exactly %v", marks[i], got, h)
		}
	}
	if _, err := s.Edit(ctx, l, "x", func(tx store.Tx) error { return tx.Delete(ctx, int64(1)) }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rollback(ctx, l, marks[0], time.Time{}, "ops"); err != nil {
		t.Fatal(err)
	}
	var gotSecret []byte
	var ratio, height float64
	if err := s.db.QueryRow(`SELECT secret, ratio, height FROM contract_facilities WHERE id = 1`).Scan(&gotSecret, &ratio, &height); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotSecret, secret) || ratio != 0.1+0.2 || height != 0.1+0.2 {
		t.Errorf("restored secret %x, ratio %v, height %v; want %x, %v, %v", gotSecret, ratio, height, secret, 0.1+0.2, 0.1+0.2)
	}
}

// TestManyColumns: more columns than one json_object call takes.
func TestManyColumns(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	if _, err := s.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	l := &layer.Layer{ID: "wide", Source: layer.Source{Table: "wide", IDColumn: "id", SRID: 4326}, GeometryType: layer.Point}
	rec := store.Record{ID: int64(1), Geometry: orb.Point{114, 22}}
	for i := range 150 {
		l.Fields = append(l.Fields, layer.Field{Name: fmt.Sprintf("c%03d", i), Type: layer.Integer})
		rec.Props = append(rec.Props, int64(i))
	}
	if _, err := s.CreateLayer(ctx, l); err != nil {
		t.Fatal(err)
	}
	c, err := s.Edit(ctx, l, "x", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, rec)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	changed := rec
	changed.Props = make([]any, len(rec.Props))
	for i := range changed.Props {
		changed.Props[i] = int64(-i)
	}
	if _, err := s.Edit(ctx, l, "x", func(tx store.Tx) error { return tx.Replace(ctx, changed) }); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.AsOf(ctx, l, int64(1), c.Seq)
	if err != nil || !ok {
		t.Fatalf("AsOf: %v, %v", ok, err)
	}
	if !slices.Equal(got.Props, rec.Props) {
		t.Errorf("AsOf the insert: %v", got.Props)
	}
	var raw string
	if err := s.db.QueryRow(`SELECT old_props FROM csdi_change_log WHERE op = 'U'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "[{") {
		t.Errorf("150 columns were not kept in chunks: %.80s", raw)
	}
}

// noIDTable makes a feature table without an INTEGER PRIMARY KEY, which
// the GeoPackage spec forbids and other tools still write.
func noIDTable(t *testing.T, s *Store) {
	t.Helper()
	for _, q := range []string{
		`CREATE TABLE noid (geom POINT, name TEXT)`,
		`INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('noid', 'features', 'noid', 4326)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('noid', 'geom', 'POINT', 4326, 0, 0)`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTableWithoutIDsLogsReloads(t *testing.T) {
	ctx := context.Background()
	s, _ := migrated(t)
	noIDTable(t, s)
	if _, err := s.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	reloads := func() []store.Change {
		t.Helper()
		all, _, err := s.Changes(ctx, store.Cursor{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		var out []store.Change
		for _, c := range all {
			if c.Layer == "noid" {
				out = append(out, c)
			}
		}
		return out
	}
	// A bulk load by another client: one entry, not one per row.
	other := sql.OpenDB(s.conn)
	defer other.Close()
	bulk := func() {
		t.Helper()
		tx, err := other.Begin()
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			if _, err := tx.Exec(`INSERT INTO noid (name) VALUES (?)`, fmt.Sprint(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	bulk()
	first := reloads()
	if len(first) != 1 || first[0].Op != store.OpReload || first[0].ID != nil || first[0].Actor != "sql" {
		t.Fatalf("100 inserts into a table without ids logged %+v, want one reload", first)
	}
	bulk()
	second := reloads()
	if len(second) != 1 || second[0].Seq <= first[0].Seq {
		t.Errorf("a second load logged %+v after %+v: want one reload, newer", second, first)
	}
	ls, err := s.Layers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.Source.Table == "noid" {
			_, err := s.Edit(ctx, &l, "x", func(store.Tx) error { return nil })
			if !errors.Is(err, store.ErrReadOnly) {
				t.Errorf("Edit of a table without ids: %v, want ErrReadOnly", err)
			}
		}
	}
}

func TestHistoryStopsAtReload(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	l := &fx[0].Layer
	r := fx[0].Records[0]
	r.Props = slices.Clone(r.Props)
	r.Props[0] = "edited"
	c, err := s.Edit(ctx, l, "x", func(tx store.Tx) error { return tx.Replace(ctx, r) })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteLayer(ctx, l, seq(fx[0].Records)); err != nil {
		t.Fatal(err)
	}
	var gap *HistoryGapError
	if _, _, err := s.AsOf(ctx, l, int64(1), c.Seq); !errors.As(err, &gap) {
		t.Errorf("AsOf across a reload: %v, want a HistoryGapError", err)
	}
	if _, err := s.Rollback(ctx, l, c.Seq, time.Time{}, "ops"); !errors.As(err, &gap) {
		t.Errorf("Rollback across a reload: %v, want a HistoryGapError", err)
	}
	h, _ := s.Head(ctx)
	if rec, ok, err := s.AsOf(ctx, l, int64(1), h.Seq); err != nil || !ok || rec.Props[0] != fx[0].Records[0].Props[0] {
		t.Errorf("AsOf after the reload: %v, %v, %v", rec.Props, ok, err)
	}
	if _, err := s.Rollback(ctx, l, h.Seq+100, time.Time{}, "ops"); err == nil {
		t.Error("Rollback to a change not yet made succeeded")
	}
	if _, err := s.Rollback(ctx, l, 0, time.Time{}, "ops"); err == nil {
		t.Error("Rollback to neither a change nor a time succeeded")
	}
}

// TestWaitSeesOtherProcesses: a commit through another Store on the same
// file (another csdi process, or GDAL) wakes Wait through its poll.
func TestWaitSeesOtherProcesses(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	other, err := Open(s.path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	start, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan time.Duration, 1)
	go func() {
		begin := time.Now()
		if err := s.Wait(ctx, time.Minute); err != nil {
			t.Error(err)
		}
		done <- time.Since(begin)
	}()
	time.Sleep(50 * time.Millisecond)
	c, err := other.Edit(ctx, &fx[0].Layer, "elsewhere", func(tx store.Tx) error { return tx.Delete(ctx, int64(1)) })
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Wait did not see another process's commit within 20s")
	}
	got, _, err := s.Changes(ctx, start, 0)
	if err != nil || len(got) != 1 || got[0].Seq != c.Seq || got[0].Actor != "elsewhere" {
		t.Errorf("after the wake-up: %+v, %v", got, err)
	}
}

// TestConcurrentEdits: writers of two Stores on one file and a reader, all
// at once: every edit commits, in one order, each id given once.
func TestConcurrentEdits(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	other, err := Open(s.path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	l := &fx[0].Layer
	start, _ := s.Head(ctx)
	const writers, edits = 4, 15
	var wg sync.WaitGroup
	ids := make(chan any, writers*edits)
	for w := range writers {
		st := s
		if w%2 == 1 {
			st = other
		}
		wg.Go(func() {
			for range edits {
				rec := fx[0].Records[0]
				rec.ID = nil
				_, err := st.Edit(ctx, l, fmt.Sprint("writer ", w), func(tx store.Tx) error {
					id, err := tx.Insert(ctx, rec)
					ids <- id
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if err := s.Load(ctx, l, func(store.Record) error { return nil }); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	close(ids)
	seen := map[any]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("id %v given twice", id)
		}
		seen[id] = true
	}
	got, _, err := s.Changes(ctx, start, 0)
	if err != nil || len(got) != writers*edits {
		t.Fatalf("%d changes (%v), want %d", len(got), err, writers*edits)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("seq %d after %d", got[i].Seq, got[i-1].Seq)
		}
	}
}

// TestSpatialIndexFollowsEdits: after every kind of edit the GeoPackage's
// rtree is sound and answers bbox queries as the features now are.
func TestSpatialIndexFollowsEdits(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	l := &fx[0].Layer
	check := func(step string, wantIDs ...int64) {
		t.Helper()
		var ok string
		if err := s.db.QueryRow(`SELECT rtreecheck('rtree_contract_facilities_geom')`).Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("%s: rtreecheck %q, %v", step, ok, err)
		}
		rows, err := s.db.Query(`SELECT id FROM rtree_contract_facilities_geom
			WHERE maxx >= 900000 AND minx <= 900100 AND maxy >= 900000 AND miny <= 900100 ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			got = append(got, id)
		}
		if !slices.Equal(got, wantIDs) {
			t.Errorf("%s: the index finds %v in the box, want %v", step, got, wantIDs)
		}
	}
	moved := func(id int64, x float64) store.Record {
		r := fx[0].Records[0]
		r.ID, r.Geometry = id, orb.Point{x, 900050}
		return r
	}
	edit := func(step string, fn func(store.Tx) error) {
		t.Helper()
		if _, err := s.Edit(ctx, l, "x", fn); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	edit("insert", func(tx store.Tx) error { _, err := tx.Insert(ctx, moved(10, 900050)); return err })
	check("insert", 10)
	edit("move in", func(tx store.Tx) error { return tx.Replace(ctx, moved(1, 900010)) })
	check("move in", 1, 10)
	edit("move out", func(tx store.Tx) error { return tx.Replace(ctx, moved(10, 100)) })
	check("move out", 1)
	edit("delete", func(tx store.Tx) error { return tx.Delete(ctx, int64(1)) })
	check("delete")
	edit("bulk replace", func(tx store.Tx) error {
		if _, err := tx.DeleteAll(ctx); err != nil {
			return err
		}
		_, err := tx.Copy(ctx, seq([]store.Record{moved(20, 900020), moved(21, 5), moved(22, 900090)}), false)
		return err
	})
	check("bulk replace", 20, 22)
	edit("upsert", func(tx store.Tx) error {
		_, err := tx.Copy(ctx, seq([]store.Record{moved(20, 7), moved(23, 900030)}), true)
		return err
	})
	check("upsert", 22, 23)
	// A failed bulk copy that fn shrugs off still leaves a sound index.
	edit("failed copy", func(tx store.Tx) error {
		if _, err := tx.DeleteAll(ctx); err != nil {
			return err
		}
		_, err := tx.Copy(ctx, seq([]store.Record{moved(30, 900040), moved(30, 900060)}), false)
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate id in a copy: %v", err)
		}
		return nil
	})
	check("failed copy", 30)
	// An import's batches: the index is built once, whatever follows.
	edit("batches", func(tx store.Tx) error {
		if _, err := tx.DeleteAll(ctx); err != nil {
			return err
		}
		for _, batch := range [][]store.Record{{moved(40, 900010), moved(41, 3)}, {moved(42, 900020)}} {
			if _, err := tx.Copy(ctx, seq(batch), false); err != nil {
				return err
			}
		}
		if err := tx.Replace(ctx, moved(41, 900030)); err != nil { // ends the bulk load
			return err
		}
		_, err := tx.Copy(ctx, seq([]store.Record{moved(43, 900040), moved(44, 9)}), false)
		return err
	})
	check("batches", 40, 41, 42, 43)
	edit("batches then commit", func(tx store.Tx) error {
		if _, err := tx.DeleteAll(ctx); err != nil {
			return err
		}
		for _, batch := range [][]store.Record{{moved(50, 900010)}, {moved(51, 900020), moved(52, 1)}} {
			if _, err := tx.Copy(ctx, seq(batch), false); err != nil {
				return err
			}
		}
		return nil
	})
	check("batches then commit", 50, 51)
	if triggers := triggerNamesLike(t, s.db, "rtree_contract_facilities_geom_%"); len(triggers) != 6 {
		t.Errorf("spatial index triggers after the edits: %v", triggers)
	}
}

func triggerNamesLike(t *testing.T, db *sql.DB, pattern string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?`, pattern)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func TestIDForms(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	l, shapes := &fx[0].Layer, &fx[1].Layer
	_, err := s.Edit(ctx, l, "x", func(tx store.Tx) error {
		for _, c := range []struct {
			id   any
			want bool
		}{{"2", true}, {int(2), true}, {"02", false}, {"two", false}, {2.0, false}} {
			if _, ok, err := tx.Get(ctx, c.id); ok != c.want || err != nil {
				t.Errorf("Get(%#v) on integer ids: %v, %v", c.id, ok, err)
			}
		}
		_, err := tx.Insert(ctx, store.Record{ID: "x", Props: make([]any, len(l.Fields))})
		var ve *store.ValueError
		if !errors.As(err, &ve) {
			t.Errorf("a text id for integer ids: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Edit(ctx, shapes, "x", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{Props: []any{"no id"}})
		var ve *store.ValueError
		if !errors.As(err, &ve) {
			t.Errorf("no id for text ids: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestInvalidReasons(t *testing.T) {
	square := orb.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}, {0, 0}}
	for _, c := range []struct {
		name  string
		g     orb.Geometry
		valid bool
	}{
		{"null", nil, true},
		{"point", orb.Point{1, 2}, true},
		{"square", orb.Polygon{square}, true},
		{"ring", square, true},
		{"bound", orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, true},
		{"square with a hole", orb.Polygon{square, {{2, 2}, {2, 4}, {4, 4}, {4, 2}, {2, 2}}}, true},
		{"bow-tie", orb.Polygon{{{0, 0}, {10, 10}, {10, 0}, {0, 10}, {0, 0}}}, false},
		{"unclosed ring", orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 10}}}, false},
		{"hole outside", orb.Polygon{square, {{20, 20}, {20, 24}, {24, 24}, {20, 20}}}, false},
		{"overlapping multipolygon", orb.MultiPolygon{{square}, {{{5, 5}, {15, 5}, {15, 15}, {5, 15}, {5, 5}}}}, false},
		{"line of one point", orb.LineString{{1, 1}, {1, 1}}, false},
		{"NaN", orb.Point{math.NaN(), 1}, false},
		{"infinite", orb.LineString{{0, 0}, {math.Inf(1), 1}}, false},
		{"bad member", orb.Collection{orb.Point{1, 1}, orb.Polygon{{{0, 0}, {10, 10}, {10, 0}, {0, 10}, {0, 0}}}}, false},
	} {
		reason := invalidReason(c.g)
		if (reason == "") != c.valid {
			t.Errorf("%s: reason %q, want valid %v", c.name, reason, c.valid)
		}
	}
}

// TestCatalogueNamesFeatures: when the catalogue (config over discovery)
// names a table's features by another column than the GeoPackage's key,
// the change log, Edit and the history all use the catalogue's.
func TestCatalogueNamesFeatures(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	written := layer.Layer{ID: "sites", Source: layer.Source{Table: "sites", IDColumn: "id", SRID: 4326},
		GeometryType: layer.Point, Fields: []layer.Field{{Name: "ref", Type: layer.String}, {Name: "name", Type: layer.String}}}
	recs := []store.Record{
		{ID: int64(1), Geometry: orb.Point{114, 22}, Props: []any{"R-1", "one"}},
		{ID: int64(2), Geometry: orb.Point{114.1, 22.1}, Props: []any{"R-2", "two"}},
	}
	if err := s.WriteLayer(ctx, &written, seq(recs)); err != nil {
		t.Fatal(err)
	}
	configured := written
	configured.Source.IDColumn = "ref"
	configured.Fields = []layer.Field{{Name: "name", Type: layer.String}}
	if _, err := s.Migrate(ctx, []layer.Layer{configured}); err != nil {
		t.Fatal(err)
	}
	if err := (editBackend{s}).Direct(ctx, &configured, storetest.DirectEdit{Op: store.OpUpdate, ID: "R-1", Column: "name", Value: "uno"}); err != nil {
		t.Fatal(err)
	}
	c, err := s.Edit(ctx, &configured, "x", func(tx store.Tx) error {
		id, err := tx.Insert(ctx, store.Record{ID: "R-9", Geometry: orb.Point{114.2, 22.2}, Props: []any{"nine"}})
		if id != "R-9" {
			t.Errorf("Insert returned id %#v", id)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Changes(ctx, store.Cursor{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []any
	for _, ch := range got {
		if ch.ID != nil {
			ids = append(ids, ch.ID)
		}
	}
	if !slices.Equal(ids, []any{"R-1", "R-9"}) {
		t.Errorf("the log names features %v, want the catalogue's ids R-1, R-9", ids)
	}
	if rec, ok, err := s.AsOf(ctx, &configured, "R-1", got[0].Seq-1); err != nil || !ok || rec.Props[0] != "one" {
		t.Errorf("AsOf R-1 before the update: %v, %v, %v", rec, ok, err)
	}
	if vs, err := s.Versions(ctx, &configured, "R-9"); err != nil || len(vs) != 1 || vs[0].Seq != c.Seq {
		t.Errorf("Versions of R-9: %+v, %v", vs, err)
	}
}
