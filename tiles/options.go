package tiles

// Options tune the encoder. The zero value means the defaults.
type Options struct {
	// Extent is the size of a tile in its own integer units (default 4096).
	Extent uint32
	// Buffer is how far, in tile units, geometry is kept beyond the tile's
	// edges so that renderers can draw strokes and labels across them
	// (default 64; negative for none).
	Buffer int
	// Simplify is the Douglas-Peucker tolerance in tile units (default 0.5,
	// below the rounding to integers); a negative value turns it off.
	Simplify float64
}

// Defaults applied by withDefaults.
const (
	DefaultExtent   = 4096
	DefaultBuffer   = 64
	DefaultSimplify = 0.5
)

func (o Options) withDefaults() Options {
	if o.Extent == 0 {
		o.Extent = DefaultExtent
	}
	switch {
	case o.Buffer == 0:
		o.Buffer = DefaultBuffer
	case o.Buffer < 0:
		o.Buffer = 0
	}
	if o.Simplify == 0 {
		o.Simplify = DefaultSimplify
	}
	return o
}
