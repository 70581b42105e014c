package tiles

import (
	"context"
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
// is encoded once: layer names must be unique within a tile. Several layers
// are encoded concurrently, and a busy layer by several goroutines when
// cores are idle (see parallel.go); any failure, such as ctx ending, fails
// the whole tile. The rendering rules (rules.go) keep the tile within
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

	if concurrent && len(active) > 1 {
		g, gctx := errgroup.WithContext(ctx)
		for i := range active {
			g.Go(func() error { return write(gctx, i) })
		}
		if err := g.Wait(); err != nil {
			return encoded{}, err
		}
	} else {
		for i := range active {
			if err := write(ctx, i); err != nil {
				return encoded{}, err
			}
		}
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

func hasLayer(snaps []*cache.Snapshot, id string) bool {
	for _, s := range snaps {
		if s.Layer().ID == id {
			return true
		}
	}
	return false
}
