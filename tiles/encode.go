package tiles

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/csdi-hk/csdi/internal/cache"
)

// maxExtent keeps tile coordinates, buffer included, well inside int32.
const maxExtent = 1 << 24

// Encode returns tile z/x/y of the given layers as an uncompressed Mapbox
// Vector Tile, one MVT layer per snapshot (named by its layer id, in the
// order given). A layer is skipped when z is outside its MinZoom..MaxZoom or
// none of its features reach the tile; when every layer is skipped the
// result is empty (zero bytes, no error). A layer given twice is encoded
// once: layer names must be unique within a tile. Several layers are encoded
// concurrently; any failure, such as ctx ending, fails the whole tile.
func Encode(ctx context.Context, z, x, y int, layers []*cache.Snapshot, opts Options) ([]byte, error) {
	return encode(ctx, Tile{Z: z, X: x, Y: y}, layers, opts, true)
}

func encode(ctx context.Context, t Tile, layers []*cache.Snapshot, opts Options, concurrent bool) ([]byte, error) {
	if !t.Valid() {
		return nil, &OutsideMatrixError{Tile: t}
	}
	opts = opts.withDefaults()
	if opts.Extent > maxExtent || opts.Buffer > int(opts.Extent) {
		return nil, fmt.Errorf("tiles: extent %d must be at most %d and buffer %d at most the extent", opts.Extent, maxExtent, opts.Buffer)
	}
	active := make([]*cache.Snapshot, 0, len(layers))
	for _, s := range layers {
		if l := s.Layer(); t.Z >= l.MinZoom && t.Z <= l.MaxZoom && !hasLayer(active, l.ID) {
			active = append(active, s)
		}
	}
	writers := make([]*layerWriter, len(active))
	for i := range writers {
		writers[i] = layerWriters.Get().(*layerWriter)
	}
	defer func() {
		for _, w := range writers {
			layerWriters.Put(w)
		}
	}()

	if concurrent && len(active) > 1 {
		g, gctx := errgroup.WithContext(ctx)
		for i, s := range active {
			g.Go(func() error { return writers[i].write(gctx, s, t, opts) })
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	} else {
		for i, s := range active {
			if err := writers[i].write(ctx, s, t, opts); err != nil {
				return nil, err
			}
		}
	}

	size := 0
	for _, w := range writers {
		if w.numFeatures > 0 {
			n := w.layerSize()
			size += fieldSize(n)
		}
	}
	if size == 0 {
		return nil, nil
	}
	out := make([]byte, 0, size)
	for _, w := range writers {
		if w.numFeatures > 0 {
			out = w.appendTo(out)
		}
	}
	return out, nil
}

func hasLayer(snaps []*cache.Snapshot, id string) bool {
	for _, s := range snaps {
		if s.Layer().ID == id {
			return true
		}
	}
	return false
}
