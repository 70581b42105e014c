package tilecache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/paulmach/orb"
)

// tileBound is the world bound of tile z/x/y with a buffer of buf/4096 of
// its size on each side, as the handler passes it.
func tileBound(z, x, y int, buf float64) orb.Bound {
	n := float64(uint64(1) << z)
	pad := buf / 4096 / n
	return orb.Bound{
		Min: orb.Point{float64(x)/n - pad, float64(y)/n - pad},
		Max: orb.Point{float64(x+1)/n + pad, float64(y+1)/n + pad},
	}
}

// tileAt is the tile at zoom z containing world point p.
func tileAt(z int, p orb.Point) (x, y int) {
	n := float64(uint64(1) << z)
	return int(p[0] * n), int(p[1] * n)
}

func constBuild(b []byte) BuildFunc {
	return func(context.Context) ([]byte, error) { return b, nil }
}

// put caches raw as tile key through Get.
func put(t testing.TB, c *Cache, key Key, layers []string, bound orb.Bound, raw []byte) *Entry {
	t.Helper()
	e, err := c.Get(context.Background(), key, layers, bound, constBuild(raw))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// cached reports whether key is in c, without touching the LRU order.
func cached(c *Cache, key Key) bool {
	s := c.shardFor(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.items[key] != nil
}

// checkInvariants verifies, on a quiescent cache, that the byte count, the
// LRU lists, the maps and the spatial indexes agree.
func checkInvariants(t *testing.T, c *Cache) {
	t.Helper()
	for i := range c.shards {
		c.shards[i].mu.Lock()
		defer c.shards[i].mu.Unlock()
	}
	c.idxMu.Lock()
	defer c.idxMu.Unlock()
	pairs := 0
	for i := range c.shards {
		s := &c.shards[i]
		var sum int64
		n := 0
		var prev *Entry
		for e := s.head; e != nil; e = e.next {
			if e.prev != prev {
				t.Fatalf("shard %d: broken back link at %v", i, e.key)
			}
			if !e.resident || !e.indexed || s.items[e.key] != e {
				t.Fatalf("shard %d: %v listed but resident=%v indexed=%v mapped=%v", i, e.key, e.resident, e.indexed, s.items[e.key] == e)
			}
			want := entryOverhead + int64(len(e.raw)+len(e.key.Tileset))
			for _, l := range e.layers {
				want += int64(len(l)) + layerOverhead
			}
			for v := range e.vars {
				want += int64(len(e.vars[v].data))
			}
			if e.size != want {
				t.Fatalf("%v: counted %d bytes, holds %d", e.key, e.size, want)
			}
			sum += e.size
			n++
			pairs += len(e.layers)
			prev = e
		}
		if prev != s.tail {
			t.Fatalf("shard %d: tail is not the last entry", i)
		}
		if n != len(s.items) {
			t.Fatalf("shard %d: %d listed, %d mapped", i, n, len(s.items))
		}
		if sum != s.bytes {
			t.Fatalf("shard %d: counted %d bytes, entries hold %d", i, s.bytes, sum)
		}
		if s.bytes > s.max {
			t.Fatalf("shard %d: %d bytes over the budget %d", i, s.bytes, s.max)
		}
		if len(s.flights) != 0 {
			t.Fatalf("shard %d: %d flights left", i, len(s.flights))
		}
	}
	indexed := 0
	for id, li := range c.layers {
		li.tiles.Scan(func(_, _ [2]float64, e *Entry) bool {
			if !e.resident {
				t.Errorf("layer %s indexes %v, which is not cached", id, e.key)
			}
			indexed++
			return true
		})
		if len(li.flights) != 0 {
			t.Fatalf("layer %s: %d flights left", id, len(li.flights))
		}
	}
	if indexed != pairs {
		t.Fatalf("indexes hold %d items, entries have %d layers", indexed, pairs)
	}
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestLRUOrder(t *testing.T) {
	raw := randBytes(rand.New(rand.NewPCG(1, 1)), 1000) // incompressible
	size := newEntry(Key{Tileset: "t", Z: 1}, []string{"a"}, orb.Bound{}, raw, nil).size
	c := New(Options{MaxBytes: 4*size + size/2, Shards: 1}) // room for 4
	key := func(i int) Key { return Key{Tileset: "t", Z: 1, X: i} }
	for i := range 4 {
		put(t, c, key(i), []string{"a"}, orb.Bound{}, raw)
	}
	put(t, c, key(0), []string{"a"}, orb.Bound{}, raw) // a hit: 0 is now the most recent
	put(t, c, key(4), []string{"a"}, orb.Bound{}, raw) // evicts 1, the least recent
	for i, want := range []bool{true, false, true, true, true} {
		if got := cached(c, key(i)); got != want {
			t.Errorf("tile %d cached = %v, want %v", i, got, want)
		}
	}
	st := c.Stats()
	if st.Hits != 1 || st.Misses != 5 || st.Builds != 5 || st.Evictions != 1 || st.Entries != 4 || st.Bytes != 4*size {
		t.Errorf("stats %+v, want 1 hit, 5 misses and builds, 1 eviction, 4 entries of %d bytes", st, size)
	}
	checkInvariants(t, c)

	// A compressed variant counts too: making one for tile 3 pushes out
	// the least recent entry, 2.
	e := put(t, c, key(3), []string{"a"}, orb.Bound{}, raw) // a hit: 3, 4, 0, 2
	body := e.Body(Gzip)
	if len(body) <= int(size/2) {
		t.Fatalf("the test needs a variant of over %d bytes, got %d", size/2, len(body))
	}
	if got, want := c.Stats().Bytes, 3*size+int64(len(body)); got != want {
		t.Errorf("%d bytes counted, want %d", got, want)
	}
	for i, want := range []bool{true, false, false, true, true} {
		if got := cached(c, key(i)); got != want {
			t.Errorf("after compressing tile 3: tile %d cached = %v, want %v", i, got, want)
		}
	}
	checkInvariants(t, c)
}

func TestByteBoundUnderChurn(t *testing.T) {
	const maxBytes = 128 << 10
	for _, shards := range []int{1, 8} {
		t.Run(fmt.Sprintf("shards=%d", shards), func(t *testing.T) {
			c := New(Options{MaxBytes: maxBytes, Shards: shards})
			r := rand.New(rand.NewPCG(1, 2))
			layers := []string{"a", "b", "c"}
			var stored int64
			for i := range 2000 {
				z := r.IntN(8)
				x, y := r.IntN(1<<z), r.IntN(1<<z)
				key := Key{Tileset: layers[i%3], Z: z, X: x, Y: y}
				var raw []byte // an empty tile
				if r.IntN(10) > 0 {
					raw = randBytes(r, 100+r.IntN(8000))
					raw = append(raw, bytes.Repeat([]byte("MVT"), r.IntN(500))...)
				}
				e := put(t, c, key, layers[i%3:i%3+1], tileBound(z, x, y, 64), raw)
				stored += int64(len(raw))
				switch r.IntN(8) {
				case 0:
					e.Body(Gzip)
				case 1:
					e.Body(Brotli)
				case 2:
					e.Body(Zstd)
				}
				if i%97 == 0 {
					c.EvictTiles(layers[r.IntN(3)], tileBound(4, r.IntN(16), r.IntN(16), 0))
				}
				if st := c.Stats(); st.Bytes > maxBytes {
					t.Fatalf("after %d tiles: %d bytes counted, budget %d", i+1, st.Bytes, maxBytes)
				}
			}
			if stored < 20*maxBytes {
				t.Fatalf("test stored only %d bytes; it is meant to go far beyond the budget", stored)
			}
			st := c.Stats()
			if st.Evictions == 0 || st.Invalidations == 0 || st.Entries == 0 {
				t.Errorf("stats %+v: want evictions, invalidations and entries left", st)
			}
			checkInvariants(t, c)
		})
	}
}

func TestTooLargeNotStored(t *testing.T) {
	c := New(Options{MaxBytes: 1000, Shards: 1})
	put(t, c, Key{Tileset: "small"}, []string{"a"}, orb.Bound{}, []byte("small"))
	raw := make([]byte, 2000)
	e := put(t, c, Key{Tileset: "t"}, []string{"a"}, orb.Bound{}, raw)
	if len(e.Raw()) != 2000 || cached(c, Key{Tileset: "t"}) {
		t.Errorf("a tile over the budget: got %d bytes, cached %v; want 2000, false", len(e.Raw()), cached(c, Key{Tileset: "t"}))
	}
	if !cached(c, Key{Tileset: "small"}) {
		t.Error("a tile over the budget pushed out the others")
	}
	checkInvariants(t, c)
}

// hongKong is Victoria Harbour in world coordinates.
var hongKong = orb.Point{0.8172, 0.4358}

func TestEvictTilesEveryZoom(t *testing.T) {
	c := New(Options{MaxBytes: 64 << 20})
	far := orb.Point{0.1, 0.9} // the other end of the map
	var near, away []Key
	for z := 0; z <= 16; z++ {
		x, y := tileAt(z, hongKong)
		k := Key{Tileset: "WebMercatorQuad/roads", Z: z, X: x, Y: y}
		put(t, c, k, []string{"roads"}, tileBound(z, x, y, 64), []byte("near"))
		near = append(near, k)
		// The same place in another layer stays.
		o := Key{Tileset: "WebMercatorQuad/parks", Z: z, X: x, Y: y}
		put(t, c, o, []string{"parks"}, tileBound(z, x, y, 64), []byte("park"))
		away = append(away, o)
		if z > 0 { // at zoom 0 the one tile covers both places
			fx, fy := tileAt(z, far)
			f := Key{Tileset: "WebMercatorQuad/roads", Z: z, X: fx, Y: fy}
			put(t, c, f, []string{"roads"}, tileBound(z, fx, fy, 64), []byte("far"))
			away = append(away, f)
		}
	}
	// A road edited inside one zoom-16 tile: old and new extents.
	x16, y16 := tileAt(16, hongKong)
	in := tileBound(16, x16, y16, 0)
	d := (in.Max[0] - in.Min[0]) / 4
	old := orb.Bound{Min: orb.Point{in.Min[0] + d, in.Min[1] + d}, Max: orb.Point{in.Min[0] + 2*d, in.Min[1] + 2*d}}
	moved := old.Pad(d / 2)
	c.EvictTiles("roads", old, moved)
	for _, k := range near {
		if cached(c, k) {
			t.Errorf("tile %v covers the change but is still cached", k)
		}
	}
	for _, k := range away {
		if !cached(c, k) {
			t.Errorf("tile %v is away from the change but was evicted", k)
		}
	}
	if st := c.Stats(); st.Invalidations != uint64(len(near)) {
		t.Errorf("%d invalidations, want %d", st.Invalidations, len(near))
	}
	checkInvariants(t, c)

	// A neighbour at zoom 16 is reached through its buffer only when the
	// change lies in the buffer.
	nb := Key{Tileset: "WebMercatorQuad/roads", Z: 16, X: x16 + 1, Y: y16}
	put(t, c, nb, []string{"roads"}, tileBound(16, x16+1, y16, 64), []byte("nb"))
	c.EvictTiles("roads", old)
	if !cached(c, nb) {
		t.Error("the zoom-16 neighbour was evicted by a change well inside the next tile")
	}
	edge := orb.Bound{Min: orb.Point{in.Max[0] - d/1000, in.Min[1] + d}, Max: orb.Point{in.Max[0] - d/2000, in.Min[1] + d}}
	c.EvictTiles("roads", edge)
	if cached(c, nb) {
		t.Error("a change inside the neighbour's buffer left it cached")
	}
	c.EvictLayer("roads")
	for _, k := range away {
		if cached(c, k) != (k.Tileset == "WebMercatorQuad/parks") {
			t.Errorf("after EvictLayer(roads): tile %v cached = %v", k, cached(c, k))
		}
	}
	checkInvariants(t, c)
}

func TestEvictMultiLayer(t *testing.T) {
	c := New(Options{})
	b := tileBound(10, 836, 446, 64)
	inside := orb.Bound{Min: b.Center(), Max: b.Center()}
	both := Key{Tileset: "WebMercatorQuad/a,b/full", Z: 10, X: 836, Y: 446}
	onlyB := Key{Tileset: "WebMercatorQuad/b/full", Z: 10, X: 836, Y: 446}
	for _, tc := range []struct {
		name  string
		evict func()
	}{
		{"EvictTiles(a)", func() { c.EvictTiles("a", inside) }},
		{"EvictTiles(b)", func() { c.EvictTiles("b", inside) }},
		{"EvictLayer(a)", func() { c.EvictLayer("a") }},
		{"EvictLayer(b)", func() { c.EvictLayer("b") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			put(t, c, both, []string{"a", "b", "a"}, b, []byte("ab"))
			put(t, c, onlyB, []string{"b"}, b, []byte("b"))
			tc.evict()
			if cached(c, both) {
				t.Error("the tile of a and b is still cached")
			}
			if wantB := tc.name[len(tc.name)-2] == 'a'; cached(c, onlyB) != wantB {
				t.Errorf("the tile of b alone cached = %v, want %v", cached(c, onlyB), wantB)
			}
			checkInvariants(t, c) // the other layer's index lost the entry too
			c.EvictLayer("b")
		})
	}
}

func TestSingleflight(t *testing.T) {
	c := New(Options{})
	const n = 32
	release := make(chan struct{})
	var calls atomic.Int32
	build := func(context.Context) ([]byte, error) {
		calls.Add(1)
		<-release
		return []byte("the tile"), nil
	}
	key := Key{Tileset: "t", Z: 3, X: 1, Y: 2}
	got := make([]*Entry, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			e, err := c.Get(context.Background(), key, []string{"a"}, tileBound(3, 1, 2, 0), build)
			if err != nil {
				t.Error(err)
			}
			got[i] = e
		})
	}
	waitMisses(c, n)
	close(release)
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("build ran %d times, want 1", calls.Load())
	}
	for i, e := range got {
		if e == nil || e != got[0] || string(e.Raw()) != "the tile" {
			t.Fatalf("waiter %d got %v, want the one entry with the built bytes", i, e)
		}
	}
	if st := c.Stats(); st.Builds != 1 || st.Misses != n || st.Entries != 1 {
		t.Errorf("stats %+v, want 1 build, %d misses, 1 entry", st, n)
	}
	if e, _ := c.Get(context.Background(), key, nil, orb.Bound{}, nil); e != got[0] {
		t.Error("the built tile is not served from the cache")
	}
	checkInvariants(t, c)
}

// waitMisses waits until n Gets have missed, so that they are all waiting
// on a build: no timing, only yielding.
func waitMisses(c *Cache, n uint64) {
	for c.Stats().Misses < n {
		runtime.Gosched()
	}
}

func TestBuildErrorNotCached(t *testing.T) {
	c := New(Options{})
	errBroken := errors.New("layer broken")
	release := make(chan struct{})
	key := Key{Tileset: "t"}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := c.Get(context.Background(), key, []string{"a"}, orb.Bound{}, func(context.Context) ([]byte, error) {
				<-release
				return nil, fmt.Errorf("encoding: %w", errBroken)
			})
			if !errors.Is(err, errBroken) {
				t.Errorf("got %v, want the build's error", err)
			}
		})
	}
	waitMisses(c, 4)
	close(release)
	wg.Wait()
	if cached(c, key) {
		t.Fatal("a failed build was cached")
	}
	e := put(t, c, key, []string{"a"}, orb.Bound{}, []byte("ok"))
	if string(e.Raw()) != "ok" {
		t.Errorf("the next Get got %q", e.Raw())
	}
	if st := c.Stats(); st.Builds != 2 || st.BuildErrors != 1 {
		t.Errorf("stats %+v, want 2 builds, 1 error", st)
	}
	_, err := c.Get(context.Background(), Key{Tileset: "panic"}, nil, orb.Bound{}, func(context.Context) ([]byte, error) {
		panic("boom")
	})
	var pe *PanicError
	if !errors.As(err, &pe) || pe.Value != "boom" {
		t.Errorf("a panicking build returned %v, want a *PanicError", err)
	}
	checkInvariants(t, c)
}

func TestWaiterCancel(t *testing.T) {
	c := New(Options{})
	release := make(chan struct{})
	buildErr := make(chan error, 1)
	key := Key{Tileset: "t", Z: 5}
	build := func(ctx context.Context) ([]byte, error) {
		<-release
		buildErr <- ctx.Err()
		return []byte("tile"), nil
	}
	stayer := make(chan *Entry)
	go func() { // the first: it runs the build
		e, err := c.Get(context.Background(), key, []string{"a"}, orb.Bound{}, build)
		if err != nil {
			t.Error(err)
		}
		stayer <- e
	}()
	waitMisses(c, 1)
	ctx, cancel := context.WithCancel(context.Background())
	quitter := make(chan error)
	go func() {
		_, err := c.Get(ctx, key, []string{"a"}, orb.Bound{}, build)
		quitter <- err
	}()
	waitMisses(c, 2)
	cancel()
	if err := <-quitter; !errors.Is(err, context.Canceled) { // returns while the build is still blocked
		t.Errorf("the cancelled waiter got %v", err)
	}
	close(release)
	if e := <-stayer; e == nil || string(e.Raw()) != "tile" {
		t.Errorf("the other waiter got %v", e)
	}
	if err := <-buildErr; err != nil {
		t.Errorf("the build's context ended (%v) though a waiter remained", err)
	}
	if !cached(c, key) {
		t.Error("the tile was not stored")
	}
	checkInvariants(t, c)
}

// TestBuilderCancel: the caller running the build leaves while another
// waits; the build goes on for the other, and the caller gets its
// context's error once it is over.
func TestBuilderCancel(t *testing.T) {
	c := New(Options{})
	release := make(chan struct{})
	buildErr := make(chan error, 1)
	key := Key{Tileset: "t", Z: 5}
	build := func(ctx context.Context) ([]byte, error) {
		<-release
		buildErr <- ctx.Err()
		return []byte("tile"), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	builder := make(chan error)
	go func() {
		_, err := c.Get(ctx, key, []string{"a"}, orb.Bound{}, build)
		builder <- err
	}()
	waitMisses(c, 1)
	stayer := make(chan *Entry)
	go func() {
		e, err := c.Get(context.Background(), key, []string{"a"}, orb.Bound{}, build)
		if err != nil {
			t.Error(err)
		}
		stayer <- e
	}()
	waitMisses(c, 2)
	cancel()
	close(release)
	if err := <-builder; !errors.Is(err, context.Canceled) {
		t.Errorf("the cancelled builder got %v", err)
	}
	if e := <-stayer; e == nil || string(e.Raw()) != "tile" {
		t.Errorf("the other waiter got %v", e)
	}
	if err := <-buildErr; err != nil {
		t.Errorf("the build's context ended (%v) though a waiter remained", err)
	}
	if !cached(c, key) {
		t.Error("the tile was not stored")
	}
	checkInvariants(t, c)
}

func TestLastWaiterCancelStopsBuild(t *testing.T) {
	c := New(Options{})
	started := make(chan struct{})
	stopped := make(chan struct{})
	key := Key{Tileset: "t"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Get(ctx, key, []string{"a"}, orb.Bound{}, func(ctx context.Context) ([]byte, error) {
			close(started)
			<-ctx.Done()
			close(stopped)
			return nil, ctx.Err()
		})
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
	<-stopped // the build saw its context end: no one was waiting
	// A new request does not join the dying build.
	e := put(t, c, key, []string{"a"}, orb.Bound{}, []byte("fresh"))
	if string(e.Raw()) != "fresh" {
		t.Errorf("got %q", e.Raw())
	}
	if st := c.Stats(); st.Builds != 2 || st.BuildErrors != 1 {
		t.Errorf("stats %+v, want 2 builds, 1 failed", st)
	}
	checkInvariants(t, c)
}

func TestStaleStore(t *testing.T) {
	b := tileBound(12, 3347, 1785, 64)
	inside := orb.Bound{Min: b.Center(), Max: b.Center()}
	farAway := tileBound(12, 10, 10, 0)
	for _, tc := range []struct {
		name   string
		evict  func(c *Cache)
		stored bool
	}{
		{"EvictTiles intersecting", func(c *Cache) { c.EvictTiles("a", inside) }, false},
		{"EvictTiles second layer", func(c *Cache) { c.EvictTiles("b", farAway, inside) }, false},
		{"EvictLayer", func(c *Cache) { c.EvictLayer("b") }, false},
		{"EvictTiles elsewhere", func(c *Cache) { c.EvictTiles("a", farAway) }, true},
		{"EvictTiles other layer", func(c *Cache) { c.EvictTiles("c", inside) }, true},
		{"EvictLayer other layer", func(c *Cache) { c.EvictLayer("c") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New(Options{})
			put(t, c, Key{Tileset: "c"}, []string{"c"}, b, []byte("c")) // layer c is known
			started := make(chan struct{})
			release := make(chan struct{})
			key := Key{Tileset: "a,b", Z: 12, X: 3347, Y: 1785}
			got := make(chan *Entry)
			go func() {
				e, err := c.Get(context.Background(), key, []string{"a", "b"}, b, func(context.Context) ([]byte, error) {
					close(started)
					<-release
					return []byte("old data"), nil
				})
				if err != nil {
					t.Error(err)
				}
				got <- e
			}()
			<-started
			tc.evict(c)
			close(release)
			if e := <-got; e == nil || string(e.Raw()) != "old data" {
				t.Fatalf("the waiter got %v, want the built tile", e)
			}
			if cached(c, key) != tc.stored {
				t.Errorf("cached = %v, want %v", cached(c, key), tc.stored)
			}
			if d := c.Stats().Discarded; (d == 1) == tc.stored {
				t.Errorf("%d discarded", d)
			}
			checkInvariants(t, c)
		})
	}
}
