package tilecache

import "github.com/paulmach/orb"

// EvictTiles drops the cached tiles of layer, at every zoom and in every
// tileset showing it, whose bound (buffer included) intersects any of
// bounds, in world coordinates; tiles that only touch a bound's edge count
// as intersecting. Builds of such tiles in flight are returned to their
// waiters but not stored. With no bounds it does nothing.
//
// Call it after the layer's new snapshot is published, with the old and
// the new extents of each changed feature.
func (c *Cache) EvictTiles(layer string, bounds ...orb.Bound) {
	if len(bounds) == 0 {
		return
	}
	var victims []*Entry
	c.idxMu.Lock()
	li := c.layers[layer]
	if li == nil {
		c.idxMu.Unlock()
		return
	}
	for f := range li.flights {
		for _, b := range bounds {
			if f.bound.Intersects(b) {
				f.stale = true
				break
			}
		}
	}
	for _, b := range bounds {
		li.tiles.Search(b.Min, b.Max, func(_, _ [2]float64, e *Entry) bool {
			victims = append(victims, e)
			return true
		})
	}
	victims = c.unindexAll(victims)
	c.idxMu.Unlock()
	c.drop(victims)
}

// EvictLayer drops every cached tile showing layer, and keeps the builds of
// such tiles in flight from being stored: a whole-layer reload.
func (c *Cache) EvictLayer(layer string) {
	var victims []*Entry
	c.idxMu.Lock()
	li := c.layers[layer]
	if li == nil {
		c.idxMu.Unlock()
		return
	}
	for f := range li.flights {
		f.stale = true
	}
	li.tiles.Scan(func(_, _ [2]float64, e *Entry) bool {
		victims = append(victims, e)
		return true
	})
	victims = c.unindexAll(victims)
	c.idxMu.Unlock()
	c.drop(victims)
}

// unindexAll unindexes entries, returning each once (several bounds can
// find the same entry); idxMu is held.
func (c *Cache) unindexAll(entries []*Entry) []*Entry {
	out := entries[:0]
	for _, e := range entries {
		if e.indexed {
			c.unindex(e)
			out = append(out, e)
		}
	}
	return out
}

// drop removes unindexed entries from their shards, if still there.
func (c *Cache) drop(victims []*Entry) {
	for _, e := range victims {
		s := e.shard
		s.mu.Lock()
		if e.resident { // else the LRU dropped it meanwhile
			s.unlink(e)
			c.invalidations.Add(1)
		}
		s.mu.Unlock()
	}
}
