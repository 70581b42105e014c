package cql2

import (
	"math"

	"github.com/paulmach/orb"
)

// A filter like S_INTERSECTS(geometry, <polygon>) tests every feature the
// R-tree finds in the polygon's bound. Most of them lie well inside the
// polygon or well outside it, and a grid over the bound says so from the
// feature's bound alone: each cell is known to lie wholly in the
// polygon's interior, wholly outside it, or to touch its boundary. Only
// features near the boundary get the exact geometric test. (GEOS's
// prepared geometries serve the same purpose with an index of edges.)

// gridCells is the number of cells across each side of the grid: fine
// enough that a building is a few cells wide in a neighbourhood-sized
// query polygon, coarse enough to build in microseconds.
const gridCells = 64

// maxPreparedVertices bounds the polygons that get a grid: building it
// costs a point-in-polygon test per run of cells.
const maxPreparedVertices = 4096

type cellKind uint8

const (
	cellOpen    cellKind = iota // not classified yet
	cellEdge                    // may touch the boundary: no conclusion
	cellInside                  // wholly in the interior
	cellOutside                 // wholly in the exterior
)

// preparedArea is the grid over a polygon literal's bound.
type preparedArea struct {
	bound      orb.Bound
	xs, ys     [gridCells + 1]float64 // cell edges; cell i spans [xs[i], xs[i+1]]
	perX, perY float64                // cells per unit of x and y
	cells      [gridCells * gridCells]cellKind
}

// prepareArea makes the grid of a Polygon or MultiPolygon; nil for other
// geometries, malformed ones, and bounds too thin for cells to be wider
// than the rounding error of the coordinates.
func prepareArea(g orb.Geometry) *preparedArea {
	var polys []orb.Polygon
	switch g := g.(type) {
	case orb.Polygon:
		polys = []orb.Polygon{g}
	case orb.MultiPolygon:
		polys = g
	default:
		return nil
	}
	vertices := 0
	for _, p := range polys {
		if !wellFormed(p) {
			return nil
		}
		for _, r := range p {
			vertices += len(r)
		}
	}
	if vertices > maxPreparedVertices {
		return nil
	}
	pa := &preparedArea{bound: g.Bound()}
	b := pa.bound
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	scale := math.Max(math.Max(math.Abs(b.Min[0]), math.Abs(b.Max[0])), math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1])))
	if !(w > 1e-9*scale && h > 1e-9*scale) {
		return nil
	}
	for i := range pa.xs {
		pa.xs[i] = b.Min[0] + w*float64(i)/gridCells
		pa.ys[i] = b.Min[1] + h*float64(i)/gridCells
	}
	pa.perX, pa.perY = gridCells/w, gridCells/h
	pa.xs[gridCells], pa.ys[gridCells] = b.Max[0], b.Max[1]
	// Far more than the rounding error of markEdge's arithmetic, far
	// less than a cell.
	slack := 1e-12 * scale
	for _, p := range polys {
		for _, r := range p {
			for k := 1; k < len(r); k++ {
				pa.markEdge(r[k-1], r[k], slack)
			}
		}
	}
	pa.fillRuns(polys)
	return pa
}

// cellIndex is the cell of coordinate v along cell edges e with per
// cells per unit, give or take one, clamped to the grid: span corrects it.
func cellIndex(e *[gridCells + 1]float64, per, v float64) int {
	i := int((v - e[0]) * per) // truncation: anything below e[0] clamps to 0
	return min(max(i, 0), gridCells-1)
}

// markEdge marks the cells the closed segment ab touches, row by row:
// those between the x where it enters and leaves the row, widened by
// slack to cover the rounding of that arithmetic. Rows and cells are
// found by exact comparisons with the cell edges.
func (pa *preparedArea) markEdge(a, b orb.Point, slack float64) {
	lo, hi := min(a[1], b[1]), max(a[1], b[1])
	if hi < pa.ys[0] || lo > pa.ys[gridCells] {
		return
	}
	j0, j1 := pa.span(&pa.ys, pa.perY, lo, hi)
	for j := j0; j <= j1; j++ {
		y0, y1 := max(lo, pa.ys[j]), min(hi, pa.ys[j+1])
		if y0 > y1 {
			continue
		}
		x0, x1 := min(a[0], b[0]), max(a[0], b[0])
		if a[1] != b[1] { // the x range of the segment within the row
			xa := a[0] + (y0-a[1])*(b[0]-a[0])/(b[1]-a[1])
			xb := a[0] + (y1-a[1])*(b[0]-a[0])/(b[1]-a[1])
			x0, x1 = max(x0, min(xa, xb)-slack), min(x1, max(xa, xb)+slack)
		}
		i0, i1 := pa.span(&pa.xs, pa.perX, x0, x1)
		for i := i0; i <= i1; i++ {
			pa.cells[j*gridCells+i] = cellEdge
		}
	}
}

// fillRuns classifies the cells no edge touches. Neighbouring such cells
// in a row share a side no edge crosses, so a run of them lies wholly
// inside or wholly outside: one point-in-polygon test, at the centre of
// its first cell, decides the run.
func (pa *preparedArea) fillRuns(polys []orb.Polygon) {
	for j := range gridCells {
		row := pa.cells[j*gridCells : (j+1)*gridCells]
		for i := 0; i < gridCells; {
			if row[i] != cellOpen {
				i++
				continue
			}
			c := orb.Point{(pa.xs[i] + pa.xs[i+1]) / 2, (pa.ys[j] + pa.ys[j+1]) / 2}
			kind := cellOutside
			for _, p := range polys {
				loc, ok := locateExact(c, p)
				if !ok {
					kind = cellEdge
					break
				}
				if loc == interior {
					kind = cellInside
				}
			}
			for ; i < gridCells && row[i] == cellOpen; i++ {
				row[i] = kind
			}
		}
	}
}

// classify decides whether a geometry whose bound is b meets the polygon,
// from the grid alone: ok when every cell b covers lies outside (a miss),
// or inside with b wholly within the grid (a hit: the geometry lies in
// the interior). b must meet the grid's bound.
func (pa *preparedArea) classify(b orb.Bound) (hit, ok bool) {
	within := pa.bound.Min[0] <= b.Min[0] && b.Max[0] <= pa.bound.Max[0] &&
		pa.bound.Min[1] <= b.Min[1] && b.Max[1] <= pa.bound.Max[1]
	i0, i1 := pa.span(&pa.xs, pa.perX, b.Min[0], b.Max[0])
	j0, j1 := pa.span(&pa.ys, pa.perY, b.Min[1], b.Max[1])
	first := pa.cells[j0*gridCells+i0]
	if first == cellEdge || (first == cellInside && !within) {
		return false, false
	}
	for j := j0; j <= j1; j++ {
		for _, c := range pa.cells[j*gridCells+i0 : j*gridCells+i1+1] {
			if c != first {
				return false, false
			}
		}
	}
	return first == cellInside, true
}

// span is the range of cells covering [lo, hi] clipped to the grid,
// found exactly: the estimate of cellIndex is corrected against the cell
// edges themselves.
func (pa *preparedArea) span(e *[gridCells + 1]float64, per, lo, hi float64) (int, int) {
	i := cellIndex(e, per, lo)
	for i > 0 && e[i] > lo {
		i--
	}
	for i < gridCells-1 && e[i+1] < lo {
		i++
	}
	k := max(cellIndex(e, per, hi), i)
	for k < gridCells-1 && e[k+1] < hi {
		k++
	}
	for k > i && e[k] > hi {
		k--
	}
	return i, k
}

// boundTest is a top-level S_INTERSECTS or S_DISJOINT between the geometry
// and a literal: with the literal's bound and grid it can often be
// decided from a feature's bound, without reading its geometry.
type boundTest struct {
	area     *preparedArea // nil: the literal has none
	bound    orb.Bound
	disjoint bool
	exact    boolFn // the conjunct's test on the geometry
}

// decide is the conjunct's value for a feature whose geometry lies within
// b, when b is enough to tell.
func (t *boundTest) decide(b orb.Bound) (value, ok bool) {
	if !b.Intersects(t.bound) {
		return t.disjoint, true
	}
	if t.area == nil {
		return false, false
	}
	hit, ok := t.area.classify(b)
	return hit != t.disjoint, ok
}

// MatchBounded is Match for a feature whose geometry lies within bound
// (its own bound, say, kept beside it): spatial conjuncts at the top of
// the filter that compare the geometry with a literal are first decided
// from the bound where it suffices, which for most features near a query
// polygon it does, and the geometry is not read. The answer is Match's.
func (f *Filter) MatchBounded(props []any, geom orb.Geometry, bound orb.Bound) bool {
	if geom != nil {
		for i := range f.boundTests {
			if v, ok := f.boundTests[i].decide(bound); ok {
				if !v {
					return false // one conjunct FALSE: the AND is FALSE
				}
				if f.spatialOnly {
					return true // the filter is this conjunct
				}
			} else if f.spatialOnly {
				return f.boundTests[i].exact(props, geom) == tTrue
			}
		}
	}
	return f.Match(props, geom)
}
