package ingest

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/store"
)

// inferSeeds are GeoJSON inputs on both sides of inference's rules.
var inferSeeds = []string{
	`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":` + square + `,"properties":{"name":"大會堂","floors":3,"height":2.5}},{"type":"Feature","id":2,"geometry":{"type":"MultiPolygon","coordinates":[[[[114,22],[115,22],[115,23],[114,22]]]]},"properties":{"name":null,"floors":4.5,"built":"2020-01-02","tags":["a",1]}}]}`,
	`{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":{"type":"Point","coordinates":[114,22]},"properties":{"at":"2024-03-15T08:30:00Z","x":{"y":1}}},{"type":"Feature","id":"b","geometry":null,"properties":{"at":"2024-03-16","x":"s"}}]}`,
	"{\"type\":\"Feature\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":{\"a\\u0062\":true}}\n{\"type\":\"Feature\",\"geometry\":null,\"properties\":{\"ab\":1}}\n",
	`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"geometry":null,"properties":{}},{"type":"Feature","geometry":null,"properties":{}}]}`,
	`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114,22],[115,22]]]},"properties":{"a":1}},{"type":"Feature","geometry":null,"properties":[1]},{"type":"Feature","geometry":null,"properties":{"a":tru}}]}`,
	`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2326"}},"features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[833000,816000]},"properties":{"n":1}}]}`,
}

// FuzzGeoJSONInfer: on any text neither inference panics; when Infer,
// which checks every feature, finds nothing wrong, InferTypes, which does
// not, infers the same schema; and the layer made from it takes every
// feature it was inferred from.
func FuzzGeoJSONInfer(f *testing.F) {
	for _, s := range inferSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ctx := context.Background()
		src := NewGeoJSON(textOpener(in), 0, GeoJSONOptions{}).(*geoJSONSource)
		types, typeProblems, typeErr := src.InferTypes(ctx)
		checked, problems, err := src.Infer(ctx)
		if err != nil || len(problems) > 0 {
			return
		}
		if !checked.Checked || types.Checked {
			t.Fatalf("Checked: Infer %v, InferTypes %v", checked.Checked, types.Checked)
		}
		if typeErr != nil || len(typeProblems) > 0 {
			t.Fatalf("InferTypes found %v %v in what Infer takes", typeErr, typeProblems)
		}
		types.Checked = true
		if !reflect.DeepEqual(types, checked) {
			t.Fatalf("InferTypes %+v\nInfer      %+v", types, checked)
		}
		l := NewLayer("fuzz", checked)
		if l.Validate() != nil {
			return // a schema csdi cannot serve (say, a column name it refuses)
		}
		err = src.Read(ctx, &l, func(i int, _ store.Record, ps []Problem) error {
			if len(ps) > 0 {
				return fmt.Errorf("feature %d: %v", i, ps)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("the inferred layer refuses its own input: %v\n%+v", err, l.Fields)
		}
	})
}

// TestInferTypesSchemas: on the seeds, InferTypes is Infer without the
// checks, and a file with problems is left to the import to refuse.
func TestInferTypesSchemas(t *testing.T) {
	ctx := context.Background()
	agreed := 0
	for _, in := range inferSeeds {
		src := NewGeoJSON(textOpener(in), 0, GeoJSONOptions{}).(*geoJSONSource)
		checked, problems, err := src.Infer(ctx)
		types, typeProblems, typeErr := src.InferTypes(ctx)
		if err != nil || typeErr != nil {
			t.Fatalf("%v %v", err, typeErr)
		}
		if len(typeProblems) > 0 {
			t.Errorf("InferTypes reported %v; it leaves problems to the import", typeProblems)
		}
		if len(problems) > 0 {
			continue
		}
		agreed++
		types.Checked = true
		if !reflect.DeepEqual(types, checked) {
			t.Errorf("%.40s…: InferTypes %+v, Infer %+v", in, types, checked)
		}
	}
	if agreed < 4 {
		t.Errorf("only %d seeds without problems", agreed)
	}
	// A broken feature does not stop the types being read.
	in := strings.Replace(inferSeeds[0], `"floors":3`, `"floors":3,,`, 1)
	types, ps, err := NewGeoJSON(textOpener(in), 0, GeoJSONOptions{}).(*geoJSONSource).InferTypes(ctx)
	if err != nil || len(ps) > 0 || len(types.Fields) == 0 || types.Features != 2 {
		t.Errorf("with a broken feature: %+v %v %v", types, ps, err)
	}
}
