package gpkg

import (
	"fmt"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// tablePlan is how WriteLayer lays a layer out as a GeoPackage table.
type tablePlan struct {
	table    string
	geom     string   // geometry column
	geomType string   // its gpkg_geometry_columns type name
	srid     int      // of the stored geometries
	idColumn string   // the layer's id column; "" lets the key be "fid"
	columns  []string // one per field, in the layer's order
	types    []string // declared type of each column
	notNull  []bool   // of each column: the field is required
}

// defaultGeometryColumn names the geometry column of a layer that names none.
const defaultGeometryColumn = "geom"

func planTable(l *layer.Layer) (*tablePlan, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	p := &tablePlan{
		table:    l.Source.Table,
		geom:     l.Source.GeometryColumn,
		geomType: geometryTypeName(l.GeometryType),
		srid:     l.Source.SRID,
		idColumn: l.Source.IDColumn,
	}
	if p.geom == "" {
		p.geom = defaultGeometryColumn
	}
	if err := checkName("table", p.table); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	use := func(name string) error {
		if err := checkName("column", name); err != nil {
			return err
		}
		if seen[strings.ToLower(name)] {
			// SQLite column names are case-insensitive.
			return &InvalidNameError{"column", name, "is used twice (id, geometry and field columns must differ)"}
		}
		seen[strings.ToLower(name)] = true
		return nil
	}
	if err := use(p.geom); err != nil {
		return nil, err
	}
	if p.idColumn != "" {
		if err := use(p.idColumn); err != nil {
			return nil, err
		}
	}
	for _, f := range l.Fields {
		c := f.SourceColumn()
		if err := use(c); err != nil {
			return nil, err
		}
		p.columns = append(p.columns, c)
		p.types = append(p.types, columnType(f.Type))
		p.notNull = append(p.notNull, f.Required)
	}
	return p, nil
}

// idKind is what a layer's record ids are, decided by the first record.
type idKind int

const (
	intIDs    idKind = iota // stored in the INTEGER PRIMARY KEY itself
	stringIDs               // a TEXT UNIQUE column beside an integer fid
)

func kindOf(id any) (idKind, error) {
	switch id.(type) {
	case nil:
		return intIDs, nil // SQLite numbers the rows
	case string:
		return stringIDs, nil
	}
	if _, ok := asInt64(id); ok {
		return intIDs, nil
	}
	return 0, fmt.Errorf("id %v: %T is neither an integer nor a string", id, id)
}

// key returns the INTEGER PRIMARY KEY column for ids of kind k: the layer's
// id column for integer ids, otherwise a "fid" (GDAL's name) that does not
// clash with the other columns.
func (p *tablePlan) key(k idKind) string {
	if k == intIDs && p.idColumn != "" {
		return p.idColumn
	}
	taken := map[string]bool{strings.ToLower(p.geom): true, strings.ToLower(p.idColumn): true}
	for _, c := range p.columns {
		taken[strings.ToLower(c)] = true
	}
	key := "fid"
	for taken[key] {
		key = "_" + key
	}
	return key
}

// createSQL is the CREATE TABLE statement for ids of kind k.
func (p *tablePlan) createSQL(k idKind) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (%s INTEGER PRIMARY KEY", quote(p.table), quote(p.key(k)))
	if k == stringIDs {
		// AUTOINCREMENT: a fid is never reused, as GDAL does it.
		fmt.Fprintf(&b, " AUTOINCREMENT NOT NULL, %s TEXT NOT NULL UNIQUE", quote(p.idColumn))
	} else {
		b.WriteString(" NOT NULL")
	}
	fmt.Fprintf(&b, ", %s %s", quote(p.geom), p.geomType)
	for i, c := range p.columns {
		fmt.Fprintf(&b, ", %s %s", quote(c), p.types[i])
		if p.notNull[i] {
			b.WriteString(" NOT NULL")
		}
	}
	b.WriteString(")")
	return b.String()
}

// insertSQL inserts one row: the id (key or string column), the geometry,
// then the fields.
func (p *tablePlan) insertSQL(k idKind) string {
	id := p.key(k)
	if k == stringIDs {
		id = p.idColumn
	}
	cols := make([]string, 0, len(p.columns)+2)
	cols = append(cols, quote(id), quote(p.geom))
	for _, c := range p.columns {
		cols = append(cols, quote(c))
	}
	marks := strings.Repeat(", ?", len(cols))[2:]
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(p.table), strings.Join(cols, ", "), marks)
}

func (k idKind) String() string {
	if k == stringIDs {
		return "string"
	}
	return "integer"
}
