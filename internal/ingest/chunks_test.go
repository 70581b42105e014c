package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// buildingsText is a FeatureCollection of n buildings shaped like the
// import benchmark's: a five-point polygon in CRS84 and seven attributes.
func buildingsText(n int) string {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		x, y := 114.1+float64(i%500)*0.0004, 22.25+float64(i/500)*0.0004
		fmt.Fprintf(&b, `{"type":"Feature","id":%d,"geometry":{"type":"Polygon","coordinates":[[[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f],[%.7f,%.7f]]]},`+
			`"properties":{"name_en":"Block %d","name_zh":"大廈 %d","floors":%d,"height_m":%.1f,"year_built":%d,"use":"residential","extra":{"k":[%d,"v"]},"tags":["a%d",%d]}}`,
			i+1, x, y, x+0.0002, y, x+0.0002, y+0.0002, x, y+0.0002, x, y,
			i, i, i%60, float64(i%600)/10, 1950+i%70, i, i, i)
	}
	b.WriteString("]}")
	return b.String()
}

func buildingsLayer() *layer.Layer {
	return &layer.Layer{ID: "blocks", GeometryType: layer.Polygon, Source: layer.Source{Table: "blocks", SRID: 4326},
		Fields: []layer.Field{{Name: "name_en", Type: layer.String}, {Name: "name_zh", Type: layer.String},
			{Name: "floors", Type: layer.Integer}, {Name: "height_m", Type: layer.Number}, {Name: "year_built", Type: layer.Integer},
			{Name: "use", Type: layer.String}, {Name: "extra", Type: layer.JSON}, {Name: "tags", Type: layer.Array}}}
}

// The chunks Read cuts the input into are reused once emitted: nothing a
// record or a problem holds may point into them. Read far more features
// than are ever in flight, keep them all, then look at each.
func TestReadKeepsNothingOfItsChunks(t *testing.T) {
	const n = 6000
	text := buildingsText(n)
	// One feature refuses a value, so problems are held too.
	text = strings.Replace(text, `"floors":7,`, `"floors":"seven storeys",`, 1)
	res := readAll(t, NewGeoJSON(textOpener(text), 0, GeoJSONOptions{}), buildingsLayer())
	if len(res.recs) != n-1 || len(res.problems) != 1 {
		t.Fatalf("%d records, problems %v", len(res.recs), res.problems)
	}
	if p := res.problems[0]; p.Index != 7 || p.Field != "floors" || !strings.Contains(p.Reason, `"seven storeys"`) {
		t.Errorf("problem %+v", p)
	}
	for k, r := range res.recs {
		i := res.index[k]
		if r.ID != int64(i+1) || r.Props[0] != fmt.Sprintf("Block %d", i) || r.Props[1] != fmt.Sprintf("大廈 %d", i) {
			t.Fatalf("feature %d: %v %v", i, r.ID, r.Props[:2])
		}
		if raw, _ := r.Props[6].(json.RawMessage); string(raw) != fmt.Sprintf(`{"k":[%d,"v"]}`, i) {
			t.Fatalf("feature %d: extra %s", i, raw)
		}
		if tags, _ := r.Props[7].([]any); len(tags) != 2 || tags[0] != fmt.Sprintf("a%d", i) {
			t.Fatalf("feature %d: tags %v", i, tags)
		}
	}
}

func benchmarkGeoJSON(b *testing.B, pass func(src Source, l *layer.Layer) error) {
	const n = 5000
	text := buildingsText(n)
	l := buildingsLayer()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if err := pass(NewGeoJSON(textOpener(text), 0, GeoJSONOptions{}), l); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGeoJSONInfer is the first pass of an import into a new layer
// that checks every feature as it infers.
func BenchmarkGeoJSONInfer(b *testing.B) {
	benchmarkGeoJSON(b, func(src Source, _ *layer.Layer) error {
		_, ps, err := src.Infer(context.Background())
		if err == nil && len(ps) > 0 {
			err = fmt.Errorf("%v", ps)
		}
		return err
	})
}

// BenchmarkGeoJSONInferTypes is that first pass when the import checks
// every feature itself.
func BenchmarkGeoJSONInferTypes(b *testing.B) {
	benchmarkGeoJSON(b, func(src Source, _ *layer.Layer) error {
		_, ps, err := src.(*geoJSONSource).InferTypes(context.Background())
		if err == nil && len(ps) > 0 {
			err = fmt.Errorf("%v", ps)
		}
		return err
	})
}

// BenchmarkGeoJSONRead is the pass that decodes the records to write.
func BenchmarkGeoJSONRead(b *testing.B) {
	benchmarkGeoJSON(b, func(src Source, l *layer.Layer) error {
		return src.Read(context.Background(), l, func(i int, _ store.Record, ps []Problem) error {
			if len(ps) > 0 {
				return fmt.Errorf("feature %d: %v", i, ps)
			}
			return nil
		})
	})
}
