package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	neturl "net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// loadAll loads l and returns its records sorted by id.
func loadAll(t *testing.T, s *Store, l *layer.Layer) []store.Record {
	t.Helper()
	var got []store.Record
	if err := s.Load(context.Background(), l, func(r store.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("Load %s: %v", l.ID, err)
	}
	sort.SliceStable(got, func(i, j int) bool { return fmt.Sprint(got[i].ID) < fmt.Sprint(got[j].ID) })
	return got
}

func TestLoad(t *testing.T) {
	s, logs := fixtureStore(t)
	layers := discoverAll(t, s)
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 15, 8, 30, 15, 0, time.UTC)
	nulls := make([]any, 22)

	tests := []struct {
		id   string
		want []store.Record
		tol  float64
	}{
		{"pts_4326", []store.Record{{ID: int64(1), Geometry: orb.Point{114.1694, 22.3193}}}, 0},
		// internal/crs transforms 2326 and 3857: they come as stored.
		{"pts_2326", []store.Record{
			{ID: int64(1), Geometry: orb.Point{836000, 818000}},
			{ID: int64(2), Geometry: orb.Point{833000.5, 816000.25}},
		}, 0},
		{"pts_3857", []store.Record{{ID: int64(1), Geometry: orb.Point{12709000, 2547000}}}, 0},
		// 32650 is not supported by internal/crs: PostGIS transforms to lon/lat.
		{"pts_utm50", []store.Record{
			{ID: int64(1), Geometry: orb.Point{117, 0}},
			{ID: int64(2), Geometry: orb.Point{114.17, 22.3}},
		}, 1e-9},
		{"pointz", []store.Record{{ID: int64(1), Geometry: orb.Point{836000, 818000}}}, 0},
		{"linem", []store.Record{{ID: int64(1), Geometry: orb.LineString{{114, 22}, {114.1, 22.1}}}}, 0},
		{"polyzm", []store.Record{{ID: int64(1), Geometry: orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 0}}}}}, 0},
		{"empties", []store.Record{
			{ID: int64(1)}, {ID: int64(2)}, {ID: int64(3)}, {ID: int64(4)},
			{ID: int64(5), Geometry: orb.Collection{orb.Point{1, 2}}},
			{ID: int64(6)},
			{ID: int64(7), Geometry: orb.MultiPoint{{3, 4}}},
			{ID: int64(8)},
		}, 0},
		{"bowtie", []store.Record{{ID: int64(1), Geometry: orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}}}, 0},
		{"curves", []store.Record{{ID: int64(2), Geometry: orb.Point{5, 6}}}, 0},
		{"pts_buffered", []store.Record{
			{ID: int64(1), Geometry: orb.Polygon{{{836010, 818000}, {836000, 817990}, {835990, 818000}, {836000, 818010}, {836010, 818000}}}, Props: []any{int64(1), "x"}},
			{ID: int64(2), Geometry: orb.Polygon{{{833010.5, 816000.25}, {833000.5, 815990.25}, {832990.5, 816000.25}, {833000.5, 816010.25}, {833010.5, 816000.25}}}, Props: []any{int64(2), "x"}},
		}, 1e-6},
		{"pts_mat", []store.Record{
			{ID: int64(1), Geometry: orb.Point{836000, 818000}, Props: []any{int64(1)}},
			{ID: int64(2), Geometry: orb.Point{833000.5, 816000.25}, Props: []any{int64(2)}},
		}, 0},
		// No id column: 1-based row numbers in load order.
		{"nopk", []store.Record{
			{ID: int64(1), Geometry: orb.Point{1, 1}, Props: []any{"first"}},
			{ID: int64(2), Geometry: orb.Point{2, 2}, Props: []any{"second"}},
			{ID: int64(3), Props: []any{"third"}},
		}, 0},
		{"gid_unique", []store.Record{{ID: int64(7), Geometry: orb.Point{7, 7}, Props: []any{"seven"}}}, 0},
		{"Parcels_Export", []store.Record{{ID: int64(11), Geometry: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}}}, 0},
		{"two_geoms", []store.Record{{ID: int64(1), Geometry: orb.Polygon{{{0, 0}, {10, 0}, {10, 10}, {0, 0}}}, Props: []any{"a"}}}, 0},
		{"two_geoms.centre", []store.Record{{ID: int64(1), Geometry: orb.Point{5, 3}, Props: []any{"a"}}}, 0},
		{"all_types", []store.Record{
			{ID: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Geometry: orb.Point{114, 22}, Props: []any{
				"text", "vc", "ab ", "nm", "CI", int64(-2), int64(4), int64(8000000000),
				0.1, 2.5, 1234.567, true, day, at, at, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12",
				json.RawMessage(`{"a": [1, 2]}`), json.RawMessage(`{"a": "中", "b": 1}`),
				[]any{int64(1), nil, int64(3)}, []any{"x", "y z"}, "wan chai", int64(5)}},
			{ID: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a13", Props: nulls},
			// NaN and infinities have no JSON form: served as null, logged.
			{ID: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14", Props: nulls},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			l, ok := layers[tt.id]
			if !ok {
				t.Fatalf("layer %q not discovered", tt.id)
			}
			got := loadAll(t, s, &l)
			if len(got) != len(tt.want) {
				t.Fatalf("loaded %d records, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, want := range tt.want {
				if want.Props == nil {
					want.Props = []any{}
				}
				compare(t, got[i], want, tt.tol)
			}
		})
	}

	t.Run("problems are logged", func(t *testing.T) {
		out := logs.String()
		for _, want := range []string{
			"geometry cannot be decoded; row skipped\" layer=curves id=1",
			"value cannot be converted; served as null\" layer=all_types id=a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14 field=f4",
			"layer=all_types id=a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14 field=tstz",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}

func compare(t *testing.T, got, want store.Record, tol float64) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("id %#v, want %#v", got.ID, want.ID)
	}
	if !storetest.GeometryEqual(got.Geometry, want.Geometry, tol) {
		t.Errorf("id %v: geometry %v, want %v", want.ID, got.Geometry, want.Geometry)
	}
	if len(got.Props) != len(want.Props) {
		t.Fatalf("id %v: %d props, want %d", want.ID, len(got.Props), len(want.Props))
	}
	for i := range want.Props {
		if !storetest.ValueEqual(got.Props[i], want.Props[i]) || fmt.Sprintf("%T", got.Props[i]) != fmt.Sprintf("%T", want.Props[i]) {
			t.Errorf("id %v prop %d: %#v (%T), want %#v (%T)", want.ID, i, got.Props[i], got.Props[i], want.Props[i], want.Props[i])
		}
	}
}

// A configured layer may publish a column under another type and name, in
// its own field order: Load converts.
func TestLoadConfiguredFields(t *testing.T) {
	s, _ := fixtureStore(t)
	l := layer.Layer{
		ID:     "typed",
		Source: layer.Source{Table: "all_types", IDColumn: "id", GeometryColumn: "geom", SRID: 4326},
		Fields: []layer.Field{
			{Name: "when", Column: "d", Type: layer.String},
			{Name: "big", Column: "i8", Type: layer.String},
			{Name: "amount", Column: "num", Type: layer.String},
			{Name: "i2", Type: layer.Number},
			{Name: "stamp", Column: "tstz", Type: layer.Date},
			{Name: "flag", Column: "t", Type: layer.Boolean}, // "text" is no boolean: null
		},
	}
	got := loadAll(t, s, &l)
	want := []any{"2024-03-15T00:00:00Z", "8000000000", "1234.567", -2.0, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), nil}
	compare(t, got[0], store.Record{ID: got[0].ID, Geometry: orb.Point{114, 22}, Props: want}, 0)
}

func TestLoadErrors(t *testing.T) {
	s, _ := fixtureStore(t)
	tests := []struct {
		name string
		l    layer.Layer
	}{
		{"missing table", layer.Layer{ID: "x", Source: layer.Source{Table: "nope", GeometryColumn: "geom"}}},
		{"missing column", layer.Layer{ID: "x", Source: layer.Source{Table: "nopk", GeometryColumn: "geom"},
			Fields: []layer.Field{{Name: "nope", Type: layer.String}}}},
		{"no geometry column", layer.Layer{ID: "x", Source: layer.Source{Table: "nopk"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Load(context.Background(), &tt.l, func(store.Record) error { return nil })
			if err == nil {
				t.Fatal("Load succeeded")
			}
		})
	}
}

// Cancelling the layer's context stops a load part way, with the context's
// error, also inside the transaction of a layer PostGIS transforms.
func TestLoadCancel(t *testing.T) {
	s, _ := fixtureStore(t)
	const rows = 50000
	for _, srid := range []int{2326, 32650} {
		t.Run(fmt.Sprint(srid), func(t *testing.T) {
			table := fmt.Sprint("many_", srid)
			exec(t, fixtureURLOf(s), fmt.Sprintf(`CREATE TABLE %s AS
				SELECT i AS id, ST_SetSRID(ST_MakePoint(i, i), %d)::geometry(Point, %[2]d) AS geom
				FROM generate_series(1, %d) AS i`, table, srid, rows))
			l := layer.Layer{ID: table, Source: layer.Source{Table: table, IDColumn: "id", GeometryColumn: "geom", SRID: srid}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			err := s.Load(ctx, &l, func(store.Record) error {
				n++
				if n == 10 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Load returned %v, want context.Canceled", err)
			}
			if n >= rows {
				t.Errorf("callback ran for all %d rows after the cancel", n)
			}
			// The pool is still usable after the cancelled query.
			if got := loadAll(t, s, &layer.Layer{ID: "nopk", Source: layer.Source{Table: "nopk", GeometryColumn: "geom", SRID: 4326}}); len(got) != 3 {
				t.Errorf("after a cancel, loaded %d records, want 3", len(got))
			}
			if got := loadAll(t, s, &layer.Layer{ID: "pts_utm50", Source: layer.Source{Table: "pts_utm50", IDColumn: "id", GeometryColumn: "geom", SRID: 32650}}); len(got) != 2 {
				t.Errorf("after a cancel, loaded %d records of pts_utm50, want 2", len(got))
			}
		})
	}
}

// fixtureURLOf is the URL the store was opened on.
func fixtureURLOf(s *Store) string { return s.pool.Config().ConnString() }

// untransformableSQL is a table in UTM 50N, a SRID PostGIS transforms, with
// rows PROJ cannot project among good ones.
var untransformableSQL = []string{
	`CREATE TABLE utm_bad (id integer PRIMARY KEY, name text, geom geometry(Geometry, 32650))`,
	`INSERT INTO utm_bad VALUES
	    (1, 'equator', 'SRID=32650;POINT(500000 0)'),
	    (2, 'far', 'SRID=32650;POINT(1e30 1e30)'),
	    (3, 'hk', ST_Transform('SRID=4326;POINT(114.17 22.3)'::geometry, 32650)),
	    (4, 'none', NULL),
	    (5, 'nan', ST_SetSRID(ST_MakePoint('NaN', 'NaN'), 32650)),
	    (6, 'line', 'SRID=32650;LINESTRING(500000 0, 1e20 0)'),
	    (7, 'empty', 'SRID=32650;POINT EMPTY'),
	    (8, 'north', ST_Transform('SRID=4326;POINT(117 10)'::geometry, 32650))`,
	`CREATE TABLE utm_good AS SELECT * FROM utm_bad WHERE id IN (1, 3, 4, 7, 8)`,
}

func utmLayer(table string, srid int) *layer.Layer {
	return &layer.Layer{ID: table, Fields: []layer.Field{{Name: "name", Type: layer.String}},
		Source: layer.Source{Table: table, IDColumn: "id", GeometryColumn: "geom", SRID: srid}}
}

// One row PostGIS cannot transform is skipped and logged; the others load,
// a NULL geometry among them, and the connection goes back to the pool as
// it came: no transaction open, no function left behind.
func TestLoadSkipsUntransformable(t *testing.T) {
	url := testenv.DatabaseURL(t)
	exec(t, url, untransformableSQL...)
	logs := &logBuffer{}
	s := open(t, url, Options{MaxConns: 1, Logger: logs.logger()})

	got := loadAll(t, s, utmLayer("utm_bad", 32650))
	want := []store.Record{
		{ID: int64(1), Geometry: orb.Point{117, 0}, Props: []any{"equator"}},
		{ID: int64(3), Geometry: orb.Point{114.17, 22.3}, Props: []any{"hk"}},
		{ID: int64(4), Props: []any{"none"}},
		{ID: int64(7), Props: []any{"empty"}},
		{ID: int64(8), Geometry: orb.Point{117, 10}, Props: []any{"north"}},
	}
	if len(got) != len(want) {
		t.Fatalf("loaded %d records, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		compare(t, got[i], want[i], 1e-9)
	}
	out := logs.String()
	for _, id := range []string{"2", "5", "6"} {
		if w := `"postgis: geometry cannot be transformed to EPSG:4326; row skipped" layer=utm_bad id=` + id + " srid=32650"; !strings.Contains(out, w) {
			t.Errorf("log lacks %q:\n%s", w, out)
		}
	}
	if strings.Count(out, "row skipped") != 3 {
		t.Errorf("want 3 rows skipped in the log:\n%s", out)
	}

	var left int
	if err := s.pool.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_proc WHERE proname = 'csdi_try_transform'`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("csdi_try_transform is still defined after the load")
	}
	conn, err := s.pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if st := conn.Conn().PgConn().TxStatus(); st != 'I' {
		t.Errorf("connection back in the pool with transaction status %q", st)
	}
}

// Where the temporary function cannot be created, here in a read-only
// session, Load transforms as before: good rows load, and a bad one fails
// the load with an error that says why it was not skipped.
func TestLoadUntransformableReadOnly(t *testing.T) {
	url := testenv.DatabaseURL(t)
	exec(t, url, untransformableSQL...)
	logs := &logBuffer{}
	s := open(t, readOnly(t, url), Options{Logger: logs.logger()})

	if got := loadAll(t, s, utmLayer("utm_good", 32650)); len(got) != 5 {
		t.Errorf("loaded %d good records, want 5: %+v", len(got), got)
	}
	if w := `"postgis: cannot create the temporary function that skips rows PostGIS cannot transform; one such row will fail the load" layer=utm_good srid=32650`; !strings.Contains(logs.String(), w) {
		t.Errorf("log lacks %q:\n%s", w, logs.String())
	}

	err := s.Load(context.Background(), utmLayer("utm_bad", 32650), func(store.Record) error { return nil })
	var refused *tryTransformError
	var pgErr *pgconn.PgError
	if !errors.As(err, &refused) || !errors.As(err, &pgErr) {
		t.Fatalf("Load returned %v, want the transform error and why it was not skipped", err)
	}
	if !strings.Contains(pgErr.Message, "transform") {
		t.Errorf("the error is %q, not PostGIS's transform error", pgErr.Message)
	}
}

// The temporary function hides every error of ST_Transform, so a SRID
// PostGIS cannot transform at all must still fail the load, not skip every
// row.
func TestLoadUnknownSRID(t *testing.T) {
	url := testenv.DatabaseURL(t)
	exec(t, url, untransformableSQL...)
	s := open(t, url, Options{})
	err := s.Load(context.Background(), utmLayer("utm_good", 990001), func(store.Record) error { return nil })
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || !strings.Contains(err.Error(), "EPSG:990001") {
		t.Fatalf("Load returned %v, want PostGIS's error for EPSG:990001", err)
	}
}

// readOnly is url with every transaction read-only, as on a standby or for
// a role set up that way.
func readOnly(t testing.TB, raw string) string {
	t.Helper()
	u, err := neturl.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("default_transaction_read_only", "on")
	u.RawQuery = q.Encode()
	return u.String()
}
