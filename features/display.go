package features

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// displayValue is an attribute value as a person reads it in a table:
// the same text as in GeoJSON, without the JSON quoting; empty for null.
func displayValue(v any, typ layer.FieldType) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return string(appendFloat(nil, v))
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		if typ == layer.Date {
			return v.Format(time.DateOnly)
		}
		return v.UTC().Format(time.RFC3339Nano)
	case json.RawMessage:
		return string(v)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = displayValue(e, typ)
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}
