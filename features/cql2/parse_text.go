package cql2

import (
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// ParseText parses a cql2-text filter. Keywords are case-insensitive; the
// result is a boolean expression whose tree shape follows the source
// (parenthesised groups stay nested nodes).
func ParseText(src string, lim Limits) (Expr, error) {
	return parseText(src, lim, false)
}

// ParseLegacyText parses the draft "cql-text" dialect older clients send:
// cql2-text, plus "a ILIKE b" (GDAL's case-insensitive LIKE), read as
// CASEI(a) LIKE CASEI(b). Its string dates are StringDates' job.
func ParseLegacyText(src string, lim Limits) (Expr, error) {
	return parseText(src, lim, true)
}

func parseText(src string, lim Limits, legacy bool) (Expr, error) {
	lim = lim.withDefaults()
	if len(src) > lim.MaxLength {
		return nil, tooLong(len(src), lim)
	}
	p := &textParser{lx: lexer{src: src}, lim: lim, legacy: legacy}
	if !utf8.ValidString(src) {
		off := 0
		for off < len(src) {
			r, size := utf8.DecodeRuneInString(src[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return nil, p.errAt(off, "invalid UTF-8")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	start := p.tok.off
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.expected("AND", "OR", "end of input")
	}
	if !isBoolKind(e) {
		return nil, p.errAt(start, "a filter must be a boolean expression (a predicate, TRUE/FALSE or a function)")
	}
	if depth(e, lim.MaxDepth+1) > lim.MaxDepth {
		// The tree is deeper than the parser's own nesting (predicates,
		// AND and OR add levels without recursing): point at the innermost
		// nesting, where the extra levels end up.
		return nil, p.errAt(max(start, p.deepest), tooDeep(lim))
	}
	return e, nil
}

// textParser is a recursive-descent parser with one token of lookahead.
// Precedence, loosest first: OR, AND, NOT, predicates (comparison, LIKE,
// BETWEEN, IN, IS NULL), + -, * / % div, ^ (right-associative), unary minus.
type textParser struct {
	lx    lexer
	tok   token
	lim   Limits
	depth int
	// legacy accepts ILIKE (ParseLegacyText).
	legacy bool
	// deepest is the offset where depth was greatest, and most its value.
	deepest, most int
}

func (p *textParser) advance() error {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// isILike reports whether the current token is ILIKE and the dialect
// takes it.
func (p *textParser) isILike() bool { return p.legacy && p.isKeyword("ILIKE") }

// peek returns the token after the current one without consuming it.
func (p *textParser) peek() token {
	l := p.lx
	t, err := l.next()
	if err != nil {
		return token{kind: tEOF, off: l.pos}
	}
	return t
}

// enter guards every recursive step, so 100000 '(' fail after MaxDepth
// frames instead of exhausting the stack. Each step is one level of the
// tree (a call, NOT, IN, an array, ^, a sign) or a parenthesis.
func (p *textParser) enter() error {
	p.depth++
	if p.depth > p.most {
		p.most, p.deepest = p.depth, p.tok.off
	}
	if p.depth > p.lim.MaxDepth {
		return p.errAt(p.tok.off, tooDeep(p.lim))
	}
	return nil
}

func (p *textParser) leave() { p.depth-- }

func (p *textParser) isKeyword(w string) bool {
	return p.tok.kind == tIdent && equalFold(p.tok.text, w)
}

func (p *textParser) isOp(op string) bool { return p.tok.kind == tOp && p.tok.text == op }

func (p *textParser) errAt(off int, msg string) *SyntaxError {
	e := &SyntaxError{Offset: off, Msg: msg}
	e.Line, e.Column = lineCol(p.lx.src, off)
	return e
}

func (p *textParser) found() string {
	switch p.tok.kind {
	case tEOF:
		return "end of input"
	case tString:
		return quoteFound(p.tok.text)
	case tQuoted:
		return quoteFound(`"` + p.tok.text + `"`)
	case tIdent:
		if isReserved(p.tok.text) {
			return strings.ToUpper(p.tok.text)
		}
	}
	return quoteFound(p.tok.text)
}

func (p *textParser) expected(what ...string) *SyntaxError {
	e := p.errAt(p.tok.off, "")
	e.Found = p.found()
	e.Expected = what
	return e
}

func (p *textParser) expect(kind tokKind, what string) error {
	if p.tok.kind != kind {
		return p.expected(what)
	}
	return p.advance()
}

// built validates a freshly built node's operand kinds (see checkNode).
func (p *textParser) built(off int, n Expr) (Expr, error) {
	if msg := checkNode(n); msg != "" {
		return nil, p.errAt(off, msg)
	}
	return n, nil
}

func (p *textParser) parseOr() (Expr, error) {
	off := p.tok.off
	x, err := p.parseAnd()
	if err != nil || !p.isKeyword("OR") {
		return x, err
	}
	args := []Expr{x}
	for p.isKeyword("OR") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		args = append(args, y)
	}
	return p.built(off, Or{Args: args})
}

func (p *textParser) parseAnd() (Expr, error) {
	off := p.tok.off
	x, err := p.parseNot()
	if err != nil || !p.isKeyword("AND") {
		return x, err
	}
	args := []Expr{x}
	for p.isKeyword("AND") {
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		args = append(args, y)
	}
	return p.built(off, And{Args: args})
}

func (p *textParser) parseNot() (Expr, error) {
	if !p.isKeyword("NOT") {
		return p.parsePredicate()
	}
	off := p.tok.off
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	return p.built(off, Not{X: x})
}

var comparisonOps = []string{"=", "<>", "<", ">", "<=", ">="}

func (p *textParser) parsePredicate() (Expr, error) {
	off := p.tok.off
	x, err := p.parseAdditive()
	if err != nil {
		return nil, err
	}
	if p.tok.kind == tOp {
		for _, op := range comparisonOps {
			if p.tok.text == op {
				if err := p.advance(); err != nil {
					return nil, err
				}
				y, err := p.parseAdditive()
				if err != nil {
					return nil, err
				}
				return p.built(off, Comparison{Op: op, L: x, R: y})
			}
		}
		return x, nil
	}
	if p.tok.kind != tIdent {
		return x, nil
	}
	negate := false
	if p.isKeyword("NOT") {
		negate = true
		if err := p.advance(); err != nil {
			return nil, err
		}
		if !p.isKeyword("LIKE") && !p.isKeyword("BETWEEN") && !p.isKeyword("IN") && !p.isILike() {
			return nil, p.expected("LIKE", "BETWEEN", "IN")
		}
	}
	var n Expr
	switch {
	case p.isKeyword("LIKE"), p.isILike():
		ilike := p.isILike()
		if err := p.advance(); err != nil {
			return nil, err
		}
		pat, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		n = Like{X: x, Pattern: pat}
		if ilike {
			n = Like{X: Func{Name: "casei", Args: []Expr{x}}, Pattern: Func{Name: "casei", Args: []Expr{pat}}}
		}
	case p.isKeyword("BETWEEN"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		lo, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("AND") {
			return nil, p.expected("AND")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		hi, err := p.parseAdditive()
		if err != nil {
			return nil, err
		}
		n = Between{X: x, Lo: lo, Hi: hi}
	case p.isKeyword("IN"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if err := p.enter(); err != nil {
			return nil, err
		}
		list, err := p.parseList(false)
		p.leave()
		if err != nil {
			return nil, err
		}
		n = In{X: x, List: list}
	case p.isKeyword("IS"):
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.isKeyword("NOT") {
			negate = true
			if err := p.advance(); err != nil {
				return nil, err
			}
		}
		if !p.isKeyword("NULL") {
			if negate {
				return nil, p.expected("NULL")
			}
			return nil, p.expected("NOT", "NULL")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		n = IsNull{X: x}
	default:
		return x, nil
	}
	n, err = p.built(off, n)
	if err != nil || !negate {
		return n, err
	}
	return p.built(off, Not{X: n})
}

// parseList parses "(" [expr {"," expr}] ")". For array literals (arrays
// true) an element starting with "(" is a nested array; elsewhere it is a
// parenthesised expression. The caller counts the level (enter): the list
// belongs to its IN, call or array node.
func (p *textParser) parseList(arrays bool) ([]Expr, error) {
	if p.tok.kind != tLParen {
		return nil, p.expected("'('")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	list := []Expr{}
	if p.tok.kind == tRParen {
		return list, p.advance()
	}
	for {
		var e Expr
		var err error
		if arrays && p.tok.kind == tLParen {
			e, err = p.parseArray()
		} else {
			e, err = p.parseOr()
		}
		if err != nil {
			return nil, err
		}
		list = append(list, e)
		if p.tok.kind == tRParen {
			return list, p.advance()
		}
		if p.tok.kind != tComma {
			return nil, p.expected("','", "')'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
}

func (p *textParser) parseArray() (Expr, error) {
	off := p.tok.off
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	elems, err := p.parseList(true)
	if err != nil {
		return nil, err
	}
	return p.built(off, Array{Elems: elems})
}

func (p *textParser) parseAdditive() (Expr, error) {
	off := p.tok.off
	x, err := p.parseMultiplicative()
	if err != nil {
		return nil, err
	}
	for p.isOp("+") || p.isOp("-") {
		op := p.tok.text
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parseMultiplicative()
		if err != nil {
			return nil, err
		}
		if x, err = p.built(off, Arith{Op: op, L: x, R: y}); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (p *textParser) parseMultiplicative() (Expr, error) {
	off := p.tok.off
	x, err := p.parsePower()
	if err != nil {
		return nil, err
	}
	for p.isOp("*") || p.isOp("/") || p.isOp("%") || p.isKeyword("DIV") {
		op := p.tok.text
		if p.tok.kind == tIdent {
			op = "div"
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		y, err := p.parsePower()
		if err != nil {
			return nil, err
		}
		if x, err = p.built(off, Arith{Op: op, L: x, R: y}); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func (p *textParser) parsePower() (Expr, error) {
	off := p.tok.off
	x, err := p.parseUnary()
	if err != nil || !p.isOp("^") {
		return x, err
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if err := p.advance(); err != nil {
		return nil, err
	}
	y, err := p.parsePower()
	if err != nil {
		return nil, err
	}
	return p.built(off, Arith{Op: "^", L: x, R: y})
}

// parseUnary folds a sign into a following numeric literal (-1 is one
// literal, as in cql2-json) and turns any other negation into -1 * x.
func (p *textParser) parseUnary() (Expr, error) {
	if !p.isOp("-") && !p.isOp("+") {
		return p.parsePrimary()
	}
	off := p.tok.off
	neg := p.tok.text == "-"
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tNumber {
		n, msg := parseNumber(p.tok.text, neg)
		if msg != "" {
			return nil, p.errAt(p.tok.off, msg)
		}
		return n, p.advance()
	}
	if !neg {
		return nil, p.expected("a number")
	}
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	x, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return p.built(off, Arith{Op: "*", L: Number{Float: -1, Int: -1, IsInt: true}, R: x})
}

func (p *textParser) parsePrimary() (Expr, error) {
	t := p.tok
	switch t.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		if err := p.advance(); err != nil {
			return nil, err
		}
		e, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		return e, p.expect(tRParen, "')'")
	case tString:
		return String{Value: t.text}, p.advance()
	case tNumber:
		n, msg := parseNumber(t.text, false)
		if msg != "" {
			return nil, p.errAt(t.off, msg)
		}
		return n, p.advance()
	case tQuoted:
		if t.text == "" {
			return nil, p.errAt(t.off, "empty property name")
		}
		return Property{Name: t.text}, p.advance()
	case tIdent:
		switch {
		case equalFold(t.text, "TRUE"), equalFold(t.text, "FALSE"):
			return Bool{Value: equalFold(t.text, "TRUE")}, p.advance()
		case isReserved(t.text):
			return nil, p.expected("an expression")
		}
		next := p.peek()
		if next.kind == tLParen || (next.kind == tIdent && equalFold(next.text, "Z") && wktKind(t.text) != "") {
			return p.parseCall()
		}
		return Property{Name: t.text}, p.advance()
	}
	return nil, p.expected("an expression")
}

// parseCall handles every "NAME(" form: literal constructors, CASEI and
// ACCENTI, the standard predicates and custom functions.
func (p *textParser) parseCall() (Expr, error) {
	off, name := p.tok.off, p.tok.text
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if kind := wktKind(name); kind != "" {
		g, err := p.parseWKT()
		if err != nil {
			return nil, err
		}
		return p.built(off, Geometry{G: g})
	}
	if err := p.advance(); err != nil { // the name
		return nil, err
	}
	upper := strings.ToUpper(name)
	switch upper {
	case "DATE", "TIMESTAMP":
		if err := p.expect(tLParen, "'('"); err != nil {
			return nil, err
		}
		if p.tok.kind != tString {
			return nil, p.expected("a quoted " + strings.ToLower(upper))
		}
		s, soff := p.tok.text, p.tok.off
		if err := p.advance(); err != nil {
			return nil, err
		}
		var n Expr
		if upper == "DATE" {
			d, msg := parseDate(s)
			if msg != "" {
				return nil, p.errAt(soff, msg)
			}
			n = Date{Time: d}
		} else {
			ts, msg := parseTimestamp(s)
			if msg != "" {
				return nil, p.errAt(soff, msg)
			}
			n = Timestamp{Time: ts}
		}
		return n, p.expect(tRParen, "')'")
	case "INTERVAL":
		if err := p.expect(tLParen, "'('"); err != nil {
			return nil, err
		}
		start, err := p.parseIntervalEnd()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tComma, "','"); err != nil {
			return nil, err
		}
		end, err := p.parseIntervalEnd()
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "')'"); err != nil {
			return nil, err
		}
		return p.built(off, Interval{Start: start, End: end})
	case "BBOX":
		if err := p.expect(tLParen, "'('"); err != nil {
			return nil, err
		}
		var vals []float64
		for {
			v, err := p.signedNumber()
			if err != nil {
				return nil, err
			}
			vals = append(vals, v)
			if p.tok.kind == tRParen {
				break
			}
			if err := p.expect(tComma, "','"); err != nil {
				return nil, err
			}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		return p.built(off, BBox{Values: vals})
	case "CASEI", "ACCENTI":
		args, err := p.parseList(false)
		if err != nil {
			return nil, err
		}
		return p.built(off, Func{Name: strings.ToLower(upper), Args: args})
	}
	if op, fam := canonicalOp(name); fam != 0 {
		var args []Expr
		var err error
		if fam == 'a' {
			args, err = p.parseArrayArgs()
		} else {
			args, err = p.parseList(false)
		}
		if err != nil {
			return nil, err
		}
		if len(args) != 2 {
			return nil, p.errAt(off, strings.ToUpper(op)+" takes two arguments")
		}
		switch fam {
		case 's':
			return p.built(off, Spatial{Op: op, A: args[0], B: args[1]})
		case 't':
			return p.built(off, Temporal{Op: op, A: args[0], B: args[1]})
		default:
			return p.built(off, ArrayOp{Op: op, A: args[0], B: args[1]})
		}
	}
	args, err := p.parseList(false)
	if err != nil {
		return nil, err
	}
	return p.built(off, Func{Name: name, Args: args})
}

// parseArrayArgs parses the two arguments of an A_* predicate, where "("
// opens an array literal rather than a parenthesised expression.
func (p *textParser) parseArrayArgs() ([]Expr, error) {
	if err := p.expect(tLParen, "'('"); err != nil {
		return nil, err
	}
	var args []Expr
	for {
		var e Expr
		var err error
		if p.tok.kind == tLParen {
			e, err = p.parseArray()
		} else {
			e, err = p.parseOr()
		}
		if err != nil {
			return nil, err
		}
		args = append(args, e)
		if p.tok.kind == tRParen {
			return args, p.advance()
		}
		if err := p.expect(tComma, "','"); err != nil {
			return nil, err
		}
	}
}

func (p *textParser) parseIntervalEnd() (Expr, error) {
	if p.tok.kind == tString {
		e, msg := intervalEnd(p.tok.text)
		if msg != "" {
			return nil, p.errAt(p.tok.off, msg)
		}
		return e, p.advance()
	}
	return p.parsePrimary()
}

func (p *textParser) signedNumber() (float64, error) {
	neg := false
	if p.isOp("-") || p.isOp("+") {
		neg = p.tok.text == "-"
		if err := p.advance(); err != nil {
			return 0, err
		}
	}
	if p.tok.kind != tNumber {
		return 0, p.expected("a number")
	}
	n, msg := parseNumber(p.tok.text, neg)
	if msg != "" {
		return 0, p.errAt(p.tok.off, msg)
	}
	f := n.Float
	if f == 0 {
		f = 0 // coordinates drop the sign of zero: WKT and GeoJSON print it alike
	}
	return f, p.advance()
}

// wktKind returns the canonical WKT type name for a keyword, or "".
func wktKind(name string) string {
	for _, k := range []string{"POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION"} {
		if equalFold(name, k) {
			return k
		}
	}
	return ""
}

// parseWKT parses a WKT geometry starting at its type keyword. An optional
// Z is accepted and the third coordinate dropped: evaluation is planar.
func (p *textParser) parseWKT() (orb.Geometry, error) {
	kind := wktKind(p.tok.text)
	if kind == "" {
		return nil, p.expected("a WKT geometry type")
	}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.isKeyword("Z") {
		if err := p.advance(); err != nil {
			return nil, err
		}
	}
	switch kind {
	case "POINT":
		if err := p.expect(tLParen, "'('"); err != nil {
			return nil, err
		}
		pt, err := p.wktPoint()
		if err != nil {
			return nil, err
		}
		return pt, p.expect(tRParen, "')'")
	case "LINESTRING":
		ls, err := p.wktPoints()
		return orb.LineString(ls), err
	case "POLYGON":
		return p.wktPolygon()
	case "MULTIPOINT":
		// Both MULTIPOINT((1 2),(3 4)) (the BNF) and MULTIPOINT(1 2, 3 4).
		if err := p.expect(tLParen, "'('"); err != nil {
			return nil, err
		}
		var mp orb.MultiPoint
		for {
			paren := p.tok.kind == tLParen
			if paren {
				if err := p.advance(); err != nil {
					return nil, err
				}
			}
			pt, err := p.wktPoint()
			if err != nil {
				return nil, err
			}
			if paren {
				if err := p.expect(tRParen, "')'"); err != nil {
					return nil, err
				}
			}
			mp = append(mp, pt)
			if p.tok.kind == tRParen {
				return mp, p.advance()
			}
			if err := p.expect(tComma, "','"); err != nil {
				return nil, err
			}
		}
	case "MULTILINESTRING":
		var mls orb.MultiLineString
		err := p.wktList(func() error {
			ls, err := p.wktPoints()
			mls = append(mls, ls)
			return err
		})
		return mls, err
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err := p.wktList(func() error {
			poly, err := p.wktPolygon()
			mp = append(mp, poly)
			return err
		})
		return mp, err
	default: // GEOMETRYCOLLECTION
		var c orb.Collection
		err := p.wktList(func() error {
			if err := p.enter(); err != nil {
				return err
			}
			defer p.leave()
			g, err := p.parseWKT()
			c = append(c, g)
			return err
		})
		return c, err
	}
}

// wktList parses "(" item {"," item} ")".
func (p *textParser) wktList(item func() error) error {
	if err := p.expect(tLParen, "'('"); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if p.tok.kind == tRParen {
			return p.advance()
		}
		if err := p.expect(tComma, "','"); err != nil {
			return err
		}
	}
}

func (p *textParser) wktPolygon() (orb.Polygon, error) {
	var poly orb.Polygon
	err := p.wktList(func() error {
		ls, err := p.wktPoints()
		poly = append(poly, orb.Ring(ls))
		return err
	})
	return poly, err
}

func (p *textParser) wktPoints() ([]orb.Point, error) {
	var pts []orb.Point
	err := p.wktList(func() error {
		pt, err := p.wktPoint()
		pts = append(pts, pt)
		return err
	})
	return pts, err
}

func (p *textParser) wktPoint() (orb.Point, error) {
	x, err := p.signedNumber()
	if err != nil {
		return orb.Point{}, err
	}
	y, err := p.signedNumber()
	if err != nil {
		return orb.Point{}, err
	}
	if p.tok.kind == tNumber || p.isOp("-") || p.isOp("+") {
		if _, err := p.signedNumber(); err != nil { // Z, dropped
			return orb.Point{}, err
		}
	}
	return orb.Point{x, y}, nil
}
