package cql2

import "fmt"

// Limits bound the work a single filter can cause. Filters arrive from
// anonymous clients, so parsing must fail fast instead of recursing or
// allocating without bound.
type Limits struct {
	MaxLength int // bytes of filter text or JSON; 0 means 64 KiB
	MaxDepth  int // nesting levels of the expression tree; 0 means 64
}

const (
	defaultMaxLength = 64 << 10
	defaultMaxDepth  = 64
)

func (l Limits) withDefaults() Limits {
	if l.MaxLength <= 0 {
		l.MaxLength = defaultMaxLength
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	return l
}

func tooLong(n int, lim Limits) error {
	return &SyntaxError{Msg: fmt.Sprintf("filter is %d bytes long, more than the limit of %d", n, lim.MaxLength)}
}

func tooDeep(lim Limits) string {
	return fmt.Sprintf("expression nested more than %d levels deep", lim.MaxDepth)
}

// isArithOp reports whether op (lower case) is an arithmetic operator.
func isArithOp(op string) bool {
	switch op {
	case "+", "-", "*", "/", "%", "div", "^":
		return true
	}
	return false
}

// sameChain reports whether an arithmetic operation child, as the left
// operand of parent, continues a flat left-associative chain such as
// a + b - c or a * b / c. Like the arguments of AND and OR, the links of a
// chain count as one level of depth: a long sum is long, not deep. ^ is
// right-associative, so a ^ chain nests.
func sameChain(parent, child string) bool {
	return isArithOp(parent) && isArithOp(child) && parent != "^" && child != "^" &&
		arithPrec(parent) == arithPrec(child)
}

// depth returns the height of the expression tree (a leaf is 1), giving up
// once it exceeds max so that a degenerate tree costs no more than max steps
// per branch. A flat arithmetic chain is one level (see sameChain), walked
// in a loop.
func depth(e Expr, max int) int {
	if max <= 0 {
		return 1
	}
	d := 0
	visit := func(xs ...Expr) {
		for _, x := range xs {
			if x == nil {
				continue
			}
			if h := depth(x, max-1); h > d {
				d = h
			}
		}
	}
	switch n := e.(type) {
	case Interval:
		visit(n.Start, n.End)
	case Array:
		visit(n.Elems...)
	case And:
		visit(n.Args...)
	case Or:
		visit(n.Args...)
	case Not:
		visit(n.X)
	case Comparison:
		visit(n.L, n.R)
	case Like:
		visit(n.X, n.Pattern)
	case Between:
		visit(n.X, n.Lo, n.Hi)
	case In:
		visit(n.X)
		visit(n.List...)
	case IsNull:
		visit(n.X)
	case Arith:
		for {
			visit(n.R)
			l, ok := n.L.(Arith)
			if !ok || !sameChain(n.Op, l.Op) {
				visit(n.L)
				break
			}
			n = l
		}
	case Func:
		visit(n.Args...)
	case Spatial:
		visit(n.A, n.B)
	case Temporal:
		visit(n.A, n.B)
	case ArrayOp:
		visit(n.A, n.B)
	}
	return d + 1
}
