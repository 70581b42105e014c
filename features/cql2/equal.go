package cql2

import "github.com/paulmach/orb"

// Equal reports whether two expression trees are the same: same node
// types, names, operators and literal values (instants compared as
// instants, geometries coordinate by coordinate).
func Equal(a, b Expr) bool {
	switch x := a.(type) {
	case Property:
		y, ok := b.(Property)
		return ok && x == y
	case String:
		y, ok := b.(String)
		return ok && x == y
	case Number:
		y, ok := b.(Number)
		return ok && x.IsInt == y.IsInt && x.Float == y.Float && x.Int == y.Int
	case Bool:
		y, ok := b.(Bool)
		return ok && x == y
	case Date:
		y, ok := b.(Date)
		return ok && x.Time.Equal(y.Time)
	case Timestamp:
		y, ok := b.(Timestamp)
		return ok && x.Time.Equal(y.Time)
	case Unbounded:
		_, ok := b.(Unbounded)
		return ok
	case Interval:
		y, ok := b.(Interval)
		return ok && Equal(x.Start, y.Start) && Equal(x.End, y.End)
	case Geometry:
		y, ok := b.(Geometry)
		return ok && orb.Equal(x.G, y.G)
	case BBox:
		y, ok := b.(BBox)
		if !ok || len(x.Values) != len(y.Values) {
			return false
		}
		for i := range x.Values {
			if x.Values[i] != y.Values[i] {
				return false
			}
		}
		return true
	case Array:
		y, ok := b.(Array)
		return ok && equalList(x.Elems, y.Elems)
	case And:
		y, ok := b.(And)
		return ok && equalList(x.Args, y.Args)
	case Or:
		y, ok := b.(Or)
		return ok && equalList(x.Args, y.Args)
	case Not:
		y, ok := b.(Not)
		return ok && Equal(x.X, y.X)
	case Comparison:
		y, ok := b.(Comparison)
		return ok && x.Op == y.Op && Equal(x.L, y.L) && Equal(x.R, y.R)
	case Like:
		y, ok := b.(Like)
		return ok && Equal(x.X, y.X) && Equal(x.Pattern, y.Pattern)
	case Between:
		y, ok := b.(Between)
		return ok && Equal(x.X, y.X) && Equal(x.Lo, y.Lo) && Equal(x.Hi, y.Hi)
	case In:
		y, ok := b.(In)
		return ok && Equal(x.X, y.X) && equalList(x.List, y.List)
	case IsNull:
		y, ok := b.(IsNull)
		return ok && Equal(x.X, y.X)
	case Arith:
		y, ok := b.(Arith)
		return ok && x.Op == y.Op && Equal(x.L, y.L) && Equal(x.R, y.R)
	case Func:
		y, ok := b.(Func)
		return ok && x.Name == y.Name && equalList(x.Args, y.Args)
	case Spatial:
		y, ok := b.(Spatial)
		return ok && x.Op == y.Op && Equal(x.A, y.A) && Equal(x.B, y.B)
	case Temporal:
		y, ok := b.(Temporal)
		return ok && x.Op == y.Op && Equal(x.A, y.A) && Equal(x.B, y.B)
	case ArrayOp:
		y, ok := b.(ArrayOp)
		return ok && x.Op == y.Op && Equal(x.A, y.A) && Equal(x.B, y.B)
	}
	return false
}

func equalList(a, b []Expr) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
