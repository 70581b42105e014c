package tiles

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// warmBatch is how many features are warmed, then encoded, at a time: small
// enough for their memory to stay in the core's cache between the two.
const warmBatch = 64

// warm reads, in one tight loop, the memory that encoding a batch of
// features will touch: each feature, its geometry's points and its
// attribute values. Cached features lie wherever the loader allocated them,
// so encoding one alone waits on a chain of cache misses; this loop lets
// the CPU wait on many features' misses at once. The sum keeps the compiler
// from dropping the reads.
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
		for _, v := range f.Props {
			switch v := v.(type) {
			case string:
				if len(v) > 0 {
					sum += uint64(v[0])
				}
			case int64:
				sum += uint64(v)
			case float64:
				sum += uint64(v)
			case time.Time:
				sum += uint64(v.Nanosecond())
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
