package gpkg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// GeoPackage stores dates and times as ISO 8601 text (spec table 1).
const (
	dateLayout     = "2006-01-02"
	dateTimeLayout = "2006-01-02T15:04:05.000Z" // the spec's form, in UTC
	// Finer than a millisecond is kept (RFC 3339 allows any fraction)
	// rather than silently lost.
	dateTimeNanoLayout = "2006-01-02T15:04:05.999999999Z"
)

// ValueError reports an attribute value that does not fit its field type.
type ValueError struct {
	Field string
	Type  layer.FieldType
	Value any
	Err   error
}

func (e *ValueError) Error() string {
	msg := fmt.Sprintf("field %q (%s): cannot use %T value %v", e.Field, e.Type, e.Value, e.Value)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *ValueError) Unwrap() error { return e.Err }

// toSQL converts a record value to what the column stores. It accepts the
// Go type layer.FieldType documents, plus the other Go integer and float
// widths where nothing can be lost.
func toSQL(f layer.Field, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func(err error) (any, error) { return nil, &ValueError{f.Name, f.Type, v, err} }
	switch f.Type {
	case layer.String:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case layer.Integer:
		if i, ok := asInt64(v); ok {
			return i, nil
		}
	case layer.Number:
		switch x := v.(type) {
		case float64:
			return x, nil // SQLite stores NaN as NULL, which is what JSON can say
		case float32:
			return float64(x), nil
		}
		if i, ok := asInt64(v); ok {
			return float64(i), nil
		}
	case layer.Boolean:
		if b, ok := v.(bool); ok {
			return boolInt(b), nil
		}
	case layer.Date:
		if t, ok := v.(time.Time); ok {
			return t.Format(dateLayout), nil // the calendar date in t's own zone
		}
	case layer.DateTime:
		if t, ok := v.(time.Time); ok {
			return formatDateTime(t), nil
		}
	case layer.JSON:
		switch x := v.(type) {
		case json.RawMessage:
			return validJSON(x, bad)
		case []byte:
			return validJSON(x, bad)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return bad(err)
		}
		return string(b), nil
	case layer.Array:
		b, err := json.Marshal(v)
		if err != nil {
			return bad(err)
		}
		if len(b) == 0 || b[0] != '[' {
			return bad(nil)
		}
		return string(b), nil
	}
	return bad(nil)
}

func validJSON(b []byte, bad func(error) (any, error)) (any, error) {
	if !json.Valid(b) {
		return bad(fmt.Errorf("invalid JSON"))
	}
	return string(b), nil
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int:
		return int64(x), true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint64:
		return int64(x), x <= math.MaxInt64
	case uint:
		return int64(x), uint64(x) <= math.MaxInt64
	}
	return 0, false
}

func formatDateTime(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return t.Format(dateTimeNanoLayout)
	}
	return t.Format(dateTimeLayout)
}

// fromSQL converts a column value, as the driver returns it, to the Go type
// layer.FieldType documents. It is lenient where SQLite's dynamic typing or
// another writer's habits allow more than one storage form, and fails only
// on values that cannot mean anything of the field's type.
func fromSQL(t layer.FieldType, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case layer.String:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		case int64:
			return strconv.FormatInt(x, 10), nil
		case float64:
			return strconv.FormatFloat(x, 'g', -1, 64), nil
		case time.Time: // a DATE or DATETIME column published as a string
			return x.Format(time.RFC3339Nano), nil
		}
	case layer.Integer:
		switch x := v.(type) {
		case int64:
			return x, nil
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string:
			if i, err := strconv.ParseInt(x, 10, 64); err == nil {
				return i, nil
			}
		}
	case layer.Number:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		case string:
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return f, nil
			}
		}
	case layer.Boolean:
		switch x := v.(type) {
		case int64:
			return x != 0, nil
		case float64:
			return x != 0, nil
		case string:
			if b, err := strconv.ParseBool(x); err == nil {
				return b, nil
			}
		}
	case layer.Date:
		if d, ok := parseTime(v, dateLayout); ok {
			return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), nil
		}
	case layer.DateTime:
		if d, ok := parseTime(v, time.RFC3339Nano, "2006-01-02T15:04:05.999999999",
			"2006-01-02 15:04:05.999999999", dateLayout); ok {
			return d.UTC(), nil
		}
	case layer.JSON:
		if b, ok := text(v); ok && json.Valid(b) {
			return json.RawMessage(b), nil
		}
	case layer.Array:
		if b, ok := text(v); ok {
			return decodeArray(b)
		}
	}
	return nil, fmt.Errorf("%T value %.40v is not a valid %s", v, v, t)
}

// parseTime accepts a time.Time (the driver parses DATE and DATETIME
// columns itself) or text in one of layouts; layouts without a zone are UTC.
func parseTime(v any, layouts ...string) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case string:
		for _, l := range layouts {
			if d, err := time.Parse(l, x); err == nil {
				return d, true
			}
		}
	}
	return time.Time{}, false
}

func text(v any) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		return []byte(x), true
	case []byte:
		return bytes.Clone(x), true
	}
	return nil, false
}

// decodeArray reads a JSON array into []any. Integral numbers become int64
// and the others float64, the Go types of integer and number fields.
func decodeArray(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var a []any
	if err := d.Decode(&a); err != nil {
		return nil, fmt.Errorf("array: %w", err)
	}
	if a == nil {
		return nil, fmt.Errorf("array: %q is not a JSON array", b)
	}
	for i, e := range a {
		a[i] = fromJSONNumber(e)
	}
	return a, nil
}

// fromJSONNumber replaces the json.Numbers in v, at any depth.
func fromJSONNumber(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64() // the decoder checked the syntax
		return f
	case []any:
		for i, e := range x {
			x[i] = fromJSONNumber(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = fromJSONNumber(e)
		}
	}
	return v
}
