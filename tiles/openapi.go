package tiles

// OpenAPIPaths describes the tile endpoints as OpenAPI 3 path items, keyed
// by path, for the server's API document: the tile matrix sets, the OGC API
// Tiles tilesets and tiles of one collection and of the dataset, the XYZ
// tiles of a layer list, and the TileJSON documents. They are
// self-contained: they refer to no shared components. Each call returns a
// fresh map.
func OpenAPIPaths() map[string]any {
	layers := pathParam("layers", "Comma-separated layer (collection) ids. "+
		"A matrix set id here (WebMercatorQuad, HK1980Grid) makes the path the OGC API Tiles dataset route instead.", map[string]any{"type": "string"})
	collection := pathParam("collectionId", "The collection (layer) id.", map[string]any{"type": "string"})
	ids := make([]string, len(TileMatrixSets))
	for i, s := range TileMatrixSets {
		ids[i] = s.ID
	}
	tms := pathParam("tileMatrixSetId", "The tile matrix set.", map[string]any{"type": "string", "enum": ids})
	zoom := map[string]any{"type": "integer", "minimum": 0, "maximum": MaxZoom}
	index := map[string]any{"type": "integer", "minimum": 0}
	tileMatrix := pathParam("tileMatrix", "The tile matrix (level): 0-24 in WebMercatorQuad, 0-20 in HK1980Grid.", zoom)
	row := pathParam("tileRow", "Row, from the north (top).", index)
	col := pathParam("tileCol", "Column, from the west (left).", index)
	collections := map[string]any{
		"name": "collections", "in": "query", "required": false, "style": "form", "explode": false,
		"description": "The collections (layers) in the tiles, comma-separated; all by default.",
		"schema":      map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
	}
	f := func(values ...string) map[string]any {
		return map[string]any{"name": "f", "in": "query", "required": false, "description": "The format; the only one served is the default.",
			"schema": map[string]any{"type": "string", "enum": values}}
	}
	return map[string]any{
		"/tileMatrixSets": operation("getTileMatrixSetsList",
			"The tile matrix sets (tiling schemes) of the tiles", jsonResponses("The list of tile matrix sets.", false), f("json")),
		"/tileMatrixSets/{tileMatrixSetId}": operation("getTileMatrixSet",
			"A tile matrix set, OGC Two Dimensional Tile Matrix Set 2.0 JSON (points in the CRS's axis order)",
			jsonResponses("The tile matrix set.", true), tms, f("json")),
		"/collections/{collectionId}/tiles": operation("getCollectionVectorTileSetsList",
			"The vector tilesets of a collection, one per tile matrix set", jsonResponses("The tilesets.", true), collection, f("json")),
		"/collections/{collectionId}/tiles/{tileMatrixSetId}": operation("getCollectionVectorTileSet",
			"A collection's vector tileset: its limits, layer and links", jsonResponses("The tileset metadata.", true), collection, tms, f("json")),
		"/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": operation("getCollectionVectorTile",
			"A Mapbox Vector Tile of one collection", tileResponses(true), collection, tms, tileMatrix, row, col, f("mvt")),
		"/collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json": operation("collectionTileJSON",
			"TileJSON 3.0.0 for a collection's vector tiles (WebMercatorQuad only)", tileJSONResponses(false), collection, tms),
		"/tiles": operation("getDatasetVectorTileSetsList",
			"The vector tilesets of the whole dataset, one per tile matrix set", jsonResponses("The tilesets.", false), f("json")),
		"/tiles/{tileMatrixSetId}": operation("getDatasetVectorTileSet",
			"The dataset's vector tileset: all collections, or those selected", jsonResponses("The tileset metadata.", true), tms, collections, f("json")),
		"/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": operation("getDatasetVectorTile",
			"A Mapbox Vector Tile with one MVT layer per collection selected (all by default)", tileResponses(true),
			tms, tileMatrix, row, col, collections, f("mvt")),
		"/tiles/{layers}/tilejson.json": operation("xyzTileJSON",
			"TileJSON 3.0.0 for the vector tiles of several layers (with WebMercatorQuad for layers: of the dataset, selected by collections)",
			tileJSONResponses(true), layers),
		"/tiles/{layers}/{z}/{x}/{y}.mvt": operation("xyzTile",
			"A WebMercatorQuad Mapbox Vector Tile with one MVT layer per requested layer, XYZ order: column before row (also served as .pbf or without a suffix)",
			tileResponses(false),
			layers,
			pathParam("z", "Zoom level.", zoom),
			pathParam("x", "Column, from the west.", index),
			pathParam("y", "Row, from the north.", index)),
	}
}

// jsonResponses are a JSON document's responses; notFound says the path
// names something that may not exist.
func jsonResponses(description string, notFound bool) map[string]any {
	rs := map[string]any{
		"200": map[string]any{
			"description": description,
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}},
		},
		"400": problem("An unsupported format or a malformed collection list."),
	}
	if notFound {
		rs["404"] = problem("An unknown collection or tile matrix set.")
	}
	return rs
}

func operation(id, summary string, responses map[string]any, params ...map[string]any) map[string]any {
	ps := make([]any, len(params))
	for i, p := range params {
		ps[i] = p
	}
	return map[string]any{"get": map[string]any{
		"operationId": id,
		"summary":     summary,
		"tags":        []string{"Tiles"},
		"parameters":  ps,
		"responses":   responses,
	}}
}

func pathParam(name, description string, schema map[string]any) map[string]any {
	return map[string]any{"name": name, "in": "path", "required": true, "description": description, "schema": schema}
}

// tileResponses are a tile's responses; ogc says the route checks the
// tileset's limits.
func tileResponses(ogc bool) map[string]any {
	notFound := "An unknown layer, or a tile outside the WebMercatorQuad matrix set."
	if ogc {
		notFound = "An unknown collection or tile matrix set, or a tile outside the matrix set or outside the tileMatrixSetLimits of its tileset."
	}
	return map[string]any{
		"200": map[string]any{
			"description": "The tile, gzip-encoded when the client accepts it.",
			"content":     map[string]any{ContentType: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}},
		},
		"204": map[string]any{"description": "The tile is empty: no feature there, or the zoom is outside every layer's range."},
		"304": map[string]any{"description": "The tile has not changed since the ETag given in If-None-Match."},
		"400": problem("A zoom, column or row that is not a non-negative integer in plain decimal digits (no sign, no leading zeros), or a malformed layer list."),
		"404": problem(notFound),
	}
}

// tileJSONResponses are a TileJSON document's responses; list says the
// path takes a layer list, which can be malformed.
func tileJSONResponses(list bool) map[string]any {
	rs := map[string]any{
		"200": map[string]any{
			"description": "A TileJSON 3.0.0 document.",
			"content":     map[string]any{"application/json": map[string]any{"schema": map[string]any{"type": "object"}}},
		},
		"404": problem("An unknown layer, or a matrix set other than WebMercatorQuad."),
	}
	if list {
		rs["400"] = problem("A malformed layer list.")
	}
	return rs
}

func problem(description string) map[string]any {
	return map[string]any{
		"description": description,
		"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"type": "object"}}},
	}
}
