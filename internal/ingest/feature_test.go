package ingest

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// buildings is a layer with one field of every type.
func buildings() *layer.Layer {
	return &layer.Layer{
		ID: "buildings", GeometryType: layer.MultiPolygon,
		Source: layer.Source{Table: "buildings", SRID: 4326},
		Fields: []layer.Field{
			{Name: "name", Type: layer.String, Required: true},
			{Name: "floors", Type: layer.Integer},
			{Name: "height", Type: layer.Number},
			{Name: "open", Type: layer.Boolean},
			{Name: "built", Type: layer.Date},
			{Name: "surveyed", Type: layer.DateTime},
			{Name: "extra", Type: layer.JSON},
			{Name: "tags", Type: layer.Array},
		},
	}
}

const square = `{"type":"Polygon","coordinates":[[[114.1,22.3],[114.2,22.3],[114.2,22.4],[114.1,22.3]]]}`

func TestDecodeValid(t *testing.T) {
	l := buildings()
	raw := `{"type":"Feature","id":7,"geometry":` + square + `,"properties":{
		"name":"中環大會堂 City Hall","floors":12,"height":45,"open":true,"built":"1962-03-02",
		"surveyed":"2024-03-15T16:30:15.5+08:00","extra":{ "a" : [1, 2] },"tags":["x",1,2.5,true,null]},
		"links":[]}`
	r, ps := NewDecoder(l, DecodeOptions{}).Decode(0, []byte(raw))
	if len(ps) != 0 {
		t.Fatalf("problems: %v", ps)
	}
	want := []any{"中環大會堂 City Hall", int64(12), 45.0, true,
		time.Date(1962, 3, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 15, 8, 30, 15, 500000000, time.UTC),
		json.RawMessage(`{"a":[1,2]}`), []any{"x", int64(1), 2.5, true, nil}}
	if !reflect.DeepEqual(r.Props, want) {
		t.Errorf("props\n got %#v\nwant %#v", r.Props, want)
	}
	if r.ID != int64(7) {
		t.Errorf("id %#v", r.ID)
	}
	// The layer holds MultiPolygons: the Polygon is promoted.
	mp, ok := r.Geometry.(orb.MultiPolygon)
	if !ok || len(mp) != 1 || mp[0][0][1] != (orb.Point{114.2, 22.3}) {
		t.Errorf("geometry %#v", r.Geometry)
	}
	if ps := Check(l, 0, r); len(ps) != 0 {
		t.Errorf("a decoded record fails Check: %v", ps)
	}
}

func TestDecodeIDsAndNulls(t *testing.T) {
	l := buildings()
	d := NewDecoder(l, DecodeOptions{})
	for raw, want := range map[string]any{
		`"id":"A-1",`: "A-1",
		`"id":12.0,`:  int64(12),
		`"id":null,`:  nil,
		``:            nil,
		`"id":-3,`:    int64(-3),
	} {
		r, ps := d.Decode(0, []byte(`{"type":"Feature",`+raw+`"geometry":null,"properties":{"name":"x","floors":null}}`))
		if len(ps) != 0 || r.ID != want || r.Geometry != nil || r.Props[1] != nil {
			t.Errorf("%s: id %#v geometry %v props %v, problems %v", raw, r.ID, r.Geometry, r.Props, ps)
		}
	}
}

func TestDecodeTransformsToStorage(t *testing.T) {
	l := buildings()
	l.GeometryType = layer.Point
	// A client in lat/lon order: the transform swaps.
	d := NewDecoder(l, DecodeOptions{ToStorage: func(x, y float64) (float64, float64) { return y, x }})
	r, ps := d.Decode(0, []byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[22.3,114.1,5]},"properties":{"name":"x"}}`))
	if len(ps) != 0 || r.Geometry != (orb.Point{114.1, 22.3}) {
		t.Fatalf("%v %v", r.Geometry, ps)
	}
	// A transform that finds a position outside its CRS says NaN.
	d = NewDecoder(l, DecodeOptions{ToStorage: func(x, y float64) (float64, float64) { return math.NaN(), math.NaN() }})
	_, ps = d.Decode(0, []byte(`{"type":"Feature","geometry":{"type":"Point","coordinates":[95,114.1]},"properties":{"name":"x"}}`))
	if len(ps) != 1 || !strings.Contains(ps[0].Reason, "outside the range") {
		t.Errorf("problems %v", ps)
	}
}

// TestDecodeProblems lists every kind of bad input with the problems it
// must produce: field and a fragment of the reason.
func TestDecodeProblems(t *testing.T) {
	type want struct{ field, reason string }
	feature := func(geometry, props string) string {
		return `{"type":"Feature","id":"b1","geometry":` + geometry + `,"properties":` + props + `}`
	}
	ok := `{"name":"x"}`
	cases := []struct {
		name string
		raw  string
		want []want
	}{
		{"invalid JSON", `{"type":"Feature",`, []want{{"", "invalid JSON"}}},
		{"not an object", `[1,2]`, []want{{"", "not a GeoJSON Feature object"}}},
		{"null", `null`, []want{{"", "not a GeoJSON Feature object"}}},
		{"empty", ``, []want{{"", "invalid JSON"}}},
		{"a collection", `{"type":"FeatureCollection","features":[]}`, []want{{"", `"type" must be "Feature"`}}},
		{"no type", `{"geometry":null}`, []want{{"", `"type" must be "Feature"`}}},
		{"unknown attribute", feature("null", `{"name":"x","colour":"red"}`), []want{{"colour", "unknown attribute"}}},
		{"integer given a string", feature("null", `{"name":"x","floors":"tall"}`), []want{{"floors", "must be a whole number"}}},
		{"integer given a fraction", feature("null", `{"name":"x","floors":2.5}`), []want{{"floors", "must be a whole number"}}},
		{"integer too large", feature("null", `{"name":"x","floors":99999999999999999999}`), []want{{"floors", "whole number"}}},
		{"number given a string", feature("null", `{"name":"x","height":"45"}`), []want{{"height", "must be a number"}}},
		{"number out of range", feature("null", `{"name":"x","height":1e400}`), []want{{"height", "out of the range"}}},
		{"boolean given a number", feature("null", `{"name":"x","open":1}`), []want{{"open", "true or false"}}},
		{"date with a time", feature("null", `{"name":"x","built":"1962-03-02T00:00:00Z"}`), []want{{"built", "YYYY-MM-DD"}}},
		{"impossible date", feature("null", `{"name":"x","built":"1962-02-30"}`), []want{{"built", "YYYY-MM-DD"}}},
		{"datetime without zone", feature("null", `{"name":"x","surveyed":"2024-03-15T08:30:00"}`), []want{{"surveyed", "RFC 3339"}}},
		{"string given a number", feature("null", `{"name":5}`), []want{{"name", "must be a string"}}},
		{"array of objects", feature("null", `{"name":"x","tags":[{"a":1}]}`), []want{{"tags", "element 0"}}},
		{"array given a string", feature("null", `{"name":"x","tags":"a,b"}`), []want{{"tags", "an array"}}},
		{"required missing", feature("null", `{}`), []want{{"name", "required"}}},
		{"required null", feature("null", `{"name":null}`), []want{{"name", "required"}}},
		{"properties an array", feature("null", `[]`), []want{{"", `"properties" must be an object`}}},
		{"geometry missing", `{"type":"Feature","properties":{"name":"x"}}`, []want{{"geometry", "missing"}}},
		{"geometry a string", feature(`"POINT(1 2)"`, ok), []want{{"geometry", "GeoJSON geometry object"}}},
		{"wrong geometry type", feature(`{"type":"Point","coordinates":[114,22]}`, ok), []want{{"geometry", "holds MultiPolygon geometries, got a Point"}}},
		{"unknown geometry type", feature(`{"type":"Circle","coordinates":[114,22]}`, ok), []want{{"geometry", "unknown geometry type"}}},
		{"unclosed ring", feature(`{"type":"Polygon","coordinates":[[[114.1,22.3],[114.2,22.3],[114.2,22.4],[114.1,22.4]]]}`, ok), []want{{"geometry", "ring 0 is not closed"}}},
		{"short ring", feature(`{"type":"Polygon","coordinates":[[[114.1,22.3],[114.2,22.3],[114.1,22.3]]]}`, ok), []want{{"geometry", "needs at least 4"}}},
		{"hole not closed", feature(`{"type":"MultiPolygon","coordinates":[[[[114,22],[115,22],[115,23],[114,22]],[[114.1,22.1],[114.2,22.1],[114.2,22.2],[114.1,22.15]]]]}`, ok), []want{{"geometry", "ring 1 of polygon 0 is not closed"}}},
		{"empty polygon", feature(`{"type":"MultiPolygon","coordinates":[]}`, ok), []want{{"geometry", "empty"}}},
		{"null in a position", feature(`{"type":"Polygon","coordinates":[[[114.1,null],[114.2,22.3],[114.2,22.4],[114.1,22.3]]]}`, ok), []want{{"geometry", "coordinates[0][0][1] must be a number"}}},
		{"short position", feature(`{"type":"Polygon","coordinates":[[[114.1],[114.2,22.3],[114.2,22.4],[114.1,22.3]]]}`, ok), []want{{"geometry", "coordinates[0][0] must be a position"}}},
		{"wrong nesting", feature(`{"type":"Polygon","coordinates":[[114.1,22.3]]}`, ok), []want{{"geometry", "coordinates[0][0] must be a position"}}},
		{"position not an array", feature(`{"type":"Polygon","coordinates":[5]}`, ok), []want{{"geometry", "coordinates[0] must be an array"}}},
		{"huge coordinate", feature(`{"type":"Polygon","coordinates":[[[1e999,22.3],[114.2,22.3],[114.2,22.4],[114.1,22.3]]]}`, ok), []want{{"geometry", "not a finite number"}}},
		{"latitude beyond 90", feature(`{"type":"Polygon","coordinates":[[[22.3,114.1],[22.3,114.2],[22.4,114.2],[22.3,114.1]]]}`, ok), []want{{"geometry", "outside the range of EPSG:4326"}}},
		{"no coordinates", feature(`{"type":"Polygon"}`, ok), []want{{"geometry", "needs \"coordinates\""}}},
		{"bad id", `{"type":"Feature","id":{"x":1},"geometry":null,"properties":{"name":"x"}}`, []want{{"id", "string or a whole number"}}},
		{"empty id", `{"type":"Feature","id":"","geometry":null,"properties":{"name":"x"}}`, []want{{"id", "empty"}}},
		{"every problem at once", feature(`{"type":"LineString","coordinates":[[114,22],[115,23]]}`, `{"floors":"x","height":true,"what":1}`),
			[]want{{"floors", "whole number"}, {"height", "a number"}, {"what", "unknown"}, {"name", "required"}, {"geometry", "got a LineString"}}},
	}
	d := NewDecoder(buildings(), DecodeOptions{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, ps := d.Decode(3, []byte(tc.raw))
			if len(ps) != len(tc.want) {
				t.Fatalf("got %d problems, want %d: %v", len(ps), len(tc.want), ps)
			}
			for i, w := range tc.want {
				if ps[i].Field != w.field || !strings.Contains(ps[i].Reason, w.reason) || ps[i].Index != 3 {
					t.Errorf("problem %d: %+v, want field %q reason containing %q", i, ps[i], w.field, w.reason)
				}
			}
		})
	}
}

func TestDecodeCollections(t *testing.T) {
	l := buildings()
	l.GeometryType = layer.AnyGeometry
	d := NewDecoder(l, DecodeOptions{})
	raw := `{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[{"type":"Point","coordinates":[114,22]},{"type":"LineString","coordinates":[[114,22],[115,22]]}]},"properties":{"name":"x"}}`
	r, ps := d.Decode(0, []byte(raw))
	if len(ps) != 0 {
		t.Fatal(ps)
	}
	if c, ok := r.Geometry.(orb.Collection); !ok || len(c) != 2 {
		t.Errorf("%#v", r.Geometry)
	}
	deep := strings.Repeat(`{"type":"GeometryCollection","geometries":[`, 20) + strings.Repeat(`]}`, 20)
	if _, ps := d.Decode(0, []byte(`{"type":"Feature","geometry":`+deep+`,"properties":{"name":"x"}}`)); len(ps) != 1 || !strings.Contains(ps[0].Reason, "nested") {
		t.Errorf("deep nesting: %v", ps)
	}
}

func TestProblemJSON(t *testing.T) {
	b, err := json.Marshal(Problem{Index: 2, ID: "b1", Field: "floors", Reason: "must be a whole number"})
	if err != nil || string(b) != `{"index":2,"id":"b1","field":"floors","reason":"must be a whole number"}` {
		t.Errorf("%s %v", b, err)
	}
	b, _ = json.Marshal(Problem{Index: 0, Reason: "invalid JSON"})
	if string(b) != `{"index":0,"reason":"invalid JSON"}` {
		t.Errorf("%s", b)
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder of a layer with every
// field type. Whatever comes in, Decode must not panic, its problems must
// carry the feature's index and encode as JSON, and a feature it accepts
// must pass Check: the import readers and the HTTP handlers rely on the
// two agreeing.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"type":"Feature","id":7,"geometry":` + square + `,"properties":{"name":"x","floors":3,"height":2.5,"open":true,"built":"2020-01-02","surveyed":"2024-03-15T08:30:00Z","extra":{"a":1},"tags":["a",1,2.5]}}`,
		`{"type":"Feature","id":"b","geometry":null,"properties":{"name":"x"}}`,
		`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[114,22],[115,22],[115,23],[114,22]]]]},"properties":{"name":"香港"}}`,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[114,22]},"properties":{"name":"x","floors":"tall"}}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114,null],[115,22]]]},"properties":null}`,
		`{"type":"Feature","geometry":{"type":"GeometryCollection","geometries":[]},"properties":{}}`,
		`{"type":"FeatureCollection","features":[]}`,
		`[1e999]`, `null`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	l := buildings()
	anyLayer := buildings()
	anyLayer.GeometryType = layer.AnyGeometry
	decoders := []*Decoder{NewDecoder(l, DecodeOptions{}), NewDecoder(anyLayer, DecodeOptions{})}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, d := range decoders {
			r, ps := d.Decode(4, raw)
			for _, p := range ps {
				if p.Index != 4 || p.Reason == "" {
					t.Fatalf("problem %+v", p)
				}
				if _, err := json.Marshal(p); err != nil {
					t.Fatalf("problem %+v does not encode: %v", p, err)
				}
			}
			if len(ps) > 0 {
				continue
			}
			if len(r.Props) != len(d.l.Fields) {
				t.Fatalf("%d values for %d fields", len(r.Props), len(d.l.Fields))
			}
			if cps := Check(d.l, 4, r); len(cps) != 0 {
				t.Fatalf("Decode accepted %q, Check refuses it: %v", raw, cps)
			}
		}
	})
}

// BenchmarkDecode decodes a building as a GeoJSON import streams them: a
// ten-vertex polygon in HK1980 Grid and a few attributes.
func BenchmarkDecode(b *testing.B) {
	l := buildings()
	l.Source.SRID = 2326
	raw := []byte(`{"type":"Feature","id":1,"geometry":{"type":"Polygon","coordinates":[[[833000.5,816000.25],[833010.5,816000.25],[833020.5,816005.25],[833025.5,816015.25],[833020.5,816025.25],[833010.5,816030.25],[833000.5,816025.25],[832995.5,816015.25],[832996.5,816005.25],[833000.5,816000.25]]]},"properties":{"name":"Block 1","floors":12,"height":45.5,"open":true,"built":"1962-03-02"}}`)
	d := NewDecoder(l, DecodeOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, ps := d.Decode(0, raw); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}
