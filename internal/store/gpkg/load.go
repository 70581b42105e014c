package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// UnsupportedSRIDError reports a table whose SRID internal/crs cannot
// transform. The GeoPackage store has no PROJ to reproject with, so it
// serves such a table only after it is converted (ogr2ogr -t_srs EPSG:4326).
type UnsupportedSRIDError struct {
	Table string
	SRID  int
}

func (e *UnsupportedSRIDError) Error() string {
	return fmt.Sprintf("table %q is in EPSG:%d, which csdi cannot transform; convert it, e.g. with ogr2ogr -t_srs EPSG:4326", e.Table, e.SRID)
}

// errNoGeometryColumn is returned by Load for a table gpkg_geometry_columns
// does not list.
var errNoGeometryColumn = errors.New("not a feature table with a registered geometry column")

// maxRowWarnings is how many skipped rows of one load are logged one by
// one; the rest are counted in a summary, so a broken table cannot flood
// the log.
const maxRowWarnings = 10

// Load streams the layer's rows to fn in table order, with the fields of l
// in l's order and geometries in the table's SRID (which must match
// l.Source.SRID when that is set). Rows are read one at a time from SQLite,
// never buffered. A row that cannot be decoded is logged and skipped.
func (s *Store) Load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	if err := s.load(ctx, l, fn); err != nil {
		return fmt.Errorf("gpkg: load layer %s: %w", l.ID, err)
	}
	return nil
}

func (s *Store) load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	geom, srid, err := s.geometryColumn(ctx, l.Source.Table)
	if err != nil {
		return err
	}
	if l.Source.GeometryColumn != "" {
		geom = l.Source.GeometryColumn
	}
	if l.Source.SRID != 0 && l.Source.SRID != srid {
		return fmt.Errorf("the layer says EPSG:%d but table %q stores EPSG:%d", l.Source.SRID, l.Source.Table, srid)
	}
	if !crs.Supported(srid) {
		return &UnsupportedSRIDError{Table: l.Source.Table, SRID: srid}
	}

	id := "rowid" // the row number, which is the GeoPackage fid
	if l.Source.IDColumn != "" {
		id = quote(l.Source.IDColumn)
	}
	cols := []string{id, quote(geom)}
	for _, f := range l.Fields {
		cols = append(cols, quote(f.SourceColumn()))
	}
	q := fmt.Sprintf("SELECT %s FROM %s", strings.Join(cols, ", "), quote(l.Source.Table))
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()

	var (
		rawID   any
		blob    sql.RawBytes // decoded before the next row, so never copied
		raw     = make([]any, len(l.Fields))
		dest    = make([]any, 0, 2+len(raw))
		skipped int
	)
	dest = append(dest, &rawID, &blob)
	for i := range raw {
		dest = append(dest, &raw[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		rec, err := decodeRow(l, rawID, blob, raw)
		if err != nil {
			skipped++
			if skipped <= maxRowWarnings {
				s.log.Warn("gpkg: skipping a row that cannot be decoded",
					"layer", l.ID, "table", l.Source.Table, "id", rawID, "err", err)
			}
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if skipped > maxRowWarnings {
		s.log.Warn("gpkg: skipped rows that cannot be decoded", "layer", l.ID, "table", l.Source.Table, "rows", skipped)
	}
	return nil
}

// geometryColumn returns a table's registered geometry column and SRID.
func (s *Store) geometryColumn(ctx context.Context, table string) (string, int, error) {
	var col string
	var srid int
	err := s.db.QueryRowContext(ctx, `SELECT column_name, srs_id FROM gpkg_geometry_columns
		WHERE table_name = ? COLLATE NOCASE`, table).Scan(&col, &srid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, fmt.Errorf("table %q: %w", table, errNoGeometryColumn)
	}
	if err != nil {
		return "", 0, fmt.Errorf("look up geometry column of %q: %w", table, err)
	}
	return col, srid, nil
}

// decodeRow turns one row into a Record; props is a fresh slice, since the
// caller may keep the record.
func decodeRow(l *layer.Layer, rawID any, blob []byte, raw []any) (store.Record, error) {
	var rec store.Record
	switch id := rawID.(type) {
	case int64, string:
		rec.ID = id
	case []byte:
		rec.ID = string(id)
	default:
		return rec, fmt.Errorf("id %v (%T) is neither an integer nor text", rawID, rawID)
	}
	if blob != nil {
		g, err := DecodeGeometry(blob)
		if err != nil {
			return rec, err
		}
		rec.Geometry = g
	}
	rec.Props = make([]any, len(raw))
	for i, v := range raw {
		p, err := fromSQL(l.Fields[i].Type, v)
		if err != nil {
			return rec, fmt.Errorf("field %q: %w", l.Fields[i].Name, err)
		}
		rec.Props[i] = p
	}
	return rec, nil
}
