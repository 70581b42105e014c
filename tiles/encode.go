package tiles

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/csdi-hk/csdi/internal/cache"
)

// maxExtent keeps tile coordinates, buffer included, well inside int32.
const maxExtent = 1 << 24

// Encode returns tile z/x/y of WebMercatorQuad of the given layers as an
// uncompressed Mapbox Vector Tile, one MVT layer per snapshot (named by its
// layer id, in the order given). A layer is skipped when z is outside its
// MinZoom..MaxZoom or none of its features reach the tile; when every layer
// is skipped the result is empty (zero bytes, no error). A layer given twice
// is encoded once: layer names must be unique within a tile. Busy layers
// are encoded concurrently (see ownGoroutines), and a busy layer by
// several goroutines when cores are idle (see parallel.go); any failure,
// such as ctx ending, fails the whole tile. The rendering rules (rules.go) keep the tile within
// opts.MaxTileBytes where they can.
func Encode(ctx context.Context, z, x, y int, layers []*cache.Snapshot, opts Options) ([]byte, error) {
	return EncodeTile(ctx, WebMercatorQuad, Tile{Z: z, X: x, Y: y}, layers, opts)
}

// EncodeTile is Encode for tile t (level, column, row) of matrix set s.
func EncodeTile(ctx context.Context, s *TileMatrixSet, t Tile, layers []*cache.Snapshot, opts Options) ([]byte, error) {
	defer work()()
	res, err := encode(ctx, s, t, layers, opts, true)
	return res.data, err
}

// encoded is a tile and how it was made.
type encoded struct {
	data []byte
	// overBudget is set when the tile exceeds the budget even at the
	// strictest rules.
	overBudget bool
	// levels is each encoded layer's rule level, in layer order.
	levels []int
}

func encode(ctx context.Context, s *TileMatrixSet, t Tile, layers []*cache.Snapshot, opts Options, concurrent bool) (encoded, error) {
	if !s.Valid(t) {
		return encoded{}, &OutsideMatrixError{Tile: t, Set: s}
	}
	opts = opts.withDefaults()
	if opts.Extent > maxExtent || opts.Buffer > int(opts.Extent) {
		return encoded{}, fmt.Errorf("tiles: extent %d must be at most %d and buffer %d at most the extent", opts.Extent, maxExtent, opts.Buffer)
	}
	zoom := s.mercatorZoomOf(t.Z)
	active := make([]*cache.Snapshot, 0, len(layers))
	for _, snap := range layers {
		if l := snap.Layer(); zoom >= l.MinZoom && zoom <= l.MaxZoom && !hasLayer(active, l.ID) {
			active = append(active, snap)
		}
	}
	fr := newFrame(s, t, opts)
	writers := make([]*layerWriter, len(active))
	levels := make([]int, len(active))
	for i := range writers {
		writers[i] = layerWriters.Get().(*layerWriter)
	}
	defer func() {
		for _, w := range writers {
			w.release()
			layerWriters.Put(w)
		}
	}()
	minSide := make([]float64, len(active)) // set by the budget
	write := func(ctx context.Context, i int) error {
		r := rulesFor(levels[i], zoom, active[i].Layer().MaxZoom, opts).withMinSide(minSide[i])
		return writers[i].writeLayer(ctx, active[i], fr, opts, r, levels[i])
	}

	var own []bool
	if concurrent {
		own = ownGoroutines(writers, active, fr)
	}
	if err := writeLayers(ctx, len(active), own, write); err != nil {
		return encoded{}, err
	}

	// The budget: make the largest layer that can still shrink one level
	// stricter, until the tile fits or none can. A level that does not
	// shrink its layer (see writeLayer's fallback) is undone and ends that
	// layer's escalation, so the result is the smallest the rules reach.
	res := encoded{levels: levels}
	done := make([]bool, len(writers))
	layerBytes := func(i int) int {
		if writers[i].numFeatures == 0 {
			return 0
		}
		return fieldSize(writers[i].layerSize())
	}
	for opts.MaxTileBytes > 0 {
		size, largest := 0, -1
		for i := range writers {
			n := layerBytes(i)
			size += n
			if n > 0 && !done[i] && levels[i] < maxLevel && (largest < 0 || n > layerBytes(largest)) {
				largest = i
			}
		}
		if size <= opts.MaxTileBytes {
			break
		}
		if largest < 0 {
			res.overBudget = true
			break
		}
		before, prevLevel, prevSide := layerBytes(largest), levels[largest], minSide[largest]
		levels[largest]++
		if len(writers[largest].sizes) > 0 {
			// Aim 5% under, so that one re-encoding is usually enough.
			target := before - (size - opts.MaxTileBytes) - opts.MaxTileBytes/20
			minSide[largest] = max(minSide[largest], writers[largest].sideFor(target))
		}
		if err := write(ctx, largest); err != nil {
			return encoded{}, err
		}
		if layerBytes(largest) >= before {
			levels[largest], minSide[largest] = prevLevel, prevSide
			done[largest] = true
			if err := write(ctx, largest); err != nil {
				return encoded{}, err
			}
		}
	}

	size := 0
	for _, w := range writers {
		if w.numFeatures > 0 {
			size += fieldSize(w.layerSize())
		}
	}
	if size == 0 {
		return res, nil
	}
	out := make([]byte, 0, size)
	for _, w := range writers {
		if w.numFeatures > 0 {
			out = w.appendTo(out)
		}
	}
	res.data = out
	return res, nil
}

// minOwnGoroutine is the least features a layer must reach for it to be
// encoded on a goroutine of its own beside the tile's other layers. Below
// it the layer costs less than the hand-over: the goroutine's start, the
// wake-up of an idle core, the layer's data then cold in that core's
// caches, and the wake-up of the waiting tile. A cold tile of small layers
// (z14-z16, or z10-z11 where buildings are hidden) spent more on those
// than on encoding: measured at 2 cores with the CPU caches flushed
// before each tile, a z16 tile took 180 µs with its layers in turn and
// 280 µs with one goroutine each. Above it (roads beside the buildings at
// z12-z13), the layer would leave a core idle at the end of the tile if
// it waited for the busiest.
const minOwnGoroutine = 128

// ownGoroutines picks the layers to encode on goroutines of their own: the
// busy ones (see minOwnGoroutine) but the busiest, which the calling
// goroutine encodes with the small ones, since it is waiting anyway (and
// it is the busiest that parallel.go gives helpers). It searches each
// layer to count its features; the writers keep the results for
// writeLayer. It returns nil when every layer is for the calling
// goroutine.
func ownGoroutines(writers []*layerWriter, active []*cache.Snapshot, fr *frame) []bool {
	if len(active) < 2 {
		return nil
	}
	counts := make([]int, len(active))
	busiest := 0
	for i, snap := range active {
		counts[i] = len(writers[i].search(snap, fr.search))
		if counts[i] > counts[busiest] {
			busiest = i
		}
	}
	var own []bool
	for i, n := range counts {
		if i != busiest && n >= minOwnGoroutine {
			if own == nil {
				own = make([]bool, len(active))
			}
			own[i] = true
		}
	}
	return own
}

// writeLayers runs write for each of n layers: those own marks on
// goroutines of their own, the others in turn on this one. Any failure
// fails the tile: the goroutines still running are cancelled, and
// writeLayers returns once every one has stopped, since the writers go
// back to their pool.
func writeLayers(ctx context.Context, n int, own []bool, write func(context.Context, int) error) error {
	if own == nil {
		for i := range n {
			if err := write(ctx, i); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	for i := range n {
		if own[i] {
			g.Go(func() error { return write(gctx, i) })
		}
	}
	var err error
	for i := range n {
		if !own[i] {
			if err = write(gctx, i); err != nil {
				cancel()
				break
			}
		}
	}
	// The first failure is the one to report: a goroutine's, when this
	// one's is only the cancellation that failure caused.
	if gerr := g.Wait(); gerr != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return gerr
	}
	return err
}

func hasLayer(snaps []*cache.Snapshot, id string) bool {
	for _, s := range snaps {
		if s.Layer().ID == id {
			return true
		}
	}
	return false
}
