package tiles

// Geometry commands (MVT 2.1 §4.3): each command integer carries its id and
// a repeat count; coordinates are zig-zag deltas from the previous cursor
// position, which runs on across all the parts of one feature.

const (
	cmdMoveTo    = 1
	cmdLineTo    = 2
	cmdClosePath = 7
)

func command(id, count int) uint32 { return uint32(id&7) | uint32(count)<<3 }

type commandWriter struct {
	cmds   []uint32
	cursor ipoint
}

func (w *commandWriter) reset() {
	w.cmds = w.cmds[:0]
	w.cursor = ipoint{}
}

func (w *commandWriter) to(p ipoint) {
	w.cmds = append(w.cmds, zigzag32(p.x-w.cursor.x), zigzag32(p.y-w.cursor.y))
	w.cursor = p
}

// points writes one MoveTo with every point: a Point or MultiPoint.
func (w *commandWriter) points(pts []ipoint) {
	w.cmds = append(w.cmds, command(cmdMoveTo, len(pts)))
	for _, p := range pts {
		w.to(p)
	}
}

// line writes a MoveTo to the first point and a LineTo through the rest.
func (w *commandWriter) line(pts []ipoint) {
	w.cmds = append(w.cmds, command(cmdMoveTo, 1))
	w.to(pts[0])
	w.cmds = append(w.cmds, command(cmdLineTo, len(pts)-1))
	for _, p := range pts[1:] {
		w.to(p)
	}
}

// ring writes a line followed by ClosePath.
func (w *commandWriter) ring(pts []ipoint) {
	w.line(pts)
	w.cmds = append(w.cmds, command(cmdClosePath, 1))
}

// shape writes every path of s: lines or rings as their kind says.
func (w *commandWriter) shape(s *ishape) {
	for _, p := range s.paths {
		if p.kind == pathLine {
			w.line(s.pts[p.start:p.end])
		} else {
			w.ring(s.pts[p.start:p.end])
		}
	}
}
