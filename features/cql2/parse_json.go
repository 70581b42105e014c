package cql2

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ParseJSON parses a cql2-json filter. Operator names are matched
// case-insensitively; errors name the JSON path of the offending member.
func ParseJSON(src []byte, lim Limits) (Expr, error) {
	lim = lim.withDefaults()
	if len(src) > lim.MaxLength {
		return nil, tooLong(len(src), lim)
	}
	// encoding/json stops at 10000 levels itself; failing first names the
	// offset plainly. Expression depth is checked while converting, where
	// a flat arithmetic chain (two JSON levels a link) costs nothing.
	if off, ok := jsonNesting(src, maxJSONNesting); !ok {
		e := &SyntaxError{Offset: off, Msg: fmt.Sprintf("JSON nested more than %d levels deep", maxJSONNesting)}
		e.Line, e.Column = lineCol(string(src), off)
		return nil, e
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonSyntaxError(src, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		off := int(dec.InputOffset())
		e := &SyntaxError{Offset: off, Msg: "unexpected data after the filter"}
		e.Line, e.Column = lineCol(string(src), off)
		return nil, e
	}
	p := jsonParser{lim: lim}
	e, err := p.expr(v, &jsonPath{seg: "$"})
	if err != nil {
		return nil, err
	}
	if !isBoolKind(e) {
		return nil, &SyntaxError{Path: "$", Msg: "a filter must be a boolean expression (a predicate, true/false or a function)"}
	}
	if depth(e, lim.MaxDepth+1) > lim.MaxDepth {
		return nil, &SyntaxError{Path: "$", Msg: tooDeep(lim)}
	}
	return e, nil
}

// jsonNesting reports whether src nests arrays/objects at most max deep,
// and otherwise the offset where it went too deep.
func jsonNesting(src []byte, max int) (int, bool) {
	d, inStr, esc := 0, false, false
	for i, c := range src {
		switch {
		case inStr:
			if esc {
				esc = false
			} else if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '[' || c == '{':
			d++
			if d > max {
				return i, false
			}
		case c == ']' || c == '}':
			d--
		}
	}
	return 0, true
}

func jsonSyntaxError(src []byte, err error) error {
	var se *json.SyntaxError
	off := len(src)
	msg := err.Error()
	if errors.As(err, &se) {
		off = int(se.Offset)
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "unexpected end of JSON input"
	}
	e := &SyntaxError{Offset: off, Msg: "invalid JSON: " + strings.TrimPrefix(msg, "json: ")}
	e.Line, e.Column = lineCol(string(src), off)
	return e
}

// maxJSONNesting bounds arrays and objects within objects, below
// encoding/json's own limit of 10000.
const maxJSONNesting = 9000

// jsonPath is where a member sits, as a chain of segments joined only when
// an error names it: joining eagerly would cost the square of a long
// arithmetic chain's length.
type jsonPath struct {
	up  *jsonPath
	seg string
}

func (p *jsonPath) dot(name string) *jsonPath { return &jsonPath{p, "." + name} }

func (p *jsonPath) index(i int) *jsonPath { return &jsonPath{p, "[" + strconv.Itoa(i) + "]"} }

func (p *jsonPath) String() string {
	var segs []string
	for ; p != nil; p = p.up {
		segs = append(segs, p.seg)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		b.WriteString(segs[i])
	}
	return b.String()
}

// jsonParser converts decoded JSON to an Expr, counting expression depth
// as depth() does so a too-deep filter is refused at the member where it
// crosses the limit.
type jsonParser struct {
	lim   Limits
	depth int
}

// enter counts one expression level for the member at path.
func (p *jsonParser) enter(path *jsonPath) error {
	p.depth++
	if p.depth > p.lim.MaxDepth {
		return p.errf(path, "%s", tooDeep(p.lim))
	}
	return nil
}

func (p *jsonParser) leave() { p.depth-- }

func (*jsonParser) errf(path *jsonPath, format string, args ...any) *SyntaxError {
	return &SyntaxError{Path: path.String(), Msg: fmt.Sprintf(format, args...)}
}

func (p *jsonParser) built(path *jsonPath, n Expr) (Expr, error) {
	if msg := checkNode(n); msg != "" {
		return nil, p.errf(path, "%s", msg)
	}
	return n, nil
}

func (p *jsonParser) expr(v any, path *jsonPath) (Expr, error) {
	if err := p.enter(path); err != nil {
		return nil, err
	}
	defer p.leave()
	return p.node(v, path)
}

// node converts one expression without counting a level for it; expr
// counts one, and an arithmetic chain's link none.
func (p *jsonParser) node(v any, path *jsonPath) (Expr, error) {
	switch v := v.(type) {
	case nil:
		return nil, p.errf(path, "null is not a CQL2 expression")
	case bool:
		return Bool{Value: v}, nil
	case string:
		return String{Value: v}, nil
	case json.Number:
		s := string(v)
		neg := strings.HasPrefix(s, "-")
		n, msg := parseNumber(strings.TrimPrefix(s, "-"), neg)
		if msg != "" {
			return nil, p.errf(path, "%s", msg)
		}
		return n, nil
	case []any:
		elems, err := p.list(v, path)
		if err != nil {
			return nil, err
		}
		return p.built(path, Array{Elems: elems})
	case map[string]any:
		return p.object(v, path)
	}
	return nil, p.errf(path, "unexpected JSON value")
}

func (p *jsonParser) list(vs []any, path *jsonPath) ([]Expr, error) {
	out := make([]Expr, 0, len(vs))
	for i, x := range vs {
		e, err := p.expr(x, path.index(i))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// only checks that obj has no members besides the allowed ones, so that a
// misspelt member is reported instead of silently ignored.
func (p *jsonParser) only(obj map[string]any, path *jsonPath, allowed ...string) error {
	for k := range obj {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return p.errf(path, "unexpected member %q", k)
		}
	}
	return nil
}

func (p *jsonParser) object(obj map[string]any, path *jsonPath) (Expr, error) {
	switch {
	case obj["op"] != nil:
		return p.op(obj, path)
	case obj["property"] != nil:
		if err := p.only(obj, path, "property"); err != nil {
			return nil, err
		}
		name, ok := obj["property"].(string)
		if !ok || name == "" {
			return nil, p.errf(path.dot("property"), "a property name must be a non-empty string")
		}
		return Property{Name: name}, nil
	case obj["date"] != nil, obj["timestamp"] != nil:
		key := "date"
		if obj["date"] == nil {
			key = "timestamp"
		}
		if err := p.only(obj, path, key); err != nil {
			return nil, err
		}
		s, ok := obj[key].(string)
		if !ok {
			return nil, p.errf(path.dot(key), "a %s must be a string", key)
		}
		if key == "date" {
			t, msg := parseDate(s)
			if msg != "" {
				return nil, p.errf(path.dot("date"), "%s", msg)
			}
			return Date{Time: t}, nil
		}
		t, msg := parseTimestamp(s)
		if msg != "" {
			return nil, p.errf(path.dot("timestamp"), "%s", msg)
		}
		return Timestamp{Time: t}, nil
	case obj["interval"] != nil:
		if err := p.only(obj, path, "interval"); err != nil {
			return nil, err
		}
		ends, ok := obj["interval"].([]any)
		if !ok || len(ends) != 2 {
			return nil, p.errf(path.dot("interval"), "an interval must be an array of two ends")
		}
		var iv [2]Expr
		for i, end := range ends {
			ipath := path.dot("interval").index(i)
			var err error
			if s, ok := end.(string); ok {
				if p.depth >= p.lim.MaxDepth {
					return nil, p.errf(ipath, "%s", tooDeep(p.lim))
				}
				var msg string
				if iv[i], msg = intervalEnd(s); msg != "" {
					return nil, p.errf(ipath, "%s", msg)
				}
			} else if iv[i], err = p.expr(end, ipath); err != nil {
				return nil, err
			}
		}
		return p.built(path, Interval{Start: iv[0], End: iv[1]})
	case obj["type"] != nil:
		g, err := p.geometry(obj, path, 0)
		if err != nil {
			return nil, err
		}
		return p.built(path, Geometry{G: g})
	case obj["bbox"] != nil:
		if err := p.only(obj, path, "bbox"); err != nil {
			return nil, err
		}
		arr, _ := obj["bbox"].([]any)
		vals, err := p.numbers(arr, path.dot("bbox"))
		if err != nil {
			return nil, err
		}
		return p.built(path, BBox{Values: vals})
	}
	return nil, p.errf(path, "expected an object with op, property, date, timestamp, interval, bbox or a GeoJSON type")
}

func (p *jsonParser) numbers(arr []any, path *jsonPath) ([]float64, error) {
	out := make([]float64, 0, len(arr))
	for i, x := range arr {
		n, ok := x.(json.Number)
		if !ok {
			return nil, p.errf(path.index(i), "expected a number")
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, p.errf(path.index(i), "number %s is out of range", n)
		}
		if f == 0 {
			f = 0 // drop the sign of zero, as the text parser does
		}
		out = append(out, f)
	}
	return out, nil
}

func (p *jsonParser) op(obj map[string]any, path *jsonPath) (Expr, error) {
	if err := p.only(obj, path, "op", "args"); err != nil {
		return nil, err
	}
	name, ok := obj["op"].(string)
	if !ok {
		return nil, p.errf(path.dot("op"), "op must be a string")
	}
	raw, ok := obj["args"].([]any)
	if !ok {
		return nil, p.errf(path.dot("args"), "args must be an array")
	}
	nargs := func(want ...int) error {
		for _, w := range want {
			if len(raw) == w {
				return nil
			}
		}
		return p.errf(path.dot("args"), "%s takes %d arguments, got %d", name, want[0], len(raw))
	}
	lower := strings.ToLower(name)
	if lower == "in" {
		if err := nargs(2); err != nil {
			return nil, err
		}
		x, err := p.expr(raw[0], path.dot("args").index(0))
		if err != nil {
			return nil, err
		}
		items, ok := raw[1].([]any)
		if !ok {
			return nil, p.errf(path.dot("args").index(1), "the IN list must be an array")
		}
		list, err := p.list(items, path.dot("args").index(1))
		if err != nil {
			return nil, err
		}
		return p.built(path, In{X: x, List: list})
	}
	if isArithOp(lower) {
		if err := nargs(2); err != nil {
			return nil, err
		}
		return p.arith(lower, raw, path)
	}
	args, err := p.list(raw, path.dot("args"))
	if err != nil {
		return nil, err
	}
	var n Expr
	switch lower {
	case "and", "or":
		if len(args) < 2 {
			return nil, p.errf(path.dot("args"), "%s needs at least two arguments", lower)
		}
		if lower == "and" {
			n = And{Args: args}
		} else {
			n = Or{Args: args}
		}
	case "not":
		if err := nargs(1); err != nil {
			return nil, err
		}
		n = Not{X: args[0]}
	case "=", "<>", "<", ">", "<=", ">=":
		if err := nargs(2); err != nil {
			return nil, err
		}
		n = Comparison{Op: lower, L: args[0], R: args[1]}
	case "like":
		if err := nargs(2); err != nil {
			return nil, err
		}
		n = Like{X: args[0], Pattern: args[1]}
	case "between":
		if err := nargs(3); err != nil {
			return nil, err
		}
		n = Between{X: args[0], Lo: args[1], Hi: args[2]}
	case "isnull":
		if err := nargs(1); err != nil {
			return nil, err
		}
		n = IsNull{X: args[0]}
	case "casei", "accenti":
		if err := nargs(1); err != nil {
			return nil, err
		}
		n = Func{Name: lower, Args: args}
	default:
		if op, fam := canonicalOp(name); fam != 0 {
			if err := nargs(2); err != nil {
				return nil, err
			}
			switch fam {
			case 's':
				n = Spatial{Op: op, A: args[0], B: args[1]}
			case 't':
				n = Temporal{Op: op, A: args[0], B: args[1]}
			default:
				n = ArrayOp{Op: op, A: args[0], B: args[1]}
			}
			break
		}
		// A custom function: its name must be writable in cql2-text.
		if !isIdentifier(name) || isSpecialCall(name) {
			return nil, p.errf(path.dot("op"), "unknown operator %q", name)
		}
		n = Func{Name: name, Args: args}
	}
	return p.built(path, n)
}

// arith converts an arithmetic operation. Its first argument continues a
// flat chain when it is an operation of the same precedence, as
// "a + b - c" is; then it costs no depth (see depth).
func (p *jsonParser) arith(op string, raw []any, path *jsonPath) (Expr, error) {
	args := path.dot("args")
	var l Expr
	var err error
	if sameChain(op, jsonOp(raw[0])) {
		l, err = p.node(raw[0], args.index(0))
	} else {
		l, err = p.expr(raw[0], args.index(0))
	}
	if err != nil {
		return nil, err
	}
	r, err := p.expr(raw[1], args.index(1))
	if err != nil {
		return nil, err
	}
	return p.built(path, Arith{Op: op, L: l, R: r})
}

// jsonOp is the lower-case operator of an {"op": ...} object, or "".
func jsonOp(v any) string {
	obj, _ := v.(map[string]any)
	name, _ := obj["op"].(string)
	return strings.ToLower(name)
}

// geometry converts a GeoJSON geometry object, dropping any Z coordinate.
func (p *jsonParser) geometry(obj map[string]any, path *jsonPath, level int) (orb.Geometry, error) {
	typ, _ := obj["type"].(string)
	if typ == "GeometryCollection" {
		if err := p.only(obj, path, "type", "geometries", "bbox"); err != nil {
			return nil, err
		}
		members, ok := obj["geometries"].([]any)
		if !ok {
			return nil, p.errf(path.dot("geometries"), "geometries must be an array")
		}
		if level > 32 {
			return nil, p.errf(path, "geometry collections nested too deeply")
		}
		c := orb.Collection{}
		for i, m := range members {
			mpath := path.dot("geometries").index(i)
			mo, ok := m.(map[string]any)
			if !ok {
				return nil, p.errf(mpath, "expected a GeoJSON geometry object")
			}
			g, err := p.geometry(mo, mpath, level+1)
			if err != nil {
				return nil, err
			}
			c = append(c, g)
		}
		return c, nil
	}
	if err := p.only(obj, path, "type", "coordinates", "bbox"); err != nil {
		return nil, err
	}
	cpath := path.dot("coordinates")
	coords := obj["coordinates"]
	bad := func() error { return p.errf(cpath, "malformed coordinates for a %s", typ) }
	point := func(v any) (orb.Point, error) {
		arr, ok := v.([]any)
		if !ok || len(arr) < 2 || len(arr) > 3 {
			return orb.Point{}, bad()
		}
		f, err := p.numbers(arr, cpath)
		if err != nil {
			return orb.Point{}, err
		}
		return orb.Point{f[0], f[1]}, nil
	}
	points := func(v any) ([]orb.Point, error) {
		arr, ok := v.([]any)
		if !ok {
			return nil, bad()
		}
		out := make([]orb.Point, 0, len(arr))
		for _, x := range arr {
			pt, err := point(x)
			if err != nil {
				return nil, err
			}
			out = append(out, pt)
		}
		return out, nil
	}
	lists := func(v any, each func(any) error) error {
		arr, ok := v.([]any)
		if !ok {
			return bad()
		}
		for _, x := range arr {
			if err := each(x); err != nil {
				return err
			}
		}
		return nil
	}
	polygon := func(v any) (orb.Polygon, error) {
		poly := orb.Polygon{}
		err := lists(v, func(x any) error {
			r, err := points(x)
			poly = append(poly, r)
			return err
		})
		return poly, err
	}
	switch typ {
	case "Point":
		return point(coords)
	case "LineString":
		ls, err := points(coords)
		return orb.LineString(ls), err
	case "MultiPoint":
		mp, err := points(coords)
		return orb.MultiPoint(mp), err
	case "Polygon":
		return polygon(coords)
	case "MultiLineString":
		mls := orb.MultiLineString{}
		err := lists(coords, func(x any) error {
			ls, err := points(x)
			mls = append(mls, ls)
			return err
		})
		return mls, err
	case "MultiPolygon":
		mp := orb.MultiPolygon{}
		err := lists(coords, func(x any) error {
			poly, err := polygon(x)
			mp = append(mp, poly)
			return err
		})
		return mp, err
	}
	return nil, p.errf(path.dot("type"), "unknown geometry type %q", typ)
}
