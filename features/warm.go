package features

import (
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/cache"
)

// The features an attribute range or a page holds lie scattered over a
// heap of hundreds of megabytes, so on a server whose cores run other
// work too, reading them is mostly waiting for memory: each feature is a
// chain of cache misses (the feature, its Props, a boxed value, a
// string's bytes). The evaluator and the encoder run a long stretch of
// code per feature, so the processor waits for each chain in turn. A
// short loop that only loads lets it follow many features' chains at
// once; the evaluator or encoder then finds them in cache. Over the
// demo's 500,000 buildings, with the processor caches flushed before each
// request, warming took the handler's time for `floors > 60 AND use =
// 'commercial'` (877 candidates) from about 210 to 175 µs. Warming never
// changes an answer: it only reads.

// warmBatch is how many candidates are warmed at a time: enough for the
// processor to have as many loads in flight as it can, few enough that
// the candidates gathered are not many more than the matches kept.
const warmBatch = 512

// pageWarmBatch is how many features of a page are warmed at a time
// before they are encoded (a feature's GeoJSON is some 400 bytes of a
// few cache lines read).
const pageWarmBatch = 128

// warmed keeps the sum of what the warm passes read, so that the compiler
// cannot drop their loads.
var warmed atomic.Uint64

// termFields are the fields a query's index terms compare: those the
// filter will read of every candidate.
func termFields(terms []cql2.Term) []int {
	fields := make([]int, 0, len(terms))
	for _, t := range terms {
		fields = append(fields, t.Index)
	}
	return fields
}

// warmValues loads each feature's id and the values of fields.
func warmValues(fs []*cache.Feature, fields []int) {
	var sum uint64
	for _, f := range fs {
		sum += uint64(f.ID.Num)
		for _, i := range fields {
			if i < len(f.Props) {
				sum += touchValue(f.Props[i])
			}
		}
	}
	warmed.Add(sum)
}

// warmPage loads what encoding a page reads: the values of fields and,
// unless skipGeometry, the geometry's vertex arrays.
func warmPage(fs []*cache.Feature, fields []int, skipGeometry bool) {
	var sum uint64
	for _, f := range fs {
		for _, i := range fields {
			if i < len(f.Props) {
				sum += touchValue(f.Props[i])
			}
		}
		if !skipGeometry {
			sum += touchGeometry(f.Geom)
		}
	}
	warmed.Add(sum)
}

// touchValue loads a value's box and, for a string, its first byte.
func touchValue(v any) uint64 {
	switch v := v.(type) {
	case string:
		if len(v) > 0 {
			return uint64(v[0])
		}
	case int64:
		return uint64(v)
	case float64:
		return uint64(v)
	case time.Time:
		return uint64(v.Nanosecond())
	}
	return 0
}

// touchGeometry loads the first and last vertex of each ring or line of
// the common geometry types (a building's ring spans a cache line or
// two); others are left to the encoder.
func touchGeometry(g orb.Geometry) uint64 {
	switch g := g.(type) {
	case orb.Polygon:
		return touchRings(g)
	case orb.MultiPolygon:
		var sum uint64
		for _, p := range g {
			sum += touchRings(p)
		}
		return sum
	case orb.LineString:
		return touchPoints(g)
	case orb.MultiLineString:
		var sum uint64
		for _, l := range g {
			sum += touchPoints(l)
		}
		return sum
	}
	return 0
}

func touchRings(p orb.Polygon) uint64 {
	var sum uint64
	for _, r := range p {
		sum += touchPoints(r)
	}
	return sum
}

func touchPoints(ps []orb.Point) uint64 {
	if len(ps) == 0 {
		return 0
	}
	return uint64(ps[0][0]) + uint64(ps[len(ps)-1][1])
}
