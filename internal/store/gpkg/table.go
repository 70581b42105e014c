package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// table is a layer's table as the write path, Fetch and the history need
// it: which column names features, of which kind, and where each field is.
type table struct {
	l        *layer.Layer
	name     string // as gpkg_contents has it
	key      string // the id column ("rowid" for a table without one)
	pk       string // the INTEGER PRIMARY KEY when it is another column than key, else ""
	kind     idKind
	geom     string
	geomType layer.GeometryType // what the column accepts; Geometry for any type
	geomReq  bool               // the geometry column is NOT NULL
	srid     int
	cols     []string // the source column of each of l's fields
	required []bool   // of each field: Required, or its column NOT NULL
	all      map[string]column
}

// describe looks up l's table. Its id column is l's: Migrate and Edit
// install the triggers to name features by it too. l's geometry column and SRID, when set, and
// the columns of its fields must match the table.
func (s *Store) describe(ctx context.Context, q execer, l *layer.Layer) (*table, error) {
	var ft featureTable
	err := q.QueryRowContext(ctx, `
		SELECT c.table_name, g.column_name, g.geometry_type_name, g.srs_id
		FROM gpkg_contents c JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE c.data_type = 'features' AND c.table_name = ? COLLATE NOCASE`, l.Source.Table).
		Scan(&ft.table, &ft.geomColumn, &ft.geomType, &ft.srid)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("table %q: %w", l.Source.Table, errNoGeometryColumn)
	}
	if err != nil {
		return nil, fmt.Errorf("look up table %q: %w", l.Source.Table, err)
	}
	if g := l.Source.GeometryColumn; g != "" && !strings.EqualFold(g, ft.geomColumn) {
		return nil, fmt.Errorf("the layer's geometry column %q is not table %q's, %q", g, ft.table, ft.geomColumn)
	}
	if l.Source.SRID != 0 && l.Source.SRID != ft.srid {
		return nil, fmt.Errorf("the layer says EPSG:%d but table %q stores EPSG:%d", l.Source.SRID, ft.table, ft.srid)
	}
	cols, err := columns(ctx, q, ft.table)
	if err != nil {
		return nil, err
	}
	t := &table{
		l: l, name: ft.table, geom: ft.geomColumn, srid: ft.srid,
		geomType: geometryType(ft.geomType),
		all:      make(map[string]column, len(cols)),
	}
	if t.geomType == layer.AnyGeometry && l.GeometryType != "" {
		t.geomType = l.GeometryType
	}
	for _, c := range cols {
		t.all[strings.ToLower(c.name)] = c
	}
	t.geomReq = t.all[strings.ToLower(t.geom)].notNull
	pk := integerKey(cols)
	switch key, c := l.Source.IDColumn, t.all[strings.ToLower(l.Source.IDColumn)]; {
	case key == "":
		t.key, t.kind = "rowid", intIDs // as Load numbers the rows
	case c.name == "":
		return nil, fmt.Errorf("table %q has no id column %q", ft.table, key)
	case strings.EqualFold(c.name, pk):
		t.key, t.kind = c.name, intIDs
	default:
		t.key, t.pk, t.kind = c.name, pk, stringIDs
		if ft, _ := fieldType(c.declared); ft == layer.Integer {
			t.kind = intIDs
		}
	}
	for _, f := range l.Fields {
		c, ok := t.all[strings.ToLower(f.SourceColumn())]
		if !ok {
			return nil, fmt.Errorf("table %q has no column %q for field %q", ft.table, f.SourceColumn(), f.Name)
		}
		t.cols = append(t.cols, c.name)
		t.required = append(t.required, f.Required || c.notNull)
	}
	return t, nil
}

// editable reports why the write path cannot change t's features, as an
// error wrapping store.ErrReadOnly, or nil: a table without an id column
// has no feature the change log could name (its changes log reloads).
func (t *table) editable() error {
	if t.key == "rowid" {
		return fmt.Errorf("%w: table %q has no id column", store.ErrReadOnly, t.name)
	}
	return nil
}

// id converts a feature id to the form the table stores it in: an int64
// for integer ids (a string of canonical decimal digits is accepted, as a
// URL path carries it), a string for text ids. ok is false when id cannot
// name a feature of t.
func (t *table) id(id any) (any, bool) {
	switch t.kind {
	case intIDs:
		if i, ok := asInt64(id); ok {
			return i, true
		}
		if s, ok := id.(string); ok {
			i, err := strconv.ParseInt(s, 10, 64)
			if err == nil && strconv.FormatInt(i, 10) == s {
				return i, true
			}
		}
	case stringIDs:
		if s, ok := id.(string); ok {
			return s, true
		}
		if i, ok := asInt64(id); ok {
			return strconv.FormatInt(i, 10), true
		}
	}
	return nil, false
}

// selectSQL reads the id, the geometry and the fields, as Load does, of
// the rows that where (an SQL condition) picks.
func (t *table) selectSQL(where string) string {
	cols := []string{quoteKey(t.key), quote(t.geom)}
	for _, c := range t.cols {
		cols = append(cols, quote(c))
	}
	return fmt.Sprintf("SELECT %s FROM %s WHERE %s", strings.Join(cols, ", "), quote(t.name), where)
}

// quoteKey quotes a key column; rowid stays a keyword, not a column name.
func quoteKey(key string) string {
	if key == "rowid" {
		return key
	}
	return quote(key)
}

// scanRecord reads one row of selectSQL into a Record, as Load decodes it.
func (t *table) scanRecord(scan func(dest ...any) error) (store.Record, error) {
	var (
		rawID any
		blob  []byte
		raw   = make([]any, len(t.cols))
		dest  = make([]any, 0, 2+len(raw))
	)
	dest = append(dest, &rawID, &blob)
	for i := range raw {
		dest = append(dest, &raw[i])
	}
	if err := scan(dest...); err != nil {
		return store.Record{}, err
	}
	return decodeRow(t.l, rawID, blob, raw)
}
