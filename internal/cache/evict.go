package cache

import "github.com/paulmach/orb"

// TileEvictor drops cached tiles a change touched. The tile cache implements
// it, so the syncer can evict tiles without this package importing tiles/.
//
// Call it after the changed layer's new snapshot is published: a tile built
// from the old snapshot while the eviction runs is then never stored.
type TileEvictor interface {
	// EvictTiles drops the cached tiles of layer (at every zoom, in every
	// tileset that contains the layer) whose bound intersects any of
	// bounds. Bounds are in the cache's world coordinates (normalised Web
	// Mercator, x and y in [0, 1], y down; see Feature.Geom): the old and
	// the new extents of the changed features.
	EvictTiles(layer string, bounds ...orb.Bound)
	// EvictLayer drops every cached tile of layer: a whole-layer reload.
	EvictLayer(layer string)
}
