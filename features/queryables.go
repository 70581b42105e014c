package features

import (
	"net/http"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// queryablesDoc is a collection's queryables: a JSON Schema (2020-12) of
// the properties a filter or sortby may name (OGC API Features Part 3).
type queryablesDoc struct {
	Schema               string                   `json:"$schema"`
	ID                   string                   `json:"$id"`
	Type                 string                   `json:"type"`
	Title                string                   `json:"title,omitempty"`
	Properties           map[string]queryableProp `json:"properties"`
	AdditionalProperties bool                     `json:"additionalProperties"`
	Links                []httpx.Link             `json:"links,omitempty"`

	// For the HTML page: the properties in schema order.
	Ordered []queryableRow `json:"-"`
}

type queryableProp struct {
	Title       string         `json:"title,omitempty"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type,omitempty"`
	Format      string         `json:"format,omitempty"`
	Items       map[string]any `json:"items,omitempty"`
	Role        string         `json:"x-ogc-role,omitempty"`
	Sortable    *bool          `json:"x-ogc-sortable,omitempty"`
}

type queryableRow struct {
	Name string
	Prop queryableProp
}

// queryables answers /collections/{collectionId}/queryables.
func (h *Handler) queryables(w http.ResponseWriter, r *http.Request) error {
	s, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	q, f, err := commonRequest(r)
	if err != nil {
		return err
	}
	l := s.Layer()
	base := httpx.Base(r)
	path := collectionPath(l) + "/queryables"
	doc := describeQueryables(l)
	doc.ID = base + path
	doc.Links = append(selfLinks(base, path, q, f, mediaSchema), httpx.Link{
		Href: base + collectionPath(l), Rel: "collection", Type: mediaJSON, Title: l.Title.In(langEn),
	})
	if f == formatHTML {
		return h.renderHTML(w, r, q, "queryables.html", doc.Links, struct {
			Layer *layer.Layer
			Doc   queryablesDoc
		}{l, doc})
	}
	return writeJSON(w, mediaSchema, doc)
}

// describeQueryables lists what queryables{l} accepts: the geometry and
// every attribute CQL2 can compare, typed from the layer's schema.
func describeQueryables(l *layer.Layer) queryablesDoc {
	doc := queryablesDoc{
		Schema:     "https://json-schema.org/draft/2020-12/schema",
		Type:       "object",
		Title:      l.Title.In(langEn),
		Properties: map[string]queryableProp{},
	}
	if l.FieldIndex(geometryQueryable) < 0 && l.GeometryType != "" {
		p := queryableProp{
			Title:  "Geometry",
			Format: geometryFormat(l.GeometryType),
			Role:   "primary-geometry",
		}
		doc.Properties[geometryQueryable] = p
		doc.Ordered = append(doc.Ordered, queryableRow{geometryQueryable, p})
	}
	for _, f := range l.Fields {
		if !queryable(f.Type) {
			continue
		}
		p := queryableProp{Title: joinNonEmpty(f.Title.In(langEn), f.Title.Zh)}
		switch f.Type {
		case layer.String:
			p.Type = "string"
		case layer.Integer:
			p.Type = "integer"
		case layer.Number:
			p.Type = "number"
		case layer.Boolean:
			p.Type = "boolean"
		case layer.Date:
			p.Type, p.Format = "string", "date"
		case layer.DateTime:
			p.Type, p.Format = "string", "date-time"
		case layer.Array:
			p.Type, p.Items = "array", map[string]any{}
		}
		if !sortable(f.Type) {
			no := false
			p.Sortable = &no
		}
		if f.SourceColumn() == l.Source.TimeColumn {
			p.Role = "primary-instant"
		}
		doc.Properties[f.Name] = p
		doc.Ordered = append(doc.Ordered, queryableRow{f.Name, p})
	}
	return doc
}

// geometryFormat is the JSON Schema format Part 3 uses for a geometry
// queryable of type t.
func geometryFormat(t layer.GeometryType) string {
	switch t {
	case layer.Point:
		return "geometry-point"
	case layer.LineString:
		return "geometry-linestring"
	case layer.Polygon:
		return "geometry-polygon"
	case layer.MultiPoint:
		return "geometry-multipoint"
	case layer.MultiLineString:
		return "geometry-multilinestring"
	case layer.MultiPolygon:
		return "geometry-multipolygon"
	case layer.GeometryCollection:
		return "geometry-geometrycollection"
	}
	return "geometry-any"
}

// geometryQueryable is the name under which a layer's geometry is
// queryable, as OGC API Features Part 3's examples and clients use it.
const geometryQueryable = "geometry"

// queryable reports whether an attribute of type t can be filtered on.
func queryable(t layer.FieldType) bool { return filterable(t) || t == layer.Array }
