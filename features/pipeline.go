package features

import (
	"slices"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// page is one page of an items query's answer, in id order.
type page struct {
	Features []*cache.Feature
	Matched  int // over all pages
}

// selectPage runs the selection stages of an items query against a
// snapshot: candidates, exact filters, id order, then the page.
func selectPage(s *cache.Snapshot, iq *itemsQuery) page {
	switch {
	case iq.BBox != nil:
		return pageOf(searchMatches(s, iq), iq)
	case len(iq.Filters) == 0:
		return pageByPosition(s, iq)
	default:
		return scanMatches(s, iq)
	}
}

// searchMatches finds candidates through the R-tree, keeps those whose
// geometry really meets the bbox and passes the filters, and sorts them by
// id so that paging is stable.
func searchMatches(s *cache.Snapshot, iq *itemsQuery) []*cache.Feature {
	rects := iq.BBox.worldRects()
	var matches []*cache.Feature
	for _, r := range rects {
		s.Search(r, func(f *cache.Feature) bool {
			if (contains(r, f.Bound) || intersects(f.Geom, r)) && iq.match(f) {
				matches = append(matches, f)
			}
			return true
		})
	}
	slices.SortFunc(matches, func(a, b *cache.Feature) int { return a.ID.Compare(b.ID) })
	if len(rects) > 1 {
		// A feature as wide as the world is found on both sides of the
		// antimeridian.
		matches = slices.Compact(matches)
	}
	return matches
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
