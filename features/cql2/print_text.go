package cql2

import (
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Text prints e as canonical cql2-text: upper-case keywords, single spaces,
// parentheses only where the tree needs them, negated predicates as NOT x.
// ParseText(Text(e)) yields a tree equal to e for every e the parsers
// accept.
func Text(e Expr) string {
	var b strings.Builder
	writeText(&b, e)
	return b.String()
}

func writeText(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case Property:
		writeIdent(b, n.Name)
	case String:
		writeString(b, n.Value)
	case Number:
		b.WriteString(formatNumber(n))
	case Bool:
		if n.Value {
			b.WriteString("TRUE")
		} else {
			b.WriteString("FALSE")
		}
	case Date:
		b.WriteString("DATE('" + formatDate(n.Time) + "')")
	case Timestamp:
		b.WriteString("TIMESTAMP('" + formatTimestamp(n.Time) + "')")
	case Unbounded:
		b.WriteString("'..'")
	case Interval:
		b.WriteString("INTERVAL(")
		writeIntervalEnd(b, n.Start)
		b.WriteString(", ")
		writeIntervalEnd(b, n.End)
		b.WriteByte(')')
	case Geometry:
		writeWKT(b, n.G)
	case BBox:
		b.WriteString("BBOX(")
		for i, v := range n.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(formatFloat(v, false))
		}
		b.WriteByte(')')
	case Array:
		b.WriteByte('(')
		for i, x := range n.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeText(b, x)
		}
		b.WriteByte(')')
	case And:
		writeJunction(b, n.Args, " AND ", func(x Expr) bool { _, or := x.(Or); _, and := x.(And); return or || and })
	case Or:
		writeJunction(b, n.Args, " OR ", func(x Expr) bool { _, or := x.(Or); return or })
	case Not:
		b.WriteString("NOT ")
		switch n.X.(type) {
		case And, Or:
			b.WriteByte('(')
			writeText(b, n.X)
			b.WriteByte(')')
		default:
			writeText(b, n.X)
		}
	case Comparison:
		writeOperand(b, n.L)
		b.WriteString(" " + n.Op + " ")
		writeOperand(b, n.R)
	case Like:
		writeOperand(b, n.X)
		b.WriteString(" LIKE ")
		writeText(b, n.Pattern)
	case Between:
		writeOperand(b, n.X)
		b.WriteString(" BETWEEN ")
		writeOperand(b, n.Lo)
		b.WriteString(" AND ")
		writeOperand(b, n.Hi)
	case In:
		writeOperand(b, n.X)
		b.WriteString(" IN ")
		writeArgs(b, n.List)
	case IsNull:
		writeOperand(b, n.X)
		b.WriteString(" IS NULL")
	case Arith:
		p := arithPrec(n.Op)
		writeArithOperand(b, n.L, p, n.Op == "^")
		if n.Op == "div" {
			b.WriteString(" DIV ")
		} else {
			b.WriteString(" " + n.Op + " ")
		}
		writeArithOperand(b, n.R, p, n.Op != "^")
	case Func:
		if isCaseFn(n) {
			b.WriteString(strings.ToUpper(n.Name))
		} else {
			b.WriteString(n.Name)
		}
		writeArgs(b, n.Args)
	case Spatial:
		b.WriteString(strings.ToUpper(n.Op))
		writeArgs(b, []Expr{n.A, n.B})
	case Temporal:
		b.WriteString(strings.ToUpper(n.Op))
		writeArgs(b, []Expr{n.A, n.B})
	case ArrayOp:
		b.WriteString(strings.ToUpper(n.Op))
		writeArgs(b, []Expr{n.A, n.B})
	}
}

func writeArgs(b *strings.Builder, args []Expr) {
	b.WriteByte('(')
	for i, a := range args {
		if i > 0 {
			b.WriteString(", ")
		}
		writeText(b, a)
	}
	b.WriteByte(')')
}

func writeJunction(b *strings.Builder, args []Expr, sep string, paren func(Expr) bool) {
	for i, a := range args {
		if i > 0 {
			b.WriteString(sep)
		}
		if paren(a) {
			b.WriteByte('(')
			writeText(b, a)
			b.WriteByte(')')
		} else {
			writeText(b, a)
		}
	}
}

// writeOperand parenthesises predicates used as values ((a = b) = TRUE).
func writeOperand(b *strings.Builder, e Expr) {
	if isPredicate(e) {
		b.WriteByte('(')
		writeText(b, e)
		b.WriteByte(')')
		return
	}
	writeText(b, e)
}

func arithPrec(op string) int {
	switch op {
	case "+", "-":
		return 1
	case "^":
		return 3
	}
	return 2
}

// writeArithOperand adds parentheses when the child binds looser than its
// parent, or equally on the side that associativity would regroup.
func writeArithOperand(b *strings.Builder, e Expr, parent int, strictSide bool) {
	if a, ok := e.(Arith); ok {
		p := arithPrec(a.Op)
		if p < parent || (p == parent && strictSide) {
			b.WriteByte('(')
			writeText(b, e)
			b.WriteByte(')')
			return
		}
	}
	writeText(b, e)
}

func writeIntervalEnd(b *strings.Builder, e Expr) {
	switch n := e.(type) {
	case Date:
		b.WriteString("'" + formatDate(n.Time) + "'")
	case Timestamp:
		b.WriteString("'" + formatTimestamp(n.Time) + "'")
	default:
		writeText(b, e)
	}
}

// writeIdent prints a property name bare when the grammar allows it and as
// a "double-quoted" identifier otherwise.
func writeIdent(b *strings.Builder, name string) {
	if isIdentifier(name) && !isReserved(name) {
		b.WriteString(name)
		return
	}
	b.WriteByte('"')
	b.WriteString(strings.ReplaceAll(name, `"`, `""`))
	b.WriteByte('"')
}

func writeString(b *strings.Builder, s string) {
	b.WriteByte('\'')
	b.WriteString(strings.ReplaceAll(s, "'", "''"))
	b.WriteByte('\'')
}

func writeWKT(b *strings.Builder, g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		b.WriteString("POINT(")
		writeCoord(b, g)
		b.WriteByte(')')
	case orb.LineString:
		b.WriteString("LINESTRING")
		writeCoords(b, g)
	case orb.Polygon:
		b.WriteString("POLYGON")
		writeRings(b, g)
	case orb.MultiPoint:
		b.WriteString("MULTIPOINT(")
		for i, p := range g {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			writeCoord(b, p)
			b.WriteByte(')')
		}
		b.WriteByte(')')
	case orb.MultiLineString:
		b.WriteString("MULTILINESTRING(")
		for i, l := range g {
			if i > 0 {
				b.WriteByte(',')
			}
			writeCoords(b, l)
		}
		b.WriteByte(')')
	case orb.MultiPolygon:
		b.WriteString("MULTIPOLYGON(")
		for i, p := range g {
			if i > 0 {
				b.WriteByte(',')
			}
			writeRings(b, p)
		}
		b.WriteByte(')')
	case orb.Collection:
		b.WriteString("GEOMETRYCOLLECTION(")
		for i, m := range g {
			if i > 0 {
				b.WriteByte(',')
			}
			writeWKT(b, m)
		}
		b.WriteByte(')')
	}
}

func writeCoord(b *strings.Builder, p orb.Point) {
	b.WriteString(strconv.FormatFloat(p[0], 'g', -1, 64))
	b.WriteByte(' ')
	b.WriteString(strconv.FormatFloat(p[1], 'g', -1, 64))
}

func writeCoords(b *strings.Builder, pts []orb.Point) {
	b.WriteByte('(')
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(',')
		}
		writeCoord(b, p)
	}
	b.WriteByte(')')
}

func writeRings(b *strings.Builder, p orb.Polygon) {
	b.WriteByte('(')
	for i, r := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		writeCoords(b, r)
	}
	b.WriteByte(')')
}
