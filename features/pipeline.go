package features

import (
	"slices"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/cache"
)

// page is one page of an items query's answer, in id order.
type page struct {
	Features []*cache.Feature
	Matched  int // over all pages
}

// selectPage runs the selection stages of an items query against a
// snapshot: candidates (see plan.go), exact filters, order, then the page.
func selectPage(s *cache.Snapshot, iq *itemsQuery) page {
	return selectPlanned(s, iq, planQuery(s, iq))
}

// selectPlanned is selectPage with the candidates found as p says.
func selectPlanned(s *cache.Snapshot, iq *itemsQuery, p plan) page {
	switch {
	case len(iq.SortBy) > 0:
		all := allMatches(s, iq, p)
		sortFeatures(all, iq.SortBy)
		return pageOf(all, iq)
	case p.access == rangeIndex:
		return rangePage(s, iq, p)
	case p.access == searchRTree && len(p.rects) == 1:
		// One page of the matches: only its features need sorting.
		buf := getMatches()
		defer putMatches(buf)
		*buf = collectMatches(s, iq, p.rects, (*buf)[:0])
		end := iq.Offset + iq.Limit
		if end < iq.Offset { // overflow: everything
			end = len(*buf)
		}
		first := firstByID(*buf, end)
		start := min(iq.Offset, len(first))
		return ownPage(page{Features: first[start:], Matched: len(*buf)})
	case p.access == searchRTree:
		buf := getMatches()
		defer putMatches(buf)
		*buf = searchMatches(s, iq, p.rects, (*buf)[:0])
		return ownPage(pageOf(*buf, iq))
	case len(iq.Filters) == 0:
		return pageByPosition(s, iq)
	default:
		return scanMatches(s, iq)
	}
}

// eachMatch calls fn with every match of iq in its order, after offset
// and up to limit, until fn returns false: a download's stream. Only
// queries that need an order other than the id index's, or candidates
// from the R-tree or an attribute index, hold their matches (as pointers)
// before the first is written.
func eachMatch(s *cache.Snapshot, iq *itemsQuery, fn func(*cache.Feature) bool) {
	p := planQuery(s, iq)
	if len(iq.SortBy) > 0 || p.access != scanIDs {
		for _, f := range selectPlanned(s, iq, p).Features {
			if !fn(f) {
				return
			}
		}
		return
	}
	skipped, sent := 0, 0
	s.Ascend(0, func(f *cache.Feature) bool {
		if !iq.match(f) {
			return true
		}
		if skipped < iq.Offset {
			skipped++
			return true
		}
		sent++
		return fn(f) && sent < iq.Limit
	})
}

// allMatches is every feature that passes the query: in id order, except
// from an attribute index with a single range (sortby orders them anyway).
func allMatches(s *cache.Snapshot, iq *itemsQuery, p plan) []*cache.Feature {
	switch p.access {
	case searchRTree:
		return searchMatches(s, iq, p.rects, nil)
	case rangeIndex:
		return rangeMatches(s, iq, p, nil)
	}
	var all []*cache.Feature
	s.Ascend(0, func(f *cache.Feature) bool {
		if iq.match(f) {
			all = append(all, f)
		}
		return true
	})
	return all
}

// rangeMatches appends to matches every candidate of a rangeIndex plan
// that passes the query. The candidates are gathered a batch at a time
// and warmed (see warm.go) before the query is evaluated on them; only
// the matches stay. With several ranges the matches are sorted by id and
// any feature found twice (see eachInRange) is kept once.
func rangeMatches(s *cache.Snapshot, iq *itemsQuery, p plan, matches []*cache.Feature) []*cache.Feature {
	fields := termFields(iq.Terms)
	kept := len(matches)
	// settle evaluates the candidates gathered after the kept matches.
	settle := func() {
		cands := matches[kept:]
		warmValues(cands, fields)
		n := kept
		for _, f := range cands {
			if iq.inBBox(f) && iq.match(f) {
				matches[n] = f
				n++
			}
		}
		clear(matches[n:]) // a recycled buffer keeps no stale feature
		matches, kept = matches[:n], n
	}
	eachInRange(s, p, func(f *cache.Feature) bool {
		if matches = append(matches, f); len(matches)-kept == warmBatch {
			settle()
		}
		return true
	})
	settle()
	if len(p.term.Spans) > 1 {
		slices.SortFunc(matches, compareIDs)
		matches = slices.Compact(matches)
	}
	return matches
}

// rangePage is a page of the matches among an attribute range's
// candidates: the first offset+limit by id, without sorting all of them.
func rangePage(s *cache.Snapshot, iq *itemsQuery, p plan) page {
	buf := getMatches()
	defer putMatches(buf)
	matches := rangeMatches(s, iq, p, (*buf)[:0])
	*buf = matches
	end := iq.Offset + iq.Limit
	if end < iq.Offset { // overflow: everything
		end = len(matches)
	}
	if len(p.term.Spans) > 1 { // already sorted
		return ownPage(pageOf(matches, iq))
	}
	first := firstByID(matches, end)
	start := min(iq.Offset, len(first))
	return ownPage(page{Features: first[start:], Matched: len(matches)})
}

// searchRects are the world rectangles the R-tree is searched in: the
// bbox's (two across the antimeridian), narrowed by the filter's region.
// None means nothing can match.
func searchRects(iq *itemsQuery) []orb.Bound {
	var rects []orb.Bound
	if iq.BBox != nil {
		rects = iq.BBox.worldRects()
	} else {
		rects = []orb.Bound{*iq.Region}
	}
	if iq.BBox == nil || iq.Region == nil {
		return rects
	}
	out := rects[:0]
	for _, r := range rects {
		if r.Intersects(*iq.Region) {
			out = append(out, intersection(r, *iq.Region))
		}
	}
	return out
}

// searchMatches finds candidates through the R-tree in rects, appends to
// matches those whose geometry really meets the bbox and that pass the
// filters, and sorts them by id so that paging is stable.
func searchMatches(s *cache.Snapshot, iq *itemsQuery, rects []orb.Bound, matches []*cache.Feature) []*cache.Feature {
	matches = collectMatches(s, iq, rects, matches)
	slices.SortFunc(matches, func(a, b *cache.Feature) int { return a.ID.Compare(b.ID) })
	if len(rects) > 1 {
		// A feature as wide as the world is found on both sides of the
		// antimeridian.
		matches = slices.Compact(matches)
	}
	return matches
}

// collectMatches appends the matches of iq in rects to matches, in no
// particular order.
func collectMatches(s *cache.Snapshot, iq *itemsQuery, rects []orb.Bound, matches []*cache.Feature) []*cache.Feature {
	for _, r := range rects {
		s.Search(r, func(f *cache.Feature) bool {
			if iq.inBBox(f) && iq.match(f) {
				matches = append(matches, f)
			}
			return true
		})
	}
	return matches
}

// inBBox is the exact bbox test of a candidate: its geometry, not just
// its bound, meets the bbox. A feature without geometry meets none.
func (iq *itemsQuery) inBBox(f *cache.Feature) bool {
	b := iq.BBox
	if b == nil {
		return true
	}
	if f.Geom == nil {
		return false
	}
	if b.Outline != nil {
		return cql2.Intersects(f.Geom, b.Outline)
	}
	for _, r := range b.worldRects() {
		if contains(r, f.Bound) || intersects(f.Geom, r) {
			return true
		}
	}
	return false
}

// pageByPosition serves an unfiltered page straight from the id index.
func pageByPosition(s *cache.Snapshot, iq *itemsQuery) page {
	p := page{Matched: s.Len()}
	if iq.Offset >= p.Matched {
		return p
	}
	p.Features = make([]*cache.Feature, 0, min(iq.Limit, p.Matched-iq.Offset))
	s.Ascend(iq.Offset, func(f *cache.Feature) bool {
		p.Features = append(p.Features, f)
		return len(p.Features) < iq.Limit
	})
	return p
}

// scanMatches walks the whole layer in id order, counting every match and
// keeping those on the requested page.
func scanMatches(s *cache.Snapshot, iq *itemsQuery) page {
	var p page
	s.Ascend(0, func(f *cache.Feature) bool {
		if !iq.match(f) {
			return true
		}
		if p.Matched >= iq.Offset && len(p.Features) < iq.Limit {
			p.Features = append(p.Features, f)
		}
		p.Matched++
		return true
	})
	return p
}

// pageOf cuts the requested page out of all matches.
func pageOf(all []*cache.Feature, iq *itemsQuery) page {
	start := min(iq.Offset, len(all))
	end := start + min(iq.Limit, len(all)-start)
	return page{Features: all[start:end], Matched: len(all)}
}

// contains reports whether the bound b lies inside r: every geometry in it
// then meets r, with no need to look at its vertices.
func contains(r, b orb.Bound) bool {
	return b.Min[0] >= r.Min[0] && b.Min[1] >= r.Min[1] && b.Max[0] <= r.Max[0] && b.Max[1] <= r.Max[1]
}

// intersection is the overlap of two bounds that intersect.
func intersection(a, b orb.Bound) orb.Bound {
	return orb.Bound{
		Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])},
	}
}
