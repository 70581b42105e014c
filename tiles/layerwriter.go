package tiles

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// layerWriter encodes one layer of one tile: it runs each feature through
// the pipeline and keeps the layer's features, keys and values encoded.
// Writers are pooled; their buffers grow to the largest tile seen and are
// then reused, so a warm encoder allocates little beyond the tile itself.
type layerWriter struct {
	proj     projection
	clip     clipper // holds the buffered tile, in tile pixels
	shapes   shapes
	spare    shape // the clip stage writes here, then swaps
	quant    ishape
	simplify simplifier
	cmds     commandWriter
	attrs    *attributes
	tags     []uint32 // the current feature's, once computed
	tagged   bool
	batch    []*cache.Feature // found, waiting to be warmed and encoded
	sink     uint64           // what warm read

	name        string
	extent      uint32
	features    []byte // encoded Layer.features fields
	numFeatures int
}

var layerWriters = sync.Pool{New: func() any { return &layerWriter{attrs: newAttributes()} }}

// write encodes snap's features for tile t. The result stays in the writer
// until appendTo.
func (w *layerWriter) write(ctx context.Context, snap *cache.Snapshot, t Tile, opts Options) error {
	l := snap.Layer()
	w.name, w.extent = l.ID, opts.Extent
	w.proj = newProjection(t, opts.Extent)
	buf, ext := float64(opts.pixelBuffer()), float64(opts.Extent)
	w.clip.box = orb.Bound{Min: orb.Point{-buf, -buf}, Max: orb.Point{ext + buf, ext + buf}}
	w.simplify.tolerance2 = max(opts.Simplify, 0) * max(opts.Simplify, 0)
	w.attrs.reset(l.Fields)
	w.features, w.numFeatures = w.features[:0], 0

	search := orb.Bound{Min: w.proj.world(w.clip.box.Min), Max: w.proj.world(w.clip.box.Max)}
	var err error
	w.batch = w.batch[:0]
	flush := func() bool {
		if err = ctx.Err(); err != nil {
			return false
		}
		w.sink += warm(w.batch)
		for _, f := range w.batch {
			w.feature(f)
		}
		w.batch = w.batch[:0]
		return true
	}
	snap.Search(search, func(f *cache.Feature) bool {
		w.batch = append(w.batch, f)
		return len(w.batch) < warmBatch || flush()
	})
	if err == nil {
		flush()
	}
	clear(w.batch[:cap(w.batch)]) // a pooled writer must not keep old snapshots alive
	w.batch = w.batch[:0]
	if err != nil {
		return fmt.Errorf("encode layer %s of tile %s: %w", l.ID, t, err)
	}
	return nil
}

// feature runs one feature through the pipeline and writes what survives:
// up to one MVT feature per geometry class. A GeometryCollection with
// members of several classes thus becomes up to three MVT features that
// share one id (and its attributes). That is deliberate, not a collision:
// they are one feature, so MapLibre's feature-state set on that id applies
// to all of its parts. See the package documentation.
func (w *layerWriter) feature(f *cache.Feature) {
	if f.Geom == nil {
		return
	}
	w.shapes.reset()
	w.shapes.add(f.Geom, w.proj)
	crosses := !containsBound(w.clip.box, w.proj.bound(f.Bound))
	w.tagged = false
	id := mvtID(f.ID)

	if pts := &w.shapes.points; !pts.empty() {
		if crosses {
			w.clip.points(pts)
		}
		quantisePoints(pts, &w.quant)
		if len(w.quant.pts) > 0 {
			w.cmds.reset()
			w.cmds.points(w.quant.pts)
			w.emit(f, id, geomPoint)
		}
	}
	if lines := &w.shapes.lines; !lines.empty() {
		if crosses {
			w.clip.lines(lines, &w.spare)
			*lines, w.spare = w.spare, *lines
		}
		w.simplify.shape(lines)
		quantiseLines(lines, &w.quant)
		if len(w.quant.paths) > 0 {
			w.cmds.reset()
			w.cmds.shape(&w.quant)
			w.emit(f, id, geomLineString)
		}
	}
	if polys := &w.shapes.polygons; !polys.empty() {
		if crosses {
			w.clip.polygons(polys, &w.spare)
			*polys, w.spare = w.spare, *polys
		}
		w.simplify.shape(polys)
		quantisePolygons(polys, &w.quant)
		if len(w.quant.paths) > 0 {
			w.cmds.reset()
			w.cmds.shape(&w.quant)
			w.emit(f, id, geomPolygon)
		}
	}
}

func containsBound(outer, inner orb.Bound) bool {
	return inner.Min[0] >= outer.Min[0] && inner.Min[1] >= outer.Min[1] &&
		inner.Max[0] <= outer.Max[0] && inner.Max[1] <= outer.Max[1]
}

// emit writes a Layer.features field with the current commands.
func (w *layerWriter) emit(f *cache.Feature, id uint64, geomType uint64) {
	if !w.tagged {
		w.tags, w.tagged = w.attrs.tagsOf(f.Props), true
	}
	tagsSize, geomSize := packedSize(w.tags), packedSize(w.cmds.cmds)
	size := 1 + varintSize(id) + 2 + fieldSize(geomSize)
	if len(w.tags) > 0 {
		size += fieldSize(tagsSize)
	}
	b := appendKey(w.features, layerFeatures, wireBytes)
	b = binary.AppendUvarint(b, uint64(size))
	b = appendVarintField(b, featureID, id)
	if len(w.tags) > 0 {
		b = appendPacked(b, featureTags, w.tags, tagsSize)
	}
	b = appendVarintField(b, featureType, geomType)
	w.features = appendPacked(b, featureGeometry, w.cmds.cmds, geomSize)
	w.numFeatures++
}

// mvtVersion is the version of the specification the layers follow.
const mvtVersion = 2

// layerSize is the size of the Layer message's payload.
func (w *layerWriter) layerSize() int {
	return 2 + // version
		fieldSize(len(w.name)) +
		len(w.features) + len(w.attrs.keys) + len(w.attrs.values) +
		1 + varintSize(uint64(w.extent))
}

// appendTo appends the layer as a Tile.layers field.
func (w *layerWriter) appendTo(b []byte) []byte {
	b = appendKey(b, tileLayers, wireBytes)
	b = binary.AppendUvarint(b, uint64(w.layerSize()))
	b = appendVarintField(b, layerVersion, mvtVersion)
	b = appendBytesField(b, layerName, w.name)
	b = append(b, w.features...)
	b = append(b, w.attrs.keys...)
	b = append(b, w.attrs.values...)
	return appendVarintField(b, layerExtent, uint64(w.extent))
}
