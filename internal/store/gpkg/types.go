package gpkg

import (
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// columnType is the SQLite declared type a field is written with: the
// GeoPackage data types (spec table 1) where one fits, TEXT otherwise. JSON
// and array fields are TEXT holding JSON; csdi_layers keeps their real type.
func columnType(t layer.FieldType) string {
	switch t {
	case layer.Integer:
		return "INTEGER"
	case layer.Number:
		return "DOUBLE"
	case layer.Boolean:
		return "BOOLEAN"
	case layer.Date:
		return "DATE"
	case layer.DateTime:
		return "DATETIME"
	}
	return "TEXT" // string, json, array
}

// fieldType infers a field's type from a column's declared type, as GDAL,
// QGIS and the GeoPackage spec name them; ok is false for types csdi cannot
// publish (BLOB, or no declared type).
func fieldType(declared string) (layer.FieldType, bool) {
	t := strings.ToUpper(strings.TrimSpace(declared))
	if i := strings.IndexByte(t, '('); i >= 0 { // TEXT(80), VARCHAR(20)
		t = strings.TrimSpace(t[:i])
	}
	switch t {
	case "TEXT", "VARCHAR", "CHAR", "CHARACTER", "CLOB", "NVARCHAR":
		return layer.String, true
	case "INTEGER", "INT", "MEDIUMINT", "SMALLINT", "TINYINT", "BIGINT":
		return layer.Integer, true
	case "BOOLEAN", "BOOL":
		return layer.Boolean, true
	case "REAL", "DOUBLE", "FLOAT", "DOUBLE PRECISION", "NUMERIC", "DECIMAL":
		return layer.Number, true
	case "DATE":
		return layer.Date, true
	case "DATETIME", "TIMESTAMP":
		return layer.DateTime, true
	}
	return "", false
}

// geometryTypeName is the gpkg_geometry_columns name of a layer's geometry
// type; anything unknown (or unset) is GEOMETRY, which allows every type.
func geometryTypeName(t layer.GeometryType) string {
	switch t {
	case layer.Point, layer.LineString, layer.Polygon, layer.MultiPoint,
		layer.MultiLineString, layer.MultiPolygon, layer.GeometryCollection:
		return strings.ToUpper(string(t))
	}
	return "GEOMETRY"
}

// geometryType is the inverse of geometryTypeName. The curve types of the
// spec's extension have no orb model, so they map to "Geometry".
func geometryType(name string) layer.GeometryType {
	for _, t := range []layer.GeometryType{layer.Point, layer.LineString, layer.Polygon,
		layer.MultiPoint, layer.MultiLineString, layer.MultiPolygon, layer.GeometryCollection} {
		if strings.EqualFold(name, string(t)) {
			return t
		}
	}
	return layer.AnyGeometry
}
