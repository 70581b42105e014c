package tiles

import (
	"cmp"
	"math"
	"slices"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// Rendering rules: what a layer of a tile leaves out or coarsens so that
// the tile draws well at its zoom and stays within Options.MaxTileBytes.
//
// Sizes are in screen pixels of a 512-pixel tile (MapLibre's size for vector
// tiles), extent/512 tile units each: 8 at the default extent.
//
//   - Simplification: Douglas-Peucker in tile units (Options.Simplify, half a
//     unit, at level 0).
//   - Small features: a polygon (or one of its parts) of less than about a
//     square pixel, a hole of less, and a line shorter than about a pixel
//     are left out. Should that leave a layer with nothing at all although
//     some feature reached the tile, the layer is encoded again without
//     this rule: a layer visible at a zoom never disappears because its
//     features are small.
//   - Point thinning: below zoom 12, single points are thinned to one a
//     grid cell of 4 pixels (under budget pressure also at deeper zooms, from
//     a cell of a pixel up). The survivor of
//     a cell is the point with the lowest hash of its id, so the choice is
//     deterministic, and since cells nest from zoom to zoom a point kept at
//     one zoom is kept at every deeper one (labels do not jump). Thinning
//     rather than clustering keeps every feature in a tile a real one, with
//     its id and attributes (feature-state, pop-ups, the TileJSON fields
//     stay true), and adds no counts that could reveal how many records of
//     a masked layer lie somewhere (aggregation belongs to the privacy
//     policy, not the renderer).
//   - At a layer's deepest zoom (its MaxZoom) level 0 leaves out nothing and
//     does not thin: clients overzoom that tile.
//
// When a tile exceeds the budget, the largest layer is encoded again one
// level stricter (coarser tolerance, larger minimum size, larger thinning
// cell) until the tile fits or no layer can shrink further (it is at
// maxLevel, or its next level would not be smaller: the size fallback can
// make a stricter level keep more); then that smallest result is served and
// the Handler logs a warning once.
type rules struct {
	tolerance float64 // Douglas-Peucker tolerance, tile units; 0 is off
	minArea2  int64   // twice the smallest polygon or hole area kept, units²
	minLength float64 // the shortest line kept, tile units
	thinCell  float64 // point thinning cell side, tile units; 0 is off
}

// maxLevel is the strictest level of the rules.
const maxLevel = 5

// Per level: the tolerance (pixels; level 0 uses Options.Simplify), the
// minimum feature size (pixels) and the factor on the thinning cell.
var (
	levelTolerance = [maxLevel + 1]float64{0, 0.25, 0.5, 1, 1.5, 2}
	levelMinSize   = [maxLevel + 1]float64{1, 1.25, 1.5, 2, 3, 4}
	levelThin      = [maxLevel + 1]float64{1, 2, 4, 8, 16, 32}
)

// rulesFor is level's rules for a layer drawn at WebMercatorQuad-equivalent
// zoom, whose deepest zoom is maxZoom, with opts' defaults applied.
func rulesFor(level, zoom, maxZoom int, opts Options) rules {
	pixel := float64(opts.Extent) / 512
	var r rules
	if level == 0 {
		r.tolerance = max(opts.Simplify, 0)
		if zoom >= maxZoom {
			return r
		}
	} else {
		r.tolerance = max(opts.Simplify, levelTolerance[level]*pixel)
	}
	side := levelMinSize[level] * pixel
	r.minLength = side
	r.minArea2 = int64(math.Round(2 * side * side))
	var thin float64
	switch {
	case zoom < 12:
		thin = 4
	case level == 0:
	case zoom < 16:
		thin = 1
	default:
		thin = 0.5
	}
	if thin > 0 {
		// A power of two in tile units, so that cells nest across zooms and
		// line up with the tile's edges (and its neighbours' cells).
		r.thinCell = math.Exp2(math.Round(math.Log2(thin * levelThin[level] * pixel)))
	}
	return r
}

// thinned is the point kept for one thinning cell so far.
type thinned struct {
	rank uint64
	f    *cache.Feature
}

// thin offers point feature f, at world point p, to its cell.
func (w *layerWriter) thin(f *cache.Feature, p orb.Point) {
	px := w.sh.proj.point(p)
	if !w.sh.clip.box.Contains(px) {
		return
	}
	cx := int32(math.Floor(px[0] / w.sh.rules.thinCell))
	cy := int32(math.Floor(px[1] / w.sh.rules.thinCell))
	key := uint64(uint32(cx))<<32 | uint64(uint32(cy))
	rank := mix64(mvtID(f.ID))
	if old, ok := w.cells[key]; ok && (old.rank < rank || old.rank == rank && old.f.ID.Compare(f.ID) <= 0) {
		return
	}
	w.cells[key] = thinned{rank: rank, f: f}
}

// appendThinned appends the surviving points to found in cell order and
// empties the cells.
func (w *layerWriter) appendThinned(found []*cache.Feature) []*cache.Feature {
	if len(w.cells) == 0 {
		return found
	}
	keys := w.cellKeys[:0]
	for k := range w.cells {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		found = append(found, w.cells[k].f)
	}
	w.cellKeys = keys[:0]
	clear(w.cells) // a pooled writer must not keep old snapshots alive
	return found
}

// mix64 is SplitMix64's finaliser: it spreads ids so that the lowest ranks
// are scattered across the map rather than the oldest features.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// filterLines leaves out of s the lines shorter than minLength and returns
// the length of the longest.
func filterLines(s *ishape, minLength float64) (longest float64) {
	kept := s.paths[:0]
	for _, p := range s.paths {
		l := lineLength(s.pts[p.start:p.end])
		longest = max(longest, l)
		if l >= minLength {
			kept = append(kept, p)
		}
	}
	s.paths = kept
	return longest
}

func lineLength(pts []ipoint) float64 {
	var l float64
	for i := 1; i < len(pts); i++ {
		l += math.Hypot(float64(pts[i].x-pts[i-1].x), float64(pts[i].y-pts[i-1].y))
	}
	return l
}

// filterPolygons leaves out of s each polygon whose exterior has less than
// minArea2/2 of area, with its holes, and each hole of less. Points stay
// where they are; only paths are dropped, which the command writer follows.
// It returns twice the area of the largest exterior.
func filterPolygons(s *ishape, minArea2 int64) (largest int64) {
	kept := s.paths[:0]
	dropping := false
	for _, p := range s.paths {
		if p.kind == pathInterior && dropping {
			continue
		}
		a := area2(s.pts[p.start:p.end])
		small := abs64(a) < minArea2
		if p.kind == pathExterior {
			dropping = small
			largest = max(largest, abs64(a))
		}
		if !small {
			kept = append(kept, p)
		}
	}
	s.paths = kept
	return largest
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// emitted is one line or polygon feature as written: its size (the largest
// exterior's doubled area, or for a line, length ≥ 0, the longest part's
// length) and its encoded bytes.
type emitted struct {
	area2  int64
	length float64
	bytes  int
}

// sideFor is the minimum feature size, as the side of a square in tile
// units (a line's length), that keeps the layer just written within target
// bytes by leaving out its smallest lines and polygons: the budget's way to
// shed exactly what it must in one re-encoding rather than level by level.
// It keeps at least the largest feature, and is 0 when all fit.
func (w *layerWriter) sideFor(target int) float64 {
	sides := w.sides[:0]
	total := 0
	for _, e := range w.sizes {
		side := e.length
		if e.length < 0 {
			side = math.Sqrt(float64(e.area2) / 2)
		}
		sides = append(sides, sized{side, e.bytes})
		total += e.bytes
	}
	w.sides = sides
	// The features' own bytes leave out the keys and values they share;
	// scale the target so the layer as a whole meets it.
	if layer := w.layerSize(); total > 0 && layer > total {
		target = int(float64(target) * float64(total) / float64(layer))
	}
	if total <= target {
		return 0
	}
	slices.SortFunc(sides, func(a, b sized) int { return cmp.Compare(b.side, a.side) })
	kept := 0
	for i, s := range sides {
		if kept+s.bytes > target {
			if i == 0 {
				return s.side
			}
			return math.Nextafter(s.side, math.Inf(1))
		}
		kept += s.bytes
	}
	return 0
}

type sized struct {
	side  float64
	bytes int
}

// withMinSide raises r's minimum sizes to side (see sideFor).
func (r rules) withMinSide(side float64) rules {
	if side > r.minLength {
		r.minLength = side
	}
	if a := int64(math.Ceil(2 * side * side)); a > r.minArea2 {
		r.minArea2 = a
	}
	return r
}
