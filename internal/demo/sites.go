package demo

import (
	"math/rand/v2"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// sites picks where point features stand: among the plan's built blocks,
// with towns weighted by their building count times a factor for the kind
// of place, so facilities follow where people are.
type sites struct {
	plan  plan
	towns weighted
}

func newSites(p plan, factor func(profile) float64) sites {
	weights := make([]float64, len(p.towns))
	for i, t := range p.towns {
		n := 0
		for _, b := range t.blocks {
			n += b.buildings()
		}
		weights[i] = float64(n) * factor(places[t.place].profile)
	}
	return sites{plan: p, towns: newWeighted(weights)}
}

// block picks a town and one of its built blocks.
func (s sites) block(r *rand.Rand) (*town, plannedBlock) {
	t := &s.plan.towns[s.towns.pick(r)]
	return t, t.blocks[r.IntN(len(t.blocks))]
}

// inBuilding returns a point on one of a block's built plots (anywhere on
// the block if a single building covers it), and the place.
func (s sites) inBuilding(r *rand.Rand) (orb.Point, *place) {
	t, b := s.block(r)
	g := t.grid
	if b.single {
		u, v := g.blockCentre(b.i, b.j)
		h := g.inner()/2 - 4
		return roundPoint(g.frame.world(u+between(r, -h, h), v+between(r, -h, h))), &places[t.place]
	}
	bit := r.IntN(g.cells * g.cells)
	for b.plots&(1<<bit) == 0 {
		bit = (bit + 1) % (g.cells * g.cells)
	}
	u, v := g.plotCentre(b.i, b.j, bit/g.cells, bit%g.cells)
	h := g.cell/2 - 4
	return roundPoint(g.frame.world(u+between(r, -h, h), v+between(r, -h, h))), &places[t.place]
}

// atCorner returns a point on the pavement at one of a block's corners.
func (s sites) atCorner(r *rand.Rand) (orb.Point, *place) {
	t, b := s.block(r)
	g := t.grid
	i, j := b.i+r.IntN(2), b.j+r.IntN(2)
	u := g.streetLine(i) + between(r, -g.street/2, g.street/2)
	v := g.streetLine(j) + between(r, -g.street/2, g.street/2)
	return roundPoint(g.frame.world(u, v)), &places[t.place]
}

// uniqueName returns first if its English name is not yet used, otherwise
// the first unused of up to 20 names from more (or the last of them), and
// remembers it.
func uniqueName(used map[string]bool, first layer.Text, more func() layer.Text) layer.Text {
	name := first
	for range 20 {
		if !used[name.En] {
			break
		}
		name = more()
	}
	used[name.En] = true
	return name
}
