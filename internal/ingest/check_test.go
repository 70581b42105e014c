package ingest

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

func TestCheck(t *testing.T) {
	l := buildings()
	good := func() store.Record {
		return store.Record{ID: int64(1),
			Geometry: orb.MultiPolygon{{{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.3}}}},
			Props: []any{"x", int64(3), 1.5, true, time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC),
				time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("HKT", 8*3600)), json.RawMessage(`{"a":1}`), []any{"a", int64(1), 2.5, false, nil}}}
	}
	if ps := Check(l, 0, good()); len(ps) != 0 {
		t.Fatalf("a good record: %v", ps)
	}
	type want struct{ field, reason string }
	cases := []struct {
		name   string
		change func(*store.Record)
		want   []want
	}{
		{"string id", func(r *store.Record) { r.ID = "B-1" }, nil},
		{"no id", func(r *store.Record) { r.ID = nil }, nil},
		{"int id", func(r *store.Record) { r.ID = 1 }, []want{{"id", "whole number or a string"}}},
		{"empty id", func(r *store.Record) { r.ID = "" }, []want{{"id", "empty"}}},
		{"too few values", func(r *store.Record) { r.Props = r.Props[:3] }, []want{{"", "has 3 attribute values"}}},
		{"required nil", func(r *store.Record) { r.Props[0] = nil }, []want{{"name", "required"}}},
		{"int for float", func(r *store.Record) { r.Props[2] = int64(2) }, []want{{"height", "must be a number, got a int64"}}},
		{"NaN", func(r *store.Record) { r.Props[2] = math.NaN() }, []want{{"height", "finite"}}},
		{"float for int", func(r *store.Record) { r.Props[1] = 2.0 }, []want{{"floors", "whole number"}}},
		{"string for bool", func(r *store.Record) { r.Props[3] = "yes" }, []want{{"open", "true or false"}}},
		{"date with a time", func(r *store.Record) { r.Props[4] = time.Date(2020, 1, 2, 3, 0, 0, 0, time.UTC) }, []want{{"built", "UTC midnight"}}},
		{"string for datetime", func(r *store.Record) { r.Props[5] = "2020-01-02" }, []want{{"surveyed", "RFC 3339"}}},
		{"bad JSON", func(r *store.Record) { r.Props[6] = json.RawMessage(`{`) }, []want{{"extra", "not valid JSON"}}},
		{"nested array", func(r *store.Record) { r.Props[7] = []any{[]any{1}} }, []want{{"tags", "element 0"}}},
		{"polygon in a multipolygon layer", func(r *store.Record) { r.Geometry = r.Geometry.(orb.MultiPolygon)[0] }, nil},
		{"point", func(r *store.Record) { r.Geometry = orb.Point{114, 22} }, []want{{"geometry", "got a Point"}}},
		{"ring", func(r *store.Record) { r.Geometry = orb.Ring{} }, []want{{"geometry", "unsupported geometry type"}}},
		{"no geometry", func(r *store.Record) { r.Geometry = nil }, nil},
		{"unclosed and infinite", func(r *store.Record) {
			r.Geometry = orb.MultiPolygon{
				{{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.4}}},
				{{{114.1, 22.3}, {math.Inf(1), 22.3}, {114.2, 22.4}, {114.1, 22.3}}},
			}
		}, []want{{"geometry", "ring 0 of polygon 0 is not closed"}, {"geometry", "position 1 of ring 0 of polygon 1"}}},
		{"swapped axes", func(r *store.Record) {
			r.Geometry = orb.MultiPolygon{{{{22.3, 114.1}, {22.3, 114.2}, {22.4, 114.2}, {22.3, 114.1}}}}
		}, []want{{"geometry", "axes swapped"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.change(&r)
			ps := Check(l, 5, r)
			if len(ps) != len(tc.want) {
				t.Fatalf("got %d problems, want %d: %v", len(ps), len(tc.want), ps)
			}
			for i, w := range tc.want {
				if ps[i].Field != w.field || !strings.Contains(ps[i].Reason, w.reason) || ps[i].Index != 5 {
					t.Errorf("problem %d: %+v, want field %q reason containing %q", i, ps[i], w.field, w.reason)
				}
			}
		})
	}
}

func TestShapeProblemsCapped(t *testing.T) {
	var mp orb.MultiPolygon
	for range 100 {
		mp = append(mp, orb.Polygon{{{1, 1}, {2, 1}, {1, 1}}})
	}
	if got := shapeProblems(4326, mp); len(got) != maxShapeProblems {
		t.Errorf("%d problems", len(got))
	}
}

func TestShapeProblemsHK1980(t *testing.T) {
	ok := orb.LineString{{833000, 816000}, {834000, 817000}}
	if ps := shapeProblems(2326, ok); len(ps) != 0 {
		t.Errorf("HK1980 grid line: %v", ps)
	}
	if ps := shapeProblems(2326, orb.LineString{{833000, 1e12}, {834000, 817000}}); len(ps) != 1 {
		t.Errorf("a northing of 1e12 passes: %v", ps)
	}
	if ps := shapeProblems(999999, orb.LineString{{1e12, 1e12}, {0, 0}}); len(ps) != 0 {
		t.Errorf("an unknown SRID's range is the store's to judge: %v", ps)
	}
}

func TestConform(t *testing.T) {
	l := &layer.Layer{GeometryType: layer.MultiLineString}
	if g := Conform(l, orb.LineString{{1, 1}, {2, 2}}); g.GeoJSONType() != "MultiLineString" {
		t.Errorf("%v", g)
	}
	if g := Conform(l, orb.Point{1, 1}); g.GeoJSONType() != "Point" {
		t.Errorf("a point was changed for a line layer: %v", g)
	}
	l.GeometryType = layer.LineString
	if g := Conform(l, orb.LineString{{1, 1}, {2, 2}}); g.GeoJSONType() != "LineString" {
		t.Errorf("%v", g)
	}
}
