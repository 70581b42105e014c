package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Load streams every row of l's table to fn as it arrives from the server:
// pgx reads the result a network buffer at a time, so memory stays flat
// however large the table. Rows whose geometry cannot be decoded are logged
// and skipped; a value that cannot be converted is logged and becomes nil.
func (s *Store) Load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	q, args, err := loadQuery(l)
	if err != nil {
		return err
	}
	if l.Source.SRID == 0 {
		s.log.Warn("postgis: layer SRID is unknown; coordinates served as EPSG:4326 unchanged", "layer", l.ID)
	}
	// A cancel of our own stops the server on an early return; closing the
	// rows alone would read the rest of the table off the wire first.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgis: load %s: %w", l.ID, err)
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("postgis: load %s: %w", l.ID, err)
	}
	defer rows.Close()
	defer cancel() // runs before rows.Close

	warn := &warnings{log: s.log, layer: l.ID}
	defer warn.summarise()
	r := newRowReader(l, conn.Conn().TypeMap(), rows.FieldDescriptions(), warn)
	done := ctx.Done()
	for rows.Next() {
		select {
		case <-done:
			return fmt.Errorf("postgis: load %s: %w", l.ID, context.Cause(ctx))
		default:
		}
		rec, ok := r.read(rows.RawValues())
		if !ok {
			continue
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("postgis: load %s: %w", l.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w (%w)", ctxErr, err)
		}
		return fmt.Errorf("postgis: load %s: %w", l.ID, err)
	}
	return nil
}

// loadQuery selects, in order, the id column (when there is one), the
// geometry as 2D WKB in store.StreamSRID(l), and each field's column.
func loadQuery(l *layer.Layer) (string, []any, error) {
	if l.Source.Table == "" || l.Source.GeometryColumn == "" {
		return "", nil, fmt.Errorf("postgis: load %s: the layer names no table or geometry column", l.ID)
	}
	var cols []string
	if l.Source.IDColumn != "" {
		cols = append(cols, pgx.Identifier{l.Source.IDColumn}.Sanitize())
	}
	geom := "ST_Force2D(" + pgx.Identifier{l.Source.GeometryColumn}.Sanitize() + ")"
	var args []any
	if srid := l.Source.SRID; srid != 0 && !crs.Supported(srid) {
		// The layer's SRID is the truth (store.Record says so), even for an
		// untyped column whose geometries carry SRID 0.
		geom = "ST_Transform(ST_SetSRID(" + geom + ", $1::integer), 4326)"
		args = append(args, srid)
	}
	cols = append(cols, "ST_AsBinary("+geom+")")
	for _, f := range l.Fields {
		cols = append(cols, pgx.Identifier{f.SourceColumn()}.Sanitize())
	}
	from := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + from, args, nil
}
