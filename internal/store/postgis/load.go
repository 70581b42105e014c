package postgis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Load streams every row of l's table to fn as it arrives from the server:
// pgx reads the result a network buffer at a time, so memory stays flat
// however large the table. Rows whose geometry cannot be decoded, or cannot
// be transformed to EPSG:4326 by PostGIS, are logged and skipped; a value
// that cannot be converted is logged and becomes nil.
//
// A layer in a SRID internal/crs does not support is transformed by
// PostGIS, whose ST_Transform fails the whole statement on one point it
// cannot project. Load therefore wraps it, for the load's transaction only,
// in a temporary function that turns such an error into NULL (see
// tryTransform). Where the function cannot be created, as in a read-only
// transaction or on a standby, Load logs why and transforms with plain
// ST_Transform: one such row then fails the load, saying why it was not
// skipped.
func (s *Store) Load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	if err := checkSource(l); err != nil {
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

	var db interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	} = conn
	var unguarded error // why rows PostGIS cannot transform are not skipped
	if reprojected(l) {
		tx, err := beginTryTransform(ctx, conn.Conn(), l.Source.SRID)
		var refused *tryTransformError
		switch {
		case errors.As(err, &refused) && ctx.Err() == nil:
			unguarded = refused.Err
			s.log.Warn("postgis: cannot create the temporary function that skips rows PostGIS cannot transform; one such row will fail the load",
				"layer", l.ID, "srid", l.Source.SRID, "error", refused.Err)
		case err != nil:
			return fmt.Errorf("postgis: load %s: %w", l.ID, err)
		default:
			defer rollback(ctx, tx) // runs after rows.Close
			db = tx
		}
	}
	guarded := reprojected(l) && unguarded == nil
	q, args, err := loadQuery(l, guarded)
	if err != nil {
		return err
	}
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("postgis: load %s: %w", l.ID, err)
	}
	defer rows.Close()
	defer cancel() // runs before rows.Close

	warn := &warnings{log: s.log, layer: l.ID}
	defer warn.summarise()
	r, err := newRowReader(l, guarded, conn.Conn().TypeMap(), rows, warn)
	if err != nil {
		return fmt.Errorf("postgis: load %s: %w", l.ID, err)
	}
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
		var pgErr *pgconn.PgError
		if unguarded != nil && errors.As(err, &pgErr) {
			err = fmt.Errorf("%w (rows PostGIS cannot transform are not skipped: %w)", err, &tryTransformError{Err: unguarded})
		}
		return fmt.Errorf("postgis: load %s: %w", l.ID, err)
	}
	return nil
}

// checkSource rejects a layer that does not say what to load.
func checkSource(l *layer.Layer) error {
	if l.Source.Table == "" || l.Source.GeometryColumn == "" {
		return fmt.Errorf("postgis: load %s: the layer names no table or geometry column", l.ID)
	}
	return nil
}

// reprojected reports whether PostGIS transforms l's geometries to
// EPSG:4326 as it loads them.
func reprojected(l *layer.Layer) bool {
	return l.Source.SRID != 0 && !crs.Supported(l.Source.SRID)
}

// loadQuery selects, in order, the id column (when there is one), the
// geometry as 2D WKB in store.StreamSRID(l), when guarded whether the
// table's geometry is not NULL, and each field's column.
//
// guarded, which only matters for a layer PostGIS transforms, transforms
// with tryTransform, which must exist in the session. A row it could not
// transform has a NULL geometry where the table's is not NULL: the reader
// skips it, and keeps a row whose geometry is NULL in the table.
func loadQuery(l *layer.Layer, guarded bool) (string, []any, error) {
	from := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
	return loadQueryFrom(l, guarded, from)
}

// loadQueryFrom is loadQuery reading from another relation of the table's
// row type: a subquery that rebuilds past versions, say.
func loadQueryFrom(l *layer.Layer, guarded bool, from string) (string, []any, error) {
	if err := checkSource(l); err != nil {
		return "", nil, err
	}
	var cols []string
	if l.Source.IDColumn != "" {
		cols = append(cols, pgx.Identifier{l.Source.IDColumn}.Sanitize())
	}
	column := pgx.Identifier{l.Source.GeometryColumn}.Sanitize()
	geom := "ST_Force2D(" + column + ")"
	var args []any
	guarded = guarded && reprojected(l)
	if reprojected(l) {
		// The layer's SRID is the truth (store.Record says so), even for an
		// untyped column whose geometries carry SRID 0.
		if guarded {
			geom = tryTransform + "(ST_SetSRID(" + geom + ", $1::integer), 4326)"
		} else {
			geom = "ST_Transform(ST_SetSRID(" + geom + ", $1::integer), 4326)"
		}
		args = append(args, l.Source.SRID)
	}
	cols = append(cols, "ST_AsBinary("+geom+")")
	if guarded {
		cols = append(cols, column+" IS NOT NULL")
	}
	for _, f := range l.Fields {
		cols = append(cols, pgx.Identifier{f.SourceColumn()}.Sanitize())
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + from, args, nil
}

// tryTransform is ST_Transform(g, srid), or NULL where that raises an
// error, such as PROJ's "Point outside of projection domain". It is created
// in pg_temp, inside the load's transaction, and rolled back with it:
// nothing is written to the database, and later uses of the pooled
// connection never see it. pg_temp is only searched for functions when
// named, so it is always called schema-qualified, by a name no one else
// would choose.
//
// IMMUTABLE, like ST_Transform, spares each call the fresh snapshot a
// VOLATILE PL/pgSQL function takes (3x slower); the EXCEPTION block costs
// a subtransaction per row, which cannot run in a parallel worker. OTHERS
// catches neither a cancel nor a statement timeout.
const (
	tryTransform       = "pg_temp.csdi_try_transform"
	createTryTransform = `CREATE OR REPLACE FUNCTION ` + tryTransform + `(g geometry, srid integer)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL UNSAFE AS $$
BEGIN
	RETURN ST_Transform(g, srid);
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END
$$`
	// checkTransform makes PostGIS set up the transformation without a
	// coordinate to fail on: tryTransform would hide an unknown SRID or
	// missing PROJ data as every row failing, where it is the layer's
	// problem.
	checkTransform = `SELECT ST_Transform(ST_SetSRID('POINT EMPTY'::geometry, $1::integer), 4326)`
)

// tryTransformError reports that tryTransform could not be created.
type tryTransformError struct{ Err error }

func (e *tryTransformError) Error() string {
	return "create " + tryTransform + ": " + e.Err.Error()
}

func (e *tryTransformError) Unwrap() error { return e.Err }

// beginTryTransform begins a transaction on conn and creates tryTransform
// in it, then checks that PostGIS can transform srid to EPSG:4326 at all.
// The error is a *tryTransformError when the server refused to create
// the function; the transaction is then already rolled back.
func beginTryTransform(ctx context.Context, conn *pgx.Conn, srid int) (pgx.Tx, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, createTryTransform); err != nil {
		rollback(ctx, tx)
		return nil, &tryTransformError{Err: err}
	}
	if _, err := tx.Exec(ctx, checkTransform, srid); err != nil {
		rollback(ctx, tx)
		return nil, fmt.Errorf("transform EPSG:%d to EPSG:4326: %w", srid, err)
	}
	return tx, nil
}

// rollbackTimeout bounds the rollback of a load's transaction.
const rollbackTimeout = 10 * time.Second

// rollback ends tx even when ctx is done: a Rollback that fails closes the
// connection, which the pool then drops, so a connection is never returned
// inside a transaction.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_ = tx.Rollback(ctx)
}
