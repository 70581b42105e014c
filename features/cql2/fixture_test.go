package cql2

import (
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/paulmach/orb"
)

// schema is a Queryables backed by a map, for tests.
type schema map[string]Queryable

func (s schema) Queryable(name string) (Queryable, bool) {
	q, ok := s[name]
	return q, ok
}

func newSchema(fields ...any) schema {
	s := schema{}
	for i := 0; i+1 < len(fields); i += 2 {
		name, typ := fields[i].(string), fields[i+1].(layer.FieldType)
		idx := len(s)
		if typ == GeometryType {
			idx = -1
		}
		s[name] = Queryable{Name: name, Type: typ, Index: idx}
	}
	return s
}

// testSchema is the schema of the table tests; props builds a Props slice
// for it from name/value pairs.
var testSchema = func() schema {
	s := schema{}
	for i, f := range []struct {
		name string
		t    layer.FieldType
	}{
		{"name", layer.String}, {"floors", layer.Integer}, {"height", layer.Number},
		{"pool", layer.Boolean}, {"built", layer.Date}, {"seen", layer.DateTime},
		{"tags", layer.Array}, {"meta", layer.JSON}, {"start", layer.DateTime},
		{"end", layer.DateTime}, {"other", layer.String}, {"width", layer.Number},
	} {
		s[f.name] = Queryable{Name: f.name, Type: f.t, Index: i}
	}
	s["geom"] = Queryable{Name: "geom", Type: GeometryType, Index: -1}
	return s
}()

func props(kv ...any) []any {
	p := make([]any, 12)
	for i := 0; i+1 < len(kv); i += 2 {
		p[testSchema[kv[i].(string)].Index] = kv[i+1]
	}
	return p
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustCompile(t testing.TB, src string, q Queryables) *Filter {
	t.Helper()
	e, err := ParseText(src, Limits{})
	if err != nil {
		t.Fatalf("ParseText(%q): %v", src, err)
	}
	f, err := Compile(e, q, Options{})
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	return f
}

// square is the closed polygon [x0,x1]×[y0,y1].
func square(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}
