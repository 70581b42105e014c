package limits

import (
	"hash/maphash"
	"sync"
	"time"
)

// shards spreads the buckets over independently locked maps, so that
// concurrent requests of different callers rarely wait on one lock.
const shards = 64

// Buckets holds a token bucket per key, at most about maxTracked of them:
// a full bucket is forgotten when room is needed (it is the same as a new
// one), and when none is full the one nearest to full goes — under a
// flood of distinct keys that is lenient to the forgotten key, never
// unbounded memory. Safe for concurrent use.
type Buckets struct {
	clock    func() time.Time
	start    time.Time
	perShard int
	seed     maphash.Seed
	shard    [shards]bucketShard
}

type bucketShard struct {
	mu sync.RWMutex
	m  map[string]*bucket
}

// NewBuckets tracks up to maxTracked keys (at least one per shard) on the
// clock (time.Now when nil; tests pass their own).
func NewBuckets(maxTracked int, clock func() time.Time) *Buckets {
	if clock == nil {
		clock = time.Now
	}
	b := &Buckets{clock: clock, start: clock(), perShard: max(1, maxTracked/shards), seed: maphash.MakeSeed()}
	for i := range b.shard {
		b.shard[i].m = make(map[string]*bucket)
	}
	return b
}

// Take takes a token from key's bucket of rate r, or reports how long
// until one is there.
func (b *Buckets) Take(key string, r Rate) (wait time.Duration, ok bool) {
	now := int64(b.clock().Sub(b.start))
	s := &b.shard[maphash.String(b.seed, key)%shards]
	s.mu.RLock()
	bk := s.m[key]
	s.mu.RUnlock()
	if bk == nil {
		bk = s.add(key, now, b.perShard)
	}
	// A bucket forgotten between the lookup and here takes this one token
	// with it: at worst one request is let through that should not be.
	return bk.take(now, r)
}

// Len is how many keys are tracked.
func (b *Buckets) Len() int {
	n := 0
	for i := range b.shard {
		s := &b.shard[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// add returns key's bucket, making room for it first when the shard is
// full.
func (s *bucketShard) add(key string, now int64, limit int) *bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	if bk := s.m[key]; bk != nil {
		return bk
	}
	if len(s.m) >= limit {
		s.evict(now, limit)
	}
	bk := &bucket{}
	s.m[key] = bk
	return bk
}

// evict forgets every full bucket; when none is full, the one that will
// be full soonest.
func (s *bucketShard) evict(now int64, limit int) {
	var soonest string
	soonestAt := int64(-1)
	for k, bk := range s.m {
		if bk.idle(now) {
			delete(s.m, k)
			continue
		}
		if at := bk.full.Load(); soonestAt < 0 || at < soonestAt {
			soonest, soonestAt = k, at
		}
	}
	if len(s.m) >= limit {
		delete(s.m, soonest)
	}
}
