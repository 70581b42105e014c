package tiles

import (
	"sync"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// shaper is the geometry half of the pipeline: it projects, clips,
// simplifies and quantises features and applies the size rules, writing
// each feature's geometry commands to a shaped buffer. Attributes and the
// layer's bytes are the layerWriter's, which emits shaped buffers in
// order; so several shapers can work on parts of one layer at once
// (parallel.go) and the layer still comes out as one shaper would make it.
// Its buffers grow to the largest tile seen and are then reused.
type shaper struct {
	proj     projection
	clip     clipper // holds the buffered tile, in tile pixels
	shapes   shapes
	spare    shape // the clip stage writes here, then swaps
	quant    ishape
	simplify simplifier
	cmds     commandWriter
	rules    rules
	live     []*cache.Feature // a batch less what provablySmall left out
	liveAt   []int            // where each of live is in its batch
	sink     uint64           // what warm read
}

var shapers = sync.Pool{New: func() any { return new(shaper) }}

// setup prepares s for a layer of the tile whose pixels proj maps to,
// buffered to box, under rules r.
func (s *shaper) setup(proj projection, box orb.Bound, r rules) {
	s.proj, s.clip.box, s.rules = proj, box, r
	s.simplify.tolerance2 = r.tolerance * r.tolerance
}

// release drops what s holds of the layer it shaped: a pooled shaper must
// not keep old snapshots alive.
func (s *shaper) release() {
	clear(s.live[:cap(s.live)])
	s.live, s.liveAt = s.live[:0], s.liveAt[:0]
}

// partKind says what a part is.
type partKind uint8

const (
	partPoint partKind = iota + 1
	partLine
	partPolygon
	partSmallLine    // a feature's lines, all left out as too short
	partSmallPolygon // a feature's polygons, all left out as too small
)

// part is one MVT feature to be written, up to one per geometry class of a
// cached feature, or the record that a class of it was left out as small.
type part struct {
	f    *cache.Feature
	id   uint64
	kind partKind
	// the geometry commands as a packed field's payload, shaped.geom[start:end]
	start, end int
	// the keys of f's properties (propKeys), shaped.keys[keys:keys+nkeys]
	keys, nkeys int
	// lookup: some value of f is for the attributes to read (kindLookup)
	lookup bool
	// a line's longest path (length); a polygon's largest exterior, twice
	// its area (area2)
	length float64
	area2  int64
}

// shaped is what a shaper made of a batch of features, in their order:
// as much of the writing as does not depend on the features before. When
// keyed, it has its features' properties as keys (propKeys), so that the
// writer need not read them: a helper's work (see parallel.go); the
// writer's own batches leave that to the writer.
type shaped struct {
	keyed bool
	parts []part
	geom  []byte
	keys  []propKey
	texts []byte // the keys' texts
	// boundSmall counts the features left out by provablySmall: too small
	// by their bounds alone, their exact sizes unknown.
	boundSmall int
	sink       uint64 // what warmProps read
}

func (o *shaped) reset() {
	clear(o.parts) // a pooled writer must not keep old snapshots alive
	o.parts, o.geom, o.keys, o.texts, o.boundSmall = o.parts[:0], o.geom[:0], o.keys[:0], o.texts[:0], 0
}

// shapeAll shapes batch into out. Unless exact, it first leaves out the
// features provablySmall finds too small, without touching their geometry.
// memos, when not nil, are the batch's memos: an earlier pass's to recall
// (recall), else this pass fills them in.
func (s *shaper) shapeAll(batch []*cache.Feature, memos []memo, recall bool, out *shaped, exact bool) {
	live, liveAt := s.live[:0], s.liveAt[:0]
	if recall {
		for i, f := range batch {
			if !out.recall(memos[i], s.rules, exact) {
				live, liveAt = append(live, f), append(liveAt, i)
			}
		}
		s.sink += warmHeads(live)
	} else {
		s.sink += warmHeads(batch)
		check := !exact && s.rules.minArea2 > 0
		for i, f := range batch {
			if memos != nil {
				memos[i] = unknownMemo
			}
			if check {
				small, bound := s.provablySmall(f)
				if memos != nil {
					memos[i].bound = bound
				}
				if small {
					out.boundSmall++
					continue
				}
			}
			live, liveAt = append(live, f), append(liveAt, i)
		}
	}
	s.live, s.liveAt = live, liveAt
	s.sink += warm(live)
	first := len(out.parts)
	for j, f := range live {
		area2 := s.feature(f, out)
		if memos != nil && !recall {
			memos[liveAt[j]].area2 = area2
		}
	}
	if out.keyed {
		out.keyProps(first)
	} else {
		out.sink += warmProps(out.parts[first:])
	}
}

// feature runs one feature through the geometry stages and writes what
// survives to out: up to one part per geometry class. A
// GeometryCollection with members of several classes thus becomes up to
// three MVT features that share one id (and its attributes). That is
// deliberate, not a collision: they are one feature, so MapLibre's
// feature-state set on that id applies to all of its parts. See the
// package documentation. It returns what the feature's memo can keep of
// its size (see memo.area2).
func (s *shaper) feature(f *cache.Feature, out *shaped) (area2 int64) {
	if f.Geom == nil {
		return memoEmpty
	}
	s.shapes.reset()
	s.shapes.add(f.Geom, s.proj)
	crosses := !containsBound(s.clip.box, s.proj.bound(f.Bound))
	id := mvtID(f.ID)
	area2 = memoUnknown
	polygonsOnly := s.shapes.points.empty() && s.shapes.lines.empty()

	if pts := &s.shapes.points; !pts.empty() {
		if crosses {
			s.clip.points(pts)
		}
		quantisePoints(pts, &s.quant)
		if len(s.quant.pts) > 0 {
			s.cmds.reset()
			s.cmds.points(s.quant.pts)
			out.add(part{f: f, id: id, kind: partPoint}, s.cmds.cmds)
		}
	}
	if lines := &s.shapes.lines; !lines.empty() {
		if crosses {
			s.clip.lines(lines, &s.spare)
			*lines, s.spare = s.spare, *lines
		}
		s.simplify.shape(lines)
		quantiseLines(lines, &s.quant)
		if len(s.quant.paths) > 0 {
			longest := filterLines(&s.quant, s.rules.minLength)
			if len(s.quant.paths) == 0 {
				out.parts = append(out.parts, part{f: f, kind: partSmallLine, length: longest})
			} else {
				s.cmds.reset()
				s.cmds.shape(&s.quant)
				out.add(part{f: f, id: id, kind: partLine, length: longest}, s.cmds.cmds)
			}
		}
	}
	if polys := &s.shapes.polygons; !polys.empty() {
		if crosses {
			s.clip.polygons(polys, &s.spare)
			*polys, s.spare = s.spare, *polys
		}
		// One ring too small to simplify: its size is the same under any
		// rules (see memo).
		lone := polygonsOnly && len(polys.paths) <= 1 && (len(polys.paths) == 0 || polys.paths[0].end-polys.paths[0].start < minRingToSimplify)
		s.simplify.shape(polys)
		quantisePolygons(polys, &s.quant)
		if lone {
			area2 = memoEmpty
		}
		if len(s.quant.paths) > 0 {
			largest := filterPolygons(&s.quant, s.rules.minArea2)
			if lone {
				area2 = largest
			}
			if len(s.quant.paths) == 0 {
				out.parts = append(out.parts, part{f: f, kind: partSmallPolygon, area2: largest})
			} else {
				s.cmds.reset()
				s.cmds.shape(&s.quant)
				out.add(part{f: f, id: id, kind: partPolygon, length: -1, area2: largest}, s.cmds.cmds)
			}
		}
	}
	return area2
}

// add appends part p with its geometry commands cmds.
func (o *shaped) add(p part, cmds []uint32) {
	p.start = len(o.geom)
	o.geom = appendVarints(o.geom, cmds)
	p.end = len(o.geom)
	o.parts = append(o.parts, p)
}

// keyProps computes the keys of the properties of the features written
// since part first (see propKeys), in one pass over the batch: reading
// the properties of many features at once lets their cache misses
// overlap.
func (o *shaped) keyProps(first int) {
	o.sink += warmProps(o.parts[first:])
	var (
		last     *cache.Feature
		start, n int
		lookup   bool
	)
	for i := first; i < len(o.parts); i++ {
		p := &o.parts[i]
		if p.kind >= partSmallLine {
			continue
		}
		if p.f != last {
			last, start = p.f, len(o.keys)
			o.keys, o.texts, lookup = propKeys(o.keys, o.texts, p.f.Props)
			n = len(o.keys) - start
		}
		p.keys, p.nkeys, p.lookup = start, n, lookup
	}
}

func containsBound(outer, inner orb.Bound) bool {
	return inner.Min[0] >= outer.Min[0] && inner.Min[1] >= outer.Min[1] &&
		inner.Max[0] <= outer.Max[0] && inner.Max[1] <= outer.Max[1]
}
