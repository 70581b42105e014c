package cql2

import (
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// StringDates rewrites e for the draft "cql-text" dialect that older
// clients send (GDAL 3.6 among them): there a date is a quoted string, so a
// string literal compared (= <> < <= > >=) with a date or timestamp
// queryable is read as a DATE or TIMESTAMP. Comparisons are found through
// AND, OR and NOT, where such clients put them. A string that is not a
// date or timestamp is an *Error, as the type mismatch it would be.
func StringDates(e Expr, q Queryables) (Expr, error) {
	switch n := e.(type) {
	case And:
		args, err := stringDatesAll(n.Args, q)
		return And{Args: args}, err
	case Or:
		args, err := stringDatesAll(n.Args, q)
		return Or{Args: args}, err
	case Not:
		x, err := StringDates(n.X, q)
		return Not{X: x}, err
	case Comparison:
		var err error
		if n.R, err = instantLiteral(n.L, n.R, q); err != nil {
			return nil, err
		}
		if n.L, err = instantLiteral(n.R, n.L, q); err != nil {
			return nil, err
		}
		return n, nil
	}
	return e, nil
}

func stringDatesAll(xs []Expr, q Queryables) ([]Expr, error) {
	out := make([]Expr, len(xs))
	for i, x := range xs {
		var err error
		if out[i], err = StringDates(x, q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// instantLiteral returns lit as a Date or Timestamp when it is a String
// and prop a date or timestamp queryable, and lit unchanged otherwise.
func instantLiteral(prop, lit Expr, q Queryables) (Expr, error) {
	p, ok := prop.(Property)
	s, isStr := lit.(String)
	if !ok || !isStr {
		return lit, nil
	}
	qa, ok := q.Queryable(p.Name)
	if !ok || (qa.Type != layer.Date && qa.Type != layer.DateTime) {
		return lit, nil
	}
	if t, ok := legacyDate(s.Value); ok {
		return Date{Time: t}, nil
	}
	if t, ok := legacyTimestamp(s.Value); ok {
		return Timestamp{Time: t}, nil
	}
	return nil, errorf("property %s is a %s; %s is neither a date (YYYY-MM-DD) nor a timestamp (YYYY-MM-DDThh:mm:ssZ)",
		strconv.Quote(p.Name), qa.Type, quoteFound(s.Value))
}

// legacyDate reads YYYY-MM-DD, also with the bare trailing T that GDAL
// writes after a date ('2020-01-01T').
func legacyDate(s string) (time.Time, bool) {
	t, msg := parseDate(strings.TrimSuffix(s, "T"))
	return t, msg == ""
}

// legacyTimestamp reads an RFC 3339 timestamp, also cut after the hour or
// the minute as GDAL writes one it has only in part ('2020-01-01T10Z').
func legacyTimestamp(s string) (time.Time, bool) {
	if t, msg := parseTimestamp(s); msg == "" {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() <= 9999 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
