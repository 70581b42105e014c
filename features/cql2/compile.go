package cql2

import (
	"math"
	"strconv"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/paulmach/orb"
)

// GeometryType is the Queryable.Type of the feature geometry, which is not
// in the Props slice (its Index is -1): Match receives it separately.
const GeometryType layer.FieldType = "geometry"

// Queryable is a property a filter may reference.
type Queryable struct {
	Name  string
	Type  layer.FieldType
	Index int // position in the feature's Props slice; -1 for the geometry
}

// Queryables resolves property names, typically from a layer's schema.
type Queryables interface {
	Queryable(name string) (Queryable, bool)
}

// Options adapt compilation to the request.
type Options struct {
	// Geometry maps a literal geometry (and BBOX, as a polygon) from the
	// filter-crs into the coordinate space of the features' geometries.
	// nil leaves literals as they are.
	Geometry func(orb.Geometry) (orb.Geometry, error)
}

// Filter is a compiled, type-checked filter. It is immutable and safe for
// concurrent use.
type Filter struct {
	eval  boolFn
	bound orb.Bound
	has   bool
	props []string
	terms []Term // see plan.go
	// boundTests and spatialOnly serve MatchBounded (see prepared.go).
	boundTests  []boundTest
	spatialOnly bool
}

// Match reports whether a feature satisfies the filter: only TRUE matches;
// FALSE and unknown (a NULL involved) do not.
func (f *Filter) Match(props []any, geom orb.Geometry) bool {
	return f.eval(props, geom) == tTrue
}

// Bound returns a box every matching feature's geometry intersects, taken
// from the spatial predicates on the geometry queryable that are AND-ed at
// the top of the filter, for index pruning. ok is false when no such
// predicate exists. When the AND-ed boxes do not overlap the result is an
// empty bound (Min > Max) that no geometry intersects.
func (f *Filter) Bound() (orb.Bound, bool) { return f.bound, f.has }

// Properties lists the queryables the filter references, in order of first
// use.
func (f *Filter) Properties() []string { return append([]string(nil), f.props...) }

type boolFn func(props []any, g orb.Geometry) tri
type valFn func(props []any, g orb.Geometry) value

// typ is the static type of an expression.
type typ uint8

const (
	tyBool typ = iota + 1
	tyNumber
	tyString
	tyInstant
	tyInterval
	tyGeom
	tyArray
)

func (t typ) noun() string {
	return [...]string{"", "a boolean", "a number", "a string", "an instant", "an interval", "a geometry", "an array"}[t]
}

// cval is a compiled value expression.
type cval struct {
	t     typ
	fn    valFn
	konst bool   // a literal: fn ignores the feature
	desc  string // how error messages name it: `property "floors" is an integer`
}

type compiler struct {
	q      Queryables
	opt    Options
	props  []string
	seen   map[string]bool
	geomQ  string // the name of the geometry queryable, once seen
	bounds []orb.Bound
	// topLevel: the expression being compiled is AND-ed at the top.
	topLevel bool
	// boundTests decide top-level conjuncts from a feature's bound.
	boundTests []boundTest
}

// Compile type-checks e against the queryables and prepares it for
// evaluation. Errors are *Error and name the offending property or value.
func Compile(e Expr, q Queryables, opt Options) (*Filter, error) {
	c := &compiler{q: q, opt: opt, seen: map[string]bool{}, topLevel: true}
	fn, err := c.boolean(e)
	if err != nil {
		return nil, err
	}
	f := &Filter{eval: fn, props: c.props, terms: c.indexTerms(e), boundTests: c.boundTests}
	_, f.spatialOnly = e.(Spatial)
	f.bound, f.has = c.pruningBound(e)
	return f, nil
}

func (c *compiler) boolean(e Expr) (boolFn, error) {
	// Whether e is AND-ed at the top of the filter: below anything but
	// AND, nothing is.
	top := c.topLevel
	if _, isAnd := e.(And); !isAnd {
		c.topLevel = false
		defer func() { c.topLevel = top }()
	}
	switch n := e.(type) {
	case Bool:
		r := triOf(n.Value)
		return func([]any, orb.Geometry) tri { return r }, nil
	case And, Or:
		var args []Expr
		isAnd := false
		if a, ok := n.(And); ok {
			args, isAnd = a.Args, true
		} else {
			args = n.(Or).Args
		}
		fns := make([]boolFn, len(args))
		for i, a := range args {
			fn, err := c.boolean(a)
			if err != nil {
				return nil, err
			}
			fns[i] = fn
		}
		if isAnd {
			return func(p []any, g orb.Geometry) tri {
				r := tTrue
				for _, fn := range fns {
					switch fn(p, g) {
					case tFalse:
						return tFalse
					case tUnknown:
						r = tUnknown
					}
				}
				return r
			}, nil
		}
		return func(p []any, g orb.Geometry) tri {
			r := tFalse
			for _, fn := range fns {
				switch fn(p, g) {
				case tTrue:
					return tTrue
				case tUnknown:
					r = tUnknown
				}
			}
			return r
		}, nil
	case Not:
		fn, err := c.boolean(n.X)
		if err != nil {
			return nil, err
		}
		return func(p []any, g orb.Geometry) tri { return fn(p, g).not() }, nil
	case Comparison:
		return c.comparison(n)
	case Like:
		return c.like(n)
	case Between:
		return c.between(n)
	case In:
		return c.in(n)
	case IsNull:
		return c.isNull(n)
	case Spatial:
		return c.spatial(n, top)
	case Temporal:
		return c.temporal(n)
	case ArrayOp:
		a, err := c.value(n.A)
		if err != nil {
			return nil, err
		}
		b, err := c.value(n.B)
		if err != nil {
			return nil, err
		}
		if a.t != tyArray || b.t != tyArray {
			return nil, errorf("%s needs two arrays; %s", upper(n.Op), mismatch(a, b, tyArray))
		}
		op := n.Op
		return func(p []any, g orb.Geometry) tri { return setOp(op, a.fn(p, g), b.fn(p, g)) }, nil
	case Func:
		if isCaseFn(n) {
			return nil, errorf("%s returns a string, not a boolean", Text(n))
		}
		return nil, errorf("unknown function %q", n.Name)
	case Property:
		cv, err := c.value(n)
		if err != nil {
			return nil, err
		}
		if cv.t != tyBool {
			return nil, errorf("%s, not a boolean", cv.desc)
		}
		return func(p []any, g orb.Geometry) tri {
			v := cv.fn(p, g)
			if v.k != vBool {
				return tUnknown
			}
			return triOf(v.b)
		}, nil
	}
	return nil, errorf("%s is not a boolean expression", Text(e))
}

// value compiles a non-boolean (or boolean-as-value) expression.
func (c *compiler) value(e Expr) (cval, error) {
	konst := func(t typ, v value) cval {
		return cval{t: t, konst: true, desc: Text(e) + " is " + t.noun(),
			fn: func([]any, orb.Geometry) value { return v }}
	}
	switch n := e.(type) {
	case Property:
		return c.property(n.Name)
	case String:
		cv := konst(tyString, value{k: vStr, s: n.Value})
		cv.desc = Text(e) + " is a string"
		return cv, nil
	case Number:
		if n.IsInt {
			return konst(tyNumber, value{k: vInt, i: n.Int}), nil
		}
		return konst(tyNumber, value{k: vFloat, f: n.Float}), nil
	case Bool:
		return konst(tyBool, value{k: vBool, b: n.Value}), nil
	case Date:
		cv := konst(tyInstant, value{k: vTime, t: instantOf(n.Time), isDate: true})
		cv.desc = Text(e) + " is a date"
		return cv, nil
	case Timestamp:
		cv := konst(tyInstant, value{k: vTime, t: instantOf(n.Time)})
		cv.desc = Text(e) + " is a timestamp"
		return cv, nil
	case Interval:
		return c.interval(n)
	case Geometry, BBox:
		g, err := c.literalGeometry(e)
		if err != nil {
			return cval{}, err
		}
		return konst(tyGeom, value{k: vGeom, g: g}), nil
	case Array:
		elems := make([]cval, len(n.Elems))
		allConst := true
		for i, x := range n.Elems {
			cv, err := c.value(x)
			if err != nil {
				return cval{}, err
			}
			elems[i] = cv
			allConst = allConst && cv.konst
		}
		if allConst {
			lit := make([]value, len(elems))
			for i, cv := range elems {
				lit[i] = cv.fn(nil, nil)
			}
			return konst(tyArray, value{k: vArray, lit: lit}), nil
		}
		return cval{t: tyArray, desc: Text(e) + " is an array", fn: func(p []any, g orb.Geometry) value {
			lit := make([]value, len(elems))
			for i, cv := range elems {
				lit[i] = cv.fn(p, g)
			}
			return value{k: vArray, lit: lit}
		}}, nil
	case Arith:
		return c.arith(n)
	case Func:
		if !isCaseFn(n) {
			return cval{}, errorf("unknown function %q", n.Name)
		}
		arg, err := c.value(n.Args[0])
		if err != nil {
			return cval{}, err
		}
		if arg.t != tyString {
			return cval{}, errorf("%s needs a string: %s", upper(n.Name), arg.desc)
		}
		fold := caseFold
		if n.Name == "accenti" {
			fold = accentFold
		}
		cv := cval{t: tyString, desc: Text(e) + " is a string", fn: func(p []any, g orb.Geometry) value {
			v := arg.fn(p, g)
			if v.k != vStr {
				return null
			}
			return value{k: vStr, s: fold(v.s)}
		}}
		if arg.konst {
			v := cv.fn(nil, nil)
			cv.fn, cv.konst = func([]any, orb.Geometry) value { return v }, true
		}
		return cv, nil
	}
	if isBoolKind(e) {
		fn, err := c.boolean(e)
		if err != nil {
			return cval{}, err
		}
		return cval{t: tyBool, desc: Text(e) + " is a boolean", fn: func(p []any, g orb.Geometry) value {
			switch fn(p, g) {
			case tTrue:
				return value{k: vBool, b: true}
			case tFalse:
				return value{k: vBool}
			}
			return null
		}}, nil
	}
	return cval{}, errorf("%s cannot be used here", Text(e))
}

var fieldNouns = map[layer.FieldType]string{
	layer.String: "a string", layer.Integer: "an integer", layer.Number: "a number",
	layer.Boolean: "a boolean", layer.Date: "a date", layer.DateTime: "a timestamp",
	layer.Array: "an array", GeometryType: "a geometry",
}

func (c *compiler) property(name string) (cval, error) {
	q, ok := c.q.Queryable(name)
	if !ok {
		return cval{}, errorf("unknown property %q", name)
	}
	if !c.seen[name] {
		c.seen[name] = true
		c.props = append(c.props, name)
	}
	desc := strconv.Quote(name)
	var t typ
	switch q.Type {
	case layer.String:
		t = tyString
	case layer.Integer, layer.Number:
		t = tyNumber
	case layer.Boolean:
		t = tyBool
	case layer.Date, layer.DateTime:
		t = tyInstant
	case layer.Array:
		t = tyArray
	case GeometryType:
		c.geomQ = name
		return cval{t: tyGeom, desc: "property " + desc + " is a geometry", fn: func(_ []any, g orb.Geometry) value {
			if g == nil {
				return null
			}
			return value{k: vGeom, g: g}
		}}, nil
	default:
		return cval{}, errorf("property %s is of type %s and cannot be used in a filter", desc, q.Type)
	}
	idx := q.Index
	return cval{t: t, desc: "property " + desc + " is " + fieldNouns[q.Type], fn: func(p []any, _ orb.Geometry) value {
		if idx < 0 || idx >= len(p) {
			return null
		}
		return fromProp(p[idx], t)
	}}, nil
}

// mismatch describes operands that are not both of type want.
func mismatch(a, b cval, want typ) string {
	switch {
	case a.t != want && b.t != want:
		return a.desc + "; " + b.desc
	case a.t != want:
		return a.desc
	}
	return b.desc
}

func upper(op string) string {
	b := []byte(op)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func (c *compiler) comparison(n Comparison) (boolFn, error) {
	l, err := c.value(n.L)
	if err != nil {
		return nil, err
	}
	r, err := c.value(n.R)
	if err != nil {
		return nil, err
	}
	if l.t != r.t {
		return nil, errorf("%s; %s", l.desc, r.desc)
	}
	switch l.t {
	case tyNumber, tyString, tyInstant:
	case tyBool:
		if n.Op != "=" && n.Op != "<>" {
			return nil, errorf("booleans can only be compared with = and <>: %s", l.desc)
		}
	default:
		return nil, errorf("%s cannot be compared with %s", l.desc, n.Op)
	}
	var test func(int) bool
	switch n.Op {
	case "=":
		test = func(c int) bool { return c == 0 }
	case "<>":
		test = func(c int) bool { return c != 0 }
	case "<":
		test = func(c int) bool { return c < 0 }
	case ">":
		test = func(c int) bool { return c > 0 }
	case "<=":
		test = func(c int) bool { return c <= 0 }
	default:
		test = func(c int) bool { return c >= 0 }
	}
	lf, rf := l.fn, r.fn
	general := func(p []any, g orb.Geometry) tri {
		a, b := lf(p, g), rf(p, g)
		if a.k == vNull || b.k == vNull {
			return tUnknown
		}
		c, ok := compare(a, b)
		if !ok {
			return tUnknown
		}
		return triOf(test(c))
	}
	if fn, ok := c.directComparison(n, l, r, general); ok {
		return fn, nil
	}
	return general, nil
}

func (c *compiler) like(n Like) (boolFn, error) {
	x, err := c.value(n.X)
	if err != nil {
		return nil, err
	}
	if x.t != tyString {
		return nil, errorf("LIKE needs a string: %s", x.desc)
	}
	pat, err := c.value(n.Pattern)
	if err != nil {
		return nil, err
	}
	lp := compileLike(pat.fn(nil, nil).s) // the parsers guarantee a constant string
	xf := x.fn
	general := func(p []any, g orb.Geometry) tri {
		v := xf(p, g)
		if v.k != vStr {
			return tUnknown
		}
		return triOf(lp.match(v.s))
	}
	if fn, ok := c.directLike(n, lp, general); ok {
		return fn, nil
	}
	return general, nil
}

func (c *compiler) between(n Between) (boolFn, error) {
	var cv [3]cval
	for i, e := range []Expr{n.X, n.Lo, n.Hi} {
		v, err := c.value(e)
		if err != nil {
			return nil, err
		}
		if v.t != tyNumber {
			return nil, errorf("BETWEEN needs numbers: %s", v.desc)
		}
		cv[i] = v
	}
	return func(p []any, g orb.Geometry) tri {
		x, lo, hi := cv[0].fn(p, g), cv[1].fn(p, g), cv[2].fn(p, g)
		if x.k == vNull || lo.k == vNull || hi.k == vNull {
			return tUnknown
		}
		c1, ok1 := compare(lo, x)
		c2, ok2 := compare(x, hi)
		if !ok1 || !ok2 {
			return tUnknown
		}
		return triOf(c1 <= 0 && c2 <= 0)
	}, nil
}

func (c *compiler) in(n In) (boolFn, error) {
	x, err := c.value(n.X)
	if err != nil {
		return nil, err
	}
	switch x.t {
	case tyNumber, tyString, tyInstant, tyBool:
	default:
		return nil, errorf("IN needs a scalar: %s", x.desc)
	}
	list := make([]cval, len(n.List))
	for i, e := range n.List {
		v, err := c.value(e)
		if err != nil {
			return nil, err
		}
		if v.t != x.t {
			return nil, errorf("%s; %s", x.desc, v.desc)
		}
		list[i] = v
	}
	return func(p []any, g orb.Geometry) tri {
		v := x.fn(p, g)
		if v.k == vNull {
			return tUnknown
		}
		r := tFalse
		for _, e := range list {
			w := e.fn(p, g)
			if w.k == vNull {
				r = tUnknown
				continue
			}
			if c, ok := compare(v, w); ok && c == 0 {
				return tTrue
			}
		}
		return r
	}, nil
}

func (c *compiler) isNull(n IsNull) (boolFn, error) {
	x, err := c.value(n.X)
	if err != nil {
		return nil, err
	}
	return func(p []any, g orb.Geometry) tri { return triOf(x.fn(p, g).k == vNull) }, nil
}

// arith compiles an arithmetic node and the chain down its left operands
// (a + b - c is Arith{-, Arith{+, a, b}, c}) in a loop, so a long flat
// chain costs no recursion here nor per feature when evaluated.
func (c *compiler) arith(n Arith) (cval, error) {
	spine := []Arith{n}
	for {
		l, ok := spine[len(spine)-1].L.(Arith)
		if !ok {
			break
		}
		spine = append(spine, l)
	}
	acc, err := c.value(spine[len(spine)-1].L)
	if err != nil {
		return cval{}, err
	}
	var steps []arithStep
	for i := len(spine) - 1; i >= 0; i-- {
		r, err := c.value(spine[i].R)
		if err != nil {
			return cval{}, err
		}
		if acc.t != tyNumber || r.t != tyNumber {
			return cval{}, errorf("arithmetic needs numbers: %s", mismatch(acc, r, tyNumber))
		}
		acc.t = tyNumber
		if acc.konst && r.konst {
			// A constant prefix is computed once, as a constant subtree is.
			v := arithStep{spine[i].Op, r.fn}.apply(acc.fn(nil, nil), nil, nil)
			acc.fn = func([]any, orb.Geometry) value { return v }
			continue
		}
		acc.konst = false
		steps = append(steps, arithStep{spine[i].Op, r.fn})
	}
	acc.desc = Text(n) + " is a number"
	if len(steps) == 0 {
		return acc, nil
	}
	first := acc.fn
	acc.fn = func(p []any, g orb.Geometry) value {
		v := first(p, g)
		for _, s := range steps {
			if v = s.apply(v, p, g); v.k == vNull {
				return v
			}
		}
		return v
	}
	return acc, nil
}

// arithStep is one link of a compiled chain: the operator and its right
// operand.
type arithStep struct {
	op string
	r  valFn
}

// apply computes a op r; a non-number on either side makes NULL.
func (s arithStep) apply(a value, p []any, g orb.Geometry) value {
	b := s.r(p, g)
	if !a.isNum() || !b.isNum() {
		return null
	}
	return arithmetic(s.op, a, b)
}

// arithmetic computes a op b. Integer + - * stay exact unless they
// overflow; / and ^ are real-valued; % and div by zero, and any infinite or
// NaN result, are NULL (so the predicate is unknown, never a panic).
func arithmetic(op string, a, b value) value {
	if a.k == vInt && b.k == vInt {
		x, y := a.i, b.i
		switch op {
		case "+":
			if s := x + y; (s > x) == (y > 0) {
				return value{k: vInt, i: s}
			}
		case "-":
			if s := x - y; (s < x) == (y > 0) {
				return value{k: vInt, i: s}
			}
		case "*":
			if x == 0 || y == 0 {
				return value{k: vInt}
			}
			if s := x * y; s/y == x && !(x == -1 && y == math.MinInt64) && !(y == -1 && x == math.MinInt64) {
				return value{k: vInt, i: s}
			}
		case "%", "div":
			if y == 0 {
				return null
			}
			if y == -1 {
				if op == "%" {
					return value{k: vInt}
				}
				if x != math.MinInt64 {
					return value{k: vInt, i: -x}
				}
				break
			}
			if op == "%" {
				return value{k: vInt, i: x % y}
			}
			return value{k: vInt, i: x / y}
		}
	}
	x, y := a.float(), b.float()
	switch op {
	case "+":
		return numValue(x + y)
	case "-":
		return numValue(x - y)
	case "*":
		return numValue(x * y)
	case "/":
		if y == 0 {
			return null
		}
		return numValue(x / y)
	case "%":
		if y == 0 {
			return null
		}
		return numValue(math.Mod(x, y))
	case "div":
		if y == 0 {
			return null
		}
		return numValue(math.Trunc(x / y))
	}
	return numValue(math.Pow(x, y))
}

func (c *compiler) interval(n Interval) (cval, error) {
	var ends [2]cval
	for i, e := range []Expr{n.Start, n.End} {
		if _, ok := e.(Unbounded); ok {
			s := minInstant
			if i == 1 {
				s = maxInstant
			}
			ends[i] = cval{t: tyInstant, konst: true, fn: func([]any, orb.Geometry) value { return value{k: vTime, t: s} }}
			continue
		}
		v, err := c.value(e)
		if err != nil {
			return cval{}, err
		}
		if v.t != tyInstant {
			return cval{}, errorf("INTERVAL needs instants: %s", v.desc)
		}
		ends[i] = v
	}
	cv := cval{t: tyInterval, desc: Text(n) + " is an interval", fn: func(p []any, g orb.Geometry) value {
		a, b := ends[0].fn(p, g), ends[1].fn(p, g)
		if a.k != vTime || b.k != vTime {
			return null
		}
		return value{k: vInterval, t: a.t, t2: b.t}
	}}
	cv.konst = ends[0].konst && ends[1].konst
	return cv, nil
}

func (c *compiler) temporal(n Temporal) (boolFn, error) {
	a, err := c.value(n.A)
	if err != nil {
		return nil, err
	}
	b, err := c.value(n.B)
	if err != nil {
		return nil, err
	}
	for _, v := range []cval{a, b} {
		if v.t != tyInstant && v.t != tyInterval {
			return nil, errorf("%s needs instants or intervals: %s", upper(n.Op), v.desc)
		}
		if intervalOnly(n.Op) && v.t != tyInterval {
			return nil, errorf("%s is defined for intervals only: %s", upper(n.Op), v.desc)
		}
	}
	op := n.Op
	return func(p []any, g orb.Geometry) tri { return temporalOp(op, a.fn(p, g), b.fn(p, g)) }, nil
}

func (c *compiler) literalGeometry(e Expr) (orb.Geometry, error) {
	var g orb.Geometry
	switch n := e.(type) {
	case Geometry:
		g = n.G
	case BBox:
		g = bboxGeometry(n.Values)
	}
	if c.opt.Geometry != nil {
		m, err := c.opt.Geometry(g)
		if err != nil {
			return nil, errorf("cannot transform %s: %v", Text(e), err)
		}
		g = m
	}
	return g, nil
}

func (c *compiler) spatial(n Spatial, top bool) (boolFn, error) {
	var args [2]spatialArg
	var fns [2]valFn
	for i, e := range []Expr{n.A, n.B} {
		v, err := c.value(e)
		if err != nil {
			return nil, err
		}
		if v.t != tyGeom {
			return nil, errorf("%s needs geometries: %s", upper(n.Op), v.desc)
		}
		fns[i] = v.fn
		if v.konst {
			if args[i], err = literalArg(v.fn(nil, nil).g); err != nil {
				return nil, errorf("%s: %v", Text(e), err)
			}
		}
	}
	op := n.Op
	a, b := &args[0], &args[1]
	fa, fb := fns[0], fns[1]
	general := func(p []any, g orb.Geometry) tri {
		va, vb := fa(p, g), fb(p, g)
		if va.k != vGeom || vb.k != vGeom {
			return tUnknown
		}
		return spatialOp(op, a, b, va.g, vb.g)
	}
	if fn, ok := c.directSpatial(n, &args, general, top); ok {
		return fn, nil
	}
	return general, nil
}

// pruningBound collects the literal envelopes of spatial predicates on the
// geometry queryable that the whole filter depends on (AND-ed at the top).
// Every such predicate except S_DISJOINT implies that the geometries
// intersect.
func (c *compiler) pruningBound(e Expr) (orb.Bound, bool) {
	var out orb.Bound
	has := false
	var walk func(Expr)
	walk = func(e Expr) {
		switch n := e.(type) {
		case And:
			for _, a := range n.Args {
				walk(a)
			}
		case Spatial:
			if n.Op == "s_disjoint" {
				return
			}
			lit := n.B
			if _, ok := n.A.(Property); !ok {
				lit = n.A
				if _, ok := n.B.(Property); !ok {
					return
				}
			}
			switch lit.(type) {
			case Geometry, BBox:
			default:
				return
			}
			g, err := c.literalGeometry(lit)
			if err != nil || g == nil {
				return
			}
			b := g.Bound()
			if !has {
				out, has = b, true
				return
			}
			out = orb.Bound{
				Min: orb.Point{max(out.Min[0], b.Min[0]), max(out.Min[1], b.Min[1])},
				Max: orb.Point{min(out.Max[0], b.Max[0]), min(out.Max[1], b.Max[1])},
			}
		}
	}
	walk(e)
	return out, has
}
