// Package tilecache is the cache in front of the MVT encoder: encoded tiles
// kept in memory, each with its compressed variants, evicted least recently
// used first beyond a byte budget and precisely when the data under them
// changes.
//
// # What an entry holds
//
// An Entry is one tile of one tileset (Key: an opaque tileset string built
// by the handler from tile matrix set, layer list and view, plus Z, X, Y):
// its raw MVT bytes, possibly empty (answered 204 No Content), and up to
// three compressed variants, gzip, zstd and Brotli. A variant is made the
// first time a client negotiates its encoding, once: concurrent askers wait
// for that one compression. Tiles under MinCompressSize bytes are always
// sent uncompressed.
//
// Each entry has a strong ETag, a 128-bit SHA-256 prefix of the raw bytes,
// so equal tiles have equal tags on every replica and after a restart; each
// content-coding gets its own suffix ("-gz", "-zst", "-br"), as RFC 9110
// requires of strong validators of different representations.
//
// # How bytes are counted
//
// Options.MaxBytes bounds the sum, over cached entries, of the raw bytes,
// the bytes of every variant made so far, and a per-entry overhead: a fixed
// estimate of the entry struct, its map slot and ETags (about 650 bytes),
// plus the tileset string and, per layer, its id and R-tree item. A variant
// made later is added to its entry, which can push other entries out. The
// budget is split evenly between shards, each its own LRU; an entry larger
// than its shard's share is returned but never stored.
//
// # Eviction
//
// Each entry is indexed, per layer it shows, by its bound in world
// coordinates (normalised Web Mercator, buffer included) in an R-tree.
// EvictTiles(layer, bounds...) removes exactly the entries of that layer,
// at every zoom and in every tileset, whose bound intersects (or touches)
// one of the bounds; EvictLayer removes all of a layer's. An entry of
// several layers goes when any of them is evicted. A build in flight whose
// layers and bound an eviction touches is still returned to its waiters
// but not stored, since it may have read the snapshot from before the
// change; the syncer must therefore evict after publishing the new
// snapshot. *Cache implements cache.TileEvictor.
//
// # Encoding preference
//
// Negotiate follows the client's q-values; among equal ones it prefers br,
// then zstd, then gzip, then identity. BenchmarkCompress, synthetic tiles
// (random coordinates, so less compressible than real ones), size as a
// share of the raw tile and encode time on a loaded 2-core machine:
//
//	          30 KB tile            400 KB tile
//	gzip 3    63.6 %   0.21 ms      64.1 %    3.7 ms
//	zstd 3    62.3 %   0.32 ms      62.4 %    5.1 ms
//	br 5/4    56.9 %   1.2 ms       62.0 %   10.3 ms  (level 4 above 128 KB)
//
// Brotli is the smallest on the tile sizes that dominate a map view, by
// 5-7 points; its higher encode cost is paid once per cached tile and then
// amortised over every hit, while the saving is paid out on every
// transfer, and decoding is native and well under a millisecond per tile
// in browsers. zstd comes next: smaller than gzip and faster to decode
// (BenchmarkDecompress, in Go: 80 µs against 190 µs for 30 KB). gzip is the
// fallback every client has.
package tilecache
