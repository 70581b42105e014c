package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// featureTable is a features row of gpkg_contents with its geometry column.
type featureTable struct {
	table, identifier, description string
	geomColumn, geomType           string
	srid                           int
}

// column is one row of PRAGMA table_info.
type column struct {
	name, declared string
	pk             int  // position in the primary key, 0 if not part of it
	notNull        bool // declared NOT NULL
}

// Layers lists every feature table in gpkg_contents: the layer csdi wrote
// when csdi_layers has it, otherwise one inferred from the GeoPackage's own
// tables, so a file from GDAL or QGIS is served too. Source always
// describes the table as it is now.
func (s *Store) Layers(ctx context.Context) ([]layer.Layer, error) {
	// One read transaction: a snapshot no concurrent rewrite can change
	// between the queries.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("gpkg: list layers: %w", err)
	}
	defer tx.Rollback()
	return s.layers(ctx, tx)
}

// layers is Layers within the caller's transaction.
func (s *Store) layers(ctx context.Context, tx execer) ([]layer.Layer, error) {
	tables, err := featureTables(ctx, tx)
	if err != nil {
		return nil, err
	}
	meta, err := s.loadMetadata(ctx, tx)
	if err != nil {
		return nil, err
	}
	out := make([]layer.Layer, 0, len(tables))
	ids := make(map[string]bool, len(tables))
	for _, t := range tables {
		cols, err := columns(ctx, tx, t.table)
		if err != nil {
			return nil, err
		}
		l, ok := meta[strings.ToLower(t.table)]
		if ok {
			l = s.refresh(l, t, cols)
		} else {
			l = s.infer(t, cols)
		}
		l.ID = uniqueID(l.ID, ids)
		out = append(out, l)
	}
	return out, nil
}

func featureTables(ctx context.Context, q execer) ([]featureTable, error) {
	ok, err := tableExists(ctx, q, "gpkg_geometry_columns")
	if err != nil || !ok {
		return nil, err // a GeoPackage of tiles only has no feature tables
	}
	rows, err := q.QueryContext(ctx, `
		SELECT c.table_name, coalesce(c.identifier, ''), coalesce(c.description, ''),
		       g.column_name, g.geometry_type_name, g.srs_id
		FROM gpkg_contents c
		JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
		WHERE c.data_type = 'features'
		ORDER BY c.table_name`)
	if err != nil {
		return nil, fmt.Errorf("gpkg: list feature tables: %w", err)
	}
	defer rows.Close()
	var out []featureTable
	for rows.Next() {
		var t featureTable
		if err := rows.Scan(&t.table, &t.identifier, &t.description, &t.geomColumn, &t.geomType, &t.srid); err != nil {
			return nil, fmt.Errorf("gpkg: list feature tables: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: list feature tables: %w", err)
	}
	return out, nil
}

func columns(ctx context.Context, q execer, table string) ([]column, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, type, pk, "notnull" FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("gpkg: columns of %q: %w", table, err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.declared, &c.pk, &c.notNull); err != nil {
			return nil, fmt.Errorf("gpkg: columns of %q: %w", table, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("gpkg: columns of %q: %w", table, err)
	}
	return out, nil
}

// integerKey returns the table's INTEGER PRIMARY KEY (its rowid alias), the
// feature id the GeoPackage spec requires every feature table to have.
func integerKey(cols []column) string {
	var key string
	for _, c := range cols {
		if c.pk > 1 {
			return "" // a composite key is no rowid alias
		}
		if c.pk == 1 && strings.EqualFold(c.declared, "INTEGER") {
			key = c.name
		}
	}
	return key
}

// infer describes a table csdi did not write, from what the GeoPackage says.
func (s *Store) infer(t featureTable, cols []column) layer.Layer {
	title := t.identifier
	if title == "" {
		title = t.table
	}
	l := layer.Layer{
		ID:           layerID(t.table),
		Title:        layer.Text{En: title},
		Description:  layer.Text{En: t.description},
		Source:       sourceOf(t, cols, ""),
		GeometryType: geometryType(t.geomType),
		MaxZoom:      layer.DefaultMaxZoom,
	}
	l.Fields = s.inferFields(&l, cols, nil)
	return l
}

// refresh brings a layer csdi wrote up to date with its table, which GDAL
// or QGIS may have edited since: columns that are gone are dropped and new
// ones are added with inferred types.
func (s *Store) refresh(l layer.Layer, t featureTable, cols []column) layer.Layer {
	timeColumn := l.Source.TimeColumn
	l.Source = sourceOf(t, cols, l.Source.IDColumn)
	l.Source.TimeColumn = timeColumn
	if l.GeometryType == "" {
		l.GeometryType = geometryType(t.geomType)
	}
	have := make(map[string]bool, len(cols))
	for _, c := range cols {
		have[strings.ToLower(c.name)] = true
	}
	kept := l.Fields[:0:0]
	covered := make(map[string]bool, len(l.Fields))
	for _, f := range l.Fields {
		if have[strings.ToLower(f.SourceColumn())] {
			kept = append(kept, f)
			covered[strings.ToLower(f.SourceColumn())] = true
		}
	}
	l.Fields = append(kept, s.inferFields(&l, cols, covered)...)
	return l
}

// sourceOf fills a layer's Source from the table; idColumn, when it names a
// column that exists, wins over the integer key (a string id kept next to
// the GeoPackage fid).
func sourceOf(t featureTable, cols []column, idColumn string) layer.Source {
	src := layer.Source{Table: t.table, GeometryColumn: t.geomColumn, SRID: t.srid}
	for _, c := range cols {
		if idColumn != "" && strings.EqualFold(c.name, idColumn) {
			src.IDColumn = c.name
			return src
		}
	}
	src.IDColumn = integerKey(cols)
	return src
}

// inferFields returns a field for each column that is not the id, the
// geometry, or already covered, typed from its declared type and required
// when it is NOT NULL; columns of types csdi cannot publish are skipped
// with a warning.
func (s *Store) inferFields(l *layer.Layer, cols []column, covered map[string]bool) []layer.Field {
	var out []layer.Field
	pk := integerKey(cols)
	for _, c := range cols {
		switch {
		case strings.EqualFold(c.name, l.Source.GeometryColumn),
			strings.EqualFold(c.name, l.Source.IDColumn),
			strings.EqualFold(c.name, pk),
			covered[strings.ToLower(c.name)]:
			continue
		}
		t, ok := fieldType(c.declared)
		if !ok {
			s.log.Warn("gpkg: skipping column of unsupported type",
				"table", l.Source.Table, "column", c.name, "type", c.declared)
			continue
		}
		out = append(out, layer.Field{Name: c.name, Type: t, Required: c.notNull})
	}
	return out
}

var notIDChar = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// layerID turns a table name into a valid layer id: GeoPackage table names
// may hold spaces, Chinese or punctuation that layer ids may not.
func layerID(table string) string {
	id := notIDChar.ReplaceAllString(table, "_")
	if id == "" || !isAlnum(id[0]) {
		id = "t" + id
	}
	if len(id) > 128 {
		id = id[:128]
	}
	return id
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// uniqueID returns id, or id with a numeric suffix if it is taken.
func uniqueID(id string, taken map[string]bool) string {
	out := id
	for n := 2; taken[out]; n++ {
		suffix := fmt.Sprintf("_%d", n)
		out = id[:min(len(id), 128-len(suffix))] + suffix
	}
	taken[out] = true
	return out
}
