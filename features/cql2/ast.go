package cql2

import (
	"time"

	"github.com/paulmach/orb"
)

// Expr is a node of a parsed CQL2 expression. The set of node types is
// closed (the unexported method seals it), so printers, the checker and the
// compiler can switch over every case exhaustively.
type Expr interface{ node() }

// Property references a queryable by name ({"property": name}; a bare or
// double-quoted identifier in text).
type Property struct{ Name string }

// String is a character literal.
type String struct{ Value string }

// Number is a numeric literal. Literals written without a fraction or an
// exponent are integers (IsInt, with the exact value in Int) so that int64
// properties compare exactly; Float always holds the value as float64.
type Number struct {
	Float float64
	Int   int64
	IsInt bool
}

// Bool is TRUE or FALSE.
type Bool struct{ Value bool }

// Date is DATE('YYYY-MM-DD'), held as UTC midnight.
type Date struct{ Time time.Time }

// Timestamp is TIMESTAMP('...Z'), held in UTC.
type Timestamp struct{ Time time.Time }

// Unbounded is the '..' end of an open interval.
type Unbounded struct{}

// Interval is INTERVAL(start, end); each end is a Date, Timestamp,
// Unbounded, Property or Func.
type Interval struct{ Start, End Expr }

// Geometry is a WKT / GeoJSON geometry literal in filter-crs coordinates
// (2D: Z values are accepted and dropped by the parsers).
type Geometry struct{ G orb.Geometry }

// BBox is BBOX(minx, miny, maxx, maxy) or its 6-number 3D form
// (minx, miny, minz, maxx, maxy, maxz); Values keeps all numbers as given.
type BBox struct{ Values []float64 }

// Array is an array literal: ('a', 'b') in text, ["a", "b"] in JSON.
type Array struct{ Elems []Expr }

// And and Or are n-ary (at least two arguments). A parenthesised group is
// kept as a nested node, so printing and reparsing keep the tree's shape.
type And struct{ Args []Expr }

// Or is the n-ary disjunction, see And.
type Or struct{ Args []Expr }

// Not negates a boolean expression. "a NOT LIKE b", "a NOT IN (...)",
// "a NOT BETWEEN ..." and "a IS NOT NULL" all parse to Not{...}, as in
// cql2-json, which has no negated forms.
type Not struct{ X Expr }

// Comparison is a binary comparison: Op is one of = <> < > <= >=.
type Comparison struct {
	Op   string
	L, R Expr
}

// Like is X LIKE Pattern; Pattern is a String, possibly wrapped in casei /
// accenti calls.
type Like struct{ X, Pattern Expr }

// Between is X BETWEEN Lo AND Hi (inclusive).
type Between struct{ X, Lo, Hi Expr }

// In is X IN (List...).
type In struct {
	X    Expr
	List []Expr
}

// IsNull is X IS NULL.
type IsNull struct{ X Expr }

// Arith is a binary arithmetic expression: Op is one of + - * / % div ^.
type Arith struct {
	Op   string
	L, R Expr
}

// Func is a function call. CASEI and ACCENTI are Funcs named "casei" and
// "accenti"; any other name is a custom function, which the parsers accept
// (it is grammar) and Compile rejects (we offer none).
type Func struct {
	Name string
	Args []Expr
}

// Spatial is a spatial predicate; Op is the cql2-json name ("s_intersects").
type Spatial struct {
	Op   string
	A, B Expr
}

// Temporal is a temporal predicate; Op is the cql2-json name ("t_finishedBy").
type Temporal struct {
	Op   string
	A, B Expr
}

// ArrayOp is an array predicate; Op is the cql2-json name ("a_containedBy").
type ArrayOp struct {
	Op   string
	A, B Expr
}

func (Property) node()   {}
func (String) node()     {}
func (Number) node()     {}
func (Bool) node()       {}
func (Date) node()       {}
func (Timestamp) node()  {}
func (Unbounded) node()  {}
func (Interval) node()   {}
func (Geometry) node()   {}
func (BBox) node()       {}
func (Array) node()      {}
func (And) node()        {}
func (Or) node()         {}
func (Not) node()        {}
func (Comparison) node() {}
func (Like) node()       {}
func (Between) node()    {}
func (In) node()         {}
func (IsNull) node()     {}
func (Arith) node()      {}
func (Func) node()       {}
func (Spatial) node()    {}
func (Temporal) node()   {}
func (ArrayOp) node()    {}

var _ = []Expr{Property{}, String{}, Number{}, Bool{}, Date{}, Timestamp{}, Unbounded{},
	Interval{}, Geometry{}, BBox{}, Array{}, And{}, Or{}, Not{}, Comparison{}, Like{},
	Between{}, In{}, IsNull{}, Arith{}, Func{}, Spatial{}, Temporal{}, ArrayOp{}}

// The operator names, in their cql2-json spelling; text keywords are the
// upper-case forms, matched case-insensitively.
var (
	spatialOps  = []string{"s_intersects", "s_equals", "s_disjoint", "s_touches", "s_within", "s_overlaps", "s_crosses", "s_contains"}
	temporalOps = []string{"t_after", "t_before", "t_contains", "t_disjoint", "t_during", "t_equals", "t_finishedBy", "t_finishes",
		"t_intersects", "t_meets", "t_metBy", "t_overlappedBy", "t_overlaps", "t_startedBy", "t_starts"}
	arrayOps = []string{"a_equals", "a_contains", "a_containedBy", "a_overlaps"}
)

// canonicalOp returns the cql2-json spelling of a spatial, temporal or array
// operator named in any letter case, and which family it belongs to.
func canonicalOp(name string) (string, byte) {
	for _, set := range []struct {
		ops []string
		fam byte
	}{{spatialOps, 's'}, {temporalOps, 't'}, {arrayOps, 'a'}} {
		for _, op := range set.ops {
			if equalFold(op, name) {
				return op, set.fam
			}
		}
	}
	return "", 0
}

// equalFold is an ASCII-only case-insensitive comparison: keywords are ASCII,
// and strings.EqualFold would also fold e.g. the Kelvin sign to 'k'.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
