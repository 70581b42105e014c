package postgis

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// The history is the change log itself: an update or delete keeps the row
// it ended (old_row, old_geom), so the version a feature had after change n
// is the old row of its first change after n, or the current row when it
// has not changed since.

// Versions lists a feature's changes, oldest first.
func (s *Store) Versions(ctx context.Context, l *layer.Layer, id any) ([]store.Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, op, at, actor FROM csdi.change_log
		WHERE layer = $1 AND feature_id = $2 ORDER BY seq`, s.LayerKey(l), idText(id))
	if err != nil {
		return nil, fmt.Errorf("postgis: versions of %s/%v: %w", l.ID, id, notMigrated(err))
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		var v store.Version
		var op byte
		if err := rows.Scan(&v.Seq, &op, &v.At, &v.Actor); err != nil {
			return nil, fmt.Errorf("postgis: versions of %s/%v: %w", l.ID, id, err)
		}
		v.Op = store.Op(op)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgis: versions of %s/%v: %w", l.ID, id, err)
	}
	return out, nil
}

// AsOf returns the feature as change seq left it.
func (s *Store) AsOf(ctx context.Context, l *layer.Layer, id any, seq int64) (store.Record, bool, error) {
	var (
		op      byte
		oldRow  []byte
		oldGeom []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT op, old_row, old_geom FROM csdi.change_log
		WHERE layer = $1 AND feature_id = $2 AND seq > $3 ORDER BY seq LIMIT 1`,
		s.LayerKey(l), idText(id), seq).Scan(&op, &oldRow, &oldGeom)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// Unchanged since: the current row, if any.
		var rec store.Record
		found := false
		err := s.Fetch(ctx, l, []any{id}, func(r store.Record) error { rec, found = r, true; return nil })
		return rec, found, err
	case err != nil:
		return store.Record{}, false, fmt.Errorf("postgis: %s/%v as of %d: %w", l.ID, id, seq, notMigrated(err))
	case store.Op(op) == store.OpInsert:
		return store.Record{}, false, nil // made after seq
	}
	from, err := pastRow(l, "$1::jsonb", "$2::bytea")
	if err != nil {
		return store.Record{}, false, err
	}
	q, args, err := loadQueryFrom(l, false, from)
	if err != nil {
		return store.Record{}, false, err
	}
	if len(args) > 0 {
		return store.Record{}, false, fmt.Errorf("postgis: %s: past versions of a layer PostGIS reprojects are not served", l.ID)
	}
	rec, found := store.Record{}, false
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return rec, false, fmt.Errorf("postgis: %s/%v as of %d: %w", l.ID, id, seq, err)
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, q, oldRow, oldGeom)
	if err != nil {
		return rec, false, fmt.Errorf("postgis: %s/%v as of %d: %w", l.ID, id, seq, err)
	}
	defer rows.Close()
	warn := &warnings{log: s.log, layer: l.ID}
	defer warn.summarise()
	r, err := newRowReader(l, false, conn.Conn().TypeMap(), rows, warn)
	if err != nil {
		return rec, false, fmt.Errorf("postgis: %s/%v as of %d: %w", l.ID, id, seq, err)
	}
	for rows.Next() {
		rec, found = r.read(rows.RawValues())
	}
	if err := rows.Err(); err != nil {
		return rec, false, fmt.Errorf("postgis: %s/%v as of %d: %w", l.ID, id, seq, err)
	}
	return rec, found, nil
}

// pastRow is a FROM item that rebuilds one row of l's table from a logged
// old_row (jsonb, the attributes) and old_geom (EWKB) expression.
// jsonb_populate_record types every value by the table's own columns; the
// geometry goes in as hex EWKB, which geometry's input function reads
// exactly.
func pastRow(l *layer.Layer, oldRow, oldGeom string) (string, error) {
	if l.Source.GeometryColumn == "" {
		return "", fmt.Errorf("postgis: %s: no geometry column", l.ID)
	}
	table := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
	return "(SELECT (jsonb_populate_record(NULL::" + table + ", " + oldRow +
		" || jsonb_build_object(" + quoteLiteral(l.Source.GeometryColumn) + ", encode(" + oldGeom + ", 'hex')))).*) AS past", nil
}

// Rollback restores every feature of l changed after seq (or after time
// at, when seq is zero) to its state then, in one transaction whose
// deletes and inserts the triggers log like any edit.
func (s *Store) Rollback(ctx context.Context, l *layer.Layer, seq int64, at time.Time, actor string) (store.Commit, error) {
	if seq == 0 {
		err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM csdi.change_log WHERE at <= $1`, at).Scan(&seq)
		if err != nil {
			return store.Commit{}, fmt.Errorf("postgis: rollback %s: %w", l.ID, notMigrated(err))
		}
	}
	key := s.LayerKey(l)
	return s.Edit(ctx, l, actor, func(t store.Tx) error {
		tx := t.(*pgTx).tx
		var reload *int64
		err := tx.QueryRow(ctx, `SELECT min(seq) FROM csdi.change_log WHERE layer = $1 AND seq > $2 AND op = 'R'`, key, seq).Scan(&reload)
		if err != nil {
			return fmt.Errorf("postgis: rollback %s: %w", l.ID, err)
		}
		if reload != nil {
			return fmt.Errorf("postgis: rollback %s: change %d replaced the whole table (TRUNCATE or a rewrite), whose rows were not logged: %w",
				l.ID, *reload, store.ErrReadOnly)
		}
		// The first change of each feature after seq holds its state then.
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE csdi_rollback ON COMMIT DROP AS
			SELECT DISTINCT ON (feature_id) feature_id, op, old_row, old_geom FROM csdi.change_log
			WHERE layer = $1 AND seq > $2 AND feature_id IS NOT NULL ORDER BY feature_id, seq`, key, seq); err != nil {
			return fmt.Errorf("postgis: rollback %s: %w", l.ID, err)
		}
		typ, err := s.idType(ctx, l)
		if err != nil {
			return err
		}
		table := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
		idCol := pgx.Identifier{l.Source.IDColumn}.Sanitize()
		if _, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE "+idCol+
			" = ANY (ARRAY(SELECT feature_id::"+typ+" FROM pg_temp.csdi_rollback))"); err != nil {
			return fmt.Errorf("postgis: rollback %s: %w", l.ID, err)
		}
		from, err := pastRow(l, "r.old_row", "r.old_geom")
		if err != nil {
			return err
		}
		// LATERAL: the subquery pastRow builds refers to r.
		if _, err := tx.Exec(ctx, "INSERT INTO "+table+" SELECT past.* FROM pg_temp.csdi_rollback r, LATERAL "+from+
			" WHERE r.op <> 'I'"); err != nil {
			return fmt.Errorf("postgis: rollback %s: %w", l.ID, err)
		}
		return nil
	})
}
