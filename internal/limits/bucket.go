package limits

import (
	"sync/atomic"
	"time"
)

// Rate is a token bucket: Burst tokens at most, refilled at PerSecond.
type Rate struct {
	PerSecond float64
	Burst     int
}

// interval is how long one token takes to come back, in nanoseconds.
func (r Rate) interval() int64 { return max(1, int64(float64(time.Second)/r.PerSecond)) }

// bucket is a token bucket kept as one number, the "theoretical arrival
// time" of the generic cell rate algorithm: the instant, in nanoseconds on
// the Buckets' clock, at which the bucket would be full again. That makes
// taking a token a single compare-and-swap, and a bucket whose time has
// passed is full — the same as one never seen, so it can be forgotten.
type bucket struct{ full atomic.Int64 }

// take removes a token at now, or reports how long until one is there.
func (b *bucket) take(now int64, r Rate) (wait time.Duration, ok bool) {
	step := r.interval()
	depth := int64(r.Burst) * step // how far ahead of now a full bucket's debt may run
	for {
		old := b.full.Load()
		next := max(old, now) + step
		if over := next - now - depth; over > 0 {
			return time.Duration(over), false
		}
		if b.full.CompareAndSwap(old, next) {
			return 0, true
		}
	}
}

// idle reports whether the bucket is full at now, so forgetting it changes
// nothing.
func (b *bucket) idle(now int64) bool { return b.full.Load() <= now }
