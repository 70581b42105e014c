package cql2

// temporalOp evaluates the T_* predicates after the W3C/OGC Time Ontology
// relations the standard refers to. Both operands are closed intervals
// [start, end]; an instant is the degenerate interval [t, t]; '..' ends
// are the sentinels minInstant / maxInstant.
func temporalOp(op string, a, b value) tri {
	as, ae, ok1 := span(a)
	bs, be, ok2 := span(b)
	if !ok1 || !ok2 {
		return tUnknown
	}
	lt := func(x, y instant) bool { return x.cmp(y) < 0 }
	eq := func(x, y instant) bool { return x == y }
	before := lt(ae, bs)
	after := lt(be, as)
	switch op {
	case "t_after":
		return triOf(after)
	case "t_before":
		return triOf(before)
	case "t_disjoint":
		return triOf(before || after)
	case "t_intersects":
		return triOf(!before && !after)
	case "t_equals":
		return triOf(eq(as, bs) && eq(ae, be))
	case "t_contains":
		return triOf(lt(as, bs) && lt(be, ae))
	case "t_during":
		return triOf(lt(bs, as) && lt(ae, be))
	case "t_finishedBy":
		return triOf(lt(as, bs) && eq(ae, be))
	case "t_finishes":
		return triOf(lt(bs, as) && eq(ae, be))
	case "t_meets":
		return triOf(eq(ae, bs))
	case "t_metBy":
		return triOf(eq(be, as))
	case "t_overlappedBy":
		return triOf(lt(bs, as) && lt(as, be) && lt(be, ae))
	case "t_overlaps":
		return triOf(lt(as, bs) && lt(bs, ae) && lt(ae, be))
	case "t_startedBy":
		return triOf(eq(as, bs) && lt(be, ae))
	case "t_starts":
		return triOf(eq(as, bs) && lt(ae, be))
	}
	return tUnknown
}

func span(v value) (instant, instant, bool) {
	switch v.k {
	case vTime:
		return v.t, v.t, true
	case vInterval:
		return v.t, v.t2, true
	}
	return instant{}, instant{}, false
}

// intervalOnly lists the predicates the standard defines between intervals
// only; using them with an instant is a client error.
func intervalOnly(op string) bool {
	switch op {
	case "t_after", "t_before", "t_disjoint", "t_equals", "t_intersects":
		return false
	}
	return true
}
