package tilecache

// Stats are the cache's counters since New, for metrics. Counts are
// cumulative; Bytes and Entries are current.
type Stats struct {
	Hits          uint64 // Get answered from the cache
	Misses        uint64 // Get that had to wait for a build (its own or one in flight)
	Builds        uint64 // builds started
	BuildErrors   uint64 // builds that failed (error, panic or cancellation)
	Evictions     uint64 // entries dropped by the LRU to stay within MaxBytes
	Invalidations uint64 // entries dropped by EvictTiles or EvictLayer
	Discarded     uint64 // built tiles not stored because an eviction overtook them
	Compressions  uint64 // compressed variants made
	Bytes         int64  // bytes counted against MaxBytes
	Entries       int    // tiles cached
}

// Stats returns the counters. Each is read atomically; together they are
// not one instant's snapshot.
func (c *Cache) Stats() Stats {
	st := Stats{
		Invalidations: c.invalidations.Load(),
		Discarded:     c.discarded.Load(),
	}
	for i := range c.shards {
		s := &c.shards[i]
		st.Hits += s.hits.Load()
		st.Misses += s.misses.Load()
		st.Builds += s.builds.Load()
		st.BuildErrors += s.buildErrors.Load()
		st.Evictions += s.evictions.Load()
		st.Compressions += s.compressions.Load()
		s.mu.Lock()
		st.Bytes += s.bytes
		st.Entries += len(s.items)
		s.mu.Unlock()
	}
	return st
}
