package cql2

// setOp evaluates the array predicates, which the standard defines on sets:
// order and repetitions do not matter. Arrays are small, so the quadratic
// scan beats building hash sets (and allocates nothing).
func setOp(op string, a, b value) tri {
	if a.k != vArray || b.k != vArray {
		return tUnknown
	}
	switch op {
	case "a_equals":
		return triOf(subset(a, b) && subset(b, a))
	case "a_contains":
		return triOf(subset(b, a))
	case "a_containedBy":
		return triOf(subset(a, b))
	default: // a_overlaps
		for i, n := 0, a.arrayLen(); i < n; i++ {
			if member(a.arrayAt(i), b) {
				return tTrue
			}
		}
		return tFalse
	}
}

// subset reports whether every element of a is an element of b.
func subset(a, b value) bool {
	for i, n := 0, a.arrayLen(); i < n; i++ {
		if !member(a.arrayAt(i), b) {
			return false
		}
	}
	return true
}

func member(x, set value) bool {
	if x.k == vNull {
		return false
	}
	for i, n := 0, set.arrayLen(); i < n; i++ {
		if equalValues(x, set.arrayAt(i)) {
			return true
		}
	}
	return false
}
