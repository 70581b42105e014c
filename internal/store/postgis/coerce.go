package postgis

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// coerce converts a natural value (see decodeFunc) to the Go type the
// field type t documents. A configured layer may declare a type other than
// the column's (a number column published as a string), so every sensible
// conversion is made; one that loses meaning is an error.
func coerce(v any, t layer.FieldType) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case layer.String:
		return toString(v)
	case layer.Integer:
		return toInt(v)
	case layer.Number:
		return toFloat(v)
	case layer.Boolean:
		return toBool(v)
	case layer.Date:
		return toDate(v)
	case layer.DateTime:
		return toTime(v)
	case layer.JSON:
		return toJSON(v)
	case layer.Array:
		return toArray(v)
	}
	return nil, fmt.Errorf("unknown field type %q", t)
}

func cannot(v any, t layer.FieldType) error {
	return fmt.Errorf("cannot convert %T to %s", v, t)
}

func toString(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), nil
	case json.RawMessage:
		return string(x), nil
	case []any:
		b, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return nil, cannot(v, layer.String)
}

func toInt(v any) (any, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
			return int64(x), nil
		}
		return nil, fmt.Errorf("%v is not an integer", x)
	case string:
		i, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return nil, err
		}
		return i, nil
	}
	return nil, cannot(v, layer.Integer)
}

func toFloat(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return finite(x)
	case float32:
		return float32To64(x)
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return nil, err
		}
		return finite(f)
	}
	return nil, cannot(v, layer.Number)
}

func toBool(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		b, err := strconv.ParseBool(x)
		if err != nil {
			return nil, err
		}
		return b, nil
	}
	return nil, cannot(v, layer.Boolean)
}

// toDate keeps the calendar day, as UTC midnight.
func toDate(v any) (any, error) {
	t, err := toTime(v)
	if err != nil {
		return nil, err
	}
	y, m, d := t.(time.Time).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

func toTime(v any) (any, error) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC(), nil
	case string:
		for _, layout := range []string{time.RFC3339Nano, time.DateOnly, "2006-01-02 15:04:05.999999999"} {
			if t, err := time.Parse(layout, x); err == nil {
				return t.UTC(), nil
			}
		}
		return nil, fmt.Errorf("%q is not a date or time", x)
	}
	return nil, cannot(v, layer.DateTime)
}

func toJSON(v any) (any, error) {
	switch x := v.(type) {
	case json.RawMessage:
		// Not validated: PostgreSQL has checked what it returns and will
		// check what is written.
		return x, nil
	case time.Time:
		v = x.UTC()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

func toArray(v any) (any, error) {
	if x, ok := v.([]any); ok {
		return x, nil
	}
	return nil, cannot(v, layer.Array)
}
