package features

import (
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
)

// describeWrites adds a writable collection's Part 4 operations to the
// paths describeCollectionPaths made: POST on its items, PUT, PATCH and
// DELETE on each feature.
func describeWrites(doc *openAPIDoc, path string, l *layer.Layer, tags []string, title string) {
	if !crs.Supported(l.Source.SRID) {
		return // read-only: see authorizedWrite
	}
	read, ok1 := doc.Paths[path+"/items"].(pathItem)
	readOne, ok2 := doc.Paths[path+"/items/{featureId}"].(pathItem)
	if !ok1 || !ok2 {
		return
	}
	items, item := writablePathItem{Get: read.Get}, writablePathItem{Get: readOne.Get}
	feature := featureSchema(l)
	contentCrs := parameter{Name: "Content-Crs", In: "header", Schema: map[string]any{"type": "string"},
		Description: "The CRS of the body's coordinates, as <URI> (CRS84 when absent): one of the collection's crs list. EPSG:4326 and 2326 are latitude/northing first."}
	ifMatch := parameter{Name: "If-Match", In: "header", Schema: map[string]any{"type": "string"},
		Description: "The ETag of the version the change is based on; a feature changed since gets 412."}
	featureID := ref("parameters", "featureId")
	geojson := func(schema map[string]any) map[string]any {
		return map[string]any{"required": true, "content": map[string]any{mediaGeoJSON: map[string]any{"schema": schema}}}
	}

	create := "Creates one feature (a Feature) or many (a FeatureCollection), all or none. "
	if l.ClientIDs() {
		create += "Every feature carries its id; an id that exists gets 409."
	} else {
		create += "The server names new features; ids sent are ignored."
	}
	items.Post = &operation{Tags: tags, Summary: "Add features to " + title, OperationID: "createFeatures_" + l.ID,
		Description: create, Parameters: []parameter{contentCrs},
		RequestBody: geojson(map[string]any{"oneOf": []any{feature, map[string]any{
			"type": "object", "required": []string{"type", "features"},
			"properties": map[string]any{"type": map[string]any{"type": "string", "enum": []string{"FeatureCollection"}},
				"features": map[string]any{"type": "array", "minItems": 1, "items": feature}}}}}),
		Responses: writeResponses("201", createdResponse(), "409")}

	replaceNote := "Replaces the feature's attributes and geometry."
	replaceCodes := []string{"404", "412", "428"}
	if l.ClientIDs() {
		replaceNote += " A new id creates the feature (201)."
	}
	replaceResponses := writeResponses("204", updatedResponse(), replaceCodes...)
	if l.ClientIDs() {
		replaceResponses["201"] = createdResponse()
	}
	item.Put = &operation{Tags: tags, Summary: "Replace a feature of " + title, OperationID: "replaceFeature_" + l.ID,
		Description: replaceNote, Parameters: []parameter{featureID, ifMatch, contentCrs},
		RequestBody: geojson(feature), Responses: replaceResponses}
	item.Patch = &operation{Tags: tags, Summary: "Update a feature of " + title, OperationID: "updateFeature_" + l.ID,
		Description: "A JSON Merge Patch (RFC 7396) of the feature: properties given are set, null unsets them, a geometry given replaces the geometry.",
		Parameters:  []parameter{featureID, ifMatch, contentCrs},
		RequestBody: map[string]any{"required": true, "content": map[string]any{mediaMergePatch: map[string]any{
			"schema": map[string]any{"type": "object", "properties": map[string]any{
				"properties": map[string]any{"type": "object"},
				"geometry":   map[string]any{"nullable": true, "allOf": []any{map[string]any{"$ref": "#/components/schemas/geometryGeoJSON"}}}}}}}},
		Responses: writeResponses("204", updatedResponse(), "404", "412", "428")}
	item.Delete = &operation{Tags: tags, Summary: "Delete a feature of " + title, OperationID: "deleteFeature_" + l.ID,
		Parameters: []parameter{featureID, ifMatch},
		Responses:  writeResponses("204", map[string]any{"description": "Deleted."}, "404", "412", "428")}
	doc.Paths[path+"/items"] = items
	doc.Paths[path+"/items/{featureId}"] = item
}

// writablePathItem is a path item with the Part 4 operations.
type writablePathItem struct {
	Get    *operation `json:"get"`
	Post   *operation `json:"post,omitempty"`
	Put    *operation `json:"put,omitempty"`
	Patch  *operation `json:"patch,omitempty"`
	Delete *operation `json:"delete,omitempty"`
}

// featureSchema is the JSON schema of a feature a client may send to l.
func featureSchema(l *layer.Layer) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range l.Fields {
		s := fieldSchema(f.Type)
		if !f.Required {
			s["nullable"] = true
		} else {
			required = append(required, f.Name)
		}
		props[f.Name] = s
	}
	properties := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		properties["required"] = required
	}
	return map[string]any{
		"type": "object", "required": []string{"type", "geometry", "properties"},
		"properties": map[string]any{
			"type":       map[string]any{"type": "string", "enum": []string{"Feature"}},
			"id":         map[string]any{"oneOf": []any{map[string]any{"type": "string"}, map[string]any{"type": "integer"}}},
			"geometry":   map[string]any{"nullable": true, "allOf": []any{map[string]any{"$ref": "#/components/schemas/geometryGeoJSON"}}},
			"properties": properties,
		},
	}
}

func createdResponse() map[string]any {
	return map[string]any{
		"description": "Created. Location names the (first) new feature, ETag its version; the body lists every new id.",
		"headers": map[string]any{
			"Location": map[string]any{"schema": map[string]any{"type": "string", "format": "uri"}},
			"ETag":     map[string]any{"schema": map[string]any{"type": "string"}},
		},
		"content": map[string]any{mediaJSON: map[string]any{"schema": map[string]any{
			"type": "object", "required": []string{"created", "ids", "links"},
			"properties": map[string]any{
				"created": map[string]any{"type": "integer"},
				"ids":     map[string]any{"type": "array", "items": map[string]any{}},
				"links":   map[string]any{"$ref": "#/components/schemas/links"},
			}}}},
	}
}

func updatedResponse() map[string]any {
	return map[string]any{"description": "Written. ETag is the feature's new version.",
		"headers": map[string]any{"ETag": map[string]any{"schema": map[string]any{"type": "string"}}}}
}

// writeResponses are a write's responses: ok, the errors every write
// shares, and those named.
func writeResponses(status string, ok map[string]any, more ...string) map[string]any {
	problem := func(description string) map[string]any {
		return map[string]any{"description": description, "content": map[string]any{
			"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/problem"}}}}
	}
	descriptions := map[string]string{
		"401": "No key, or a wrong one (WWW-Authenticate says how to send it).",
		"403": "Writes are not allowed to this caller, or are disabled.",
		"405": "The collection is read-only.",
		"409": "A feature with this id exists.",
		"412": "If-Match names another version than the current one.",
		"413": "The body is larger than the server accepts.",
		"415": "The body's Content-Type is not accepted.",
		"428": "The server requires If-Match.",
		"503": "The data store cannot be reached (try again after Retry-After); a write cut off while committing may have been made.",
	}
	rs := map[string]any{
		status: ok,
		"400": map[string]any{"description": "Invalid JSON, an unsupported Content-Crs, or invalid features: invalidFeatures lists each (index, id, field, reason). Nothing was written.",
			"content": map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{
				"allOf": []any{map[string]any{"$ref": "#/components/schemas/problem"}, map[string]any{
					"type": "object", "properties": map[string]any{"invalidFeatures": map[string]any{
						"type": "array", "items": map[string]any{"type": "object", "required": []string{"index", "reason"},
							"properties": map[string]any{
								"index":  map[string]any{"type": "integer"},
								"id":     map[string]any{},
								"field":  map[string]any{"type": "string"},
								"reason": map[string]any{"type": "string"},
							}}}}}}}}}},
		"404": map[string]any{"$ref": "#/components/responses/NotFound"},
		"500": map[string]any{"$ref": "#/components/responses/ServerError"},
	}
	for _, code := range append([]string{"401", "403", "405", "413", "415", "503"}, more...) {
		if code == "404" {
			continue
		}
		rs[code] = problem(descriptions[code])
	}
	return rs
}
