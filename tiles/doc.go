// Package tiles serves the cache as Mapbox Vector Tiles (MVT 2.1): the
// encoder, the XYZ and OGC API Tiles endpoints (Handler.Register lists the
// routes), the tile matrix sets (tms.go: WebMercatorQuad and LandsD's HK80
// grid in EPSG:2326) and TileJSON.
//
// Encoding is a pipeline, one stage per file, run feature by feature on
// scratch buffers that are reused across features and tiles:
//
//	search    R-tree query of the tile grown by the buffer   (layerwriter.go)
//	warm      read a batch of features' memory in one loop   (warm.go)
//	project   world → tile pixels, into new slices           (project.go)
//	          (a scale and a shift for WebMercatorQuad; world → lon/lat →
//	          HK1980 Grid → pixels for HK1980Grid)
//	clip      to the buffered tile, only when a feature crosses it (clip.go)
//	simplify  Douglas-Peucker in pixel space                 (simplify.go)
//	quantise  round, drop repeats, degenerates, fix winding  (quantise.go)
//	rules     leave out sub-pixel features, thin points, and
//	          re-encode stricter to meet the size budget      (rules.go, encode.go)
//	commands  MoveTo/LineTo/ClosePath with zig-zag deltas    (commands.go)
//	tags      typed, deduplicated keys and values            (attributes.go)
//	protobuf  the Tile message, written by hand              (protobuf.go, layerwriter.go)
//
// The cached features are shared and never modified: projection writes the
// tile-space copy that every later stage works on.
//
// Decisions a client can observe:
//
//   - Feature ids: a numeric id ≥ 0 is the MVT id. Any other id (a string, or
//     a negative number) is replaced by a stable 53-bit FNV-1a hash of its
//     text, so ids stay usable for feature-state in JavaScript clients; the
//     hash is not reversible and may in theory collide.
//   - GeometryCollection: MVT has no collection type, so a collection becomes
//     up to three features, one per class of its members (points, lines,
//     polygons, in that order), each with the collection's id and attributes.
//     Feature ids are therefore not unique within a layer: the parts share
//     one id on purpose, because they are one feature. A client keying
//     state by id (MapLibre's feature-state, hover and selection) applies
//     it to every part of the collection, which is the intended meaning.
//   - An empty tile (no requested layer covers the zoom, or no feature
//     survives clipping) is encoded as zero bytes; the HTTP handlers answer
//     it with 204 No Content.
//   - Layers without features are left out of the tile. Features appear in
//     R-tree order, which is stable for a given snapshot; points surviving
//     thinning come after the rest of their layer, in grid-cell order.
//   - Layer zoom ranges (layer.Layer.MinZoom/MaxZoom) and the rendering
//     rules are in WebMercatorQuad zooms; a level of another matrix set
//     counts as the zoom of equal ground resolution in Hong Kong (for the
//     HK80 grid, the level itself).
package tiles
