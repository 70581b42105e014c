package tiles

import (
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// warmBatch is how many features are warmed, then encoded, at a time: small
// enough for their memory to stay in the core's cache between the two.
const warmBatch = 64

// warm reads, in one tight loop, the memory that shaping a batch of
// features will touch: each feature and its geometry's points. Cached
// features lie wherever the loader allocated them, so shaping one alone
// waits on a chain of cache misses; this loop lets the CPU wait on many
// features' misses at once. The sum keeps the compiler from dropping the
// reads. Attribute values are read the same way, once shaping has told
// which features are written (shaped.keyProps).
func warm(batch []*cache.Feature) (sum uint64) {
	for _, f := range batch {
		switch g := f.Geom.(type) {
		case orb.Polygon:
			for _, r := range g {
				sum += warmPoints(r)
			}
		case orb.MultiPolygon:
			for _, p := range g {
				for _, r := range p {
					sum += warmPoints(r)
				}
			}
		case orb.LineString:
			sum += warmPoints(g)
		case orb.MultiLineString:
			for _, l := range g {
				sum += warmPoints(l)
			}
		case orb.MultiPoint:
			sum += warmPoints(g)
		}
	}
	return sum
}

// warmHeads reads, one link at a time across the whole batch, the chain
// of memory that provablySmall and warm follow for each feature: the
// feature itself, its geometry's slice header, and a polygon's first
// ring's header. Following one feature's chain waits on each link in
// turn; following one link of every feature's chain at a time waits on
// all of those misses at once.
func warmHeads(batch []*cache.Feature) (sum uint64) {
	for _, f := range batch {
		sum += math.Float64bits(f.Bound.Min[0])
	}
	for _, f := range batch {
		switch g := f.Geom.(type) {
		case orb.Polygon:
			sum += uint64(len(g))
		case orb.MultiPolygon:
			sum += uint64(len(g))
		case orb.LineString:
			sum += uint64(len(g))
		}
	}
	for _, f := range batch {
		switch g := f.Geom.(type) {
		case orb.Polygon:
			if len(g) > 0 {
				sum += uint64(len(g[0]))
			}
		case orb.MultiPolygon:
			if len(g) > 0 {
				sum += uint64(len(g[0]))
			}
		}
	}
	return sum
}

// warmProps reads, a link at a time across the features written since
// part first, the properties that propKeys hashes: each feature's values
// and the headers of its texts (the texts themselves are read by the
// hashing, many at once).
func warmProps(parts []part) (sum uint64) {
	var last *cache.Feature
	for i := range parts {
		if f := parts[i].f; f != last && parts[i].kind < partSmallLine {
			last = f
			for _, v := range f.Props {
				if s, ok := v.(string); ok {
					sum += uint64(len(s))
				}
			}
		}
	}
	return sum
}

// warmPoints touches every cache line of ps.
func warmPoints[T ~[]orb.Point](ps T) (sum uint64) {
	for i := 0; i < len(ps); i += 4 { // four points to a 64-byte line
		sum += uint64(ps[i][0])
	}
	return sum
}
