package demo

import (
	"github.com/paulmach/orb"
)

// ground answers "may place k build on block (i, j)?" for one lattice. A
// block's ground runs to the middle of its streets, so its corners are the
// street crossings, each shared by four blocks: ground tests every crossing
// once and remembers the answer.
type ground struct {
	k        int
	grid     lattice
	lo       [2]int // smallest crossing index
	span     int    // crossings per row
	memo     []int8 // 0 unknown, 1 usable, 2 not
	reserves []corridorSegment
}

// newGround covers the crossings i, j in [-reachU, reachU+1] × [-reachV,
// reachV+1], and keeps only the corridors that come near that area.
func newGround(k int, grid lattice, reachU, reachV int) *ground {
	g := &ground{
		k: k, grid: grid,
		lo:   [2]int{-reachU, -reachV},
		span: 2*reachU + 2,
		memo: make([]int8, (2*reachU+2)*(2*reachV+2)),
	}
	corners := orb.MultiPoint{
		grid.frame.world(grid.streetLine(-reachU), grid.streetLine(-reachV)),
		grid.frame.world(grid.streetLine(reachU+1), grid.streetLine(-reachV)),
		grid.frame.world(grid.streetLine(reachU+1), grid.streetLine(reachV+1)),
		grid.frame.world(grid.streetLine(-reachU), grid.streetLine(reachV+1)),
	}
	area := corners.Bound()
	for _, s := range reserves {
		if s.bound.Intersects(area) {
			g.reserves = append(g.reserves, s)
		}
	}
	return g
}

// crossing is the world position of street crossing (i, j).
func (g *ground) crossing(i, j int) orb.Point {
	return g.grid.frame.world(g.grid.streetLine(i), g.grid.streetLine(j))
}

// usable reports whether crossing (i, j) lies on land, in place k's region
// and in its district.
func (g *ground) usable(i, j int) bool {
	at := (j-g.lo[1])*g.span + (i - g.lo[0])
	if g.memo[at] == 0 {
		p := g.crossing(i, j)
		g.memo[at] = 2
		if ownerAt(p) == g.k && districtAt(p) == places[g.k].district && onLand(p) {
			g.memo[at] = 1
		}
	}
	return g.memo[at] == 1
}

// buildable reports whether block (i, j) may be built on: its ground lies
// on land, in place k's region and district (so a building's district is
// its place's; the regions are convex, so the corners decide), and clear of
// the trunk roads.
func (g *ground) buildable(i, j int) bool {
	if !g.usable(i, j) || !g.usable(i+1, j) || !g.usable(i+1, j+1) || !g.usable(i, j+1) {
		return false
	}
	return clearOf(g.reserves, [4]orb.Point{
		g.crossing(i, j), g.crossing(i+1, j), g.crossing(i+1, j+1), g.crossing(i, j+1),
	})
}
