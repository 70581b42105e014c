package features

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
)

// A CSV download appends each row straight to the stream's buffer, in
// exactly encoding/csv's format (comma separated, LF line ends, a field
// quoted when it holds a comma, quote, CR or LF, starts with a space or
// is `\.`), so that a row allocates nothing: with the cache's large heap,
// per-row garbage would pile up to hundreds of MiB before a collection.

// appendCSVRow appends one feature's row: id, the fields, then the
// geometry as WKT through toOut unless skipGeometry. scratch holds a
// value that has to be formatted before it can be quoted; it is returned
// for reuse.
func appendCSVRow(b, scratch []byte, f *cache.Feature, fields []int, skipGeometry bool, toOut crs.Transform) ([]byte, []byte) {
	if f.ID.IsNum {
		b = strconv.AppendInt(b, f.ID.Num, 10)
	} else {
		b = appendCSVField(b, f.ID.Str)
	}
	for _, i := range fields {
		b = append(b, ',')
		b, scratch = appendCSVValue(b, scratch, prop(f, i))
	}
	if !skipGeometry {
		b = append(b, ',')
		b = appendCSVWKT(b, f.Geom, toOut)
	}
	return append(b, '\n'), scratch
}

// appendCSVValue appends one attribute as a CSV field: dates as ISO 8601,
// arrays and JSON as JSON, NULL as an empty field.
func appendCSVValue(b, scratch []byte, v any) ([]byte, []byte) {
	switch v := v.(type) {
	case nil:
		return b, scratch
	case string:
		return appendCSVField(b, v), scratch
	case int64:
		return strconv.AppendInt(b, v, 10), scratch
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64), scratch
	case bool:
		return strconv.AppendBool(b, v), scratch
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 && v.Location() == time.UTC {
			return v.AppendFormat(b, time.DateOnly), scratch
		}
		return v.AppendFormat(b, time.RFC3339Nano), scratch
	case json.RawMessage:
		return appendCSVField(b, []byte(v)), scratch
	}
	scratch = scratch[:0]
	if j, err := json.Marshal(v); err == nil {
		scratch = append(scratch, j...)
	} else {
		scratch = fmt.Append(scratch, v)
	}
	return appendCSVField(b, scratch), scratch
}

// appendCSVField appends field, quoted when encoding/csv would quote it.
func appendCSVField[T string | []byte](b []byte, field T) []byte {
	if !csvNeedsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	for i := 0; i < len(field); i++ {
		if field[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, field[i])
	}
	return append(b, '"')
}

// csvNeedsQuotes is encoding/csv's rule for a comma separator.
func csvNeedsQuotes[T string | []byte](field T) bool {
	if len(field) == 0 {
		return false
	}
	if len(field) == 2 && field[0] == '\\' && field[1] == '.' {
		return true
	}
	for i := 0; i < len(field); i++ {
		switch field[i] {
		case '\n', '\r', '"', ',':
			return true
		}
	}
	var first [utf8.UTFMax]byte
	n := copy(first[:], field)
	r, _ := utf8.DecodeRune(first[:n])
	return unicode.IsSpace(r)
}

// appendCSVWKT appends g as WKT, quoted when it has a comma (more than
// one vertex); WKT has no quotes or line ends of its own.
func appendCSVWKT(b []byte, g orb.Geometry, toOut crs.Transform) []byte {
	start := len(b)
	b = appendWKT(b, g, toOut)
	if bytes.IndexByte(b[start:], ',') < 0 {
		return b
	}
	b = append(b, 0)
	copy(b[start+1:], b[start:len(b)-1])
	b[start] = '"'
	return append(b, '"')
}
