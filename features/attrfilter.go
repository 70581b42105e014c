package features

import (
	"math"
	"strconv"
	"strings"
	"time"

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
// by the field's type.
func attrPredicate(field layer.Field, i int, raw string) (predicate, error) {
	bad := func(want string) error {
		return httpx.BadRequest("attribute %q is %s; got %q", truncate(field.Name), want, truncate(raw))
	}
	prop := func(f *cache.Feature) any {
		if i < len(f.Props) {
			return f.Props[i]
		}
		return nil
	}
	switch field.Type {
	case layer.String:
		return func(f *cache.Feature) bool {
			s, ok := prop(f).(string)
			return ok && s == raw
		}, nil
	case layer.Integer:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, bad("a whole number (for example 42)")
		}
		return func(f *cache.Feature) bool { return equalNumber(prop(f), float64(n), n, true) }, nil
	case layer.Number:
		x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, bad("a number (for example 3.5)")
		}
		return func(f *cache.Feature) bool { return equalNumber(prop(f), x, 0, false) }, nil
	case layer.Boolean:
		var want bool
		switch strings.ToLower(raw) {
		case "true":
			want = true
		case "false":
		default:
			return nil, bad("true or false")
		}
		return func(f *cache.Feature) bool {
			b, ok := prop(f).(bool)
			return ok && b == want
		}, nil
	case layer.Date:
		d, err := time.Parse(time.DateOnly, raw)
		if err != nil {
			return nil, bad("a date YYYY-MM-DD")
		}
		return func(f *cache.Feature) bool {
			t, ok := prop(f).(time.Time)
			return ok && t.Equal(d)
		}, nil
	case layer.DateTime:
		d, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			return nil, bad("an RFC 3339 date-time (for example 2024-05-01T08:00:00Z)")
		}
		return func(f *cache.Feature) bool {
			t, ok := prop(f).(time.Time)
			return ok && t.Equal(d)
		}, nil
	}
	return nil, httpx.BadRequest("attribute %q holds %s values, which a query parameter cannot be compared with",
		truncate(field.Name), field.Type)
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
