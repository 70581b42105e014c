package features

import (
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// interval is the datetime parameter: a closed interval, either end of
// which may be open. An instant is an interval whose ends are equal; a date
// is the whole of that day in UTC.
type interval struct {
	Start, End         time.Time
	OpenStart, OpenEnd bool
}

const datetimeForm = "datetime must be an RFC 3339 date-time (2024-05-01T08:00:00Z), a date (2024-05-01), " +
	"or an interval start/end of those with .. for an open end (2024-01-01/..)"

// parseDatetime reads the datetime parameter.
func parseDatetime(s string) (interval, error) {
	start, end, isInterval := strings.Cut(s, "/")
	if !isInterval {
		from, to, ok := parseInstant(s)
		if !ok {
			return interval{}, httpx.BadRequest("%s; got %q", datetimeForm, truncate(s))
		}
		return interval{Start: from, End: to}, nil
	}
	var iv interval
	if start == ".." || start == "" {
		iv.OpenStart = true
	} else if from, _, ok := parseInstant(start); ok {
		iv.Start = from
	} else {
		return interval{}, httpx.BadRequest("%s; the start %q is neither", datetimeForm, truncate(start))
	}
	if end == ".." || end == "" {
		iv.OpenEnd = true
	} else if _, to, ok := parseInstant(end); ok {
		iv.End = to
	} else {
		return interval{}, httpx.BadRequest("%s; the end %q is neither", datetimeForm, truncate(end))
	}
	if !iv.OpenStart && !iv.OpenEnd && iv.End.Before(iv.Start) {
		return interval{}, httpx.BadRequest("datetime interval %q ends before it starts; give start/end", truncate(s))
	}
	return iv, nil
}

// parseInstant reads a date-time, or a date as the span of its day.
func parseInstant(s string) (from, to time.Time, ok bool) {
	if len(s) == len(time.DateOnly) {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return time.Time{}, time.Time{}, false
		}
		return d, endOfDay(d), true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, time.Time{}, false
	}
	return t, t, true
}

func endOfDay(d time.Time) time.Time { return d.AddDate(0, 0, 1).Add(-time.Nanosecond) }

// overlaps reports whether [from, to] meets the interval.
func (iv interval) overlaps(from, to time.Time) bool {
	if !iv.OpenStart && to.Before(iv.Start) {
		return false
	}
	if !iv.OpenEnd && from.After(iv.End) {
		return false
	}
	return true
}

// temporalField is the field that carries a layer's time, or -1 when the
// layer has none that is a date or a date-time.
func temporalField(l *layer.Layer) int {
	i := l.TimeField()
	if i < 0 {
		return -1
	}
	if t := l.Fields[i].Type; t != layer.Date && t != layer.DateTime {
		return -1
	}
	return i
}

// featureTime is the span a feature's time field covers: a date-time is an
// instant, a date its whole day. ok is false when it has no time.
func featureTime(f *cache.Feature, field int, typ layer.FieldType) (from, to time.Time, ok bool) {
	if field >= len(f.Props) {
		return time.Time{}, time.Time{}, false
	}
	t, ok := f.Props[field].(time.Time)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	if typ == layer.Date {
		return t, endOfDay(t), true
	}
	return t, t, true
}

// timePredicate keeps features whose time meets iv; those with no time
// never match.
func timePredicate(field int, typ layer.FieldType, iv interval) predicate {
	return func(f *cache.Feature) bool {
		from, to, ok := featureTime(f, field, typ)
		return ok && iv.overlaps(from, to)
	}
}
