package features

import (
	"math"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
)

// spatialExtent is the CRS84 bbox [minLon, minLat, maxLon, maxLat] of a
// snapshot's geometries, rounded outwards to 1e-7 degrees (about 1 cm);
// ok is false when it has none.
func spatialExtent(s *cache.Snapshot) (bbox [4]float64, ok bool) {
	b, ok := s.Extent()
	if !ok {
		return bbox, false
	}
	// World y grows southwards: the minimum corner is the north-west one.
	minLon, maxLat := crs.WorldToLonLat(b.Min[0], b.Min[1])
	maxLon, minLat := crs.WorldToLonLat(b.Max[0], b.Max[1])
	return [4]float64{outward(minLon, math.Floor), outward(minLat, math.Floor),
		outward(maxLon, math.Ceil), outward(maxLat, math.Ceil)}, true
}

// outward rounds v to 1e-7 degrees in the direction of round (math.Floor
// or math.Ceil), after dropping float noise below 1e-9 degrees so that
// 114.16 does not become 114.1599999.
func outward(v float64, round func(float64) float64) float64 {
	nano := math.Round(v * 1e9)
	return round(nano/100) / 1e7
}

// timeSpan is the earliest and latest time of a temporal layer.
type timeSpan struct {
	Start, End time.Time
	ok         bool // false: no feature has a time
}

// temporalExtents remembers each snapshot's time span: finding it scans the
// whole layer, and a snapshot never changes. Entries are keyed by the
// snapshot itself, weakly, so a masked view and the full view of one layer
// never share an entry, and an entry goes when its snapshot is collected.
type temporalExtents struct {
	m sync.Map // weak.Pointer[cache.Snapshot] → timeSpan
}

// of returns s's time span, computing it on first use.
func (t *temporalExtents) of(s *cache.Snapshot) timeSpan {
	field := temporalField(s.Layer())
	if field < 0 {
		return timeSpan{}
	}
	key := weak.Make(s)
	if v, ok := t.m.Load(key); ok {
		return v.(timeSpan)
	}
	span := scanTimeSpan(s, field)
	if _, loaded := t.m.LoadOrStore(key, span); !loaded {
		runtime.AddCleanup(s, func(k weak.Pointer[cache.Snapshot]) { t.m.Delete(k) }, key)
	}
	return span
}

func scanTimeSpan(s *cache.Snapshot, field int) timeSpan {
	var span timeSpan
	typ := s.Layer().Fields[field].Type
	s.Ascend(0, func(f *cache.Feature) bool {
		from, to, ok := featureTime(f, field, typ)
		if !ok {
			return true
		}
		if !span.ok || from.Before(span.Start) {
			span.Start = from
		}
		if !span.ok || to.After(span.End) {
			span.End = to
		}
		span.ok = true
		return true
	})
	return span
}
