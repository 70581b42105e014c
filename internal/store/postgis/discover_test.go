package postgis

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// fixtureURL is a new database with fixtureSQL applied.
func fixtureURL(t *testing.T) string {
	t.Helper()
	url := testenv.DatabaseURL(t)
	exec(t, url, fixtureSQL...)
	return url
}

// fixtureStore opens the fixture database with both schemas and a logger
// the test can read.
func fixtureStore(t *testing.T) (*Store, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	s := open(t, fixtureURL(t), Options{Schemas: []string{"public", "lands"}, Logger: logs.logger()})
	return s, logs
}

func discoverAll(t *testing.T, s *Store) map[string]layer.Layer {
	t.Helper()
	ls, err := s.Layers(context.Background())
	if err != nil {
		t.Fatalf("Layers: %v", err)
	}
	byID := make(map[string]layer.Layer, len(ls))
	for _, l := range ls {
		if _, dup := byID[l.ID]; dup {
			t.Errorf("layer id %q reported twice", l.ID)
		}
		if err := l.Validate(); err != nil {
			t.Errorf("discovered layer is invalid: %v", err)
		}
		byID[l.ID] = l
	}
	return byID
}

func TestLayers(t *testing.T) {
	s, logs := fixtureStore(t)
	got := discoverAll(t, s)

	tests := []struct {
		id     string
		source layer.Source
		gtype  layer.GeometryType
		fields string // name:type, comma-separated
	}{
		{"pts_4326", layer.Source{Schema: "public", Table: "pts_4326", IDColumn: "id", GeometryColumn: "geom", SRID: 4326}, layer.Point, ""},
		{"pts_2326", layer.Source{Schema: "public", Table: "pts_2326", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}, layer.Point, ""},
		{"pts_3857", layer.Source{Schema: "public", Table: "pts_3857", IDColumn: "id", GeometryColumn: "geom", SRID: 3857}, layer.Point, ""},
		{"pts_utm50", layer.Source{Schema: "public", Table: "pts_utm50", IDColumn: "id", GeometryColumn: "geom", SRID: 32650}, layer.Point, ""},
		{"pointz", layer.Source{Schema: "public", Table: "pointz", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}, layer.Point, ""},
		{"linem", layer.Source{Schema: "public", Table: "linem", IDColumn: "id", GeometryColumn: "geom", SRID: 4326}, layer.LineString, ""},
		{"polyzm", layer.Source{Schema: "public", Table: "polyzm", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}, layer.Polygon, ""},
		{"empties", layer.Source{Schema: "public", Table: "empties", IDColumn: "id", GeometryColumn: "geom", SRID: 4326}, layer.AnyGeometry, ""},
		{"bowtie", layer.Source{Schema: "public", Table: "bowtie", IDColumn: "id", GeometryColumn: "geom", SRID: 4326}, layer.Polygon, ""},
		{"pts_buffered", layer.Source{Schema: "public", Table: "pts_buffered", GeometryColumn: "area", SRID: 2326}, layer.AnyGeometry, "id:integer,label:string"},
		{"pts_mat", layer.Source{Schema: "public", Table: "pts_mat", GeometryColumn: "geom", SRID: 2326}, layer.Point, "id:integer"},
		{"nopk", layer.Source{Schema: "public", Table: "nopk", GeometryColumn: "geom", SRID: 4326}, layer.Point, "name:string"},
		{"gid_unique", layer.Source{Schema: "public", Table: "gid_unique", IDColumn: "gid", GeometryColumn: "geom", SRID: 4326}, layer.Point, "name:string"},
		{"Parcels_Export", layer.Source{Schema: "public", Table: "Parcels Export", IDColumn: "OBJECTID", GeometryColumn: "Shape", SRID: 2326}, layer.MultiPolygon, ""},
		{"two_geoms", layer.Source{Schema: "public", Table: "two_geoms", IDColumn: "id", GeometryColumn: "boundary", SRID: 2326}, layer.Polygon, "name:string"},
		{"two_geoms.centre", layer.Source{Schema: "public", Table: "two_geoms", IDColumn: "id", GeometryColumn: "centre", SRID: 2326}, layer.Point, "name:string"},
		{"all_types", layer.Source{Schema: "public", Table: "all_types", IDColumn: "id", GeometryColumn: "geom", SRID: 4326}, layer.Point,
			"t:string,vc:string,ch:string,nm:string,ci:string,i2:integer,i4:integer,i8:integer," +
				"f4:number,f8:number,num:number,b:boolean,d:date,ts:datetime,tstz:datetime,u:string," +
				"j:json,jb:json,ia:array,ta:array,e:string,pos:integer"},
		{"lands.lots", layer.Source{Schema: "lands", Table: "lots", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}, layer.MultiPolygon, ""},
		{"lots", layer.Source{Schema: "public", Table: "lots", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}, layer.MultiPolygon, ""},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			l, ok := got[tt.id]
			if !ok {
				t.Fatalf("layer %q not discovered", tt.id)
			}
			if l.Source != tt.source {
				t.Errorf("source = %+v, want %+v", l.Source, tt.source)
			}
			if l.GeometryType != tt.gtype {
				t.Errorf("geometry type = %q, want %q", l.GeometryType, tt.gtype)
			}
			if f := fieldList(l.Fields); f != tt.fields {
				t.Errorf("fields = %q, want %q", f, tt.fields)
			}
			if l.MinZoom != 0 || l.MaxZoom != layer.DefaultMaxZoom {
				t.Errorf("zoom = %d-%d, want 0-%d", l.MinZoom, l.MaxZoom, layer.DefaultMaxZoom)
			}
		})
	}
	if _, ok := got["plain"]; ok {
		t.Error("a table without geometry was reported as a layer")
	}
	if _, ok := got["curves"]; !ok {
		t.Error("layer curves not discovered")
	}

	t.Run("unsupported columns are logged", func(t *testing.T) {
		for _, col := range []string{"raw", "period", "doc", "geog"} {
			if !strings.Contains(logs.String(), "layer=all_types column="+col+" ") {
				t.Errorf("no warning for skipped column %q in:\n%s", col, logs.String())
			}
		}
	})
}

func TestLayersMetadata(t *testing.T) {
	s, _ := fixtureStore(t)
	got := discoverAll(t, s)
	tests := []struct {
		id          string
		title, desc layer.Text
		keywords    []string
	}{
		{"pts_2326", layer.Text{En: "Pts 2326"}, layer.Text{En: "Survey points"}, nil},
		{"two_geoms", layer.Text{En: "Two geoms"}, layer.Text{}, nil},
		{"two_geoms.centre", layer.Text{En: "Two geoms (centre)"}, layer.Text{}, nil},
		{"Parcels_Export", layer.Text{En: "Parcels Export"}, layer.Text{}, nil},
		{"lands.lots", layer.Text{En: "Land lots", Zh: "地段"}, layer.Text{En: "Lots", Zh: "地段資料"}, []string{"land"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			l := got[tt.id]
			if l.Title != tt.title || l.Description != tt.desc || !reflect.DeepEqual(l.Keywords, tt.keywords) {
				t.Errorf("title %+v, description %+v, keywords %q; want %+v, %+v, %q",
					l.Title, l.Description, l.Keywords, tt.title, tt.desc, tt.keywords)
			}
		})
	}
	t.Run("column comment titles the field", func(t *testing.T) {
		l := got["nopk"]
		if i := l.FieldIndex("name"); i < 0 || l.Fields[i].Title.En != "Name of the thing" {
			t.Errorf("fields %+v: want name titled from its comment", l.Fields)
		}
	})
}

func TestLayersOnlyConfiguredSchemas(t *testing.T) {
	s := open(t, fixtureURL(t), Options{}) // public only
	got := discoverAll(t, s)
	if _, ok := got["lands.lots"]; ok {
		t.Error("a layer from schema lands was reported although only public is configured")
	}
	if _, ok := got["lots"]; !ok {
		t.Error("public.lots not reported")
	}
}

func fieldList(fs []layer.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Name + ":" + string(f.Type)
	}
	return strings.Join(parts, ",")
}
