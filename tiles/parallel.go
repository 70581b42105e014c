package tiles

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/csdi-hk/csdi/internal/cache"
)

// A busy layer is shaped by several goroutines: its features are cut into
// chunks, which the writer's goroutine and its helpers take in order, and
// the writer emits each chunk's shaped features as soon as it and every
// chunk before it are done. Shaping (reading the features' vertices,
// projecting, clipping, simplifying, quantising) is most of a dense
// layer's cost and needs nothing from the other features; emitting
// (attributes, the layer's bytes) stays on one goroutine, in order, so
// the tile is byte for byte what one goroutine makes. A cold tile is
// usually waited for alone, with the machine's other cores idle.
const (
	// chunkFeatures is the features of one chunk: enough to make the
	// hand-over between goroutines cheap against the work.
	chunkFeatures = 256
	// minParallelFeatures is the least a layer must have for helpers:
	// below it, a helper's start costs more than it saves.
	minParallelFeatures = 1024
	// maxHelpers bounds the helpers of one layer: tiles are requested
	// several at a time, so one tile should not take every core.
	maxHelpers = 3
	// maxAhead bounds the chunks shaped and not yet written, per
	// goroutine: shaping far ahead of the writer gains nothing and holds
	// buffers, fresh memory being dear.
	maxAhead = 4
)

// working counts the tile requests and encodings in progress in the
// process: helpers only use cores no other tile is using. Under load, when
// every core has a tile of its own (to encode, compress or send), helpers
// would only add hand-overs. The cores are the process's, so the count is
// too.
var working atomic.Int64

// work counts one tile in progress until the returned func is called.
func work() (done func()) {
	working.Add(1)
	return func() { working.Add(-1) }
}

// helpersFor is how many goroutines to add to shape n features.
func helpersFor(n int) int {
	if n < minParallelFeatures {
		return 0
	}
	idle := runtime.GOMAXPROCS(0) - int(max(working.Load(), 1))
	return max(0, min(idle, maxHelpers, n/chunkFeatures-1))
}

// chunk is a run of the features to encode and what was made of it.
type chunk struct {
	features []*cache.Feature
	memos    []memo
	out      *shaped       // taken from the writer's spares
	err      error         // the shaping failed: set before done closes
	done     chan struct{} // closed once out or err is set
}

// spares recycles the buffers of shaped chunks: a chunk's goes back once
// it is written, so a layer needs only about as many as there are chunks
// in flight, and they stay warm in the CPU's caches.
type spares struct {
	mu   sync.Mutex
	free []*shaped
}

func (s *spares) get() *shaped {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		o := s.free[n-1]
		s.free = s.free[:n-1]
		return o
	}
	return &shaped{keyed: true}
}

func (s *spares) put(o *shaped) {
	o.reset()
	s.mu.Lock()
	s.free = append(s.free, o)
	s.mu.Unlock()
}

// panicked is a panic in a helper, carried to the writer's goroutine to be
// raised there (where the tile cache recovers it) instead of ending the
// process.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) Error() string {
	return fmt.Sprintf("tiles: shaping panicked: %v\n%s", p.value, p.stack)
}

// shapeParallel shapes found (with its memos, see shapeAll) with helpers
// more goroutines and emits it in order. It returns once every helper has stopped: the chunks are the
// writer's, which goes back to its pool.
func (w *layerWriter) shapeParallel(ctx context.Context, found []*cache.Feature, memos []memo, recall bool, helpers int, exact bool) error {
	n := (len(found) + chunkFeatures - 1) / chunkFeatures
	for len(w.chunks) < n {
		w.chunks = append(w.chunks, chunk{}) // kept with their buffers
	}
	chunks := w.chunks[:n]
	for i := range chunks {
		c := &chunks[i]
		start, end := i*chunkFeatures, min((i+1)*chunkFeatures, len(found))
		c.features, c.memos = found[start:end], sub(memos, start, end)
		c.out, c.err, c.done = nil, nil, make(chan struct{})
	}
	var (
		next  atomic.Int64 // the next chunk to take
		stop  atomic.Bool  // the writer gave up: skip what is left
		wg    sync.WaitGroup
		ahead = make(chan struct{}, maxAhead*(helpers+1)) // a token per chunk taken and not yet written
		quit  = make(chan struct{})
	)
	// run shapes the next chunk with s, first taking a token, waiting
	// for one if wait; it reports whether it took a chunk.
	run := func(s *shaper, wait bool) bool {
		select {
		case ahead <- struct{}{}:
		case <-quit:
			return false
		default:
			if !wait {
				return false
			}
			select {
			case ahead <- struct{}{}:
			case <-quit:
				return false
			}
		}
		i := int(next.Add(1) - 1)
		if i >= n {
			<-ahead
			return false
		}
		c := &chunks[i]
		defer close(c.done)
		defer func() {
			if v := recover(); v != nil {
				c.err = &panicked{value: v, stack: debug.Stack()}
			}
		}()
		switch {
		case stop.Load():
			c.err = context.Canceled
		default:
			if c.err = ctx.Err(); c.err == nil {
				c.out = w.spares.get()
				s.shapeAll(c.features, c.memos, recall, c.out, exact)
			}
		}
		return true
	}
	for range helpers {
		wg.Go(func() {
			s := shapers.Get().(*shaper)
			s.setup(w.sh.proj, w.sh.clip.box, w.sh.rules)
			for run(s, true) {
			}
			s.release()
			shapers.Put(s)
		})
	}
	defer func() {
		stop.Store(true)
		close(quit)
		wg.Wait()
		for i := range chunks {
			if c := &chunks[i]; c.out != nil {
				w.spares.put(c.out)
				c.out = nil
			}
			chunks[i].features, chunks[i].memos = nil, nil
		}
	}()
	for i := range chunks {
		c := &chunks[i]
		// Rather than wait for the chunk, shape the next one here.
		for !closed(c.done) && run(&w.sh, false) {
		}
		<-c.done
		if p := (*panicked)(nil); errors.As(c.err, &p) {
			panic(p)
		}
		if c.err != nil {
			return c.err
		}
		w.emitAll(c.out)
		w.spares.put(c.out)
		c.out = nil
		<-ahead
	}
	return nil
}

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
