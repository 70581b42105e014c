// Package layer holds the catalogue's types: what a published layer is, its
// schema, and the room for its access and masking policy.
package layer

import (
	"fmt"
	"regexp"
)

// Text is a bilingual string: English and Traditional Chinese.
type Text struct {
	En string `yaml:"en" json:"en,omitempty"`
	Zh string `yaml:"zh" json:"zh-Hant,omitempty"`
}

// In returns the text in the language lang ("zh..." picks Chinese), falling
// back to the other language when that one is empty.
func (t Text) In(lang string) string {
	if len(lang) >= 2 && lang[:2] == "zh" && t.Zh != "" {
		return t.Zh
	}
	if t.En != "" {
		return t.En
	}
	return t.Zh
}

// FieldType is the JSON-facing type of an attribute.
type FieldType string

// The attribute types a layer can publish. Each maps to one Go value type in
// a store.Record: see the store package.
const (
	String   FieldType = "string"   // string
	Integer  FieldType = "integer"  // int64
	Number   FieldType = "number"   // float64
	Boolean  FieldType = "boolean"  // bool
	Date     FieldType = "date"     // time.Time (UTC midnight)
	DateTime FieldType = "datetime" // time.Time
	JSON     FieldType = "json"     // json.RawMessage
	Array    FieldType = "array"    // []any of the above scalars
)

// Valid reports whether t is one of the known types.
func (t FieldType) Valid() bool {
	switch t {
	case String, Integer, Number, Boolean, Date, DateTime, JSON, Array:
		return true
	}
	return false
}

// Field is one published attribute.
type Field struct {
	Name   string    `yaml:"name" json:"name"`
	Type   FieldType `yaml:"type" json:"type"`
	Title  Text      `yaml:"title" json:"title,omitempty"`
	Column string    `yaml:"column" json:"-"` // source column; defaults to Name
	// Required fields must have a value in every written feature (NOT NULL
	// columns are required).
	Required bool `yaml:"required" json:"required,omitempty"`
}

// GeometryType is the declared geometry type of a layer; "Geometry" means any.
type GeometryType string

// Geometry types, as OGC Simple Features names them.
const (
	Point              GeometryType = "Point"
	LineString         GeometryType = "LineString"
	Polygon            GeometryType = "Polygon"
	MultiPoint         GeometryType = "MultiPoint"
	MultiLineString    GeometryType = "MultiLineString"
	MultiPolygon       GeometryType = "MultiPolygon"
	GeometryCollection GeometryType = "GeometryCollection"
	AnyGeometry        GeometryType = "Geometry"
)

// Source says where a layer's features live in the store.
type Source struct {
	Schema         string `yaml:"schema" json:"schema,omitempty"`
	Table          string `yaml:"table" json:"table"`
	IDColumn       string `yaml:"id_column" json:"idColumn,omitempty"` // empty: row number
	GeometryColumn string `yaml:"geometry_column" json:"geometryColumn"`
	TimeColumn     string `yaml:"time_column" json:"timeColumn,omitempty"`
	SRID           int    `yaml:"srid" json:"srid"` // of the stored geometry
}

// Access is who may read a layer; auth.CanSee and auth.CanSeeUnmasked
// apply it.
type Access struct {
	Level       string   `yaml:"level" json:"level,omitempty"` // public | internal | restricted
	Departments []string `yaml:"departments" json:"departments,omitempty"`
	// Unmasked lists departments, besides the owning one, whose analysts
	// may read a sensitive layer's full view.
	Unmasked []string `yaml:"unmasked" json:"unmasked,omitempty"`
}

// Masking is the policy that defines a sensitive layer's masked view. It is
// declared here so the catalogue can carry it; the privacy package checks
// and applies it (its package doc has the rule syntax).
type Masking struct {
	// Attributes maps an attribute to its rule: keep, drop, redact,
	// partial, hash or generalise[:band|day|month|year].
	Attributes map[string]string `yaml:"attributes" json:"attributes,omitempty"`
	// Others is the rule for attributes Attributes does not name: keep
	// (the default) or drop, so a column added later stays hidden.
	Others string `yaml:"others" json:"others,omitempty"`
	// Geometry is keep (or empty), snap:N, displace:R[:min=M], centroid
	// or aggregate:N[:k=K][:centre], distances in HK1980 Grid metres.
	Geometry string `yaml:"geometry" json:"geometry,omitempty"`
	// MinZoom is the least zoom of the masked view's tiles (0: the
	// layer's).
	MinZoom int `yaml:"min_zoom" json:"minZoom,omitempty"`
	// MinACR is the authentication context class (a token's acr claim)
	// needed, besides the unmasked right, to read the full view.
	MinACR string `yaml:"min_acr" json:"minAcr,omitempty"`
}

// Layer is one published collection.
type Layer struct {
	ID           string       `yaml:"id" json:"id"`
	Title        Text         `yaml:"title" json:"title"`
	Description  Text         `yaml:"description" json:"description"`
	Department   string       `yaml:"department" json:"department,omitempty"`
	Keywords     []string     `yaml:"keywords" json:"keywords,omitempty"`
	License      string       `yaml:"license" json:"license,omitempty"`
	Source       Source       `yaml:"source" json:"source"`
	GeometryType GeometryType `yaml:"geometry_type" json:"geometryType"`
	Fields       []Field      `yaml:"fields" json:"fields"`
	MinZoom      int          `yaml:"min_zoom" json:"minZoom"`
	MaxZoom      int          `yaml:"max_zoom" json:"maxZoom"`
	Sensitive    bool         `yaml:"sensitive" json:"sensitive,omitempty"`
	Access       Access       `yaml:"access" json:"access"`
	Masking      *Masking     `yaml:"masking" json:"masking,omitempty"`
	// IDs says who names new features: "server" (the default: the store
	// assigns an integer, ids in posted features are ignored) or "client"
	// (every new feature must carry its id; PUT to a new id creates it).
	IDs string `yaml:"ids" json:"ids,omitempty"`
	// CacheControl is the Cache-Control header of this layer's tiles; empty
	// means the server's default.
	CacheControl string `yaml:"cache_control" json:"cacheControl,omitempty"`
}

// FieldIndex returns the position of the named field, or -1.
func (l *Layer) FieldIndex(name string) int {
	for i := range l.Fields {
		if l.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

// TimeField returns the index of the field that holds the layer's time, or
// -1 when the layer is not temporal.
func (l *Layer) TimeField() int {
	if l.Source.TimeColumn == "" {
		return -1
	}
	for i := range l.Fields {
		if l.Fields[i].SourceColumn() == l.Source.TimeColumn {
			return i
		}
	}
	return -1
}

// SourceColumn is the store column behind a field.
func (f Field) SourceColumn() string {
	if f.Column != "" {
		return f.Column
	}
	return f.Name
}

// ClientIDs reports whether clients name new features.
func (l *Layer) ClientIDs() bool { return l.IDs == "client" }

// DefaultMaxZoom is the deepest zoom a layer is tiled at unless configured.
const DefaultMaxZoom = 22

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// Validate checks what every layer must have, whatever its origin.
func (l *Layer) Validate() error {
	if !idPattern.MatchString(l.ID) {
		return fmt.Errorf("layer %q: id must be 1-128 letters, digits, '_', '.' or '-'", l.ID)
	}
	if l.Source.Table == "" {
		return fmt.Errorf("layer %q: source table is required", l.ID)
	}
	if l.MinZoom < 0 || l.MaxZoom > 30 || l.MinZoom > l.MaxZoom {
		return fmt.Errorf("layer %q: zoom range %d-%d is not within 0-30", l.ID, l.MinZoom, l.MaxZoom)
	}
	if l.IDs != "" && l.IDs != "server" && l.IDs != "client" {
		return fmt.Errorf("layer %q: ids must be server or client, not %q", l.ID, l.IDs)
	}
	seen := make(map[string]bool, len(l.Fields))
	for _, f := range l.Fields {
		if !f.Type.Valid() {
			return fmt.Errorf("layer %q: field %q has unknown type %q", l.ID, f.Name, f.Type)
		}
		if seen[f.Name] {
			return fmt.Errorf("layer %q: field %q appears twice", l.ID, f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}
