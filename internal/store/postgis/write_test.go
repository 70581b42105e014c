package postgis

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
	"github.com/csdi-hk/csdi/internal/testenv"
)

func TestWriteLayerMetadata(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{Schemas: []string{"survey"}})
	l := layer.Layer{
		ID:          "survey.marks",
		Title:       layer.Text{En: "Survey marks", Zh: "測量標誌"},
		Description: layer.Text{En: "Trig stations, 'quoted'", Zh: "三角網站"},
		Department:  "LandsD",
		Keywords:    []string{"geodesy", "survey"},
		License:     "CC-BY-4.0",
		Source:      layer.Source{Schema: "survey", Table: "marks", GeometryColumn: "geom", SRID: 2326},
		// No IDColumn: the table gets none and features are row numbers.
		GeometryType: layer.Point,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String, Title: layer.Text{En: "Name", Zh: "名稱"}},
			{Name: "codes", Type: layer.Array},
		},
	}
	recs := []store.Record{
		{Geometry: orb.Point{836000, 818000}, Props: []any{"Tai Mo Shan", []any{int64(1), 2.5, nil, "x"}}},
		{Geometry: orb.Point{833000, 816000}, Props: []any{"Victoria Peak", nil}},
	}
	if err := s.WriteLayer(context.Background(), &l, storetest.Seq(recs)); err != nil {
		t.Fatalf("WriteLayer: %v", err)
	}
	ls, err := s.Layers(context.Background())
	if err != nil || len(ls) != 1 {
		t.Fatalf("Layers = %d layers, %v; want the one written", len(ls), err)
	}
	d := ls[0]
	if d.ID != "survey.marks" || d.Title != l.Title || d.Description != l.Description ||
		d.Department != l.Department || d.License != l.License || !reflect.DeepEqual(d.Keywords, l.Keywords) {
		t.Errorf("metadata did not round trip:\n got %+v\nwant %+v", d, l)
	}
	if d.Source.IDColumn != "" || !reflect.DeepEqual(d.Fields, l.Fields) {
		t.Errorf("schema did not round trip: id column %q, fields %+v", d.Source.IDColumn, d.Fields)
	}
	got := loadAll(t, s, &d)
	// Array elements are written as text[]; row numbers in write order.
	compare(t, got[0], store.Record{ID: int64(1), Geometry: orb.Point{836000, 818000},
		Props: []any{"Tai Mo Shan", []any{"1", "2.5", nil, "x"}}}, 0)
	compare(t, got[1], store.Record{ID: int64(2), Geometry: orb.Point{833000, 816000},
		Props: []any{"Victoria Peak", nil}}, 0)
}

func TestWriteLayerEmpty(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{})
	l := layer.Layer{ID: "nothing", Source: layer.Source{Table: "nothing", IDColumn: "id", GeometryColumn: "geom", SRID: 4326}}
	if err := s.WriteLayer(context.Background(), &l, storetest.Seq(nil)); err != nil {
		t.Fatalf("WriteLayer: %v", err)
	}
	ls, err := s.Layers(context.Background())
	if err != nil || len(ls) != 1 || ls[0].GeometryType != layer.AnyGeometry || ls[0].Source.IDColumn != "id" {
		t.Fatalf("Layers = %+v, %v; want one generic layer with an id column", ls, err)
	}
	if got := loadAll(t, s, &l); len(got) != 0 {
		t.Errorf("loaded %d records from an empty layer", len(got))
	}
}

// Whatever goes wrong, the previous table is left as it was.
func TestWriteLayerFailures(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{})
	base := layer.Layer{ID: "pts", GeometryType: layer.Point,
		Source: layer.Source{Table: "pts", IDColumn: "id", GeometryColumn: "geom", SRID: 4326},
		Fields: []layer.Field{{Name: "n", Type: layer.Integer}}}
	good := []store.Record{{ID: int64(1), Geometry: orb.Point{1, 2}, Props: []any{int64(5)}}}
	if err := s.WriteLayer(context.Background(), &base, storetest.Seq(good)); err != nil {
		t.Fatalf("WriteLayer: %v", err)
	}
	boom := errors.New("source failed")
	failFirst := func(yield func(store.Record, error) bool) { yield(store.Record{}, boom) }

	tests := []struct {
		name    string
		edit    func(l *layer.Layer)
		records func(yield func(store.Record, error) bool)
		is      error
	}{
		{"iterator fails at once", nil, failFirst, boom},
		{"geometry of another type", nil, storetest.Seq([]store.Record{{ID: int64(2), Geometry: orb.LineString{{0, 0}, {1, 1}}, Props: []any{nil}}}), nil},
		{"too few values", nil, storetest.Seq([]store.Record{{ID: int64(2), Geometry: orb.Point{0, 0}}}), nil},
		{"value of the wrong type", nil, storetest.Seq([]store.Record{{ID: int64(2), Props: []any{"five"}}}), nil},
		{"duplicate id", nil, storetest.Seq([]store.Record{{ID: int64(2), Props: []any{nil}}, {ID: int64(2), Props: []any{nil}}}), nil},
		{"missing id", nil, storetest.Seq([]store.Record{{Props: []any{nil}}}), nil},
		{"unknown field type", func(l *layer.Layer) { l.Fields[0].Type = "money" }, storetest.Seq(nil), nil},
		{"unknown geometry type", func(l *layer.Layer) { l.GeometryType = "Curve" }, storetest.Seq(nil), nil},
		{"field named like the geometry", func(l *layer.Layer) { l.Fields[0].Name = "geom" }, storetest.Seq(nil), nil},
		{"cancelled", nil, func(yield func(store.Record, error) bool) {}, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := base
			l.Fields = append([]layer.Field(nil), base.Fields...)
			if tt.edit != nil {
				tt.edit(&l)
			}
			ctx := context.Background()
			if tt.is == context.Canceled {
				c, cancel := context.WithCancel(ctx)
				cancel()
				ctx = c
			}
			err := s.WriteLayer(ctx, &l, tt.records)
			if err == nil {
				t.Fatal("WriteLayer succeeded")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			got := loadAll(t, s, &base)
			if len(got) != 1 {
				t.Fatalf("a failed write changed the layer: %d records", len(got))
			}
			compare(t, got[0], good[0], 0)
		})
	}
}

// A rewrite may change a column's type; a connection that loaded the old
// table must still load the new one.
func TestRewriteChangesTypes(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{MaxConns: 1})
	l := layer.Layer{ID: "pts", Source: layer.Source{Table: "pts", IDColumn: "id", GeometryColumn: "geom", SRID: 4326},
		Fields: []layer.Field{{Name: "v", Type: layer.Integer}}}
	write := func(recs ...store.Record) {
		t.Helper()
		if err := s.WriteLayer(context.Background(), &l, storetest.Seq(recs)); err != nil {
			t.Fatalf("WriteLayer: %v", err)
		}
	}
	write(store.Record{ID: int64(1), Props: []any{int64(5)}})
	loadAll(t, s, &l)
	l.Fields[0].Type = layer.String
	write(store.Record{ID: "a", Props: []any{"five"}})
	got := loadAll(t, s, &l)
	compare(t, got[0], store.Record{ID: "a", Props: []any{"five"}}, 0)
}
