package features

import (
	"cmp"
	"slices"

	"github.com/csdi-hk/csdi/internal/cache"
)

// firstByID moves the k features of fs with the lowest ids to its front,
// in id order, and returns them: a page of many matches in O(n log k)
// without sorting them all. fs is reordered.
func firstByID(fs []*cache.Feature, k int) []*cache.Feature {
	if k >= len(fs) {
		slices.SortFunc(fs, compareIDs)
		return fs
	}
	if k <= 0 {
		return fs[:0]
	}
	// A max-heap of the k lowest so far: its root is the one to beat.
	h := fs[:k]
	for i := k/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for i := k; i < len(fs); i++ {
		if idLess(fs[i], h[0]) {
			fs[i], h[0] = h[0], fs[i]
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, compareIDs)
	return h
}

func siftDown(h []*cache.Feature, i int) {
	for {
		big, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && idLess(h[big], h[l]) {
			big = l
		}
		if r < len(h) && idLess(h[big], h[r]) {
			big = r
		}
		if big == i {
			return
		}
		h[i], h[big] = h[big], h[i]
		i = big
	}
}

// compareIDs orders features by id, with the common case of two numeric
// ids inline (sorting a page calls it hundreds of times).
func compareIDs(a, b *cache.Feature) int {
	if a.ID.IsNum && b.ID.IsNum {
		return cmp.Compare(a.ID.Num, b.ID.Num)
	}
	return a.ID.Compare(b.ID)
}

// idLess orders features by id, with the common case of two numeric ids
// inline.
func idLess(a, b *cache.Feature) bool {
	if a.ID.IsNum && b.ID.IsNum {
		return a.ID.Num < b.ID.Num
	}
	return a.ID.Less(b.ID)
}
