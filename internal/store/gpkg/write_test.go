package gpkg

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// TestWriteRejects checks that a bad layer or record fails the write with a
// clear error and leaves the existing layer as it was.
func TestWriteRejects(t *testing.T) {
	base := storetest.Fixtures()[0] // contract_facilities: int ids, points
	rec := func(mut func(*store.Record)) []store.Record {
		r := base.Records[0]
		r.Props = append([]any(nil), r.Props...)
		mut(&r)
		return []store.Record{base.Records[1], r}
	}
	lay := func(mut func(*layer.Layer)) layer.Layer {
		l := base.Layer
		l.Fields = append([]layer.Field(nil), l.Fields...)
		mut(&l)
		return l
	}
	tests := []struct {
		name    string
		layer   layer.Layer
		records []store.Record
		want    string // in the error
	}{
		{"reserved table name", lay(func(l *layer.Layer) { l.Source.Table = "gpkg_contents" }), nil, "reserved"},
		{"id column is also a field", lay(func(l *layer.Layer) { l.Source.IDColumn = "name" }), nil, "used twice"},
		{"field column clash, any case", lay(func(l *layer.Layer) { l.Fields[1].Column = "NAME" }), nil, "used twice"},
		{"invalid layer", lay(func(l *layer.Layer) { l.ID = "" }), nil, "id must be"},
		{"wrong geometry type", base.Layer, rec(func(r *store.Record) { r.Geometry = orb.LineString{{0, 0}, {1, 1}} }), "LineString in a layer of Point"},
		{"NaN coordinate", base.Layer, rec(func(r *store.Record) { r.Geometry = orb.Point{math.NaN(), 1} }), "NaN or infinite"},
		{"NaN among numbers", lay(func(l *layer.Layer) { l.GeometryType = layer.AnyGeometry }),
			rec(func(r *store.Record) { r.Geometry = orb.LineString{{0, 0}, {math.NaN(), 1}} }), "NaN or infinite"},
		{"infinite coordinate", base.Layer, rec(func(r *store.Record) { r.Geometry = orb.Point{math.Inf(1), 1} }), "NaN or infinite"},
		{"string id after int ids", base.Layer, rec(func(r *store.Record) { r.ID = "x" }), "integer ids"},
		{"float id", base.Layer, rec(func(r *store.Record) { r.ID = 1.5 }), "neither an integer nor a string"},
		{"duplicate id", base.Layer, rec(func(r *store.Record) { r.ID = base.Records[1].ID }), "UNIQUE"},
		{"too few props", base.Layer, rec(func(r *store.Record) { r.Props = r.Props[:2] }), "2 props for 8 fields"},
		{"int for a string", base.Layer, rec(func(r *store.Record) { r.Props[0] = 5 }), `field "name"`},
		{"float for an integer", base.Layer, rec(func(r *store.Record) { r.Props[1] = 1.5 }), `field "floors"`},
		{"string for a date", base.Layer, rec(func(r *store.Record) { r.Props[4] = "2024-01-01" }), `field "opened_on"`},
		{"invalid JSON", base.Layer, rec(func(r *store.Record) { r.Props[6] = json.RawMessage(`{`) }), "invalid JSON"},
		{"object for an array", base.Layer, rec(func(r *store.Record) { r.Props[7] = map[string]any{} }), `field "tags"`},
		{"string ids without an id column", lay(func(l *layer.Layer) { l.Source.IDColumn = "" }),
			rec(func(r *store.Record) { r.ID = "a" })[1:], "id column"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTemp(t)
			defer s.Close()
			if err := s.WriteLayer(context.Background(), &base.Layer, seq(base.Records)); err != nil {
				t.Fatal(err)
			}
			err := s.WriteLayer(context.Background(), &tt.layer, seq(tt.records))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteLayer: %v, want an error about %q", err, tt.want)
			}
			if got := loadAll(t, s, &base.Layer); len(got) != len(base.Records) {
				t.Errorf("the failed write changed the layer: %d records", len(got))
			}
			if ls, err := s.Layers(context.Background()); err != nil || len(ls) != 1 {
				t.Errorf("after the failed write: layers %v, %v", ls, err)
			}
		})
	}
}

func TestWriteCancelled(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	l := benchLayer("buildings")
	n := 0
	recs := func(yield func(store.Record, error) bool) {
		for r := range squares(10000) {
			if n++; n == 2000 {
				cancel()
			}
			if !yield(r, nil) {
				return
			}
		}
	}
	if err := s.WriteLayer(ctx, l, recs); !errors.Is(err, context.Canceled) {
		t.Fatalf("WriteLayer: %v, want context.Canceled", err)
	}
	if ls, err := s.Layers(context.Background()); err != nil || len(ls) != 0 {
		t.Errorf("a cancelled write left layers %v, %v", ls, err)
	}
}

// TestValues round-trips the edge values of each field type.
func TestValues(t *testing.T) {
	hkt := time.FixedZone("HKT", 8*3600)
	tests := []struct {
		typ      layer.FieldType
		in, want any
	}{
		{layer.String, "", ""},
		{layer.Integer, int32(-7), int64(-7)},
		{layer.Integer, uint64(math.MaxInt64), int64(math.MaxInt64)},
		{layer.Number, float32(0.5), 0.5},
		{layer.Number, int64(3), 3.0},
		{layer.Number, math.Inf(-1), math.Inf(-1)},
		{layer.Boolean, true, true},
		// A date is the calendar date in the value's own zone.
		{layer.Date, time.Date(2024, 3, 15, 0, 0, 0, 0, hkt), time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)},
		{layer.DateTime, time.Date(2024, 3, 15, 8, 30, 15, 0, hkt), time.Date(2024, 3, 15, 0, 30, 15, 0, time.UTC)},
		{layer.DateTime, time.Date(2024, 3, 15, 8, 30, 15, 123456789, time.UTC), time.Date(2024, 3, 15, 8, 30, 15, 123456789, time.UTC)},
		{layer.JSON, map[string]any{"a": "b"}, json.RawMessage(`{"a":"b"}`)},
		{layer.JSON, []byte(`[1, 2]`), json.RawMessage(`[1,2]`)},
		{layer.Array, []string{"x"}, []any{"x"}},
		{layer.Array, []any{int64(1), 2.5, true, nil}, []any{int64(1), 2.5, true, nil}},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			stored, err := toSQL(layer.Field{Name: "f", Type: tt.typ}, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			// The driver hands DATE and DATETIME text back parsed; test both.
			for _, v := range []any{stored, driverTime(stored, tt.typ)} {
				got, err := fromSQL(tt.typ, v)
				if err != nil {
					t.Fatal(err)
				}
				if !storetest.ValueEqual(got, tt.want) {
					t.Errorf("%#v stored as %#v read back as %#v, want %#v", tt.in, stored, got, tt.want)
				}
			}
		})
	}
}

// driverTime mimics modernc's parsing of DATE and DATETIME columns.
func driverTime(v any, t layer.FieldType) any {
	s, ok := v.(string)
	if !ok || (t != layer.Date && t != layer.DateTime) {
		return v
	}
	for _, l := range []string{"2006-01-02T15:04:05.999999999Z", "2006-01-02"} {
		if d, err := time.Parse(l, s); err == nil {
			return d
		}
	}
	return v
}
