package postgis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/layer"
)

// columnType is the column a field is written to. Each maps back to the
// same layer.FieldType through discovery (see fieldType); arrays are text[],
// so non-string elements are written as their text form.
func columnType(t layer.FieldType) (string, error) {
	switch t {
	case layer.String:
		return "text", nil
	case layer.Integer:
		return "bigint", nil
	case layer.Number:
		return "double precision", nil
	case layer.Boolean:
		return "boolean", nil
	case layer.Date:
		return "date", nil
	case layer.DateTime:
		return "timestamptz", nil
	case layer.JSON:
		return "jsonb", nil
	case layer.Array:
		return "text[]", nil
	}
	return "", fmt.Errorf("unknown field type %q", t)
}

// geometryColumnType is geometry(<Type>, <SRID>), the type name taken from
// a closed list so nothing from the layer reaches the SQL unchecked.
func geometryColumnType(gt layer.GeometryType, srid int) (string, error) {
	switch gt {
	case "":
		gt = layer.AnyGeometry
	case layer.Point, layer.LineString, layer.Polygon, layer.MultiPoint,
		layer.MultiLineString, layer.MultiPolygon, layer.GeometryCollection, layer.AnyGeometry:
	default:
		return "", fmt.Errorf("unknown geometry type %q", gt)
	}
	if srid < 0 {
		return "", fmt.Errorf("invalid SRID %d", srid)
	}
	if srid == 0 {
		return "geometry(" + string(gt) + ")", nil
	}
	return "geometry(" + string(gt) + ", " + strconv.Itoa(srid) + ")", nil
}

// idKind is how a written layer identifies its rows.
type idKind int

const (
	noID      idKind = iota // IDColumn is empty: features are numbered by row
	integerID               // bigint primary key
	textID                  // text primary key
)

// createTable is the CREATE TABLE statement for l and the columns, in
// order, that COPY fills.
func createTable(l *layer.Layer, table string, ids idKind) (string, []string, error) {
	var defs, cols []string
	seen := map[string]bool{}
	add := func(name, typ string) error {
		if name == "" {
			return fmt.Errorf("a column has no name")
		}
		if seen[name] {
			return fmt.Errorf("column %q appears twice", name)
		}
		seen[name] = true
		defs = append(defs, pgx.Identifier{name}.Sanitize()+" "+typ)
		cols = append(cols, name)
		return nil
	}
	switch ids {
	case integerID:
		if err := add(l.Source.IDColumn, "bigint PRIMARY KEY"); err != nil {
			return "", nil, err
		}
	case textID:
		if err := add(l.Source.IDColumn, "text PRIMARY KEY"); err != nil {
			return "", nil, err
		}
	}
	gtype, err := geometryColumnType(l.GeometryType, l.Source.SRID)
	if err != nil {
		return "", nil, err
	}
	if err := add(l.Source.GeometryColumn, gtype); err != nil {
		return "", nil, err
	}
	for _, f := range l.Fields {
		typ, err := columnType(f.Type)
		if err != nil {
			return "", nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		if err := add(f.SourceColumn(), typ); err != nil {
			return "", nil, err
		}
	}
	return "CREATE TABLE " + table + " (" + strings.Join(defs, ", ") + ")", cols, nil
}
