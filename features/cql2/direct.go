package cql2

import (
	"math"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// The general evaluator passes values around as the value struct, which
// is large enough that a comparison costs some 70 ns. The common shapes
// (a property compared with a literal, a property LIKE a pattern) are
// compiled here into closures that read the attribute straight from the
// props slice and compare it with the literal's Go value. They give the
// general path's answer for every input (the tests check this on mixed
// and malformed values): attribute values of any other Go type go to the
// general closure.

// direct is turned off by the tests that compare the two paths.
var direct = true

// opcode is a comparison operator, tested by opHolds.
type opcode uint8

const (
	opEq opcode = iota
	opNe
	opLt
	opLe
	opGt
	opGe
)

func opcodeOf(op string) opcode {
	switch op {
	case "=":
		return opEq
	case "<>":
		return opNe
	case "<":
		return opLt
	case "<=":
		return opLe
	case ">":
		return opGt
	}
	return opGe
}

// opHolds reports whether a comparison whose operands compare as c
// (-1, 0, +1) holds.
func opHolds(op opcode, c int) bool {
	switch op {
	case opEq:
		return c == 0
	case opNe:
		return c != 0
	case opLt:
		return c < 0
	case opLe:
		return c <= 0
	case opGt:
		return c > 0
	}
	return c >= 0
}

// directProperty is the props index of e when it is a bare scalar property.
func (c *compiler) directProperty(e Expr) (int, bool) {
	p, ok := e.(Property)
	if !direct {
		return 0, false
	}
	if !ok {
		return 0, false
	}
	q, ok := c.q.Queryable(p.Name)
	return q.Index, ok && q.Index >= 0
}

// directComparison compiles property op literal (either way round) to a
// direct test; ok is false for any other shape. general is the general
// path's closure for the same comparison.
func (c *compiler) directComparison(n Comparison, l, r cval, general boolFn) (boolFn, bool) {
	op := n.Op
	idx, ok := c.directProperty(n.L)
	lit := r
	if !ok || !r.konst {
		if idx, ok = c.directProperty(n.R); !ok || !l.konst {
			return nil, false
		}
		lit, op = l, flipped(op)
	}
	k := lit.fn(nil, nil)
	code := opcodeOf(op)
	switch k.k {
	case vInt:
		ki, kf := k.i, float64(k.i)
		return func(p []any, g orb.Geometry) tri {
			if idx < len(p) {
				switch x := p[idx].(type) {
				case int64:
					return triOf(opHolds(code, cmp3(x < ki, x > ki)))
				case float64:
					if math.IsNaN(x) || math.IsInf(x, 0) {
						return tUnknown
					}
					return triOf(opHolds(code, cmp3(x < kf, x > kf)))
				case nil:
					return tUnknown
				}
			}
			return general(p, g)
		}, true
	case vFloat:
		kf := k.f
		return func(p []any, g orb.Geometry) tri {
			if idx < len(p) {
				var x float64
				switch v := p[idx].(type) {
				case int64:
					x = float64(v)
				case float64:
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return tUnknown
					}
					x = v
				case nil:
					return tUnknown
				default:
					return general(p, g)
				}
				return triOf(opHolds(code, cmp3(x < kf, x > kf)))
			}
			return general(p, g)
		}, true
	case vStr:
		ks := k.s
		return func(p []any, g orb.Geometry) tri {
			if idx < len(p) {
				switch x := p[idx].(type) {
				case string:
					return triOf(opHolds(code, strings.Compare(x, ks)))
				case nil:
					return tUnknown
				}
			}
			return general(p, g)
		}, true
	case vTime:
		kt := k.t
		return func(p []any, g orb.Geometry) tri {
			if idx < len(p) {
				switch x := p[idx].(type) {
				case time.Time:
					return triOf(opHolds(code, instantOf(x).cmp(kt)))
				case nil:
					return tUnknown
				}
			}
			return general(p, g)
		}, true
	case vBool:
		kb := k.b
		return func(p []any, g orb.Geometry) tri {
			if idx < len(p) {
				switch x := p[idx].(type) {
				case bool:
					return triOf(opHolds(code, cmp3(!x && kb, x && !kb)))
				case nil:
					return tUnknown
				}
			}
			return general(p, g)
		}, true
	}
	return nil, false
}

// directLike compiles property LIKE pattern to a direct test.
func (c *compiler) directLike(n Like, lp likePattern, general boolFn) (boolFn, bool) {
	idx, ok := c.directProperty(n.X)
	if !ok {
		return nil, false
	}
	return func(p []any, g orb.Geometry) tri {
		if idx < len(p) {
			switch x := p[idx].(type) {
			case string:
				return triOf(lp.match(x))
			case nil:
				return tUnknown
			}
		}
		return general(p, g)
	}, true
}

// directSpatial compiles S_INTERSECTS and S_DISJOINT between the geometry
// and a literal to a closure that takes the feature's geometry as it is,
// rejects it by bound, and decides it from the literal's grid (a polygon:
// see prepared.go) when the grid can; the rest go to general.
//
// A conjunct at the top of the filter (top) also gets a boundTest, for
// MatchBounded.
func (c *compiler) directSpatial(n Spatial, args *[2]spatialArg, general boolFn, top bool) (boolFn, bool) {
	if !direct || (n.Op != "s_intersects" && n.Op != "s_disjoint") {
		return nil, false
	}
	lit, other := &args[1], n.A
	if args[0].konst {
		lit, other = &args[0], n.B
	}
	p, ok := other.(Property)
	if !ok || !lit.konst || lit.g == nil {
		return nil, false
	}
	if q, ok := c.q.Queryable(p.Name); !ok || q.Type != GeometryType {
		return nil, false
	}
	disjoint := n.Op == "s_disjoint"
	area, lb := prepareArea(lit.g), lit.bound
	if top {
		c.boundTests = append(c.boundTests, boundTest{area: area, bound: lb, disjoint: disjoint, exact: general})
	}
	return func(p []any, g orb.Geometry) tri {
		if g == nil {
			return tUnknown
		}
		b := boundOf(g)
		if !b.Intersects(lb) {
			return triOf(disjoint)
		}
		if area != nil {
			if hit, ok := area.classify(b); ok {
				return triOf(hit != disjoint)
			}
		}
		return general(p, g)
	}, true
}
