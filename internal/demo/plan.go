package demo

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
)

// The city plan says which blocks of which places are built on and which of
// their plots hold a building. Buildings, roads and the point layers all
// derive from it, each drawing its own details from its own random stream,
// so streets run between the buildings and facilities stand where people
// live, while no layer depends on another having been generated.

// defaultBuildings is Options.Buildings when left zero.
const defaultBuildings = 100_000

// plannedBlock is one built block.
type plannedBlock struct {
	i, j   int
	single bool   // one large building on the whole block
	plots  uint16 // otherwise: bit a*cells+b set when plot (a, b) is built
}

// buildings is the number of buildings the block holds.
func (b plannedBlock) buildings() int {
	if b.single {
		return 1
	}
	return bits.OnesCount16(b.plots)
}

// town is one place's share of the plan.
type town struct {
	place  int
	grid   lattice
	blocks []plannedBlock // most central (most likely) first
}

type plan struct {
	towns []town
}

// TooManyBuildingsError reports a building count the plan cannot fit on
// Hong Kong's urban land.
type TooManyBuildingsError struct {
	Want, Capacity int
}

func (e TooManyBuildingsError) Error() string {
	return fmt.Sprintf("demo: %d buildings do not fit the urban areas (at most %d)", e.Want, e.Capacity)
}

// candidate is a block that could be built, with its random sort key.
type candidate struct {
	block plannedBlock
	key   float64
}

// makePlan lays out n buildings. Each place ranks its possible blocks by an
// exponential race weighted by a Gaussian of the distance from its centre
// (weighted sampling without replacement, so the centre fills first and the
// edge thins out), and takes blocks in that order until it holds its share.
func makePlan(seed int64, n int) (plan, error) {
	if n <= 0 {
		n = defaultBuildings
	}
	// Above the default count plots shrink so the towns stay where they
	// are, down to a floor that still fits an 8 m building on the smallest
	// plot; past that the towns spread further from their centres.
	scale := math.Min(1, math.Max(minScale, math.Sqrt(float64(defaultBuildings)/float64(n))))
	var err error
	for _, limit := range spreadLimits {
		var p plan
		if p, err = planWithin(seed, n, scale, limit); err == nil {
			return p, nil
		}
	}
	return plan{}, err
}

// minScale keeps the smallest plot (an old-urban one) at 9.9 m.
const minScale = 0.55

// spreadLimits are how far, in spreads, a place's blocks may lie from its
// centre: the first that fits the buildings is used.
var spreadLimits = [...]float64{3, 4, 5}

func planWithin(seed int64, n int, scale, limit float64) (plan, error) {
	r := newRand(seed, streamPlan)
	grids := make([]lattice, len(places))
	cands := make([][]candidate, len(places))
	capacity := make([]int, len(places))
	for k := range places {
		grids[k] = newLattice(&places[k], scale)
		cands[k] = candidates(r, k, grids[k], limit)
		for _, c := range cands[k] {
			capacity[k] += c.block.buildings()
		}
	}
	shares, err := allocate(n, capacity)
	if err != nil {
		return plan{}, err
	}
	p := plan{towns: make([]town, 0, len(places))}
	for k := range places {
		t := town{place: k, grid: grids[k]}
		need := shares[k]
		for _, c := range cands[k] {
			if need == 0 {
				break
			}
			b := c.block
			if got := b.buildings(); got > need {
				b.plots = keepLowest(b.plots, need)
			}
			need -= b.buildings()
			t.blocks = append(t.blocks, b)
		}
		p.towns = append(p.towns, t)
	}
	return p, nil
}

// candidates lists place k's buildable blocks in the order they are built:
// within limit spreads of the centre, on land, in k's own region.
func candidates(r *rand.Rand, k int, grid lattice, limit float64) []candidate {
	pl := &places[k]
	st := styles[pl.profile]
	reachU := int(math.Ceil(limit*pl.spreadU/grid.pitch())) + 1
	reachV := int(math.Ceil(limit*pl.spreadV/grid.pitch())) + 1
	ground := newGround(k, grid, reachU, reachV)
	var out []candidate
	for i := -reachU; i <= reachU; i++ {
		for j := -reachV; j <= reachV; j++ {
			u, v := grid.blockCentre(i, j)
			d2 := (u/pl.spreadU)*(u/pl.spreadU) + (v/pl.spreadV)*(v/pl.spreadV)
			if d2 > limit*limit || !ground.buildable(i, j) {
				continue
			}
			b := plannedBlock{i: i, j: j, single: chance(r, st.single)}
			if !b.single {
				for bit := range st.cells * st.cells {
					if chance(r, st.fill) {
						b.plots |= 1 << bit
					}
				}
				if b.plots == 0 {
					b.plots = 1 << r.IntN(st.cells*st.cells)
				}
			}
			// Exponential race: the smallest E/w wins, picking blocks with
			// probability proportional to the Gaussian weight w.
			key := r.ExpFloat64() * math.Exp(d2/2)
			out = append(out, candidate{block: b, key: key})
		}
	}
	slices.SortStableFunc(out, func(a, b candidate) int { return cmp.Compare(a.key, b.key) })
	return out
}

// allocate shares n buildings among the places by weight, giving what a
// full place cannot hold to the others.
func allocate(n int, capacity []int) ([]int, error) {
	total := 0
	for _, c := range capacity {
		total += c
	}
	if n > total {
		return nil, TooManyBuildingsError{Want: n, Capacity: total}
	}
	shares := make([]int, len(places))
	for left := n; left > 0; {
		weight := 0.0
		for k := range places {
			if shares[k] < capacity[k] {
				weight += places[k].weight
			}
		}
		given := 0
		for k := range places {
			if shares[k] < capacity[k] {
				add := min(int(float64(left)*places[k].weight/weight), capacity[k]-shares[k])
				shares[k] += add
				given += add
			}
		}
		// What rounding left over goes one by one, in place order.
		for k := 0; given == 0 && k < len(places) && given < left; k++ {
			if shares[k] < capacity[k] {
				shares[k]++
				given++
			}
		}
		left -= given
	}
	return shares, nil
}

// keepLowest keeps the n lowest set bits of plots.
func keepLowest(plots uint16, n int) uint16 {
	var out uint16
	for ; n > 0; n-- {
		low := plots & -plots
		out |= low
		plots &^= low
	}
	return out
}
