package features

import (
	"slices"
	"sync"

	"github.com/csdi-hk/csdi/internal/cache"
)

// A filtered page collects its candidates' matches before it can cut the
// page. The slices are recycled, so that a page allocates only its own
// features' slice: the cache is a large heap of pointers, and every byte
// of garbage brings its next full marking closer.

// maxPooledMatches bounds the slices kept for reuse (512 KiB).
const maxPooledMatches = 64 << 10

var matchBuffers = sync.Pool{New: func() any { return new([]*cache.Feature) }}

func getMatches() *[]*cache.Feature { return matchBuffers.Get().(*[]*cache.Feature) }

// putMatches returns a slice for reuse, cleared so that it keeps no
// feature of an old snapshot alive.
func putMatches(b *[]*cache.Feature) {
	if cap(*b) > maxPooledMatches {
		return
	}
	clear(*b)
	*b = (*b)[:0]
	matchBuffers.Put(b)
}

// ownPage copies a page out of a recycled slice.
func ownPage(p page) page {
	p.Features = slices.Clone(p.Features)
	return p
}
