package cql2

// The grammar restricts which kinds of expression may appear where (a LIKE
// pattern is a string literal, a spatial argument is a geometry, ...). Both
// parsers build nodes and then call checkNode, so cql2-text and cql2-json
// accept exactly the same trees, and every accepted tree prints back to
// text or JSON that parses to the same tree.

func isCaseFn(e Expr) bool {
	f, ok := e.(Func)
	return ok && (f.Name == "casei" || f.Name == "accenti")
}

func isCustomFn(e Expr) bool {
	_, ok := e.(Func)
	return ok && !isCaseFn(e)
}

// isBoolKind: expressions allowed where a boolean expression is required.
func isBoolKind(e Expr) bool {
	switch e.(type) {
	case And, Or, Not, Comparison, Like, Between, In, IsNull, Spatial, Temporal, ArrayOp, Bool:
		return true
	}
	return isCustomFn(e)
}

// isPredicate: boolean expressions that need parentheses as an operand.
func isPredicate(e Expr) bool {
	switch e.(type) {
	case And, Or, Not, Comparison, Like, Between, In, IsNull, Spatial, Temporal, ArrayOp:
		return true
	}
	return false
}

func isScalarKind(e Expr) bool {
	switch e.(type) {
	case String, Number, Bool, Date, Timestamp, Property, Func, Arith:
		return true
	}
	return isBoolKind(e)
}

func isCharKind(e Expr) bool {
	switch e.(type) {
	case String, Property, Func:
		return true
	}
	return false
}

func isPattern(e Expr) bool {
	switch n := e.(type) {
	case String:
		return true
	case Func:
		return isCaseFn(n) && len(n.Args) == 1 && isPattern(n.Args[0])
	}
	return false
}

func isNumericKind(e Expr) bool {
	switch e.(type) {
	case Number, Property, Arith:
		return true
	}
	return isCustomFn(e)
}

func isGeomKind(e Expr) bool {
	switch e.(type) {
	case Geometry, BBox, Property:
		return true
	}
	return isCustomFn(e)
}

func isTemporalKind(e Expr) bool {
	switch e.(type) {
	case Date, Timestamp, Interval, Property:
		return true
	}
	return isCustomFn(e)
}

func isArrayKind(e Expr) bool {
	switch e.(type) {
	case Array, Property:
		return true
	}
	return isCustomFn(e)
}

func isArrayElem(e Expr) bool {
	switch e.(type) {
	case String, Number, Bool, Date, Timestamp, Interval, Geometry, BBox, Property, Func, Array:
		return true
	}
	return false
}

func isIntervalEnd(e Expr) bool {
	switch e.(type) {
	case Date, Timestamp, Unbounded, Property:
		return true
	}
	return isCustomFn(e)
}

// checkNode validates the kinds of n's direct children; it returns "" or a
// message saying what was expected.
func checkNode(n Expr) string {
	switch n := n.(type) {
	case And:
		for _, a := range n.Args {
			if !isBoolKind(a) {
				return "AND needs boolean operands"
			}
		}
	case Or:
		for _, a := range n.Args {
			if !isBoolKind(a) {
				return "OR needs boolean operands"
			}
		}
	case Not:
		if !isBoolKind(n.X) {
			return "NOT needs a boolean operand"
		}
	case Comparison:
		if !isScalarKind(n.L) || !isScalarKind(n.R) {
			return "a comparison needs scalar operands (no arrays, geometries or intervals)"
		}
	case Like:
		if !isCharKind(n.X) {
			return "LIKE needs a string, property or function on its left"
		}
		if !isPattern(n.Pattern) {
			return "a LIKE pattern must be a string literal, optionally inside CASEI/ACCENTI"
		}
	case Between:
		if !isNumericKind(n.X) || !isNumericKind(n.Lo) || !isNumericKind(n.Hi) {
			return "BETWEEN needs numeric operands"
		}
	case In:
		if len(n.List) == 0 {
			return "IN needs at least one list element"
		}
		if !isScalarKind(n.X) {
			return "IN needs a scalar operand"
		}
		for _, x := range n.List {
			if !isScalarKind(x) {
				return "IN list elements must be scalars"
			}
		}
	case IsNull:
		switch n.X.(type) {
		case Array, Unbounded:
			return "IS NULL cannot test an array literal"
		}
	case Arith:
		if !isNumericKind(n.L) || !isNumericKind(n.R) {
			return "arithmetic needs numeric operands"
		}
	case Func:
		if isCaseFn(n) {
			if len(n.Args) != 1 || !isCharKind(n.Args[0]) {
				return n.Name + " needs one string argument"
			}
			return ""
		}
		for _, a := range n.Args {
			switch a.(type) {
			case Array, Unbounded:
				return "function arguments cannot be array literals"
			}
		}
	case Spatial:
		if !isGeomKind(n.A) || !isGeomKind(n.B) {
			return n.Op + " needs geometry operands"
		}
	case Temporal:
		if !isTemporalKind(n.A) || !isTemporalKind(n.B) {
			return n.Op + " needs temporal operands"
		}
	case ArrayOp:
		if !isArrayKind(n.A) || !isArrayKind(n.B) {
			return n.Op + " needs array operands"
		}
	case Array:
		for _, x := range n.Elems {
			if !isArrayElem(x) {
				return "array elements must be literals, properties, functions or arrays"
			}
		}
	case Interval:
		if !isIntervalEnd(n.Start) || !isIntervalEnd(n.End) {
			return "INTERVAL ends must be dates, timestamps, '..', properties or functions"
		}
	case Property:
		if n.Name == "" {
			return "empty property name"
		}
	case BBox:
		if len(n.Values) != 4 && len(n.Values) != 6 {
			return "BBOX needs 4 or 6 numbers"
		}
	case Geometry:
		if err := validGeometry(n.G, 0); err != "" {
			return err
		}
	}
	return ""
}
