package privacy

import (
	"fmt"
	"iter"
	"slices"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// View keeps a layer's masked view in step with its full view, one change
// at a time, for the cache's single writer of that layer. For a per-feature
// policy it holds nothing; for an aggregate it holds the count of every
// cell, shown or suppressed. It is not safe for concurrent use.
type View struct {
	p      *Policy
	counts map[cell]int
}

// NewView starts an empty masked view; Load fills it.
func (p *Policy) NewView() *View {
	return &View{p: p, counts: map[cell]int{}}
}

// Load forgets the view's state and returns the masked view of the whole
// layer, in id order: the initial load, or a reload.
func (v *View) Load(features iter.Seq[*cache.Feature]) []*cache.Feature {
	clear(v.counts)
	var out []*cache.Feature
	if !v.p.Aggregated() {
		for f := range features {
			if m, ok := v.p.MaskFeature(f); ok {
				out = append(out, m)
			}
		}
	} else {
		for f := range features {
			if c, ok := v.p.cellOfFeature(f); ok {
				v.counts[c]++
			}
		}
		for c, n := range v.counts {
			if n >= v.p.geom.k {
				if m, ok := v.p.cellFeature(c, n); ok {
					out = append(out, m)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b *cache.Feature) int { return a.ID.Compare(b.ID) })
	return out
}

// Apply takes one change to the full view — old is the feature as it was
// (nil: it is new), new as it is now (nil: it is gone) — and says how the
// masked view changes: the ids of masked features to remove, then the
// masked features to add, in that order (a feature that changed is removed
// and added again under the same id). A change the masked view cannot show
// — an edit to a dropped attribute, a move within a snapping cell —
// returns nothing, so the masked view's version and ETags do not reveal it.
//
// old must be the feature the full view held, so that an aggregate's
// counts stay true: the cache's current feature, not a re-read.
func (v *View) Apply(old, new *cache.Feature) (remove []cache.ID, add []*cache.Feature) {
	if v.p.Aggregated() {
		return v.applyAggregate(old, new)
	}
	var mo, mn *cache.Feature
	if old != nil {
		mo, _ = v.p.MaskFeature(old)
	}
	if new != nil {
		mn, _ = v.p.MaskFeature(new)
	}
	if mo != nil && mn != nil && sameFeature(mo, mn) {
		return nil, nil
	}
	if mo != nil {
		remove = append(remove, mo.ID)
	}
	if mn != nil {
		add = append(add, mn)
	}
	return remove, add
}

// applyAggregate moves a feature's count between cells and reports the
// cells whose shown state changed: a shown cell whose count changed is
// removed and added again, one that fell below k is removed, and one that
// reached k is added.
func (v *View) applyAggregate(old, new *cache.Feature) (remove []cache.ID, add []*cache.Feature) {
	var touched []cell
	delta := map[cell]int{}
	if c, ok := v.p.cellOfFeature(old); ok {
		touched = append(touched, c)
		delta[c]--
	}
	if c, ok := v.p.cellOfFeature(new); ok {
		if _, seen := delta[c]; !seen {
			touched = append(touched, c)
		}
		delta[c]++
	}
	k := v.p.geom.k
	for _, c := range touched {
		if delta[c] == 0 {
			continue
		}
		before := v.counts[c]
		after := max(0, before+delta[c]) // an old the view never counted
		if after == 0 {
			delete(v.counts, c)
		} else {
			v.counts[c] = after
		}
		if before >= k {
			remove = append(remove, v.p.cellID(c))
		}
		if after >= k {
			if m, ok := v.p.cellFeature(c, after); ok {
				add = append(add, m)
			}
		}
	}
	return remove, add
}

// cellOfFeature is the aggregate cell a feature counts in: that of its
// point, or of its centroid; ok is false without a usable geometry.
func (p *Policy) cellOfFeature(f *cache.Feature) (cell, bool) {
	if f == nil || f.Geom == nil {
		return cell{}, false
	}
	a, ok := p.metric.anchor(f.Geom)
	if !ok {
		return cell{}, false
	}
	return cellOf(a, p.geom.size), true
}

// cellID names a cell by its south-west corner in HK1980 Grid metres, so
// the id says where the cell is and nothing else.
func (p *Policy) cellID(c cell) cache.ID {
	s := int64(p.geom.size)
	return cache.StrID(fmt.Sprintf("cell_E%d_N%d", c.col*s, c.row*s))
}

// cellFeature is the masked feature of a cell holding n features: its
// square (or centre) in world coordinates and its count.
func (p *Policy) cellFeature(c cell, n int) (*cache.Feature, bool) {
	var g orb.Geometry
	if p.geom.centre {
		w, ok := p.metric.world(c.centre(p.geom.size))
		if !ok {
			return nil, false
		}
		g = w
	} else {
		sq := c.square(p.geom.size)
		ring := make(orb.Ring, len(sq))
		for i, m := range sq {
			w, ok := p.metric.world(m)
			if !ok {
				return nil, false
			}
			ring[i] = w
		}
		g = orb.Polygon{ring}
	}
	return &cache.Feature{ID: p.cellID(c), Geom: g, Bound: g.Bound(), Props: []any{int64(n)}}, true
}
