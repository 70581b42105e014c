package styles

// OpenAPIPaths describes the style endpoints as OpenAPI 3 path items, keyed
// by path, for the server's API document (features.Options.ExtraPaths).
// They refer to no shared components. Each call returns a fresh map.
func OpenAPIPaths() map[string]any {
	problem := map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"type": "object"}}}
	object := map[string]any{"schema": map[string]any{"type": "object"}}
	return map[string]any{
		"/styles": map[string]any{"get": map[string]any{
			"operationId": "getStyles",
			"summary":     "The MapLibre styles: \"default\" draws every layer, and each layer has its own",
			"tags":        []string{"Styles"},
			"responses": map[string]any{
				"200": map[string]any{"description": "The list of styles, with links.", "content": map[string]any{"application/json": object}},
			},
		}},
		"/styles/{styleId}": map[string]any{"get": map[string]any{
			"operationId": "getStyle",
			"summary":     "A MapLibre (Mapbox GL) style document, version 8, reading the server's own TileJSON",
			"tags":        []string{"Styles"},
			"parameters": []any{map[string]any{
				"name": "styleId", "in": "path", "required": true,
				"description": "\"default\" or a collection (layer) id.",
				"schema":      map[string]any{"type": "string"},
			}},
			"responses": map[string]any{
				"200": map[string]any{"description": "The style.", "content": map[string]any{MediaType: object}},
				"404": map[string]any{"description": "There is no such style.", "content": problem},
			},
		}},
	}
}
