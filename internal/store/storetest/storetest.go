// Package storetest is the contract every store backend passes: what a
// Writer writes, Layers discovers with the right schema and Load streams back
// unchanged (Run); and the write path — Edit, the change log, history and
// rollback — behaves the same on every backend (RunEdit, in edit.go).
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Backend is a store under test that can also write layers.
type Backend interface {
	store.Store
	store.Writer
}

// Fixture is one layer and the records written to it.
type Fixture struct {
	Layer   layer.Layer
	Records []store.Record
}

// Fixtures returns the contract's layers: every field type, every geometry
// type, NULLs, a NULL geometry, Chinese text, two SRIDs and string ids.
func Fixtures() []Fixture {
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 15, 8, 30, 15, 0, time.UTC)
	facilities := Fixture{
		Layer: layer.Layer{
			ID: "contract_facilities",
			Source: layer.Source{Table: "contract_facilities", IDColumn: "id",
				GeometryColumn: "geom", SRID: 2326, TimeColumn: "opened_at"},
			GeometryType: layer.Point,
			Fields: []layer.Field{
				{Name: "name", Type: layer.String},
				{Name: "floors", Type: layer.Integer},
				{Name: "height", Type: layer.Number},
				{Name: "open", Type: layer.Boolean},
				{Name: "opened_on", Type: layer.Date},
				{Name: "opened_at", Type: layer.DateTime},
				{Name: "extra", Type: layer.JSON},
				{Name: "tags", Type: layer.Array},
			},
		},
		Records: []store.Record{
			{ID: int64(1), Geometry: orb.Point{833000.5, 816000.25},
				Props: []any{"中環大會堂 City Hall", int64(12), 45.5, true, day, at,
					json.RawMessage(`{"a":1}`), []any{"x", "y"}}},
			{ID: int64(2), Geometry: orb.Point{836500, 818800},
				Props: []any{"O'Brien \"quoted\"", int64(-3), -0.125, false, day.AddDate(0, 1, 0), at.Add(time.Hour),
					json.RawMessage(`[1,2]`), []any{}}},
			{ID: int64(3), Geometry: nil, // NULL geometry
				Props: []any{nil, nil, nil, nil, nil, nil, nil, nil}},
		},
	}
	shapes := Fixture{
		Layer: layer.Layer{
			ID: "contract_shapes",
			Source: layer.Source{Table: "contract_shapes", IDColumn: "code",
				GeometryColumn: "shape", SRID: 4326},
			GeometryType: layer.AnyGeometry,
			Fields:       []layer.Field{{Name: "kind", Type: layer.String}},
		},
		Records: []store.Record{
			{ID: "a", Geometry: orb.LineString{{114.15, 22.28}, {114.16, 22.29}, {114.17, 22.285}}, Props: []any{"line"}},
			{ID: "b", Geometry: orb.Polygon{
				{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.4}, {114.1, 22.3}},
				{{114.12, 22.32}, {114.12, 22.34}, {114.14, 22.34}, {114.14, 22.32}, {114.12, 22.32}},
			}, Props: []any{"polygon with hole"}},
			{ID: "c", Geometry: orb.MultiPoint{{114.0, 22.2}, {114.01, 22.21}}, Props: []any{"multipoint"}},
			{ID: "d", Geometry: orb.MultiLineString{{{114, 22}, {114.1, 22.1}}, {{114.2, 22.2}, {114.3, 22.3}}}, Props: []any{"multilinestring"}},
			{ID: "e", Geometry: orb.MultiPolygon{
				{{{113.9, 22.2}, {114.0, 22.2}, {114.0, 22.3}, {113.9, 22.2}}},
				{{{114.3, 22.2}, {114.4, 22.2}, {114.4, 22.3}, {114.3, 22.2}}},
			}, Props: []any{"multipolygon"}},
			{ID: "f", Geometry: orb.Collection{orb.Point{114.1, 22.1}, orb.LineString{{114, 22}, {114.05, 22.05}}}, Props: []any{"collection"}},
		},
	}
	return []Fixture{facilities, shapes}
}

// Run checks backend b. open must return a backend on an empty database (or
// schema, or file); it is called once per sub-test.
func Run(t *testing.T, open func(t *testing.T) Backend) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("Rewrite", func(t *testing.T) { testRewrite(t, open(t)) })
	t.Run("AllOrNothing", func(t *testing.T) { testAllOrNothing(t, open(t)) })
	t.Run("LoadStopsOnCallbackError", func(t *testing.T) { testLoadError(t, open(t)) })
}

// Seq turns records into the iterator WriteLayer takes.
func Seq(recs []store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func write(t *testing.T, b Backend, fx []Fixture) {
	t.Helper()
	for i := range fx {
		if err := b.WriteLayer(context.Background(), &fx[i].Layer, Seq(fx[i].Records)); err != nil {
			t.Fatalf("WriteLayer %s: %v", fx[i].Layer.ID, err)
		}
	}
}

// discovered finds the layer the backend reports for a fixture's table.
func discovered(t *testing.T, b Backend, table string) layer.Layer {
	t.Helper()
	ls, err := b.Layers(context.Background())
	if err != nil {
		t.Fatalf("Layers: %v", err)
	}
	for _, l := range ls {
		if l.Source.Table == table {
			return l
		}
	}
	t.Fatalf("Layers did not report table %q (got %d layers)", table, len(ls))
	return layer.Layer{}
}

func load(t *testing.T, b Backend, l *layer.Layer) []store.Record {
	t.Helper()
	var got []store.Record
	if err := b.Load(context.Background(), l, func(r store.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("Load %s: %v", l.ID, err)
	}
	sort.Slice(got, func(i, j int) bool { return fmt.Sprint(got[i].ID) < fmt.Sprint(got[j].ID) })
	return got
}

func testRoundTrip(t *testing.T, b Backend) {
	defer b.Close()
	fx := Fixtures()
	write(t, b, fx)
	for _, f := range fx {
		d := discovered(t, b, f.Layer.Source.Table)
		if d.Source.GeometryColumn != f.Layer.Source.GeometryColumn {
			t.Errorf("%s: geometry column %q, want %q", f.Layer.ID, d.Source.GeometryColumn, f.Layer.Source.GeometryColumn)
		}
		if d.Source.SRID != f.Layer.Source.SRID {
			t.Errorf("%s: SRID %d, want %d", f.Layer.ID, d.Source.SRID, f.Layer.Source.SRID)
		}
		if d.Source.IDColumn != f.Layer.Source.IDColumn {
			t.Errorf("%s: id column %q, want %q", f.Layer.ID, d.Source.IDColumn, f.Layer.Source.IDColumn)
		}
		if d.GeometryType != f.Layer.GeometryType {
			t.Errorf("%s: geometry type %q, want %q", f.Layer.ID, d.GeometryType, f.Layer.GeometryType)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: discovered layer is invalid: %v", f.Layer.ID, err)
		}
		for _, want := range f.Layer.Fields {
			i := d.FieldIndex(want.Name)
			if i < 0 {
				t.Errorf("%s: field %q not discovered", f.Layer.ID, want.Name)
				continue
			}
			if d.Fields[i].Type != want.Type {
				t.Errorf("%s: field %q type %q, want %q", f.Layer.ID, want.Name, d.Fields[i].Type, want.Type)
			}
		}
		// Load with the fixture's own layer (its field order), as the cache
		// does after merging config over discovery.
		got := load(t, b, &f.Layer)
		if len(got) != len(f.Records) {
			t.Fatalf("%s: loaded %d records, want %d", f.Layer.ID, len(got), len(f.Records))
		}
		for i, want := range f.Records {
			compareRecord(t, f.Layer.ID, got[i], want)
		}
	}
}

func testRewrite(t *testing.T, b Backend) {
	defer b.Close()
	fx := Fixtures()[:1]
	write(t, b, fx)
	fx[0].Records = fx[0].Records[:1]
	write(t, b, fx)
	if got := load(t, b, &fx[0].Layer); len(got) != 1 {
		t.Fatalf("after rewriting with 1 record, loaded %d", len(got))
	}
}

func testAllOrNothing(t *testing.T, b Backend) {
	defer b.Close()
	fx := Fixtures()[:1]
	write(t, b, fx)
	boom := fmt.Errorf("source failed")
	bad := func(yield func(store.Record, error) bool) {
		if !yield(fx[0].Records[0], nil) {
			return
		}
		yield(store.Record{}, boom)
	}
	err := b.WriteLayer(context.Background(), &fx[0].Layer, bad)
	if err == nil {
		t.Fatal("WriteLayer succeeded although the records iterator failed")
	}
	if got := load(t, b, &fx[0].Layer); len(got) != len(fx[0].Records) {
		t.Fatalf("a failed rewrite changed the layer: %d records, want the original %d", len(got), len(fx[0].Records))
	}
}

func testLoadError(t *testing.T, b Backend) {
	defer b.Close()
	fx := Fixtures()[1:]
	write(t, b, fx)
	stop := fmt.Errorf("enough")
	n := 0
	err := b.Load(context.Background(), &fx[0].Layer, func(store.Record) error {
		n++
		return stop
	})
	if n != 1 {
		t.Errorf("callback ran %d times after returning an error, want 1", n)
	}
	if err == nil || !errorsIs(err, stop) {
		t.Errorf("Load returned %v, want an error wrapping %v", err, stop)
	}
}

func errorsIs(err, target error) bool {
	for err != nil {
		if err == target {
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func compareRecord(t *testing.T, lid string, got, want store.Record) {
	t.Helper()
	if !reflect.DeepEqual(got.ID, want.ID) {
		t.Errorf("%s: id %#v, want %#v", lid, got.ID, want.ID)
	}
	if !GeometryEqual(got.Geometry, want.Geometry, 1e-7) {
		t.Errorf("%s id %v: geometry %v, want %v", lid, want.ID, got.Geometry, want.Geometry)
	}
	if len(got.Props) != len(want.Props) {
		t.Errorf("%s id %v: %d props, want %d", lid, want.ID, len(got.Props), len(want.Props))
		return
	}
	for i := range want.Props {
		if !ValueEqual(got.Props[i], want.Props[i]) {
			t.Errorf("%s id %v: prop %d = %#v (%T), want %#v (%T)", lid, want.ID, i, got.Props[i], got.Props[i], want.Props[i], want.Props[i])
		}
	}
}

// ValueEqual compares attribute values as the JSON they will become.
func ValueEqual(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	if ja, ok := a.(json.RawMessage); ok {
		jb, ok := b.(json.RawMessage)
		if !ok {
			return false
		}
		var va, vb any
		return json.Unmarshal(ja, &va) == nil && json.Unmarshal(jb, &vb) == nil && reflect.DeepEqual(va, vb)
	}
	if aa, ok := a.([]any); ok {
		ab, ok := b.([]any)
		if !ok || len(aa) != len(ab) {
			return false
		}
		for i := range aa {
			if !ValueEqual(aa[i], ab[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// GeometryEqual compares geometries vertex by vertex within tol.
func GeometryEqual(a, b orb.Geometry, tol float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if a.GeoJSONType() != b.GeoJSONType() {
		return false
	}
	switch ga := a.(type) {
	case orb.Point:
		gb := b.(orb.Point)
		return math.Abs(ga[0]-gb[0]) <= tol && math.Abs(ga[1]-gb[1]) <= tol
	case orb.MultiPoint:
		return pointsEqual(ga, b.(orb.MultiPoint), tol)
	case orb.LineString:
		return pointsEqual(ga, b.(orb.LineString), tol)
	case orb.MultiLineString:
		gb := b.(orb.MultiLineString)
		if len(ga) != len(gb) {
			return false
		}
		for i := range ga {
			if !pointsEqual(ga[i], gb[i], tol) {
				return false
			}
		}
		return true
	case orb.Polygon:
		return polygonEqual(ga, b.(orb.Polygon), tol)
	case orb.MultiPolygon:
		gb := b.(orb.MultiPolygon)
		if len(ga) != len(gb) {
			return false
		}
		for i := range ga {
			if !polygonEqual(ga[i], gb[i], tol) {
				return false
			}
		}
		return true
	case orb.Collection:
		gb := b.(orb.Collection)
		if len(ga) != len(gb) {
			return false
		}
		for i := range ga {
			if !GeometryEqual(ga[i], gb[i], tol) {
				return false
			}
		}
		return true
	}
	return false
}

func polygonEqual(a, b orb.Polygon, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !pointsEqual(a[i], b[i], tol) {
			return false
		}
	}
	return true
}

func pointsEqual[P ~[]orb.Point](a, b P, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i][0]-b[i][0]) > tol || math.Abs(a[i][1]-b[i][1]) > tol {
			return false
		}
	}
	return true
}
