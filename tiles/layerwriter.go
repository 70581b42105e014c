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
	rules    rules
	cells    map[uint64]thinned // point thinning: each cell's survivor
	cellKeys []uint64
	small    int // features left out as too small
	// the largest of them: twice the area of a polygon, the length of a line
	smallArea2  int64
	smallLength float64
	// sizes records each line and polygon feature written, for estimating
	// what a larger minimum size would save (see estimateLevel)
	sizes []emitted
	sides []sized

	name        string
	extent      uint32
	features    []byte // encoded Layer.features fields
	numFeatures int
}

var layerWriters = sync.Pool{New: func() any {
	return &layerWriter{attrs: newAttributes(), cells: make(map[uint64]thinned)}
}}

// frame is what every layer of one tile shares: where the tile is and how
// world coordinates become its pixels.
type frame struct {
	tile   Tile
	proj   projection
	search orb.Bound // the buffered tile in world coordinates
}

// newFrame is the frame of tile t of set s.
func newFrame(s *TileMatrixSet, t Tile, opts Options) *frame {
	return &frame{
		tile:   t,
		proj:   newTileProjection(s, t, opts.Extent),
		search: s.WorldBound(t, opts.Extent, opts.pixelBuffer()),
	}
}

// writeLayer encodes snap's features for the frame under r, at rule level
// level. When the size rules leave out every feature that reached the tile,
// it encodes the layer again with the minimum sizes lowered to keep the
// largest of them: a layer visible at a zoom never vanishes only because
// its features are small, and what it shows is its most visible part. At
// level 0 that is every feature of at least a quarter of the largest area
// (half the largest length); at a stricter level, squeezed by the budget,
// only the largest, so that a stricter level never keeps more.
func (w *layerWriter) writeLayer(ctx context.Context, snap *cache.Snapshot, f *frame, opts Options, r rules, level int) error {
	if err := w.write(ctx, snap, f, opts, r); err != nil {
		return err
	}
	if w.numFeatures == 0 && w.small > 0 {
		area2, length := w.smallArea2, w.smallLength
		if level == 0 {
			area2, length = area2/4, length/2
		}
		r.minArea2 = min(r.minArea2, max(area2, 1))
		r.minLength = min(r.minLength, length)
		return w.write(ctx, snap, f, opts, r)
	}
	return nil
}

// write encodes snap's features for the frame under rules r. The result
// stays in the writer until appendTo.
func (w *layerWriter) write(ctx context.Context, snap *cache.Snapshot, fr *frame, opts Options, r rules) error {
	l := snap.Layer()
	t := fr.tile
	w.name, w.extent = l.ID, opts.Extent
	w.proj = fr.proj
	buf, ext := float64(opts.pixelBuffer()), float64(opts.Extent)
	w.clip.box = orb.Bound{Min: orb.Point{-buf, -buf}, Max: orb.Point{ext + buf, ext + buf}}
	w.rules = r
	w.simplify.tolerance2 = r.tolerance * r.tolerance
	w.attrs.reset(l.Fields)
	w.features, w.numFeatures, w.small = w.features[:0], 0, 0
	w.smallArea2, w.smallLength = 0, 0
	w.sizes = w.sizes[:0]
	clear(w.cells)
	thinning := r.thinCell > 0

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
	snap.Search(fr.search, func(f *cache.Feature) bool {
		if thinning {
			if p, ok := f.Geom.(orb.Point); ok {
				w.thin(f, p)
				return true
			}
		}
		w.batch = append(w.batch, f)
		return len(w.batch) < warmBatch || flush()
	})
	if err == nil && flush() {
		err = w.flushThinned(ctx)
	}
	clear(w.cells)
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
		var longest float64
		if len(w.quant.paths) > 0 {
			if longest = filterLines(&w.quant, w.rules.minLength); len(w.quant.paths) == 0 {
				w.small++
				w.smallLength = max(w.smallLength, longest)
			}
		}
		if len(w.quant.paths) > 0 {
			w.cmds.reset()
			w.cmds.shape(&w.quant)
			n := len(w.features)
			w.emit(f, id, geomLineString)
			w.sizes = append(w.sizes, emitted{length: longest, bytes: len(w.features) - n})
		}
	}
	if polys := &w.shapes.polygons; !polys.empty() {
		if crosses {
			w.clip.polygons(polys, &w.spare)
			*polys, w.spare = w.spare, *polys
		}
		w.simplify.shape(polys)
		quantisePolygons(polys, &w.quant)
		var largest int64
		if len(w.quant.paths) > 0 {
			if largest = filterPolygons(&w.quant, w.rules.minArea2); len(w.quant.paths) == 0 {
				w.small++
				w.smallArea2 = max(w.smallArea2, largest)
			}
		}
		if len(w.quant.paths) > 0 {
			w.cmds.reset()
			w.cmds.shape(&w.quant)
			n := len(w.features)
			w.emit(f, id, geomPolygon)
			w.sizes = append(w.sizes, emitted{area2: largest, length: -1, bytes: len(w.features) - n})
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
