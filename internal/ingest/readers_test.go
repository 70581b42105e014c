package ingest

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// fileOpener opens a fixture.
func fileOpener(t testing.TB, name string) (Opener, int64) {
	t.Helper()
	path := filepath.Join("testdata", name)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return func() (io.ReadCloser, error) { return os.Open(path) }, fi.Size()
}

func textOpener(s string) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

// readResult is one Read's output.
type readResult struct {
	recs     []store.Record
	index    []int
	problems []Problem
}

func readAll(t testing.TB, src Source, l *layer.Layer) readResult {
	t.Helper()
	var out readResult
	err := src.Read(context.Background(), l, func(i int, r store.Record, ps []Problem) error {
		if len(ps) > 0 {
			out.problems = append(out.problems, ps...)
			return nil
		}
		out.recs = append(out.recs, r)
		out.index = append(out.index, i)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func inferLayer(t testing.TB, src Source, id string) *layer.Layer {
	t.Helper()
	s, ps, err := src.Infer(context.Background())
	if err != nil || len(ps) > 0 {
		t.Fatalf("infer: %v %v", err, ps)
	}
	l := NewLayer(id, s)
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	return &l
}

func fieldTypes(l *layer.Layer) map[string]layer.FieldType {
	m := map[string]layer.FieldType{}
	for _, f := range l.Fields {
		m[f.Name] = f.Type
	}
	return m
}

func TestGeoJSONInferAndRead(t *testing.T) {
	open, size := fileOpener(t, "buildings_zh.geojson")
	src := NewGeoJSON(open, size, GeoJSONOptions{})
	l := inferLayer(t, src, "buildings-zh")
	want := map[string]layer.FieldType{"name": layer.String, "floors": layer.Integer, "height": layer.Number,
		"listed": layer.Boolean, "opened": layer.Date, "surveyed": layer.DateTime, "tags": layer.JSON}
	if got := fieldTypes(l); !reflect.DeepEqual(got, want) {
		t.Errorf("inferred fields %v, want %v", got, want)
	}
	if l.GeometryType != layer.MultiPolygon || l.Source.SRID != 4326 || l.Source.Table != "buildings_zh" || l.IDs != "server" {
		t.Errorf("inferred layer %+v", l)
	}
	res := readAll(t, src, l)
	if len(res.problems) > 0 || len(res.recs) != 3 {
		t.Fatalf("read %d records, problems %v", len(res.recs), res.problems)
	}
	if done, total := src.Progress(); done != size || total != size {
		t.Errorf("progress %d/%d, want %d/%d", done, total, size, size)
	}
	first := res.recs[0]
	if first.ID != int64(1) || first.Props[l.FieldIndex("name")] != "大會堂 City Hall" {
		t.Errorf("first record %+v", first)
	}
	if _, ok := first.Geometry.(orb.MultiPolygon); !ok {
		t.Errorf("a Polygon in a MultiPolygon layer is stored as %T", first.Geometry)
	}
	if res.recs[2].Geometry != nil {
		t.Errorf("null geometry read as %v", res.recs[2].Geometry)
	}
}

func TestGeoJSONLegacyCRS(t *testing.T) {
	open, size := fileOpener(t, "points_hk1980.geojson")
	src := NewGeoJSON(open, size, GeoJSONOptions{})
	l := inferLayer(t, src, "toilets")
	if l.Source.SRID != 2326 || l.IDs != "client" || l.GeometryType != layer.Point {
		t.Fatalf("layer from an EPSG:2326 file with string ids: %+v", l)
	}
	res := readAll(t, src, l)
	if len(res.problems) > 0 || res.recs[0].Geometry != (orb.Point{833980.5, 816000.25}) || res.recs[0].ID != "T-001" {
		t.Fatalf("kept in 2326: %+v %v", res.recs, res.problems)
	}
	// Into a layer stored in CRS84, positions are transformed.
	l84 := *l
	l84.Source.SRID = 4326
	res = readAll(t, src, &l84)
	p := res.recs[0].Geometry.(orb.Point)
	toLL, _ := crs.ToLonLat(2326)
	lon, lat := toLL(833980.5, 816000.25)
	if math.Abs(p[0]-lon) > 1e-9 || math.Abs(p[1]-lat) > 1e-9 || p[0] < 114 || p[0] > 114.3 {
		t.Errorf("transformed to %v, want %v,%v", p, lon, lat)
	}
	// --crs wins over the file.
	src = NewGeoJSON(open, size, GeoJSONOptions{SRID: 4326})
	res = readAll(t, src, &l84)
	if len(res.problems) == 0 {
		t.Error("grid metres read as CRS84 should be out of range")
	}
}

func TestGeoJSONProblems(t *testing.T) {
	l := &layer.Layer{ID: "t", GeometryType: layer.Point, Source: layer.Source{Table: "t", SRID: 4326},
		Fields: []layer.Field{{Name: "n", Type: layer.Integer, Required: true}}}
	in := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":1,"properties":{"n":1},"geometry":{"type":"Point","coordinates":[114,22]}},
		{"type":"Feature","id":2,"properties":{"n":"x","m":1},"geometry":{"type":"LineString","coordinates":[[114,22],[115,23]]}},
		{"type":"Feature","id":3,"properties":{"n":3},"geometry":{"type":"Point","coordinates":[114,22]}},
		{"type":"Feature","id":4,"properties":{"n":4},"geometry":{"type":"Point","coordinates":[114,22]}} x ]}`
	res := readAll(t, NewGeoJSON(textOpener(in), 0, GeoJSONOptions{}), l)
	if len(res.recs) != 3 {
		t.Errorf("%d good records, want 3 (1, 3 and 4)", len(res.recs))
	}
	fields := map[string]int{}
	for _, p := range res.problems {
		fields[p.Field] = p.Index
	}
	if fields["n"] != 1 || fields["m"] != 1 || fields["geometry"] != 1 {
		t.Errorf("problems of feature 1: %v", res.problems)
	}
	last := res.problems[len(res.problems)-1]
	if last.Index != 4 || !strings.Contains(last.Reason, "invalid GeoJSON at byte") {
		t.Errorf("the syntax error: %+v", last)
	}
}

func TestCSVLonLat(t *testing.T) {
	open, size := fileOpener(t, "toilets_lonlat.csv")
	src := NewCSV(open, size, CSVOptions{})
	l := inferLayer(t, src, "toilets")
	want := map[string]layer.FieldType{"name": layer.String, "名稱": layer.String, "opened": layer.Date,
		"accessible": layer.Boolean, "seats": layer.Integer}
	if got := fieldTypes(l); !reflect.DeepEqual(got, want) {
		t.Errorf("inferred %v, want %v", got, want)
	}
	if l.GeometryType != layer.Point || l.Source.SRID != 4326 || l.Fields[0].Name != "name" {
		t.Errorf("layer %+v", l)
	}
	res := readAll(t, src, l)
	if len(res.problems) > 0 || len(res.recs) != 3 {
		t.Fatalf("%d records, problems %v", len(res.recs), res.problems)
	}
	r := res.recs[1]
	if r.ID != int64(2) || r.Props[l.FieldIndex("name")] != "Tsim Sha Tsui, Clock Tower" ||
		r.Props[l.FieldIndex("名稱")] != "尖沙咀鐘樓公廁" || r.Props[l.FieldIndex("opened")] != nil ||
		r.Props[l.FieldIndex("accessible")] != false || r.Geometry != (orb.Point{114.1694, 22.2936}) {
		t.Errorf("record 2: %#v", r)
	}
	if res.recs[0].Props[l.FieldIndex("opened")] != time.Date(1998, 6, 1, 0, 0, 0, 0, time.UTC) {
		t.Errorf("date %v", res.recs[0].Props[l.FieldIndex("opened")])
	}
}

func TestCSVEastingNorthing(t *testing.T) {
	open, size := fileOpener(t, "sites_hk1980.csv")
	src := NewCSV(open, size, CSVOptions{})
	l := inferLayer(t, src, "sites")
	if l.Source.SRID != 2326 || l.IDs != "server" {
		t.Fatalf("layer %+v", l)
	}
	res := readAll(t, src, l)
	if len(res.problems) > 0 || res.recs[0].Geometry != (orb.Point{833980.5, 816000.25}) || res.recs[0].ID != nil {
		t.Fatalf("%+v %v", res.recs, res.problems)
	}
	// The same file into a CRS84 layer lands in Hong Kong.
	l.Source.SRID = 4326
	res = readAll(t, src, l)
	if p := res.recs[1].Geometry.(orb.Point); p[0] < 114.1 || p[0] > 114.2 || p[1] < 22.3 || p[1] > 22.35 {
		t.Errorf("Mong Kok at %v", p)
	}
}

// csdi's own f=csv download reads back into the layer it came from.
func TestCSVOwnDownload(t *testing.T) {
	l := &layer.Layer{ID: "b", GeometryType: layer.MultiPolygon, Source: layer.Source{Table: "b", SRID: 2326},
		Fields: []layer.Field{{Name: "name", Type: layer.String}, {Name: "floors", Type: layer.Integer},
			{Name: "height", Type: layer.Number}, {Name: "use", Type: layer.String}, {Name: "built", Type: layer.Date},
			{Name: "surveyed", Type: layer.DateTime}}}
	open, size := fileOpener(t, "download.csv")
	res := readAll(t, NewCSV(open, size, CSVOptions{}), l)
	if len(res.problems) > 0 || len(res.recs) != 3 {
		t.Fatalf("%d records, problems %v", len(res.recs), res.problems)
	}
	if got := res.recs[1].Props; got[0] != `Block "B" 乙座` || got[1] != int64(3) || got[2] != 9.0 ||
		got[5] != time.Date(2024, 3, 15, 8, 30, 0, 5e8, time.UTC) {
		t.Errorf("record 2 props %#v", got)
	}
	if got := res.recs[0].Props[5]; got != time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC) {
		t.Errorf("a date-time written as its date: %v", got)
	}
	mp, ok := res.recs[0].Geometry.(orb.MultiPolygon)
	if !ok || mp[0][0][0][0] < 800000 {
		t.Errorf("geometry %#v: want a MultiPolygon in HK1980 metres", res.recs[0].Geometry)
	}
	// Inferred from the same file, without a layer.
	il := inferLayer(t, NewCSV(open, size, CSVOptions{}), "again")
	want := map[string]layer.FieldType{"name": layer.String, "floors": layer.Integer, "height": layer.Number,
		"use": layer.String, "built": layer.Date, "surveyed": layer.DateTime}
	if got := fieldTypes(il); !reflect.DeepEqual(got, want) || il.GeometryType != layer.MultiPolygon {
		t.Errorf("inferred %v %s", got, il.GeometryType)
	}
}

func TestCSVProblems(t *testing.T) {
	l := &layer.Layer{ID: "t", GeometryType: layer.Point, Source: layer.Source{Table: "t", SRID: 4326},
		Fields: []layer.Field{{Name: "n", Type: layer.Integer, Required: true}, {Name: "d", Type: layer.Date}}}
	in := "n,d,lon,lat\n1,2024-01-01,114,22\nx,2024-13-01,114,22\n3,,114,abc\n4,,114,22,extra\n,,114,22\n5,,200,22\n"
	res := readAll(t, NewCSV(textOpener(in), 0, CSVOptions{}), l)
	if len(res.recs) != 1 {
		t.Errorf("%d good rows, want 1", len(res.recs))
	}
	type key struct {
		index int
		field string
	}
	got := map[key]bool{}
	for _, p := range res.problems {
		got[key{p.Index, p.Field}] = true
	}
	for _, k := range []key{{1, "n"}, {1, "d"}, {2, "geometry"}, {3, ""}, {4, "n"}, {5, "geometry"}} {
		if !got[k] {
			t.Errorf("no problem for row %d field %q in %v", k.index, k.field, res.problems)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"name\nx\n", "no geometry columns"},
		{"name,lon\nx,1\n", "one coordinate column"},
		{"a,a,wkt\n", "appears twice"},
		{"m,wkt\n1,POINT(1 2)\n", "unknown attribute"},
		{"", "empty"},
	} {
		res := readAll(t, NewCSV(textOpener(tc.in), 0, CSVOptions{}), l)
		if len(res.problems) != 1 || res.problems[0].Index != -1 || !strings.Contains(res.problems[0].Reason, tc.want) {
			t.Errorf("%q: problems %v, want one about %q", tc.in, res.problems, tc.want)
		}
	}
}

func TestInferWidening(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":"a","properties":{"i":1,"n":1,"d":"2024-01-01","s":"2024-01-01","j":1,"b":true,"z":null},"geometry":{"type":"Point","coordinates":[1,2]}},
		{"type":"Feature","id":1,"properties":{"i":2,"n":1.5,"d":"2024-01-01T10:00:00Z","s":"x","j":"x","b":false},"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}`
	s, _, err := NewGeoJSON(textOpener(in), 0, GeoJSONOptions{}).Infer(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	l := NewLayer("w", s)
	want := map[string]layer.FieldType{"i": layer.Integer, "n": layer.Number, "d": layer.String,
		"s": layer.String, "j": layer.JSON, "b": layer.Boolean, "z": layer.String}
	if got := fieldTypes(&l); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if l.GeometryType != layer.AnyGeometry || s.IDs != "" || s.Features != 2 {
		t.Errorf("geometry %s ids %q features %d", l.GeometryType, s.IDs, s.Features)
	}
}

func TestNewLayerNames(t *testing.T) {
	l := NewLayer("Lands.Lots-2024", Schema{SRID: 2326, Fields: []layer.Field{
		{Name: "ID", Type: layer.String}, {Name: "geom", Type: layer.String}, {Name: strings.Repeat("長", 30), Type: layer.String}}})
	if l.Source.Table != "lands_lots_2024" {
		t.Errorf("table %q", l.Source.Table)
	}
	cols := map[string]bool{}
	for _, f := range l.Fields {
		c := f.SourceColumn()
		if cols[strings.ToLower(c)] || len(c) > 63 || strings.EqualFold(c, "id") || c == "geom" {
			t.Errorf("column %q for field %q", c, f.Name)
		}
		cols[strings.ToLower(c)] = true
	}
	if TableName("2024 data") != "t_2024_data" {
		t.Errorf("TableName: %q", TableName("2024 data"))
	}
}

func TestParseCRS(t *testing.T) {
	for in, want := range map[string]int{
		"CRS84": 4326, "OGC:CRS84": 4326, "urn:ogc:def:crs:OGC:1.3:CRS84": 4326,
		"http://www.opengis.net/def/crs/OGC/1.3/CRS84": 4326, "EPSG:2326": 2326, "epsg:4326": 4326,
		"urn:ogc:def:crs:EPSG::2326": 2326, "http://www.opengis.net/def/crs/EPSG/0/4490": 4490, "3857": 3857,
	} {
		if got, err := ParseCRS(in); err != nil || got != want {
			t.Errorf("%s: %d %v, want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "EPSG:32650", "WGS84", "EPSG:"} {
		if _, err := ParseCRS(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// Problems are JSON a script can read.
func TestReportJSON(t *testing.T) {
	r := Report{Layer: "x", Mode: Append, Problems: []Problem{{Index: 3, ID: "a", Field: "n", Reason: "bad"}}, ProblemCount: 1}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"problems":[{"index":3,"id":"a","field":"n","reason":"bad"}]`) {
		t.Errorf("%s", b)
	}
}

// Inference checks every feature as the import into the inferred layer
// will, so a new layer's table is made only for a good file.
func TestGeoJSONInferChecksFeatures(t *testing.T) {
	in := `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":1,"properties":{"n":1},"geometry":{"type":"Point","coordinates":[114,22]}},
		{"type":"Feature","id":2,"properties":{"n":"x"},"geometry":{"type":"Polygon","coordinates":[[[114,22],[114.1,22],[114.1,22.1]]]}},
		{"type":"Feature","properties":{"n":3},"geometry":{"type":"Point","coordinates":[500,22]}},
		{"type":"Feature","id":4,"properties":{"n":4},"geometry":{"type":"Point","coordinates":[114,22]}}]}`
	sc, ps, err := NewGeoJSON(textOpener(in), 0, GeoJSONOptions{}).Infer(context.Background())
	if err != nil || !sc.Checked || sc.Features != 4 {
		t.Fatalf("%v %+v", err, sc)
	}
	type key struct {
		index int
		field string
	}
	got := map[key]bool{}
	for _, p := range ps {
		got[key{p.Index, p.Field}] = true
	}
	// The unclosed ring, the feature without an id after one with, its
	// longitude out of range; "n" mixes numbers and a string, which the
	// inferred json type holds, so it is no problem.
	for _, k := range []key{{1, "geometry"}, {2, "id"}, {2, "geometry"}} {
		if !got[k] {
			t.Errorf("no problem %+v in %v", k, ps)
		}
	}
	if got[key{1, "n"}] || len(ps) != 3 {
		t.Errorf("problems %v", ps)
	}
	// With those fixed, the file reads into its inferred layer without a
	// problem.
	good := strings.NewReplacer(`[114.1,22.1]]]`, `[114.1,22.1],[114,22]]]`, `{"type":"Feature","properties":{"n":3},"geometry":{"type":"Point","coordinates":[500,22]}}`,
		`{"type":"Feature","id":3,"properties":{"n":3},"geometry":{"type":"Point","coordinates":[114,22]}}`).Replace(in)
	src := NewGeoJSON(textOpener(good), 0, GeoJSONOptions{})
	sc, ps, err = src.Infer(context.Background())
	if err != nil || len(ps) > 0 {
		t.Fatalf("%v %v", err, ps)
	}
	l := NewLayer("good", sc)
	if res := readAll(t, src, &l); len(res.problems) > 0 || len(res.recs) != 4 {
		t.Errorf("%d records, problems %v", len(res.recs), res.problems)
	}
}
