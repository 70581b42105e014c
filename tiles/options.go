package tiles

import "context"

// Options tune the encoder. The zero value means the defaults.
type Options struct {
	// Views, when set, chooses per request which layers are seen and
	// through which view; nil serves every layer of the catalog in full.
	Views Views
	// Extent is the size of a tile in its own integer units (default 4096).
	Extent uint32
	// Buffer is how far, in tile units, geometry is kept beyond the tile's
	// edges so that renderers can draw strokes and labels across them
	// (0 means the default, 64; any negative value means no buffer).
	Buffer int
	// Simplify is the Douglas-Peucker tolerance in tile units (default 0.5,
	// below the rounding to integers); a negative value turns it off.
	Simplify float64
	// MaxTileBytes is the budget of an uncompressed tile (default
	// DefaultMaxTileBytes; negative means none). A tile over it is encoded
	// again with stricter rendering rules (see rules.go), never truncated.
	MaxTileBytes int
	// CacheControl is the Cache-Control header of tiles whose layers set
	// none of their own (layer.Layer.CacheControl); default
	// DefaultCacheControl.
	CacheControl string
	// CacheBytes bounds the tile cache (default tilecache's, 256 MiB).
	CacheBytes int64
	// AdmitRender, when set, is asked before a tile the cache does not
	// hold is rendered, with the tile's zoom; it returns the release of
	// what it granted, or the error to answer with (the server bounds
	// concurrent low-zoom renders this way). Cached tiles never ask.
	AdmitRender func(ctx context.Context, z int) (release func(), err error)
}

// Defaults applied by withDefaults.
const (
	DefaultExtent   = 4096
	DefaultBuffer   = 64
	DefaultSimplify = 0.5
	// DefaultMaxTileBytes is 500 KB.
	DefaultMaxTileBytes = 500_000
	// DefaultCacheControl lets clients and shared caches keep a tile a
	// minute and then revalidate it by ETag: layers change as departments
	// edit them.
	DefaultCacheControl = "public, max-age=60"
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
	switch {
	case o.MaxTileBytes == 0:
		o.MaxTileBytes = DefaultMaxTileBytes
	case o.MaxTileBytes < 0:
		o.MaxTileBytes = -1
	}
	if o.CacheControl == "" {
		o.CacheControl = DefaultCacheControl
	}
	return o
}

// pixelBuffer is the buffer in tile units of options with defaults
// applied: 0 when it is turned off.
func (o Options) pixelBuffer() int { return max(o.Buffer, 0) }
