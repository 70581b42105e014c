package demo

// lattice is a place's street grid: square blocks of cells×cells plots,
// separated by streets, rotated to the place's bearing and anchored at its
// centre. Block (0, 0)'s first plot starts at the centre.
type lattice struct {
	frame  frame
	cell   float64 // plot side, metres
	street float64 // street width, metres
	cells  int     // plots per block side
}

func newLattice(pl *place, scale float64) lattice {
	st := styles[pl.profile]
	return lattice{
		frame:  newFrame(pl.centre, pl.bearing),
		cell:   st.cell * scale,
		street: max(6, st.street*scale),
		cells:  st.cells,
	}
}

// pitch is the distance from one block to the next.
func (l lattice) pitch() float64 {
	return float64(l.cells)*l.cell + l.street
}

// inner is the side of a block without its streets.
func (l lattice) inner() float64 {
	return float64(l.cells) * l.cell
}

// blockCentre is block (i, j)'s centre in local coordinates.
func (l lattice) blockCentre(i, j int) (u, v float64) {
	p, h := l.pitch(), l.inner()/2
	return float64(i)*p + h, float64(j)*p + h
}

// plotCentre is the centre of plot (a, b) of block (i, j), local.
func (l lattice) plotCentre(i, j, a, b int) (u, v float64) {
	p := l.pitch()
	return float64(i)*p + (float64(a)+0.5)*l.cell, float64(j)*p + (float64(b)+0.5)*l.cell
}

// streetLine is the local coordinate of the street running before block
// index k (between blocks k-1 and k).
func (l lattice) streetLine(k int) float64 {
	return float64(k)*l.pitch() - l.street/2
}
