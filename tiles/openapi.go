package tiles

// OpenAPIPaths describes the tile endpoints as OpenAPI 3 path items, keyed
// by path, for the server's API document: the tiles and the TileJSON
// documents, of one collection and of a layer list. They are
// self-contained: they refer to no shared components. Each call returns a
// fresh map.
func OpenAPIPaths() map[string]any {
	layers := pathParam("layers", "Comma-separated layer (collection) ids.", map[string]any{"type": "string"})
	collection := pathParam("collectionId", "The collection (layer) id.", map[string]any{"type": "string"})
	zoom := map[string]any{"type": "integer", "minimum": 0, "maximum": MaxZoom}
	index := map[string]any{"type": "integer", "minimum": 0}
	return map[string]any{
		"/collections/{collectionId}/tiles/WebMercatorQuad/tilejson.json": operation("collectionTileJSON",
			"TileJSON 3.0.0 for a collection's vector tiles", tileJSONResponses(false), collection),
		"/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": operation("collectionTile",
			"A Mapbox Vector Tile of one collection (OGC API Tiles order: zoom, row, column)", tileResponses(),
			collection,
			pathParam("tileMatrix", "Zoom level.", zoom),
			pathParam("tileRow", "Row, from the north.", index),
			pathParam("tileCol", "Column, from the west.", index)),
		"/tiles/{layers}/tilejson.json": operation("xyzTileJSON",
			"TileJSON 3.0.0 for the vector tiles of several layers", tileJSONResponses(true), layers),
		"/tiles/{layers}/{z}/{x}/{y}.mvt": operation("xyzTile",
			"A Mapbox Vector Tile with one MVT layer per requested layer (also served as .pbf)", tileResponses(),
			layers,
			pathParam("z", "Zoom level.", zoom),
			pathParam("x", "Column, from the west.", index),
			pathParam("y", "Row, from the north.", index)),
	}
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

func tileResponses() map[string]any {
	return map[string]any{
		"200": map[string]any{
			"description": "The tile, gzip-encoded when the client accepts it.",
			"content":     map[string]any{ContentType: map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}},
		},
		"204": map[string]any{"description": "The tile is empty: no feature there, or the zoom is outside every layer's range."},
		"304": map[string]any{"description": "The tile has not changed since the ETag given in If-None-Match."},
		"400": problem("A zoom, column or row that is not a non-negative integer in plain decimal digits (no sign, no leading zeros), or a malformed layer list."),
		"404": problem("An unknown layer, or a tile outside the WebMercatorQuad matrix set."),
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
		"404": problem("An unknown layer."),
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
