package cql2

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// parseNumber converts an unsigned numeric literal as written (text token or
// JSON number) to a Number; neg applies a leading minus sign. Literals
// without '.' or an exponent are integers when they fit in int64.
func parseNumber(s string, neg bool) (Number, string) {
	if s == "" {
		return Number{}, "empty number"
	}
	if !strings.ContainsAny(s, ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if neg {
				i = -i
			}
			return Number{Float: float64(i), Int: i, IsInt: true}, ""
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return Number{}, "number " + quoteFound(s) + " is out of range"
	}
	if neg {
		f = -f
	}
	return Number{Float: f}, ""
}

// formatNumber prints a Number so that parseNumber reads back the same
// value and the same integer/float distinction.
func formatNumber(n Number) string {
	if n.IsInt {
		return strconv.FormatInt(n.Int, 10)
	}
	return formatFloat(n.Float, true)
}

// formatFloat prints the shortest representation that round-trips; with
// keepFloat it makes sure the result still reads as a float ("100.0").
func formatFloat(f float64, keepFloat bool) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if keepFloat && !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

const dateLayout = "2006-01-02"

func parseDate(s string) (time.Time, string) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || len(s) != 10 {
		return time.Time{}, "invalid date " + quoteFound(s) + " (want YYYY-MM-DD)"
	}
	return t, ""
}

// parseTimestamp accepts RFC 3339 date-times. The BNF asks for a 'Z' zone;
// numeric offsets are accepted as well and converted to UTC, since the
// instant they name is unambiguous.
func parseTimestamp(s string) (time.Time, string) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || len(s) < 20 || s[10] != 'T' {
		return time.Time{}, "invalid timestamp " + quoteFound(s) + " (want YYYY-MM-DDThh:mm:ss[.fff]Z)"
	}
	t = t.UTC()
	if t.Year() < 0 || t.Year() > 9999 {
		return time.Time{}, "timestamp " + quoteFound(s) + " is out of range"
	}
	return t, ""
}

func formatDate(t time.Time) string      { return t.Format(dateLayout) }
func formatTimestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// intervalEnd interprets a string inside INTERVAL(...) / {"interval": [...]}.
func intervalEnd(s string) (Expr, string) {
	if s == ".." {
		return Unbounded{}, ""
	}
	if len(s) == 10 {
		t, msg := parseDate(s)
		if msg != "" {
			return nil, msg
		}
		return Date{Time: t}, ""
	}
	t, msg := parseTimestamp(s)
	if msg != "" {
		return nil, "invalid interval end " + quoteFound(s) + " (want a date, a timestamp or '..')"
	}
	return Timestamp{Time: t}, ""
}

// validGeometry enforces what both WKT and GeoJSON literals must satisfy so
// that every literal prints in both encodings: no empty parts, lines of at
// least two points, closed rings of at least four, finite coordinates.
func validGeometry(g orb.Geometry, level int) string {
	if level > 32 {
		return "geometry collections nested too deeply"
	}
	finite := func(p orb.Point) bool {
		return !math.IsNaN(p[0]) && !math.IsNaN(p[1]) && !math.IsInf(p[0], 0) && !math.IsInf(p[1], 0)
	}
	line := func(ls []orb.Point, ring bool) string {
		for _, p := range ls {
			if !finite(p) {
				return "coordinates must be finite numbers"
			}
		}
		if ring {
			if len(ls) < 4 || ls[0] != ls[len(ls)-1] {
				return "polygon rings must be closed and have at least 4 points"
			}
		} else if len(ls) < 2 {
			return "line strings need at least 2 points"
		}
		return ""
	}
	poly := func(p orb.Polygon) string {
		if len(p) == 0 {
			return "polygons need at least one ring"
		}
		for _, r := range p {
			if m := line(r, true); m != "" {
				return m
			}
		}
		return ""
	}
	switch g := g.(type) {
	case orb.Point:
		if !finite(g) {
			return "coordinates must be finite numbers"
		}
	case orb.LineString:
		return line(g, false)
	case orb.Polygon:
		return poly(g)
	case orb.MultiPoint:
		if len(g) == 0 {
			return "multi-points need at least one point"
		}
		for _, p := range g {
			if !finite(p) {
				return "coordinates must be finite numbers"
			}
		}
	case orb.MultiLineString:
		if len(g) == 0 {
			return "multi-line strings need at least one line"
		}
		for _, l := range g {
			if m := line(l, false); m != "" {
				return m
			}
		}
	case orb.MultiPolygon:
		if len(g) == 0 {
			return "multi-polygons need at least one polygon"
		}
		for _, p := range g {
			if m := poly(p); m != "" {
				return m
			}
		}
	case orb.Collection:
		if len(g) == 0 {
			return "geometry collections need at least one member"
		}
		for _, m := range g {
			if msg := validGeometry(m, level+1); msg != "" {
				return msg
			}
		}
	default:
		return "unsupported geometry type"
	}
	return ""
}
