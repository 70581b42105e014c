package gpkg

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The change log keeps the OLD row of every update and delete: its
// geometry blob as it was (old_geom) and every other column as JSON
// (old_props), keyed by column name, so that history and rollback can give
// back exactly what was stored. JSON has no place for two of SQLite's
// storage classes, and SQLite's json_object writes REAL with only 15
// digits, so those are wrapped:
//
//	integer, text, NULL  as themselves
//	real                 {"r": quote(value)}  — quote() round-trips exactly
//	blob                 {"x": hex(value)}
//
// json_object takes at most 127 arguments; a table with more columns than
// fit in one is kept as a JSON array of objects, one per chunk. Text that
// is not UTF-8, which a GeoPackage may not hold, comes back with U+FFFD
// for its bad bytes.

// propsPerObject is how many columns go in one json_object call: two
// arguments each, under SQLite's default limit of 127.
const propsPerObject = 60

// oldPropsSQL is the SQL expression of the old_props of a row whose
// columns are cols, each prefixed with row ("OLD." in a trigger, a table
// qualifier elsewhere).
func oldPropsSQL(cols []string, row string) string {
	if len(cols) == 0 {
		return "json_object()"
	}
	var chunks []string
	for start := 0; start < len(cols); start += propsPerObject {
		var b strings.Builder
		b.WriteString("json_object(")
		for i, c := range cols[start:min(start+propsPerObject, len(cols))] {
			if i > 0 {
				b.WriteString(", ")
			}
			v := row + quote(c)
			fmt.Fprintf(&b, "%s, CASE typeof(%s) WHEN 'real' THEN json_object('r', quote(%s)) WHEN 'blob' THEN json_object('x', hex(%s)) ELSE %s END",
				sqlString(c), v, v, v, v)
		}
		b.WriteString(")")
		chunks = append(chunks, b.String())
	}
	if len(chunks) == 1 {
		return chunks[0]
	}
	return "json_array(" + strings.Join(chunks, ", ") + ")"
}

// errOldProps reports old_props that are not what the triggers write: a
// GeoPackage is outside input, and anyone may have edited its log.
var errOldProps = errors.New("old_props is not a change-log row")

// decodeOldProps reads old_props back into the values the columns held,
// as the driver returns them: int64, float64, string, []byte or nil.
func decodeOldProps(s string) (map[string]any, error) {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", errOldProps, err)
	}
	if d.More() {
		return nil, fmt.Errorf("%w: data after the JSON value", errOldProps)
	}
	out := map[string]any{}
	var objects []any
	switch v := doc.(type) {
	case map[string]any:
		objects = []any{v}
	case []any:
		objects = v
	default:
		return nil, fmt.Errorf("%w: %T at the top", errOldProps, doc)
	}
	for _, o := range objects {
		m, ok := o.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%w: a chunk is %T, not an object", errOldProps, o)
		}
		for col, raw := range m {
			v, err := oldValue(raw)
			if err != nil {
				return nil, fmt.Errorf("%w: column %q: %v", errOldProps, col, err)
			}
			out[col] = v
		}
	}
	return out, nil
}

// oldValue turns one JSON value of old_props into an SQL value.
func oldValue(raw any) (any, error) {
	switch v := raw.(type) {
	case nil:
		return nil, nil
	case string:
		return v, nil
	case json.Number:
		// json_object writes integers as digits; reals never come bare.
		if i, err := strconv.ParseInt(string(v), 10, 64); err == nil {
			return i, nil
		}
		return nil, fmt.Errorf("number %s is not an integer", v)
	case map[string]any:
		if len(v) != 1 {
			break
		}
		if r, ok := v["r"].(string); ok {
			f, err := strconv.ParseFloat(r, 64)
			if err != nil && !errors.Is(err, strconv.ErrRange) { // ±Inf is kept as such
				return nil, fmt.Errorf("real %q: %v", r, err)
			}
			return f, nil
		}
		if x, ok := v["x"].(string); ok {
			b, err := hex.DecodeString(x)
			if err != nil {
				return nil, fmt.Errorf("blob: %v", err)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("unexpected %T", raw)
}
