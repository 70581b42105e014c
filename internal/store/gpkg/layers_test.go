package gpkg

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// fullLayer uses every part of layer.Layer that the GeoPackage itself
// cannot hold, so csdi_layers must carry it.
func fullLayer() *layer.Layer {
	return &layer.Layer{
		ID:          "hk_schools",
		Title:       layer.Text{En: "Schools", Zh: "學校"},
		Description: layer.Text{En: "Primary and secondary schools", Zh: "中小學"},
		Department:  "EDB",
		Keywords:    []string{"education", "教育"},
		License:     "https://data.gov.hk/en/terms-and-conditions",
		Source: layer.Source{Table: "schools", IDColumn: "school_no", GeometryColumn: "location",
			TimeColumn: "opened_at", SRID: 2326},
		GeometryType: layer.Point,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String, Title: layer.Text{En: "Name", Zh: "名稱"}},
			{Name: "students", Type: layer.Integer, Column: "student_count"},
			{Name: "opened_at", Type: layer.DateTime},
			{Name: "tags", Type: layer.Array},
		},
		MinZoom:   10,
		MaxZoom:   20,
		Sensitive: true,
		Access:    layer.Access{Level: "restricted", Departments: []string{"EDB"}},
		Masking:   &layer.Masking{Attributes: map[string]string{"name": "redact"}, Geometry: "snap:100"},
	}
}

func schoolRecords() []store.Record {
	at := time.Date(1990, 9, 1, 8, 0, 0, 0, time.UTC)
	return []store.Record{
		{ID: "S001", Geometry: orb.Point{835000, 817000}, Props: []any{"聖保羅書院", int64(900), at, []any{"boys", int64(1851)}}},
		{ID: "S002", Geometry: orb.Point{836000, 818000}, Props: []any{"Queen's College", nil, nil, nil}},
	}
}

func TestLayerMetadataRoundTrip(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	l := fullLayer()
	if err := s.WriteLayer(context.Background(), l, seq(schoolRecords())); err != nil {
		t.Fatal(err)
	}
	ls, err := s.Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 1 {
		t.Fatalf("%d layers, want 1", len(ls))
	}
	if !reflect.DeepEqual(ls[0], *l) {
		t.Errorf("discovered\n%+v\nwant\n%+v", ls[0], *l)
	}
	got := loadAll(t, s, &ls[0])
	for i, want := range schoolRecords() {
		compare(t, got[i], want)
	}
}

// TestLayersFollowEdits changes a csdi table behind csdi's back, as QGIS
// might: discovery reports the table as it is, keeping what it can.
func TestLayersFollowEdits(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	if err := s.WriteLayer(context.Background(), fullLayer(), seq(schoolRecords())); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`ALTER TABLE schools ADD COLUMN district TEXT(40)`,
		`ALTER TABLE schools ADD COLUMN photo BLOB`, // no field type: skipped
		`ALTER TABLE schools DROP COLUMN tags`,
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ls, err := s.Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range ls[0].Fields {
		names = append(names, f.Name+":"+string(f.Type))
	}
	want := []string{"name:string", "students:integer", "opened_at:datetime", "district:string"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
	if ls[0].Title.Zh != "學校" {
		t.Errorf("the edit lost the metadata: %+v", ls[0])
	}
}

func TestInferredIDs(t *testing.T) {
	tests := []struct{ table, id string }{
		{"roads", "roads"},
		{"道路 roads", "t___roads"},
		{"_hidden", "t_hidden"},
	}
	for _, tt := range tests {
		if got := layerID(tt.table); got != tt.id {
			t.Errorf("layerID(%q) = %q, want %q", tt.table, got, tt.id)
		}
	}
	taken := map[string]bool{}
	if a, b := uniqueID("x", taken), uniqueID("x", taken); a != "x" || b != "x_2" {
		t.Errorf("uniqueID gave %q, %q", a, b)
	}
}

func TestFieldTypeInference(t *testing.T) {
	tests := []struct {
		declared string
		want     layer.FieldType
		ok       bool
	}{
		{"TEXT", layer.String, true}, {"TEXT(80)", layer.String, true}, {"varchar(20)", layer.String, true},
		{"INTEGER", layer.Integer, true}, {"MEDIUMINT", layer.Integer, true}, {"SMALLINT", layer.Integer, true},
		{"TINYINT", layer.Integer, true}, {"INT", layer.Integer, true},
		{"BOOLEAN", layer.Boolean, true},
		{"REAL", layer.Number, true}, {"DOUBLE", layer.Number, true}, {"FLOAT", layer.Number, true},
		{"DATE", layer.Date, true}, {"DATETIME", layer.DateTime, true},
		{"BLOB", "", false}, {"", "", false}, {"POINT", "", false},
	}
	for _, tt := range tests {
		got, ok := fieldType(tt.declared)
		if got != tt.want || ok != tt.ok {
			t.Errorf("fieldType(%q) = %q, %v; want %q, %v", tt.declared, got, ok, tt.want, tt.ok)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.gpkg")
	if Exists(path) {
		t.Fatal("Exists before Open")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := s.Layers(context.Background())
	if err != nil || len(ls) != 0 {
		t.Errorf("a new file has layers %v, %v", ls, err)
	}
	s.Close()
	if !Exists(path) {
		t.Error("Open did not create the file")
	}
	// Opening again keeps it.
	if s, err = Open(path, Options{}); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s.Close()

	t.Run("awkward path", func(t *testing.T) {
		p := filepath.Join(dir, "地圖 50% ?#&.gpkg")
		s, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		if !Exists(p) {
			t.Errorf("%q was not created", p)
		}
	})
	t.Run("not a GeoPackage", func(t *testing.T) {
		other := filepath.Join(dir, "other.db")
		s, err := Open(other, Options{}) // make a GeoPackage, then turn it into something else
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.db.Exec(`DROP TABLE gpkg_contents`); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if _, err := Open(other, Options{}); !errors.Is(err, errNotGeoPackage) {
			t.Errorf("Open of a plain SQLite file: %v, want errNotGeoPackage", err)
		}
	})
	t.Run("not SQLite", func(t *testing.T) {
		junk := filepath.Join(dir, "junk.gpkg")
		if err := os.WriteFile(junk, []byte("this is not a database, just text long enough to look like one......................................................"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(junk, Options{}); err == nil {
			t.Error("Open of a text file succeeded")
		}
	})
}
