package cql2

import (
	"slices"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
)

// A filter's index terms let a caller with ordered indexes of attribute
// values (the feature cache has one per scalar field) find candidates
// without evaluating the filter on every feature: each term is a necessary
// condition, so the candidates of any one term hold every match, and the
// caller still evaluates the whole filter on each. Only what is AND-ed at
// the top of the filter and compares a bare property with literals
// counts: a comparison (not <>), BETWEEN, IN, LIKE without a leading
// wildcard, IS NOT NULL and a boolean property on its own. Anything under
// OR, NOT, CASEI, ACCENTI, arithmetic or a function is left to the
// evaluator. NULL never satisfies a term, which matches three-valued
// logic: such a conjunct is unknown, so the filter cannot be TRUE.

// Term says that every feature the filter matches has a value of the
// property at Props[Index] in one of Spans.
type Term struct {
	Index int
	Spans []Span // ascending and disjoint; none: nothing matches
}

// Span is an interval of values: an int64, float64, string, bool or
// time.Time at each end (nil: unbounded on that side), each end included
// unless its Open flag is set. Strings order bytewise, false before true,
// and int64 and float64 ends compare by value with each other.
type Span struct {
	Lo, Hi         any
	LoOpen, HiOpen bool
}

// Terms returns the filter's index terms, one per property, in order of
// Index; empty when the filter has none.
func (f *Filter) Terms() []Term { return f.terms }

// valueRange is a Span over the evaluator's values; an unbounded end is vNull.
type valueRange struct {
	lo, hi         value
	loOpen, hiOpen bool
}

var fullRange = valueRange{}

// indexTerms collects the index terms of e, intersecting the spans of
// conjuncts on the same property.
func (c *compiler) indexTerms(e Expr) []Term {
	byIndex := map[int][]valueRange{}
	var order []int
	var walk func(Expr)
	walk = func(e Expr) {
		if a, ok := e.(And); ok {
			for _, x := range a.Args {
				walk(x)
			}
			return
		}
		idx, spans, ok := c.termOf(e)
		if !ok {
			return
		}
		old, seen := byIndex[idx]
		if !seen {
			order = append(order, idx)
			byIndex[idx] = spans
			return
		}
		byIndex[idx] = intersectSpans(old, spans)
	}
	walk(e)
	slices.Sort(order)
	terms := make([]Term, 0, len(order))
	for _, idx := range order {
		t := Term{Index: idx, Spans: make([]Span, len(byIndex[idx]))}
		for i, s := range byIndex[idx] {
			t.Spans[i] = Span{Lo: s.lo.goValue(), Hi: s.hi.goValue(), LoOpen: s.loOpen, HiOpen: s.hiOpen}
		}
		terms = append(terms, t)
	}
	return terms
}

// termOf reads one conjunct as spans of one property's values.
func (c *compiler) termOf(e Expr) (idx int, spans []valueRange, ok bool) {
	switch n := e.(type) {
	case Comparison:
		op := n.Op
		p, lit := n.L, n.R
		if _, isProp := p.(Property); !isProp {
			p, lit, op = n.R, n.L, flipped(op)
		}
		idx, ok := c.scalarProperty(p)
		v, lok := literalValue(lit)
		if !ok || !lok {
			return 0, nil, false
		}
		switch op {
		case "=":
			return idx, []valueRange{{lo: v, hi: v}}, true
		case "<":
			return idx, []valueRange{{hi: v, hiOpen: true}}, true
		case "<=":
			return idx, []valueRange{{hi: v}}, true
		case ">":
			return idx, []valueRange{{lo: v, loOpen: true}}, true
		case ">=":
			return idx, []valueRange{{lo: v}}, true
		}
	case Between:
		idx, ok := c.scalarProperty(n.X)
		lo, lok := literalValue(n.Lo)
		hi, hok := literalValue(n.Hi)
		if ok && lok && hok {
			return idx, normalise([]valueRange{{lo: lo, hi: hi}}), true
		}
	case In:
		idx, ok := c.scalarProperty(n.X)
		if !ok {
			return 0, nil, false
		}
		spans := make([]valueRange, 0, len(n.List))
		for _, x := range n.List {
			v, ok := literalValue(x)
			if !ok {
				return 0, nil, false
			}
			spans = append(spans, valueRange{lo: v, hi: v})
		}
		return idx, normalise(spans), true
	case Like:
		idx, ok := c.scalarProperty(n.X)
		pat, isStr := n.Pattern.(String)
		if !ok || !isStr {
			return 0, nil, false
		}
		if s, ok := likeRange(compileLike(pat.Value)); ok {
			return idx, []valueRange{s}, true
		}
	case Not:
		if isNull, ok := n.X.(IsNull); ok {
			if idx, ok := c.scalarProperty(isNull.X); ok {
				return idx, []valueRange{fullRange}, true
			}
		}
	case Property:
		if q, ok := c.q.Queryable(n.Name); ok && q.Type == layer.Boolean && q.Index >= 0 {
			t := value{k: vBool, b: true}
			return q.Index, []valueRange{{lo: t, hi: t}}, true
		}
	}
	return 0, nil, false
}

// scalarProperty is the Props index of a property whose values an
// attribute index can order.
func (c *compiler) scalarProperty(e Expr) (int, bool) {
	p, ok := e.(Property)
	if !ok {
		return 0, false
	}
	q, ok := c.q.Queryable(p.Name)
	if !ok || q.Index < 0 {
		return 0, false
	}
	switch q.Type {
	case layer.String, layer.Integer, layer.Number, layer.Boolean, layer.Date, layer.DateTime:
		return q.Index, true
	}
	return 0, false
}

// literalValue is the value of a scalar literal.
func literalValue(e Expr) (value, bool) {
	switch n := e.(type) {
	case String:
		return value{k: vStr, s: n.Value}, true
	case Number:
		if n.IsInt {
			return value{k: vInt, i: n.Int}, true
		}
		v := numValue(n.Float)
		return v, v.k != vNull
	case Bool:
		return value{k: vBool, b: n.Value}, true
	case Date:
		return value{k: vTime, t: instantOf(n.Time)}, true
	case Timestamp:
		return value{k: vTime, t: instantOf(n.Time)}, true
	}
	return value{}, false
}

func flipped(op string) string {
	switch op {
	case "<":
		return ">"
	case ">":
		return "<"
	case "<=":
		return ">="
	case ">=":
		return "<="
	}
	return op
}

// likeRange is the range of strings a LIKE pattern can match when it is
// exact or a literal prefix: those from the prefix up to (excluding) the
// next string that does not start with it.
func likeRange(lp likePattern) (valueRange, bool) {
	switch {
	case lp.shape == 'e':
		v := value{k: vStr, s: lp.lit}
		return valueRange{lo: v, hi: v}, true
	case lp.shape == 'p' && lp.lit != "":
		s := valueRange{lo: value{k: vStr, s: lp.lit}}
		if next, ok := prefixEnd(lp.lit); ok {
			s.hi, s.hiOpen = value{k: vStr, s: next}, true
		}
		return s, true
	}
	return valueRange{}, false
}

// prefixEnd is the least string greater than every string with prefix p:
// p without its trailing 0xff bytes, its last byte incremented. ok is false
// when there is none (p is all 0xff).
func prefixEnd(p string) (string, bool) {
	b := []byte(strings.TrimRight(p, "\xff"))
	if len(b) == 0 {
		return "", false
	}
	b[len(b)-1]++
	return string(b), true
}

// goValue is v as the Go value Span promises; nil for an unbounded end.
func (v value) goValue() any {
	switch v.k {
	case vInt:
		return v.i
	case vFloat:
		return v.f
	case vStr:
		return v.s
	case vBool:
		return v.b
	case vTime:
		return time.Unix(v.t.sec, int64(v.t.nsec)).UTC()
	}
	return nil
}

// cmpEnds compares two range ends; lower is whether they are lower ends,
// where unbounded sorts first (upper: last). ok is false when the values
// cannot be compared.
func cmpEnds(a, b value, aOpen, bOpen, lower bool) (int, bool) {
	switch {
	case a.k == vNull && b.k == vNull:
		return 0, true
	case a.k == vNull:
		return cmp3(lower, !lower), true
	case b.k == vNull:
		return cmp3(!lower, lower), true
	}
	c, ok := compare(a, b)
	if !ok || c != 0 || aOpen == bOpen {
		return c, ok
	}
	// Equal values: an open lower end starts later, an open upper end
	// stops sooner.
	if aOpen == lower {
		return 1, true
	}
	return -1, true
}

// empty reports whether no value lies in s.
func (s valueRange) empty() bool {
	if s.lo.k == vNull || s.hi.k == vNull {
		return false
	}
	c, ok := compare(s.lo, s.hi)
	return ok && (c > 0 || (c == 0 && (s.loOpen || s.hiOpen)))
}

// intersect is the overlap of two spans; ok is false when their ends
// cannot be compared, and then neither bounds the other.
func (s valueRange) intersect(o valueRange) (valueRange, bool) {
	out := s
	c, ok := cmpEnds(s.lo, o.lo, s.loOpen, o.loOpen, true)
	if !ok {
		return valueRange{}, false
	}
	if c < 0 {
		out.lo, out.loOpen = o.lo, o.loOpen
	}
	c, ok = cmpEnds(s.hi, o.hi, s.hiOpen, o.hiOpen, false)
	if !ok {
		return valueRange{}, false
	}
	if c > 0 {
		out.hi, out.hiOpen = o.hi, o.hiOpen
	}
	return out, true
}

// intersectSpans is the values in a and in b. Should two ends not compare
// (they always do for one property's literals, which type checking made
// alike), a alone is kept: still a necessary condition.
func intersectSpans(a, b []valueRange) []valueRange {
	var out []valueRange
	for _, x := range a {
		for _, y := range b {
			s, ok := x.intersect(y)
			if !ok {
				return a
			}
			out = append(out, s)
		}
	}
	return normalise(out)
}

// normalise drops empty spans, sorts the rest by lower end and merges
// those that overlap, so the spans are ascending and disjoint.
func normalise(spans []valueRange) []valueRange {
	spans = slices.DeleteFunc(spans, valueRange.empty)
	incomparable := false
	slices.SortStableFunc(spans, func(a, b valueRange) int {
		c, ok := cmpEnds(a.lo, b.lo, a.loOpen, b.loOpen, true)
		incomparable = incomparable || !ok
		return c
	})
	if incomparable {
		return spans
	}
	out := spans[:0]
	for _, s := range spans {
		if n := len(out); n > 0 && overlaps(out[n-1], s) {
			if c, _ := cmpEnds(s.hi, out[n-1].hi, s.hiOpen, out[n-1].hiOpen, false); c > 0 {
				out[n-1].hi, out[n-1].hiOpen = s.hi, s.hiOpen
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// overlaps reports whether b, which starts no earlier than a, shares a
// value with a (or touches it, so that their union is one range).
func overlaps(a, b valueRange) bool {
	if a.hi.k == vNull || b.lo.k == vNull {
		return true
	}
	c, ok := compare(a.hi, b.lo)
	if !ok {
		return false
	}
	return c > 0 || (c == 0 && !(a.hiOpen && b.loOpen))
}
