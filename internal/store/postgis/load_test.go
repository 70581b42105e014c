package postgis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
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
// error.
func TestLoadCancel(t *testing.T) {
	s, _ := fixtureStore(t)
	const rows = 50000
	exec(t, fixtureURLOf(s), fmt.Sprintf(`CREATE TABLE many AS
		SELECT i AS id, ST_SetSRID(ST_MakePoint(i, i), 2326)::geometry(Point, 2326) AS geom
		FROM generate_series(1, %d) AS i`, rows))
	l := layer.Layer{ID: "many", Source: layer.Source{Table: "many", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}}
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
}

// fixtureURLOf is the URL the store was opened on.
func fixtureURLOf(s *Store) string { return s.pool.Config().ConnString() }
