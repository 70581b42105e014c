package features

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/cache"
)

// An items query finds its candidates in one of three ways: walking the id
// index (every feature, already in page order), searching the R-tree in
// the bbox or the filter's spatial bound, or ranging over the attribute
// index of one of the filter's index terms (cql2.Term: floors > 60 reads
// the floors index from 60 up). Whichever way, every candidate is then
// tested against the whole query, so the choice changes the cost, never
// the answer. It is made per request by counting: an attribute range's
// size is exact and costs at most O(log² n) (a sum over the field's
// distinct values when it has few, see cache's key directory); the
// R-tree is counted only up to the best range's size, so counting never
// costs more than the range itself.
//
// The index terms come from the CQL2 filter and from property parameters
// (?use=commercial, an equality), so both find their candidates alike.

// access is how a query's candidates are found.
type access uint8

const (
	scanIDs access = iota
	searchRTree
	rangeIndex
)

// plan is the chosen access and what it needs.
type plan struct {
	access access
	rects  []orb.Bound // searchRTree: the world rectangles
	term   cql2.Term   // rangeIndex: the attribute and its value ranges
	count  int         // rangeIndex: the candidates in them
}

// indexShare: without a spatial bound, an attribute range is used when it
// holds at most 1/indexShare of the layer. Its candidates are visited in
// value order, scattered in memory, and must be put in id order, so a
// range costs several times as much per candidate as the id walk.
const indexShare = 4

// planQuery chooses how iq's candidates are found in s.
func planQuery(s *cache.Snapshot, iq *itemsQuery) plan {
	best, ok := bestRange(s, iq)
	if iq.BBox != nil || iq.Region != nil {
		rects := searchRects(iq)
		if ok && rtreeExceeds(s, rects, best.count) {
			return best
		}
		return plan{access: searchRTree, rects: rects}
	}
	if ok && best.count <= s.Len()/indexShare {
		return best
	}
	return plan{access: scanIDs}
}

// bestRange is the query's index term with the fewest candidates in s.
func bestRange(s *cache.Snapshot, iq *itemsQuery) (plan, bool) {
	var best plan
	found := false
	for _, t := range iq.Terms {
		limit := math.MaxInt
		if found {
			limit = best.count
		}
		n, ok := rangeCount(s, t, limit)
		if ok && (!found || n < best.count) {
			best, found = plan{access: rangeIndex, term: t, count: n}, true
		}
	}
	return best, found
}

// rangeCount is the number of features in a term's ranges, counted until
// it passes limit (a long IN list need not be counted to the end to lose);
// ok is false when s cannot count them.
func rangeCount(s *cache.Snapshot, t cql2.Term, limit int) (int, bool) {
	total := 0
	for _, sp := range t.Spans {
		lo, hi := bounds(sp)
		n, ok := s.RangeCount(t.Index, lo, hi)
		if !ok {
			return 0, false
		}
		if total += n; total > limit {
			return total, true
		}
	}
	return total, true
}

func bounds(sp cql2.Span) (lo, hi cache.Bound) {
	return cache.Bound{Value: sp.Lo, Open: sp.LoOpen}, cache.Bound{Value: sp.Hi, Open: sp.HiOpen}
}

// rtreeExceeds reports whether the R-tree holds more than n candidates in
// rects, counting no further than that.
func rtreeExceeds(s *cache.Snapshot, rects []orb.Bound, n int) bool {
	seen := 0
	for _, r := range rects {
		s.Search(r, func(*cache.Feature) bool {
			seen++
			return seen <= n
		})
		if seen > n {
			return true
		}
	}
	return false
}

// eachInRange calls fn with every candidate of a rangeIndex plan, until fn
// returns false. With several ranges a feature is found once per range it
// lies in (ranges are disjoint, but numbers beyond 2^53 share keys).
func eachInRange(s *cache.Snapshot, p plan, fn func(*cache.Feature) bool) {
	more := true
	for _, sp := range p.term.Spans {
		lo, hi := bounds(sp)
		s.Range(p.term.Index, lo, hi, func(f *cache.Feature) bool {
			more = fn(f)
			return more
		})
		if !more {
			return
		}
	}
}
