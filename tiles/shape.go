package tiles

import "github.com/paulmach/orb"

// pathKind says what a path of a shape is.
type pathKind uint8

const (
	pathLine pathKind = iota
	pathExterior
	pathInterior // belongs to the nearest exterior before it
)

// path is a run of points [start, end) in its shape's point buffer.
type path struct {
	start, end int
	kind       pathKind
}

// shape is one feature's geometry of one class (points, lines or polygons)
// in tile pixels, flattened into one point buffer: the form every stage of
// the pipeline reads and writes without allocating per vertex.
type shape struct {
	pts   []orb.Point
	paths []path // unused for points
}

func (s *shape) reset() {
	s.pts = s.pts[:0]
	s.paths = s.paths[:0]
}

func (s *shape) empty() bool { return len(s.pts) == 0 }

// appendPath adds ps as one path.
func (s *shape) appendPath(ps []orb.Point, kind pathKind) {
	start := len(s.pts)
	s.pts = append(s.pts, ps...)
	s.paths = append(s.paths, path{start: start, end: len(s.pts), kind: kind})
}

// at is the points of p. The slice's capacity ends with the path, so that
// appending to it could never overwrite the next path.
func (s *shape) at(p path) []orb.Point { return s.pts[p.start:p.end:p.end] }

// shapes is one feature's geometry split by the MVT geometry type each part
// will be encoded as.
type shapes struct {
	points, lines, polygons shape
}

func (s *shapes) reset() {
	s.points.reset()
	s.lines.reset()
	s.polygons.reset()
}

// ipoint is a point in integer tile coordinates.
type ipoint struct{ x, y int32 }

// ishape is a shape after quantisation.
type ishape struct {
	pts   []ipoint
	paths []path
}

func (s *ishape) reset() {
	s.pts = s.pts[:0]
	s.paths = s.paths[:0]
}
