package demo

import (
	"iter"
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/store"
)

// buildingRecords yields the footprints the plan lays out: one per built
// plot, or one large building on a block given over to it.
func buildingRecords(opts Options) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		p, err := makePlan(opts.Seed, opts.Buildings)
		if err != nil {
			yield(store.Record{}, err)
			return
		}
		r := newRand(opts.Seed, streamBuildings)
		id := int64(0)
		emit := func(pl *place, ring orb.Ring, large bool) bool {
			id++
			return yield(store.Record{ID: id, Geometry: orb.Polygon{ring}, Props: buildingProps(r, pl, large)}, nil)
		}
		for _, t := range p.towns {
			pl, g := &places[t.place], t.grid
			for _, b := range t.blocks {
				if b.single {
					u, v := g.blockCentre(b.i, b.j)
					if !emit(pl, footprint(r, g, u, v, g.inner(), 0.4), true) {
						return
					}
					continue
				}
				for bit := range g.cells * g.cells {
					if b.plots&(1<<bit) == 0 {
						continue
					}
					u, v := g.plotCentre(b.i, b.j, bit/g.cells, bit%g.cells)
					if !emit(pl, footprint(r, g, u, v, g.cell, 0.25), false) {
						return
					}
				}
			}
		}
	}
}

// buildingProps are a building's attributes in the order of the buildings
// layer's fields.
func buildingProps(r *rand.Rand, pl *place, large bool) []any {
	use := useChoices[pl.profile][btoi(large)].pick(r)
	// Older buildings are more common than a uniform spread of years gives.
	year := pl.since + int(float64(2024-pl.since)*math.Pow(r.Float64(), 1.3))
	floors := buildingFloors(r, use, pl.profile, year)
	height := float64(floors) * between(r, 2.9, 3.5)
	if use == commercial || large {
		height += between(r, 3, 9) // a lobby or podium
	}
	name := buildingName(r, use, pl)
	// The plan keeps every block inside its place's district.
	d := districts[pl.district]
	return []any{name.En, name.Zh, int64(floors), round1(height), int64(year), useNames[use], d.name.En}
}

// useChoices picks a building's use by profile, for a building on a plot
// and for one taking a whole block: whole blocks go to malls, offices and
// public buildings more often.
var useChoices = func() (out [len(styles)][2]weighted) {
	for p, st := range styles {
		w := st.uses
		out[p][0] = newWeighted(w[:])
		w[commercial] *= 2
		w[government] *= 2
		out[p][1] = newWeighted(w[:])
	}
	return out
}()

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// buildingFloors is a plausible storey count: towers in business districts
// and new towns, walk-ups in the older streets.
func buildingFloors(r *rand.Rand, use int, pr profile, year int) int {
	lo, hi := 4, 30
	switch {
	case use == government:
		lo, hi = 2, 18
	case use == industrialUse:
		lo, hi = 5, 25
	case use == commercial && pr == core:
		lo, hi = 10, 70
	case use == commercial:
		lo, hi = 4, 30
	case pr == lowRise:
		lo, hi = 2, 12
	case use == residential && (pr == newTown || pr == core):
		lo, hi = 12, 45
	}
	if year < 1970 && use != government {
		hi = min(hi, 12) // before lifts were the rule
		lo = min(lo, hi)
	}
	return intBetween(r, lo, hi)
}
