package tiles

// Options tune the encoder. The zero value means the defaults.
type Options struct {
	// Extent is the size of a tile in its own integer units (default 4096).
	Extent uint32
	// Buffer is how far, in tile units, geometry is kept beyond the tile's
	// edges so that renderers can draw strokes and labels across them
	// (0 means the default, 64; any negative value means no buffer).
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

// withDefaults fills in the defaults. It must be idempotent: NewHandler
// applies it and Encode applies it again, so "no buffer" stays negative
// (-1) rather than becoming 0, which a second call would read as the
// default. Read the buffer through pixelBuffer.
func (o Options) withDefaults() Options {
	if o.Extent == 0 {
		o.Extent = DefaultExtent
	}
	switch {
	case o.Buffer == 0:
		o.Buffer = DefaultBuffer
	case o.Buffer < 0:
		o.Buffer = -1
	}
	if o.Simplify == 0 {
		o.Simplify = DefaultSimplify
	}
	return o
}

// pixelBuffer is the buffer in tile units of options with defaults
// applied: 0 when it is turned off.
func (o Options) pixelBuffer() int { return max(o.Buffer, 0) }
