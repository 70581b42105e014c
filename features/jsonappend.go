package features

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/csdi-hk/csdi/internal/layer"
)

// The append functions write JSON by hand for the hot path: no reflection,
// no intermediate values, straight into the stream's buffer.

const hexDigits = "0123456789abcdef"

// safeASCII marks the ASCII bytes that go into a JSON string as they are.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string: quotes, backslashes and control
// characters escaped, U+2028 and U+2029 escaped (JavaScript treats them as
// line ends), valid UTF-8 copied, and invalid bytes replaced by U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// coordScale is the precision of output coordinates: 1e-9 degrees, about
// 0.1 mm. It keeps surveyed millimetres and drops the float noise of the
// round trip through world coordinates (114.17000000000002 → 114.17).
const coordScale = 1e9

// appendCoord appends v rounded to 1/coordScale, without trailing zeros.
// It writes the rounded integer's digits right to left, two at a time,
// into one small array: exact, and about three times faster than the
// shortest-float algorithm, which matters at a dozen numbers per feature.
func appendCoord(b []byte, v float64) []byte {
	n := math.Round(v * coordScale)
	if !(math.Abs(n) < 1<<62) { // NaN too
		return appendFloat(b, v)
	}
	u := uint64(math.Abs(n))
	whole, frac := u/coordScale, u%coordScale
	var buf [32]byte
	pos := len(buf)
	if frac != 0 {
		digits := 9
		for frac%10 == 0 {
			frac /= 10
			digits--
		}
		for ; digits >= 2; digits -= 2 {
			pos -= 2
			d := frac % 100 * 2
			buf[pos], buf[pos+1] = digitPairs[d], digitPairs[d+1]
			frac /= 100
		}
		if digits == 1 {
			pos--
			buf[pos] = byte('0' + frac)
		}
		pos--
		buf[pos] = '.'
	}
	for whole >= 100 {
		d := whole % 100 * 2
		pos -= 2
		buf[pos], buf[pos+1] = digitPairs[d], digitPairs[d+1]
		whole /= 100
	}
	if whole >= 10 {
		pos -= 2
		buf[pos], buf[pos+1] = digitPairs[whole*2], digitPairs[whole*2+1]
	} else {
		pos--
		buf[pos] = byte('0' + whole)
	}
	if n < 0 { // not for -0
		pos--
		buf[pos] = '-'
	}
	return append(b, buf[pos:]...)
}

const digitPairs = "00010203040506070809101112131415161718192021222324252627282930313233343536373839" +
	"404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"

// appendFloat appends a JSON number as encoding/json would write it; NaN
// and infinities, which JSON cannot carry, become null.
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, v, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// appendValue appends one attribute value by its Go type, as the store
// documents for each field type; typ tells a date from a date-time.
func appendValue(b []byte, v any, typ layer.FieldType) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendString(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		return appendFloat(b, v)
	case float32:
		return appendFloat(b, float64(v))
	case bool:
		return strconv.AppendBool(b, v)
	case time.Time:
		b = append(b, '"')
		if typ == layer.Date {
			b = appendDate(b, v)
		} else {
			b = appendDateTime(b, v)
		}
		return append(b, '"')
	case json.RawMessage:
		return appendRawJSON(b, v)
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, e, typ)
		}
		return append(b, ']')
	}
	return appendReflected(b, v)
}

// appendRawJSON copies a stored JSON value; one that is not valid JSON is
// written as a string rather than breaking the document.
func appendRawJSON(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	if !json.Valid(raw) {
		return appendString(b, string(raw))
	}
	return append(b, raw...)
}

// appendReflected is the slow path for a value of a type the store does not
// document: encoding/json, or null when even that fails.
func appendReflected(b []byte, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, out...)
}
