package demo

import (
	"iter"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// roadRecords yields the trunk corridors, one record per stretch between
// waypoints, then each town's streets: the lines between its built blocks.
func roadRecords(opts Options) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		p, err := makePlan(opts.Seed, opts.Buildings)
		if err != nil {
			yield(store.Record{}, err)
			return
		}
		r := newRand(opts.Seed, streamRoads)
		id := int64(0)
		emit := func(line orb.LineString, name layer.Text, class string, lanes, speed int) bool {
			id++
			props := []any{name.En, name.Zh, class, int64(lanes), int64(speed)}
			return yield(store.Record{ID: id, Geometry: line, Props: props}, nil)
		}
		for _, c := range corridors {
			for i := 0; i+1 < len(c.waypoints); i++ {
				if !emit(bend(r, c.waypoints[i], c.waypoints[i+1]), c.name, c.class, c.lanes, c.speed) {
					return
				}
			}
		}
		for _, t := range p.towns {
			for _, s := range townStreets(t) {
				name := streetName(r)
				class, lanes, speed := localRoad, intBetween(r, 1, 2), 50
				if s.line%4 == 0 { // every fourth street carries the through traffic
					class, lanes = mainRoad, 4
				} else if chance(r, 0.15) {
					speed = 30
				}
				if !emit(s.points, name, class, lanes, speed) {
					return
				}
			}
		}
	}
}

// maxBend is the furthest a corridor strays from its waypoint line; with
// the road's half-width it stays inside the blocks' roadReserve.
const maxBend = 22.0

// bend draws a road from a to b with gentle, random curves: a damped random
// walk sideways, tapered to nothing at both ends so stretches meet exactly.
func bend(r *rand.Rand, a, b orb.Point) orb.LineString {
	const step = 150.0 // metres between vertices
	dx, dy := b[0]-a[0], b[1]-a[1]
	length := math.Hypot(dx, dy)
	n := max(1, int(math.Ceil(length/step)))
	nx, ny := -dy/length, dx/length
	line := make(orb.LineString, 0, n+1)
	line = append(line, roundPoint(a))
	offset := 0.0
	for k := 1; k < n; k++ {
		offset = 0.6*offset + r.NormFloat64()*6
		t := float64(k) / float64(n)
		o := math.Max(-maxBend, math.Min(maxBend, offset*math.Sin(math.Pi*t)))
		line = append(line, roundPoint(orb.Point{a[0] + t*dx + o*nx, a[1] + t*dy + o*ny}))
	}
	return append(line, roundPoint(b))
}

func roundPoint(p orb.Point) orb.Point {
	return orb.Point{round2(p[0]), round2(p[1])}
}

// street is one run of a town's street line: the street between block rows
// line-1 and line, along the blocks where at least one side is built.
type street struct {
	line   int
	points orb.LineString
}

// townStreets lists a town's streets in a fixed order: first those running
// along the grid's v axis, then those along u.
func townStreets(t town) []street {
	if len(t.blocks) == 0 {
		return nil
	}
	built := make(map[[2]int]bool, len(t.blocks))
	lo, hi := [2]int{t.blocks[0].i, t.blocks[0].j}, [2]int{t.blocks[0].i, t.blocks[0].j}
	for _, b := range t.blocks {
		built[[2]int{b.i, b.j}] = true
		lo = [2]int{min(lo[0], b.i), min(lo[1], b.j)}
		hi = [2]int{max(hi[0], b.i), max(hi[1], b.j)}
	}
	g := t.grid
	var out []street
	// axis 0: streets of constant u, between block columns k-1 and k.
	for axis := range 2 {
		across := 1 - axis
		for k := lo[axis]; k <= hi[axis]+1; k++ {
			run := -1 // first block of the current run, or -1
			for m := lo[across]; m <= hi[across]+1; m++ {
				wanted := m <= hi[across] && (built[cellKey(axis, k-1, m)] || built[cellKey(axis, k, m)])
				if wanted && run < 0 {
					run = m
				}
				if !wanted && run >= 0 {
					out = append(out, street{line: k, points: streetPoints(g, axis, k, run, m)})
					run = -1
				}
			}
		}
	}
	return out
}

// cellKey is the block key for line position k and running position m.
func cellKey(axis, k, m int) [2]int {
	if axis == 0 {
		return [2]int{k, m}
	}
	return [2]int{m, k}
}

// streetPoints is the street on line k along blocks [from, to), with a
// vertex at every crossing.
func streetPoints(g lattice, axis, k, from, to int) orb.LineString {
	fixed := g.streetLine(k)
	pts := make(orb.LineString, 0, to-from+1)
	for m := from; m <= to; m++ {
		run := g.streetLine(m)
		u, v := fixed, run
		if axis == 1 {
			u, v = run, fixed
		}
		pts = append(pts, roundPoint(g.frame.world(u, v)))
	}
	return pts
}
