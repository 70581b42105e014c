package privacy

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// fieldMask is one attribute of the masked view: the source field it comes
// from, how the view publishes it and the function that masks its values.
// A value the function cannot mask (of an unexpected type, say) becomes
// nil: a masked view fails closed, never open.
type fieldMask struct {
	src   int // index into the source layer's Fields and a feature's Props
	field layer.Field
	rule  attrRule
	mask  func(v any) any
}

// hongKong is the zone datetimes are generalised in: a day or month is
// Hong Kong's, not UTC's. Hong Kong has had no daylight saving since 1979.
var hongKong = time.FixedZone("HKT", 8*60*60)

// compileField checks rule against the field's type and returns how the
// masked view publishes the field; ok is false for a dropped field.
func compileField(f layer.Field, src int, r attrRule, hashKey []byte) (fm fieldMask, ok bool, err error) {
	fm = fieldMask{src: src, field: f, rule: r}
	fm.field.Required = false
	switch r.kind {
	case attrDrop:
		return fieldMask{}, false, nil
	case attrKeep:
		fm.mask = func(v any) any { return v }
		return fm, true, nil
	case attrRedact:
		// Whatever the type, and whether or not there is a value: a null
		// left null would tell which records have one.
		fm.mask = func(any) any { return mask }
		fm.field.Type = layer.String
		fm.field.Title = annotate(f, " (withheld)", "（已隱藏）")
		return fm, true, nil
	case attrPartial:
		if f.Type != layer.String {
			return fieldMask{}, false, fmt.Errorf("%w: partial keeps part of a text, and %s is %s", ErrTypeMismatch, f.Name, f.Type)
		}
		fm.mask = func(v any) any {
			if s, ok := v.(string); ok {
				return partial(s)
			}
			return nil
		}
		fm.field.Title = annotate(f, " (partly hidden)", "（部分隱藏）")
		return fm, true, nil
	case attrHash:
		if f.Type != layer.String && f.Type != layer.Integer {
			return fieldMask{}, false, fmt.Errorf("%w: hash takes a string or an integer, and %s is %s", ErrTypeMismatch, f.Name, f.Type)
		}
		fm.mask = func(v any) any {
			if s, ok := hashText(v); ok {
				return pseudonym(hashKey, hashPrefix, []byte(s))
			}
			return nil
		}
		fm.field.Type = layer.String
		fm.field.Title = annotate(f, " (pseudonym)", "（假名）")
		return fm, true, nil
	case attrGeneralise:
		return compileGeneralise(fm, f, r)
	}
	return fieldMask{}, false, fmt.Errorf("%w %q", ErrUnknownRule, r.kind)
}

// compileGeneralise coarsens numbers to bands and dates to a day, month or
// year. Either way the masked value is a string ("70–79", "2024-03"): a
// band start or a first of the month would read as an exact value.
func compileGeneralise(fm fieldMask, f layer.Field, r attrRule) (fieldMask, bool, error) {
	fm.field.Type = layer.String
	switch f.Type {
	case layer.Integer:
		if r.unit != unitNone {
			return fieldMask{}, false, fmt.Errorf("%w: %s is an integer: generalise it in bands (generalise:10), not by %s", ErrTypeMismatch, f.Name, r.unit)
		}
		band := int64(10)
		if r.bandText != "" {
			if r.band != math.Trunc(r.band) || r.band < 2 {
				return fieldMask{}, false, fmt.Errorf("%w: %s is an integer: its bands must be a whole number from 2 up, not %s", ErrBadParameter, f.Name, r.bandText)
			}
			band = int64(r.band)
		}
		fm.mask = func(v any) any {
			if n, ok := integer(v); ok {
				return integerBand(n, band)
			}
			return nil
		}
		fm.field.Title = annotate(f, fmt.Sprintf(" (in bands of %d)", band), fmt.Sprintf("（每組%d）", band))
	case layer.Number:
		if r.unit != unitNone {
			return fieldMask{}, false, fmt.Errorf("%w: %s is a number: generalise it in bands (generalise:10), not by %s", ErrTypeMismatch, f.Name, r.unit)
		}
		text := "10"
		if r.bandText != "" {
			text = r.bandText
		}
		b, err := newNumberBand(text)
		if err != nil {
			return fieldMask{}, false, err
		}
		fm.mask = func(v any) any {
			if x, ok := number(v); ok {
				return b.label(x)
			}
			return nil
		}
		fm.field.Title = annotate(f, " (in bands of "+text+")", "（每組"+text+"）")
	case layer.Date, layer.DateTime:
		if r.bandText != "" {
			return fieldMask{}, false, fmt.Errorf("%w: %s is a %s: generalise it to a month or year, not in bands of %s", ErrTypeMismatch, f.Name, f.Type, r.bandText)
		}
		unit := cmp.Or(r.unit, unitMonth)
		if unit == unitDay && f.Type == layer.Date {
			return fieldMask{}, false, fmt.Errorf("%w: %s is a date already: generalise it to a month or year", ErrContradiction, f.Name)
		}
		zone := time.UTC // a date is UTC midnight (see layer.Date)
		if f.Type == layer.DateTime {
			zone = hongKong
		}
		fm.mask = func(v any) any {
			if t, ok := v.(time.Time); ok {
				return dateLabel(t.In(zone), unit)
			}
			return nil
		}
		switch unit {
		case unitDay:
			fm.field.Title = annotate(f, " (day only)", "（只顯示日期）")
		case unitMonth:
			fm.field.Title = annotate(f, " (month only)", "（只顯示年月）")
		default:
			fm.field.Title = annotate(f, " (year only)", "（只顯示年份）")
		}
	default:
		return fieldMask{}, false, fmt.Errorf("%w: generalise takes a number or a date, and %s is %s", ErrTypeMismatch, f.Name, f.Type)
	}
	return fm, true, nil
}

// annotate says in a field's title how the masked view changed it.
func annotate(f layer.Field, en, zh string) layer.Text {
	t := f.Title
	if t.En == "" {
		t.En = f.Name
	}
	t.En += en
	if t.Zh != "" {
		t.Zh += zh
	}
	return t
}

// hashText is the text a hash is taken of: the same for the string "42"
// and the integer 42, so a code kept as text in one layer and as a number
// in another still joins.
func hashText(v any) (string, bool) {
	if s, ok := v.(string); ok {
		return s, true
	}
	if n, ok := integer(v); ok {
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}

// integer reads an integer attribute, however the store typed it.
func integer(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return int64(v), true
		}
	}
	return 0, false
}

// number reads a number attribute; NaN and infinities have no band.
func number(v any) (float64, bool) {
	var x float64
	switch v := v.(type) {
	case float64:
		x = v
	case float32:
		x = float64(v)
	case int64:
		x = float64(v)
	case int:
		x = float64(v)
	default:
		return 0, false
	}
	return x, !math.IsNaN(x) && !math.IsInf(x, 0)
}

// integerBand labels the band of width w (≥ 2) holding n: "70–79". Near
// the ends of int64 the band's bounds do not fit it, and big.Int takes over.
func integerBand(n, w int64) string {
	if n > math.MinInt64+w && n < math.MaxInt64-w {
		r := n % w
		if r < 0 {
			r += w
		}
		return strconv.FormatInt(n-r, 10) + "–" + strconv.FormatInt(n-r+w-1, 10)
	}
	bn, bw := big.NewInt(n), big.NewInt(w)
	lo := new(big.Int).Mul(new(big.Int).Div(bn, bw), bw) // Div is Euclidean: floors for w > 0
	hi := new(big.Int).Add(lo, big.NewInt(w-1))
	return lo.String() + "–" + hi.String()
}

// numberBand labels numbers by the half-open band [lo, lo+w) that holds
// them, "70–80", in the decimals the width was written with. The sums are
// done in units of the last decimal, rounded to a millionth of one, so
// 1.15 falls in 1.15–1.20 (bands of 0.05) though 1.15×100 is 114.99999999999999.
type numberBand struct {
	scale    float64 // 10^decimals
	width    float64 // in units of the last decimal
	decimals int
}

func newNumberBand(text string) (numberBand, error) {
	decimals := 0
	if _, frac, ok := strings.Cut(text, "."); ok {
		decimals = len(frac)
	}
	w, err := strconv.ParseFloat(text, 64)
	if err != nil || w <= 0 {
		return numberBand{}, fmt.Errorf("%w: band width %q must be a positive number", ErrBadParameter, text)
	}
	scale := math.Pow10(decimals)
	return numberBand{scale: scale, width: math.Round(w * scale), decimals: decimals}, nil
}

func (b numberBand) label(x float64) any {
	q := math.Floor(math.Round(x*b.scale*1e6) / 1e6 / b.width)
	lo := q * b.width / b.scale
	hi := (q + 1) * b.width / b.scale
	if math.IsNaN(lo) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	return strconv.FormatFloat(lo, 'f', b.decimals, 64) + "–" + strconv.FormatFloat(hi, 'f', b.decimals, 64)
}

// dateLabel writes t to the unit's precision, in ISO 8601's reduced forms.
func dateLabel(t time.Time, u dateUnit) string {
	switch u {
	case unitDay:
		return fmt.Sprintf("%04d-%02d-%02d", t.Year(), t.Month(), t.Day())
	case unitYear:
		return fmt.Sprintf("%04d", t.Year())
	}
	return fmt.Sprintf("%04d-%02d", t.Year(), t.Month())
}
