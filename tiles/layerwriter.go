package tiles

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// layerWriter encodes one layer of one tile: it finds the layer's
// features, has them shaped (shaper.go; by several goroutines for a busy
// layer, parallel.go) and writes what comes out in their order, keeping
// the layer's features, keys and values encoded. Writers are pooled; their
// buffers grow to the largest tile seen and are then reused, so a warm
// encoder allocates little beyond the tile itself.
type layerWriter struct {
	sh      shaper // the writer's own; helpers bring theirs
	out     shaped // what sh made of the current batch
	chunks  []chunk
	spares  spares           // the chunks' buffers
	thinned []*cache.Feature // found, less the points thinning leaves out
	// the last search, kept for the next encoding of the same layer and
	// tile (the budget's and the size fallback's): its features as met
	searched     []*cache.Feature
	searchedSnap *cache.Snapshot
	searchedBox  orb.Bound
	memos        []memo // per searched feature, once memoed (see memo)
	memoed       bool
	cells        map[uint64]thinned
	cellKeys     []uint64
	attrs        *attributes
	tags         []uint32       // the tags of tagged
	tagged       *cache.Feature // the feature last emitted
	small        int            // features left out as too small
	// the largest of them: twice the area of a polygon, the length of a line
	smallArea2  int64
	smallLength float64
	// boundSmall counts the features of small left out by their bounds
	// alone (provablySmall), whose sizes smallArea2 leaves out.
	boundSmall int
	// sizes records each line and polygon feature written, for estimating
	// what a larger minimum size would save (see sideFor)
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
	if err := w.write(ctx, snap, f, opts, r, false); err != nil {
		return err
	}
	if w.numFeatures == 0 && w.small > 0 {
		if w.boundSmall > 0 {
			// The size of the largest is needed, which the shortcut skips.
			if err := w.write(ctx, snap, f, opts, r, true); err != nil {
				return err
			}
			if w.small == 0 {
				return nil
			}
		}
		area2, length := w.smallArea2, w.smallLength
		if level == 0 {
			area2, length = area2/4, length/2
		}
		r.minArea2 = min(r.minArea2, max(area2, 1))
		r.minLength = min(r.minLength, length)
		return w.write(ctx, snap, f, opts, r, false)
	}
	return nil
}

// write encodes snap's features for the frame under rules r; exact turns
// off the shortcut of provablySmall. The result stays in the writer until
// appendTo.
func (w *layerWriter) write(ctx context.Context, snap *cache.Snapshot, fr *frame, opts Options, r rules, exact bool) error {
	l := snap.Layer()
	w.name, w.extent = l.ID, opts.Extent
	buf, ext := float64(opts.pixelBuffer()), float64(opts.Extent)
	w.sh.setup(fr.proj, orb.Bound{Min: orb.Point{-buf, -buf}, Max: orb.Point{ext + buf, ext + buf}}, r)
	w.features, w.numFeatures = w.features[:0], 0
	w.small, w.smallArea2, w.smallLength, w.boundSmall = 0, 0, 0, 0
	w.sizes = w.sizes[:0]

	found, asSearched := w.find(snap, fr)
	w.attrs.reset(l.Fields, len(found))
	var memos []memo // they follow the search
	recall := false
	if asSearched {
		memos, recall = w.memosFor(len(found)), w.memoed
	}
	var err error
	if helpers := helpersFor(len(found)); helpers > 0 {
		err = w.shapeParallel(ctx, found, memos, recall, helpers, exact)
	} else {
		err = w.shapeInOrder(ctx, found, memos, recall, exact)
	}
	w.memoed = w.memoed || memos != nil && err == nil
	w.tagged = nil
	w.sh.release()
	if err != nil {
		return fmt.Errorf("encode layer %s of tile %s: %w", l.ID, fr.tile, err)
	}
	return nil
}

// find lists the features of snap to encode: those reaching the frame, in
// the order the search meets them, less the points thinning leaves out;
// then the thinned points kept, in cell order. A writer encoding a layer
// again for the same tile reuses its search. asSearched reports that the
// list is the search itself (no point was thinned), so memos apply.
func (w *layerWriter) find(snap *cache.Snapshot, fr *frame) (found []*cache.Feature, asSearched bool) {
	searched := w.search(snap, fr.search)
	if w.sh.rules.thinCell == 0 {
		return searched, true
	}
	thinning := false
	for i, f := range searched {
		p, ok := f.Geom.(orb.Point)
		if !ok {
			if thinning {
				found = append(found, f)
			}
			continue
		}
		if !thinning {
			found, thinning = append(w.thinned[:0], searched[:i]...), true
		}
		w.thin(f, p)
	}
	if !thinning {
		return searched, true
	}
	w.thinned = w.appendThinned(found)
	return w.thinned, false
}

// search returns the features of snap whose bounds meet box, in the order
// the search meets them, searching once per snapshot and box.
func (w *layerWriter) search(snap *cache.Snapshot, box orb.Bound) []*cache.Feature {
	if w.searchedSnap != snap || w.searchedBox != box {
		found := w.searched[:0]
		snap.Search(box, func(f *cache.Feature) bool {
			found = append(found, f)
			return true
		})
		w.searched, w.searchedSnap, w.searchedBox = found, snap, box
		w.memoed = false
	}
	return w.searched
}

// memosFor returns the memos of the n features searched.
func (w *layerWriter) memosFor(n int) []memo {
	if cap(w.memos) < n {
		w.memos = make([]memo, n)
	}
	return w.memos[:n]
}

// sub is memos[i:j], or nil when there are none.
func sub(memos []memo, i, j int) []memo {
	if memos == nil {
		return nil
	}
	return memos[i:j]
}

// release drops what w holds of the layers it encoded, before it goes back
// to its pool: a pooled writer must not keep old snapshots alive.
// Writers move between layers through their pool, and a buffer grown for
// a busy one would stay with every writer in turn: release drops what is
// far beyond the layer it just encoded.
func (w *layerWriter) release() {
	n := len(w.searched)
	clear(w.thinned[:cap(w.thinned)])
	clear(w.searched[:cap(w.searched)])
	w.thinned, w.searched, w.searchedSnap, w.memoed = w.thinned[:0], w.searched[:0], nil, false
	if oversized(cap(w.memos), n) {
		w.memos = nil
	}
	if oversized(cap(w.searched), n) {
		w.searched, w.thinned = nil, nil
	}
	w.attrs.known.trim(n)
}

// oversized reports whether a buffer of capacity c is far beyond n, the
// features of the layer just encoded: more than four times as large and
// large enough for it to matter.
func oversized(c, n int) bool { return c > 4*max(n, 1<<13) }

// shapeInOrder shapes and emits found (with its memos, see shapeAll) a
// batch at a time on this goroutine, checking ctx between batches.
func (w *layerWriter) shapeInOrder(ctx context.Context, found []*cache.Feature, memos []memo, recall, exact bool) error {
	defer w.out.reset()
	for i := 0; i < len(found); i += warmBatch {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(i+warmBatch, len(found))
		w.out.reset()
		w.sh.shapeAll(found[i:end], sub(memos, i, end), recall, &w.out, exact)
		w.emitAll(&w.out)
	}
	return nil
}

// emitAll writes the parts shaped in o, in order, and counts the small
// ones.
func (w *layerWriter) emitAll(o *shaped) {
	w.small += o.boundSmall
	w.boundSmall += o.boundSmall
	for i := range o.parts {
		p := &o.parts[i]
		switch p.kind {
		case partSmallLine:
			w.small++
			w.smallLength = max(w.smallLength, p.length)
			continue
		case partSmallPolygon:
			w.small++
			w.smallArea2 = max(w.smallArea2, p.area2)
			continue
		}
		n := len(w.features)
		w.emit(p, o)
		if p.kind != partPoint {
			w.sizes = append(w.sizes, emitted{area2: p.area2, length: p.length, bytes: len(w.features) - n})
		}
	}
}

// geomTypes is the MVT geometry type of each kind of part written.
var geomTypes = [...]uint64{partPoint: geomPoint, partLine: geomLineString, partPolygon: geomPolygon}

// emit writes part p, shaped in o, as a Layer.features field. From keyed
// parts, its feature's memory is read only when one of its values is for
// the attributes to read (kindLookup).
func (w *layerWriter) emit(p *part, o *shaped) {
	if w.tagged != p.f {
		switch {
		case !o.keyed:
			w.tags = w.attrs.tagsOf(p.f.Props, nil, nil)
		case p.lookup:
			w.tags = w.attrs.tagsOf(p.f.Props, o.keys[p.keys:p.keys+p.nkeys], o.texts)
		default:
			w.tags = w.attrs.tagsOf(nil, o.keys[p.keys:p.keys+p.nkeys], o.texts)
		}
		w.tagged = p.f
	}
	geom := o.geom[p.start:p.end]
	tagsSize, geomSize := packedSize(w.tags), len(geom)
	size := 1 + varintSize(p.id) + 2 + fieldSize(geomSize)
	if len(w.tags) > 0 {
		size += fieldSize(tagsSize)
	}
	b := appendKey(w.features, layerFeatures, wireBytes)
	b = binary.AppendUvarint(b, uint64(size))
	b = appendVarintField(b, featureID, p.id)
	if len(w.tags) > 0 {
		b = appendPacked(b, featureTags, w.tags, tagsSize)
	}
	b = appendVarintField(b, featureType, geomTypes[p.kind])
	b = appendKey(b, featureGeometry, wireBytes)
	b = binary.AppendUvarint(b, uint64(geomSize))
	w.features = append(b, geom...)
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
