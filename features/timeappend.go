package features

import "time"

// Dates and date-times are written by hand: time.AppendFormat was a tenth
// of the cost of a GeoJSON page with one date per feature.

// appendDate appends t's date as YYYY-MM-DD, in t's own zone (dates are
// stored as UTC midnight).
func appendDate(b []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, time.DateOnly)
	}
	b = appendDigits(b, y/100)
	b = appendDigits(b, y%100)
	b = append(b, '-')
	b = appendDigits(b, int(m))
	b = append(b, '-')
	return appendDigits(b, d)
}

// appendDateTime appends t in UTC as RFC 3339, with as many fractional
// digits as it needs (time.RFC3339Nano).
func appendDateTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y < 0 || y > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	b = appendDate(b, t)
	h, m, s := t.Clock()
	b = append(b, 'T')
	b = appendDigits(b, h)
	b = append(b, ':')
	b = appendDigits(b, m)
	b = append(b, ':')
	b = appendDigits(b, s)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		end := 10
		for frac[end-1] == '0' {
			end--
		}
		b = append(b, frac[:end]...)
	}
	return append(b, 'Z')
}

// appendDigits appends 0 <= n < 100 as two digits.
func appendDigits(b []byte, n int) []byte {
	return append(b, digitPairs[n*2], digitPairs[n*2+1])
}
