package tiles

import "math"

// A layer over budget is encoded again at a stricter level, and a layer
// left empty by the size rules again with them relaxed (see encode and
// writeLayer): the same features of the same tile, through the same
// projection and clipping. What the first pass learns of a feature's size
// that no rule changes is kept in a memo per feature, so that the next
// pass leaves out the features it already knows to be too small without
// reading them again: most of a dense layer at a low zoom, whose memory is
// the main cost of the pass.
type memo struct {
	// bound is at least twice the area of any exterior of the feature
	// once quantised (provablySmall), +Inf when not known.
	bound float64
	// area2 is, for a feature that is one ring too small to simplify
	// (fewer than minRingToSimplify points once clipped), twice its area
	// once quantised, which no tolerance changes; or memoEmpty when
	// quantisation left nothing of it, or memoUnknown.
	area2 int64
}

const (
	memoUnknown int64 = -1
	memoEmpty   int64 = -2
)

var unknownMemo = memo{bound: math.Inf(1), area2: memoUnknown}

// recall decides a feature from its memo m under rules r: it reports
// whether the feature is left out, and for a small one adds its record to
// o. exact (see layerWriter.write) leaves out only those whose size is
// known exactly.
func (o *shaped) recall(m memo, r rules, exact bool) bool {
	switch {
	case m.area2 == memoEmpty:
		return true
	case m.area2 >= 0:
		if m.area2 < r.minArea2 {
			o.parts = append(o.parts, part{kind: partSmallPolygon, area2: m.area2})
			return true
		}
		return false
	case !exact && m.bound < float64(r.minArea2)-0.5:
		o.boundSmall++
		return true
	}
	return false
}
