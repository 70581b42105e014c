package features

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/csdi-hk/csdi/internal/layer"
)

// componentsJSON holds the OpenAPI components that do not depend on the
// catalogue: parameters, schemas and responses the paths refer to.
//
//go:embed openapi/components.json
var componentsJSON []byte

// openAPIVersion is the version of OpenAPI the document is written in.
const openAPIVersion = "3.0.3"

// parameter is an OpenAPI parameter object, or a reference to one.
type parameter struct {
	Ref         string         `json:"$ref,omitempty"`
	Name        string         `json:"name,omitempty"`
	In          string         `json:"in,omitempty"`
	Description string         `json:"description,omitempty"`
	Required    bool           `json:"required,omitempty"`
	Style       string         `json:"style,omitempty"`
	Explode     *bool          `json:"explode,omitempty"`
	Schema      map[string]any `json:"schema,omitempty"`
}

// operation is an OpenAPI operation object.
type operation struct {
	Tags        []string       `json:"tags,omitempty"`
	Summary     string         `json:"summary"`
	Description string         `json:"description,omitempty"`
	OperationID string         `json:"operationId"`
	Parameters  []parameter    `json:"parameters,omitempty"`
	RequestBody map[string]any `json:"requestBody,omitempty"`
	Responses   map[string]any `json:"responses"`
}

type pathItem struct {
	Get *operation `json:"get"`
}

type tag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// openAPIDoc is the document /api serves.
type openAPIDoc struct {
	OpenAPI    string           `json:"openapi"`
	Info       map[string]any   `json:"info"`
	Servers    []map[string]any `json:"servers"`
	Tags       []tag            `json:"tags"`
	Paths      map[string]any   `json:"paths"`
	Components map[string]any   `json:"components"`
}

func ref(kind, name string) parameter {
	return parameter{Ref: "#/components/" + kind + "/" + name}
}

func responses(ok string) map[string]any {
	return map[string]any{
		"200": map[string]string{"$ref": "#/components/responses/" + ok},
		"400": map[string]string{"$ref": "#/components/responses/InvalidParameter"},
		"500": map[string]string{"$ref": "#/components/responses/ServerError"},
	}
}

func responsesWithNotFound(ok string) map[string]any {
	r := responses(ok)
	r["404"] = map[string]string{"$ref": "#/components/responses/NotFound"}
	return r
}

// openAPI builds the document for the server at base, describing every
// collection in layers and the extra paths of other packages.
func (h *Handler) openAPI(base string, layers []*layer.Layer) (*openAPIDoc, error) {
	var components map[string]any
	if err := json.Unmarshal(componentsJSON, &components); err != nil {
		return nil, fmt.Errorf("openapi components: %w", err)
	}
	limit := components["parameters"].(map[string]any)["limit"].(map[string]any)["schema"].(map[string]any)
	limit["default"], limit["maximum"] = h.opts.DefaultLimit, h.opts.MaxLimit

	common := []parameter{ref("parameters", "f"), ref("parameters", "lang")}
	doc := &openAPIDoc{
		OpenAPI: openAPIVersion,
		Info: map[string]any{
			"title":       h.opts.Title.In(langEn),
			"description": joinNonEmpty(h.opts.Description.In(langEn), h.opts.Description.Zh),
			"version":     h.opts.Version,
		},
		Servers: []map[string]any{{"url": base}},
		Tags: []tag{
			{Name: "Capabilities", Description: "What the service offers and the standards it follows."},
			{Name: "Data", Description: "The collections and their features."},
		},
		Paths: map[string]any{
			"/": pathItem{&operation{Tags: []string{"Capabilities"}, Summary: "Landing page", OperationID: "getLandingPage",
				Parameters: common, Responses: responses("LandingPage")}},
			"/conformance": pathItem{&operation{Tags: []string{"Capabilities"}, Summary: "Conformance classes", OperationID: "getConformanceDeclaration",
				Parameters: common, Responses: responses("ConformanceDeclaration")}},
			"/api": pathItem{&operation{Tags: []string{"Capabilities"}, Summary: "This API definition", OperationID: "getAPI",
				Parameters: common, Responses: responses("API")}},
			"/collections": pathItem{&operation{Tags: []string{"Data"}, Summary: "The collections", OperationID: "getCollections",
				Parameters: common, Responses: responses("Collections")}},
		},
		Components: components,
	}
	for _, l := range layers {
		h.describeCollectionPaths(doc, l)
	}
	for path, item := range h.opts.ExtraPaths {
		if _, ours := doc.Paths[path]; !ours {
			doc.Paths[path] = item
		}
	}
	return doc, nil
}

// describeCollectionPaths adds a collection's three paths; its items path
// has one query parameter per filterable attribute, in field order.
func (h *Handler) describeCollectionPaths(doc *openAPIDoc, l *layer.Layer) {
	path := "/collections/" + url.PathEscape(l.ID)
	title := joinNonEmpty(l.Title.In(langEn), l.Title.Zh)
	doc.Tags = append(doc.Tags, tag{Name: l.ID, Description: title})
	tags := []string{l.ID}
	common := []parameter{ref("parameters", "f"), ref("parameters", "lang")}

	doc.Paths[path] = pathItem{&operation{Tags: tags, Summary: "Describe " + title, OperationID: "describeCollection_" + l.ID,
		Parameters: common, Responses: responsesWithNotFound("Collection")}}

	params := []parameter{ref("parameters", "fItems"), ref("parameters", "lang"),
		ref("parameters", "bbox"), ref("parameters", "bbox-crs"), ref("parameters", "limit"), ref("parameters", "offset"),
		ref("parameters", "crs"), ref("parameters", "filter"), ref("parameters", "filter-lang"), ref("parameters", "filter-crs"),
		ref("parameters", "sortby"), ref("parameters", "properties"), ref("parameters", "skipGeometry")}
	if temporalField(l) >= 0 {
		params = append(params, ref("parameters", "datetime"))
	}
	attrs := attributeParams(l)
	for _, f := range l.Fields {
		if _, ok := attrs[f.Name]; ok && filterable(f.Type) {
			params = append(params, attributeParameter(f))
		}
	}
	doc.Paths[path+"/items"] = pathItem{&operation{Tags: tags, Summary: "Features of " + title, OperationID: "getFeatures_" + l.ID,
		Description: "Features in id order (or sortby's), a page at a time, or all of them as a download. Attribute parameters keep features whose attribute equals the value given; filter takes any CQL2 expression.",
		Parameters:  params, Responses: responsesWithNotFound("Features")}}

	itemParams := []parameter{ref("parameters", "featureId"), ref("parameters", "fFeatures"), ref("parameters", "lang"),
		ref("parameters", "crs"), ref("parameters", "properties"), ref("parameters", "skipGeometry")}
	if h.opts.History != nil && !l.Sensitive {
		itemParams = append(itemParams, parameter{Name: "version", In: "query", Schema: map[string]any{"type": "integer", "minimum": 1},
			Description: "The feature as this change (a version number from its versions list) left it; GeoJSON only."})
		doc.Paths[path+"/items/{featureId}/versions"] = pathItem{&operation{Tags: tags, Summary: "The versions of one feature of " + title,
			OperationID: "getFeatureVersions_" + l.ID, Description: "Every change of the feature, oldest first, each linking to the version it made; also after the feature was deleted.",
			Parameters: []parameter{ref("parameters", "featureId")}, Responses: map[string]any{
				"200": map[string]any{"description": "The feature's versions.", "content": map[string]any{"application/json": map[string]any{}}},
				"404": map[string]string{"$ref": "#/components/responses/NotFound"},
				"500": map[string]string{"$ref": "#/components/responses/ServerError"},
			}}}
	}
	doc.Paths[path+"/items/{featureId}"] = pathItem{&operation{Tags: tags, Summary: "One feature of " + title, OperationID: "getFeature_" + l.ID,
		Parameters: itemParams, Responses: responsesWithNotFound("Feature")}}
	if h.opts.Writes != nil {
		describeWrites(doc, path, l, tags, title)
	}
}

// attributeParameter describes ?name=value for a field.
func attributeParameter(f layer.Field) parameter {
	name := f.Name
	explode := false
	p := parameter{Name: name, In: "query", Style: "form", Explode: &explode, Schema: fieldSchema(f.Type)}
	p.Description = "Only features whose " + name + " equals this value."
	if t := joinNonEmpty(f.Title.In(langEn), f.Title.Zh); t != "" {
		p.Description = t + ": " + p.Description
	}
	return p
}

// fieldSchema is the JSON schema of a field type.
func fieldSchema(t layer.FieldType) map[string]any {
	switch t {
	case layer.Integer:
		return map[string]any{"type": "integer", "format": "int64"}
	case layer.Number:
		return map[string]any{"type": "number", "format": "double"}
	case layer.Boolean:
		return map[string]any{"type": "boolean"}
	case layer.Date:
		return map[string]any{"type": "string", "format": "date"}
	case layer.DateTime:
		return map[string]any{"type": "string", "format": "date-time"}
	case layer.Array:
		return map[string]any{"type": "array", "items": map[string]any{}}
	case layer.JSON:
		return map[string]any{}
	}
	return map[string]any{"type": "string"}
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case b == "":
		return a
	}
	return a + " / " + b
}
