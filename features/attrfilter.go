package features

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// attributeParams maps each attribute that may appear as a query parameter
// to its field index. A field named like an endpoint parameter (limit, f...)
// is left out: the parameter keeps its meaning.
func attributeParams(l *layer.Layer) map[string]int {
	m := make(map[string]int, len(l.Fields))
	for i, f := range l.Fields {
		if !itemsParams[f.Name] {
			m[f.Name] = i
		}
	}
	return m
}

// filterable reports whether a field type can be compared with a query
// parameter's text.
func filterable(t layer.FieldType) bool {
	switch t {
	case layer.String, layer.Integer, layer.Number, layer.Boolean, layer.Date, layer.DateTime:
		return true
	}
	return false
}

// attrPredicate builds the test for ?name=raw against field i, parsing raw
// by the field's type, and the index term that says the same of the
// field's values (an equality), so that the items plan can find the
// candidates in the attribute index rather than by a scan. The term is a
// necessary condition: every feature the test keeps has a value the
// attribute index files under the same key (numbers are compared by value
// either way), and the test still decides.
func attrPredicate(field layer.Field, i int, raw string) (predicate, cql2.Term, error) {
	want, err := attrValue(field, raw)
	if err != nil {
		return nil, cql2.Term{}, err
	}
	term := cql2.Term{Index: i, Spans: []cql2.Span{{Lo: want, Hi: want}}}
	return attrTest(i, want), term, nil
}

// attrValue parses a property parameter's text by its field's type: a
// string, int64, float64, bool or time.Time.
func attrValue(field layer.Field, raw string) (any, error) {
	bad := func(want string) error {
		return httpx.BadRequest("attribute %q is %s; got %q", truncate(field.Name), want, truncate(raw))
	}
	switch field.Type {
	case layer.String:
		return raw, nil
	case layer.Integer:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, bad("a whole number (for example 42)")
		}
		return n, nil
	case layer.Number:
		x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, bad("a number (for example 3.5)")
		}
		return x, nil
	case layer.Boolean:
		switch strings.ToLower(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, bad("true or false")
	case layer.Date:
		d, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			return nil, bad("a date YYYY-MM-DD")
		}
		return d, nil
	case layer.DateTime:
		d, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return nil, bad("an RFC 3339 date-time (for example 2024-05-01T08:00:00Z)")
		}
		return d, nil
	}
	return nil, httpx.BadRequest("attribute %q holds %s values, which a query parameter cannot be compared with",
		truncate(field.Name), field.Type)
}

// attrTest keeps the features whose field i equals want, a value
// attrValue parsed.
func attrTest(i int, want any) predicate {
	prop := func(f *cache.Feature) any {
		if i < len(f.Props) {
			return f.Props[i]
		}
		return nil
	}
	switch want := want.(type) {
	case string:
		return func(f *cache.Feature) bool {
			s, ok := prop(f).(string)
			return ok && s == want
		}
	case int64:
		return func(f *cache.Feature) bool { return equalNumber(prop(f), float64(want), want, true) }
	case float64:
		return func(f *cache.Feature) bool { return equalNumber(prop(f), want, 0, false) }
	case bool:
		return func(f *cache.Feature) bool {
			b, ok := prop(f).(bool)
			return ok && b == want
		}
	case time.Time:
		return func(f *cache.Feature) bool {
			t, ok := prop(f).(time.Time)
			return ok && t.Equal(want)
		}
	}
	panic(fmt.Sprintf("features: attribute value of type %T", want))
}

// equalNumber compares a stored number with a requested one; integers are
// compared exactly when both sides are integers.
func equalNumber(v any, x float64, n int64, isInt bool) bool {
	switch v := v.(type) {
	case int64:
		if isInt {
			return v == n
		}
		return float64(v) == x
	case float64:
		return v == x
	}
	return false
}
