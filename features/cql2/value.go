package cql2

import (
	"encoding/json"
	"math"
	"time"

	"github.com/paulmach/orb"
)

// vkind is the run-time kind of a value. Values are plain structs passed by
// value, so evaluating attribute predicates allocates nothing.
type vkind uint8

const (
	vNull vkind = iota
	vBool
	vInt
	vFloat
	vStr
	vTime
	vInterval
	vGeom
	vArray
)

type value struct {
	k      vkind
	b      bool
	i      int64
	f      float64
	s      string
	t, t2  instant // vTime: t; vInterval: [t, t2]
	g      orb.Geometry
	lit    []value // vArray from a literal
	raw    []any   // vArray from a property (converted element by element, lazily)
	isDate bool    // vTime came from a DATE (for messages only)
}

var null = value{}

// instant is a point on the time line: seconds since the Unix epoch and
// nanoseconds. It covers years 0000-9999 without time.Time's 24 bytes and
// has sentinels for the open ends of intervals.
type instant struct {
	sec  int64
	nsec int32
}

var (
	minInstant = instant{sec: math.MinInt64}
	maxInstant = instant{sec: math.MaxInt64}
)

func instantOf(t time.Time) instant { return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())} }

func (a instant) cmp(b instant) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return 1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return 1
	}
	return 0
}

func numValue(f float64) value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return null
	}
	return value{k: vFloat, f: f}
}

// fromProp converts a feature attribute to a value of the kind its schema
// promises; anything else (including nil) is NULL, so a malformed cached
// value can never make a predicate true by accident.
func fromProp(x any, want typ) value {
	switch want {
	case tyNumber:
		switch n := x.(type) {
		case int64:
			return value{k: vInt, i: n}
		case float64:
			return numValue(n)
		case int:
			return value{k: vInt, i: int64(n)}
		case int32:
			return value{k: vInt, i: int64(n)}
		case float32:
			return numValue(float64(n))
		case json.Number:
			if i, err := n.Int64(); err == nil {
				return value{k: vInt, i: i}
			}
			if f, err := n.Float64(); err == nil {
				return numValue(f)
			}
		}
	case tyString:
		if s, ok := x.(string); ok {
			return value{k: vStr, s: s}
		}
	case tyBool:
		if b, ok := x.(bool); ok {
			return value{k: vBool, b: b}
		}
	case tyInstant:
		if t, ok := x.(time.Time); ok {
			return value{k: vTime, t: instantOf(t)}
		}
	case tyArray:
		if a, ok := x.([]any); ok {
			return value{k: vArray, raw: a}
		}
	}
	return null
}

// scalarOf converts an array element of unknown type.
func scalarOf(x any) value {
	switch x.(type) {
	case int64, float64, int, int32, float32, json.Number:
		return fromProp(x, tyNumber)
	case string:
		return fromProp(x, tyString)
	case bool:
		return fromProp(x, tyBool)
	case time.Time:
		return fromProp(x, tyInstant)
	case []any:
		return fromProp(x, tyArray)
	case orb.Geometry:
		return value{k: vGeom, g: x.(orb.Geometry)}
	}
	return null
}

func (v value) arrayLen() int {
	if v.raw != nil {
		return len(v.raw)
	}
	return len(v.lit)
}

func (v value) arrayAt(i int) value {
	if v.raw != nil {
		return scalarOf(v.raw[i])
	}
	return v.lit[i]
}

func (v value) isNum() bool { return v.k == vInt || v.k == vFloat }

func (v value) float() float64 {
	if v.k == vInt {
		return float64(v.i)
	}
	return v.f
}

// compare orders two non-null values of comparable kinds; ok is false when
// they cannot be compared (different kinds, NaN). Integers compare exactly;
// an integer and a float compare as float64.
func compare(a, b value) (c int, ok bool) {
	switch {
	case a.k == vInt && b.k == vInt:
		return cmp3(a.i < b.i, a.i > b.i), true
	case a.isNum() && b.isNum():
		x, y := a.float(), b.float()
		if x != x || y != y {
			return 0, false
		}
		return cmp3(x < y, x > y), true
	case a.k == vStr && b.k == vStr:
		return cmp3(a.s < b.s, a.s > b.s), true
	case a.k == vBool && b.k == vBool:
		return cmp3(!a.b && b.b, a.b && !b.b), true
	case a.k == vTime && b.k == vTime:
		return a.t.cmp(b.t), true
	}
	return 0, false
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// equalValues is equality for IN lists and array elements: scalars by
// compare, arrays as sets, geometries exactly.
func equalValues(a, b value) bool {
	switch {
	case a.k == vArray && b.k == vArray:
		return setOp("a_equals", a, b) == tTrue
	case a.k == vGeom && b.k == vGeom:
		return orb.Equal(a.g, b.g)
	case a.k == vInterval && b.k == vInterval:
		return a.t == b.t && a.t2 == b.t2
	}
	c, ok := compare(a, b)
	return ok && c == 0
}

// tri is SQL's three-valued logic: a predicate over NULL is unknown, and
// only tTrue matches.
type tri uint8

const (
	tUnknown tri = iota
	tFalse
	tTrue
)

func triOf(b bool) tri {
	if b {
		return tTrue
	}
	return tFalse
}

func (t tri) not() tri {
	switch t {
	case tTrue:
		return tFalse
	case tFalse:
		return tTrue
	}
	return tUnknown
}
