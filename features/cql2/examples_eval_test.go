package cql2

import (
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/paulmach/orb"
)

// exampleSchema covers the properties the standard's examples use.
var exampleSchema = newSchema(
	"city", layer.String, "updated", layer.DateTime, "geometry", GeometryType, "name", layer.String,
	"depth", layer.Number, "cityName", layer.String, "category", layer.Integer, "road_class", layer.String,
	"etat_vol", layer.String, "road", GeometryType, "event_time", layer.DateTime, "touchdown", layer.DateTime,
	"liftOff", layer.DateTime, "layer:ids", layer.Array, "balance", layer.Number, "vehicle_height", layer.Number,
	"bridge_clearance", layer.Number, "landsat:scene_id", layer.String, "eo:instrument", layer.String,
	"landsat:wrs_path", layer.Integer, "landsat:wrs_row", layer.Integer, "eo:cloud_cover", layer.Number,
	"footprint", GeometryType, "beamMode", layer.String, "swathDirection", layer.String,
	"polarization", layer.String, "floors", layer.Integer, "taxes", layer.Number, "owner", layer.String,
	"swimming_pool", layer.Boolean, "material", layer.String, "built", layer.Date, "starts_at", layer.DateTime,
	"ends_at", layer.DateTime, "location", GeometryType, "geophys:SURVEY_NAME", layer.String, "id", layer.String,
	"value", layer.Number, "updated_at", layer.DateTime, "foo", layer.Number, "bar", layer.Number,
	"x", layer.Number, "values", layer.Array,
)

// exampleCompileErrors are the examples our fixture schema cannot run:
// custom functions (we offer none) and examples whose property types
// contradict other examples.
var exampleCompileErrors = map[string]bool{
	"clause6_01": true, "clause6_02b": true, "clause7_18": true, "example68": true, "example69": true,
	"example03": true, // landsat:wrs_path is an integer in example04
	"example40": true, // value is a number in example31...
}

// TestExamplesEvaluate compiles every example the schema allows, from text
// and from JSON, and requires both to give the same answer on each fixture
// feature; across the set, examples must match and reject features.
func TestExamplesEvaluate(t *testing.T) {
	feats := exampleFeatures()
	matched, rejected := 0, 0
	for _, ex := range loadExamples(t) {
		te, _ := ParseText(ex.text, Limits{})
		je, _ := ParseJSON([]byte(ex.json), Limits{})
		ft, err1 := Compile(te, exampleSchema, Options{})
		fj, err2 := Compile(je, exampleSchema, Options{})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%s: text and JSON compile differently: %v / %v", ex.name, err1, err2)
		}
		if err1 != nil {
			if !exampleCompileErrors[ex.name] {
				t.Errorf("%s: %v", ex.name, err1)
			}
			continue
		}
		if exampleCompileErrors[ex.name] {
			t.Errorf("%s compiled, expected an error", ex.name)
		}
		for i, f := range feats {
			a, b := ft.Match(f.p, f.g), fj.Match(f.p, f.g)
			if a != b {
				t.Errorf("%s on feature %d: text %v, JSON %v", ex.name, i, a, b)
			}
			if a {
				matched++
			} else {
				rejected++
			}
		}
	}
	t.Logf("%d matches, %d rejections", matched, rejected)
	if matched < 40 || rejected < 40 {
		t.Errorf("fixture too weak: %d matches, %d rejections", matched, rejected)
	}
}

type exampleFeature struct {
	p []any
	g orb.Geometry
}

func exampleFeatures() []exampleFeature {
	set := func(kv ...any) []any {
		p := make([]any, len(exampleSchema))
		for i := 0; i+1 < len(kv); i += 2 {
			p[exampleSchema[kv[i].(string)].Index] = kv[i+1]
		}
		return p
	}
	return []exampleFeature{
		{set("city", "Toronto", "name", "Smith", "depth", 120.0, "cityName", "Tokyo", "category", int64(5),
			"road_class", "STRASSE", "etat_vol", "debarquer", "floors", int64(6), "swimming_pool", true,
			"material", "brick", "owner", "Mike Jones", "taxes", 400.0, "built", day("2014-05-01"),
			"starts_at", ts("2017-06-10T08:00:00Z"), "ends_at", ts("2017-06-11T09:00:00Z"),
			"event_time", ts("1969-07-20T20:17:40Z"), "updated", ts("2000-01-01T00:00:00Z"),
			"layer:ids", []any{"layers-ca", "layers-us", "layers-mx"}, "balance", 200.0, "vehicle_height", 5.0,
			"bridge_clearance", 4.5, "eo:cloud_cover", 0.1, "landsat:wrs_row", int64(28), "landsat:wrs_path", int64(203),
			"eo:instrument", "OLI_TIRS", "geophys:SURVEY_NAME", "Calcutta 1901", "id", "fa7e1920-9107-422d-a3db-c468cbc5d6df",
			"value", 15.0, "foo", 4.0, "bar", 6.1234, "x", 1.0, "values", []any{"a", "b"}, "updated_at", day("2011-01-01")),
			orb.Point{36.319836, 32.288087}},
		{set("city", "Frankfurt", "name", "Jones", "floors", int64(3), "swimming_pool", false, "material", "wood",
			"owner", "mike", "value", 5.0, "foo", 10.0, "values", []any{"c"}, "etat_vol", "débárquér",
			"updated_at", day("1851-04-29"), "built", day("2016-01-01"), "eo:cloud_cover", 0.2,
			"starts_at", ts("1990-01-01T00:00:00Z"), "ends_at", ts("1991-10-07T08:21:06.393262Z")),
			orb.Polygon{{{-5, -5}, {5, -5}, {5, 5}, {-5, 5}, {-5, -5}}}},
		{set(), nil},
		{set("value", 12.0, "name", "foobar", "owner", "Beyoncé", "floors", int64(8), "material", "brick"),
			orb.Point{-117.95, 33.9}},
	}
}
