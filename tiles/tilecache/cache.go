package tilecache

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/bits"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/tidwall/rtree"

	"github.com/csdi-hk/csdi/internal/cache"
)

var _ cache.TileEvictor = (*Cache)(nil)

// Key names a cached tile.
type Key struct {
	// Tileset is an opaque canonical string naming everything the tile's
	// bytes depend on apart from Z, X and Y: tile matrix set, layer list,
	// view, encoder options.
	Tileset string
	Z, X, Y int
}

// BuildFunc makes a tile's raw MVT bytes; an empty result is a tile with no
// content. Its context is cancelled only when every request waiting for the
// tile has gone; it carries the values of the request that started it.
type BuildFunc func(ctx context.Context) ([]byte, error)

// Options configure a Cache.
type Options struct {
	// MaxBytes bounds the bytes the cache counts (see the package
	// documentation); at most 0 means DefaultMaxBytes.
	MaxBytes int64
	// Shards is the number of independently locked LRU lists, rounded up
	// to a power of two; at most 0 means four per CPU (GOMAXPROCS). Each
	// shard holds MaxBytes/Shards, so LRU order is exact within a shard
	// and approximate across shards.
	Shards int
}

// DefaultMaxBytes is the budget when Options.MaxBytes is not set.
const DefaultMaxBytes = 256 << 20

// defaultShards picks the shard count. Every hit writes under its shard's
// lock (the move to the front of the LRU list), so with one lock all hits
// of all cores queue on one cache line. BenchmarkGetHit at 2 cores (a
// shared, loaded machine) measured no difference: 71-80 ns/op with one
// shard, 70-190 ns/op with 16, 0 allocs either way; the lock is held for
// a map lookup and four pointer writes, so two cores rarely collide. The
// cost of sharding is one string hash per Get (~10 ns) and an LRU exact
// only per shard, small enough to pay now so that the hit path does not
// become one queue on the many-core machines production replicas run on.
func defaultShards() int { return 4 * runtime.GOMAXPROCS(0) }

// Cache holds encoded tiles, least recently used dropped first beyond a
// byte budget, with a spatial index per layer for eviction on change. Its
// methods are safe for concurrent use.
type Cache struct {
	shards []shard
	mask   uint64
	seed   maphash.Seed

	// idxMu guards layers and every Entry.indexed and flight.stale. Lock
	// order: a shard's mu before idxMu, never the reverse.
	idxMu  sync.Mutex
	layers map[string]*layerIndex

	invalidations atomic.Uint64
	discarded     atomic.Uint64
}

// layerIndex is what the cache knows of one layer: its cached tiles by
// bound, and the builds in flight that would store a tile of it.
type layerIndex struct {
	tiles   rtree.RTreeG[*Entry]
	flights map[*flight]struct{}
}

type shard struct {
	mu      sync.Mutex
	items   map[Key]*Entry
	flights map[Key]*flight
	head    *Entry // most recently used
	tail    *Entry // least recently used
	bytes   int64
	max     int64
	c       *Cache

	hits, misses, builds, buildErrors, evictions, compressions atomic.Uint64

	_ [64]byte // keep neighbouring shards' locks off one cache line
}

// flight is one build in progress; every request for its key waits on it.
type flight struct {
	done   chan struct{}
	entry  *Entry // set before done is closed
	err    error  // set before done is closed
	layers []string
	bound  orb.Bound
	cancel context.CancelFunc

	waiters   int  // guarded by shard.mu
	abandoned bool // guarded by shard.mu: every waiter left, build cancelled
	stale     bool // guarded by Cache.idxMu: an eviction touched it
}

// New returns an empty cache.
func New(opts Options) *Cache {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	n := opts.Shards
	if n <= 0 {
		n = defaultShards()
	}
	n = 1 << bits.Len(uint(n-1)) // next power of two
	c := &Cache{
		shards: make([]shard, n),
		mask:   uint64(n - 1),
		seed:   maphash.MakeSeed(),
		layers: make(map[string]*layerIndex),
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.items = make(map[Key]*Entry)
		s.flights = make(map[Key]*flight)
		s.max = opts.MaxBytes / int64(n)
		s.c = c
	}
	return c
}

func (c *Cache) shardFor(k Key) *shard {
	h := maphash.String(c.seed, k.Tileset)
	h ^= uint64(k.Z)*0x9e3779b97f4a7c15 ^ uint64(k.X)*0xc2b2ae3d27d4eb4f ^ uint64(k.Y)*0x165667b19e3779f9
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return &c.shards[h&c.mask]
}

// Get returns the cached tile key, building it on a miss. layers are the
// ids of the layers the tile shows and bound its area in world
// coordinates, including the encoder's buffer: an eviction of any of those
// layers intersecting bound drops the tile. Both are read only on a miss.
// Layer ids should be the catalogue's: the cache keeps a small index for
// every layer id it has seen.
//
// Concurrent misses on one key run build once and share its result. The
// first caller runs it, on the caller's goroutine; the others wait for it. A
// build error is returned to every waiter and not cached. A waiter whose
// ctx ends returns ctx's error at once; the caller running the build
// returns it once the build is over. Either way the build goes on for the
// others, and is cancelled when no one is left waiting. A tile whose
// layers were evicted (intersecting bound) while it was being built is
// returned but not stored, since it may show the data from before the
// change.
func (c *Cache) Get(ctx context.Context, key Key, layers []string, bound orb.Bound, build BuildFunc) (*Entry, error) {
	s := c.shardFor(key)
	s.mu.Lock()
	if e := s.items[key]; e != nil {
		s.toFront(e)
		s.mu.Unlock()
		s.hits.Add(1)
		return e, nil
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	s.misses.Add(1)
	f := s.flights[key]
	if f == nil {
		f, bctx := c.start(ctx, s, key, layers, bound)
		s.mu.Unlock()
		return c.lead(ctx, bctx, s, key, f, build)
	}
	f.waiters++
	s.mu.Unlock()

	select {
	case <-f.done:
		return f.entry, f.err
	case <-ctx.Done():
	}
	s.leave(key, f)
	return nil, ctx.Err()
}

// lead runs flight f's build on the caller's goroutine. A cold tile is
// mostly waited for alone, and a goroutine of its own cost it two
// hand-overs between threads (to start the build, and to wake the caller
// once it was done), each waking an idle core: about 60 µs of a z16 tile's
// 390 µs, measured at 2 cores with the CPU caches flushed before each
// tile. The caller leaving, when ctx ends, is counted as any waiter's is,
// on the goroutine context.AfterFunc starts, so that a build no one waits
// for any more is cancelled.
func (c *Cache) lead(ctx, bctx context.Context, s *shard, key Key, f *flight, build BuildFunc) (*Entry, error) {
	left := context.AfterFunc(ctx, func() { s.leave(key, f) })
	c.run(bctx, s, key, f, build)
	if !left() {
		return nil, ctx.Err() // the caller left while it built
	}
	return f.entry, f.err
}

// leave counts a waiter of f whose context ended; the last one cancels
// the build if it is still running.
func (s *shard) leave(key Key, f *flight) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.waiters--
	if f.waiters > 0 || f.abandoned {
		return
	}
	select {
	case <-f.done: // finished meanwhile: nothing to cancel
	default:
		// No one wants the tile any more (a map client aborts the
		// requests of tiles panned out of view): stop the work, and let
		// the next request start afresh rather than join a build that is
		// being cancelled.
		f.abandoned = true
		f.cancel()
		if s.flights[key] == f {
			delete(s.flights, key)
		}
	}
}

// start registers the build of key, with one waiter (the caller, who runs
// it), and returns the build's context: the caller's values, but
// cancelled only when every waiter has left; s.mu is held.
func (c *Cache) start(ctx context.Context, s *shard, key Key, layers []string, bound orb.Bound) (*flight, context.Context) {
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	f := &flight{
		done:    make(chan struct{}),
		layers:  uniq(layers),
		bound:   bound,
		cancel:  cancel,
		waiters: 1,
	}
	s.flights[key] = f
	c.idxMu.Lock()
	for _, l := range f.layers {
		c.layer(l).flights[f] = struct{}{}
	}
	c.idxMu.Unlock()
	s.builds.Add(1)
	return f, bctx
}

func (c *Cache) run(ctx context.Context, s *shard, key Key, f *flight, build BuildFunc) {
	defer f.cancel()
	raw, err := safeBuild(ctx, build)
	var e *Entry
	if err == nil {
		e = newEntry(key, f.layers, f.bound, raw, s) // hash outside the lock
	} else {
		s.buildErrors.Add(1)
	}
	s.mu.Lock()
	if s.flights[key] == f {
		delete(s.flights, key)
	}
	c.store(s, e, f)
	s.mu.Unlock()
	f.entry, f.err = e, err
	close(f.done)
}

// PanicError is a build that panicked, returned to its waiters: the
// panic is the build's, not its caller's, and other requests may be
// waiting for it.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("tilecache: build panicked: %v", e.Value) }

func safeBuild(ctx context.Context, build BuildFunc) (raw []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			raw, err = nil, &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	raw, err = build(ctx)
	if err == nil && raw == nil {
		raw = []byte{}
	}
	return raw, err
}

// store unregisters flight f and caches e (nil after a failed build) unless
// an eviction made f stale or e is too large for its shard; s.mu is held.
func (c *Cache) store(s *shard, e *Entry, f *flight) {
	var victims []*Entry
	c.idxMu.Lock()
	for _, l := range f.layers {
		li := c.layers[l]
		delete(li.flights, f)
	}
	switch {
	case e == nil:
	case f.stale:
		c.discarded.Add(1)
	case e.size > s.max:
	default:
		if old := s.items[e.key]; old != nil {
			// A build abandoned and restarted can finish after its
			// successor; the later result replaces the earlier.
			s.unlink(old)
			c.unindex(old)
		}
		for _, l := range e.layers {
			c.layers[l].tiles.Insert(e.bound.Min, e.bound.Max, e)
		}
		e.indexed = true
		s.items[e.key] = e
		s.pushFront(e)
		victims = s.trim()
		for _, v := range victims {
			c.unindex(v)
		}
	}
	c.idxMu.Unlock()
}

// layer returns the index of layer id, creating it; idxMu is held.
func (c *Cache) layer(id string) *layerIndex {
	li := c.layers[id]
	if li == nil {
		li = &layerIndex{flights: make(map[*flight]struct{})}
		c.layers[id] = li
	}
	return li
}

// unindex removes e from the index of each of its layers; idxMu is held.
func (c *Cache) unindex(e *Entry) {
	if !e.indexed {
		return
	}
	e.indexed = false
	for _, l := range e.layers {
		if li := c.layers[l]; li != nil {
			li.tiles.Delete(e.bound.Min, e.bound.Max, e)
		}
	}
}

// uniq returns a copy of layers without repeats, in order.
func uniq(layers []string) []string {
	out := make([]string, 0, len(layers))
outer:
	for _, l := range layers {
		for _, o := range out {
			if o == l {
				continue outer
			}
		}
		out = append(out, l)
	}
	return out
}

// grow counts n more bytes of e's (a new compressed variant) if e is still
// cached, dropping least recently used entries beyond the budget.
func (s *shard) grow(e *Entry, n int64) {
	s.compressions.Add(1)
	s.mu.Lock()
	if !e.resident {
		s.mu.Unlock()
		return
	}
	e.size += n
	s.bytes += n
	victims := s.trim()
	if len(victims) > 0 {
		s.c.idxMu.Lock()
		for _, v := range victims {
			s.c.unindex(v)
		}
		s.c.idxMu.Unlock()
	}
	s.mu.Unlock()
}

// trim unlinks least recently used entries until the shard is within its
// budget and returns them for unindexing; s.mu is held.
func (s *shard) trim() []*Entry {
	var victims []*Entry
	for s.bytes > s.max && s.tail != nil {
		v := s.tail
		s.unlink(v)
		victims = append(victims, v)
		s.evictions.Add(1)
	}
	return victims
}

// pushFront adds e, not in the list, as most recently used; s.mu is held.
func (s *shard) pushFront(e *Entry) {
	e.prev, e.next = nil, s.head
	if s.head != nil {
		s.head.prev = e
	}
	s.head = e
	if s.tail == nil {
		s.tail = e
	}
	e.resident = true
	s.bytes += e.size
}

// toFront marks e, in the list, most recently used; s.mu is held.
func (s *shard) toFront(e *Entry) {
	if s.head == e {
		return
	}
	e.prev.next = e.next // e is not the head, so it has a prev
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, s.head
	s.head.prev = e
	s.head = e
}

// unlink removes e, which must be resident, from the map and list; s.mu is
// held.
func (s *shard) unlink(e *Entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
	e.resident = false
	s.bytes -= e.size
	delete(s.items, e.key)
}
