package postgis

import "github.com/csdi-hk/csdi/internal/layer"

// pgType is a column's type as the catalogue describes it, domains already
// resolved to their base type.
type pgType struct {
	Name   string // pg_type.typname
	Schema string // the type's namespace
	Kind   string // pg_type.typtype: b base, e enum, r range, ...
	// Elem, ElemSchema describe an array's element type; empty otherwise.
	Elem       string
	ElemSchema string
}

// fieldType maps a column type to the attribute type it is published as;
// false for types csdi does not serve (bytea, ranges, geography, ...).
func fieldType(t pgType) (layer.FieldType, bool) {
	if t.Elem != "" {
		// Only arrays of built-in scalars: pgx decodes those in binary, an
		// array of an extension type would arrive as unparsed text.
		if _, ok := builtinScalar(t.Elem, t.ElemSchema); ok {
			return layer.Array, true
		}
		return "", false
	}
	if t.Kind == "e" {
		return layer.String, true // enum labels are text
	}
	if t.Name == "citext" {
		return layer.String, true // an extension type, wherever installed
	}
	return builtinScalar(t.Name, t.Schema)
}

func builtinScalar(name, schema string) (layer.FieldType, bool) {
	if schema != "pg_catalog" {
		return "", false
	}
	switch name {
	case "text", "varchar", "bpchar", "name", "uuid":
		return layer.String, true
	case "int2", "int4", "int8":
		return layer.Integer, true
	case "float4", "float8", "numeric":
		return layer.Number, true
	case "bool":
		return layer.Boolean, true
	case "date":
		return layer.Date, true
	case "timestamp", "timestamptz":
		return layer.DateTime, true
	case "json", "jsonb":
		return layer.JSON, true
	}
	return "", false
}

// idColumnType reports whether a column of type t can serve as a layer's
// id when it is not the primary key: integers, text and uuid.
func idColumnType(t pgType) bool {
	if t.Schema != "pg_catalog" || t.Elem != "" {
		return false
	}
	switch t.Name {
	case "int2", "int4", "int8", "text", "varchar", "uuid":
		return true
	}
	return false
}

// idColumnNames are the conventional names of an id column, tried in order
// when a relation has no single-column primary key.
var idColumnNames = []string{"id", "fid", "gid", "ogc_fid", "objectid"}
