package gpkg

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// The history is the change log itself: an update or delete keeps the row
// it replaced, so the state of a feature just after change N is the OLD
// row of its first change after N — or, when there is none, the row the
// table holds now. A whole-layer reload (WriteLayer) keeps no rows, so
// history does not reach back past one.

// HistoryGapError reports a question about a layer's past that a reload
// (a WriteLayer, or a change to a table without ids) makes unanswerable.
type HistoryGapError struct {
	Layer string
	Seq   int64 // the reload
}

func (e *HistoryGapError) Error() string {
	return fmt.Sprintf("layer %s was reloaded as a whole at change %d: its history does not reach back past that", e.Layer, e.Seq)
}

// Versions lists the feature's change-log entries, oldest first.
func (s *Store) Versions(ctx context.Context, l *layer.Layer, id any) ([]store.Version, error) {
	out, err := s.versions(ctx, l, id)
	if err != nil {
		return nil, fmt.Errorf("gpkg: versions of feature %v of layer %s: %w", id, l.ID, err)
	}
	return out, nil
}

func (s *Store) versions(ctx context.Context, l *layer.Layer, id any) ([]store.Version, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, k, ok, err := s.historyOf(ctx, tx, l, id)
	if err != nil || !ok {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, op, at, actor FROM csdi_change_log
		WHERE layer = ? AND feature_id = ? ORDER BY seq`, layerKey(t.name), k)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Version
	for rows.Next() {
		var v store.Version
		var op, at string
		if err := rows.Scan(&v.Seq, &op, &at, &v.Actor); err != nil {
			return nil, err
		}
		v.Op, v.At = logOp(op), logTime(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// historyOf describes l's table for a question about the feature id, which
// it returns in stored form; ok is false when the file has no change log
// or id cannot name a feature of l.
func (s *Store) historyOf(ctx context.Context, q execer, l *layer.Layer, id any) (*table, any, bool, error) {
	t, err := s.describe(ctx, q, l)
	if err != nil {
		return nil, nil, false, err
	}
	if err := t.editable(); err != nil {
		return nil, nil, false, err
	}
	k, ok := t.id(id)
	if !ok {
		return t, nil, false, nil
	}
	logged, err := hasLog(ctx, q)
	if err != nil || !logged {
		return t, k, false, err
	}
	return t, k, true, nil
}

// AsOf returns the feature as it was just after change seq.
func (s *Store) AsOf(ctx context.Context, l *layer.Layer, id any, seq int64) (store.Record, bool, error) {
	rec, ok, err := s.asOf(ctx, l, id, seq)
	if err != nil {
		return store.Record{}, false, fmt.Errorf("gpkg: feature %v of layer %s as of change %d: %w", id, l.ID, seq, err)
	}
	return rec, ok, nil
}

func (s *Store) asOf(ctx context.Context, l *layer.Layer, id any, seq int64) (store.Record, bool, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.Record{}, false, err
	}
	defer tx.Rollback()
	t, k, logged, err := s.historyOf(ctx, tx, l, id)
	if err != nil || k == nil {
		return store.Record{}, false, err
	}
	if !crs.Supported(t.srid) {
		return store.Record{}, false, &UnsupportedSRIDError{Table: t.name, SRID: t.srid}
	}
	if logged {
		st, err := stateAfter(ctx, tx, t, k, seq)
		if err != nil {
			return store.Record{}, false, err
		}
		if st.known {
			if !st.exists {
				return store.Record{}, false, nil
			}
			rec, err := t.oldRecord(k, st)
			return rec, err == nil, err
		}
	}
	// No change since seq: the feature is as it is now.
	rec, err := t.scanRecord(tx.QueryRowContext(ctx, t.selectSQL(quote(t.key)+" = ?"), k).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, false, nil
	}
	return rec, err == nil, err
}

// pastState is a feature's state after some change, as the log knows it.
type pastState struct {
	known  bool // false: the feature has not changed since, see the table
	exists bool
	props  map[string]any // of the stored row, by column name
	geom   []byte
	raw    string // old_props as stored
}

// stateAfter finds the feature k's state just after change seq from the
// first entry of k after seq: none means the table has it; an insert means
// it did not exist; an update or delete kept the row it replaced.
func stateAfter(ctx context.Context, q execer, t *table, k any, seq int64) (pastState, error) {
	key := layerKey(t.name)
	var (
		next     int64
		op       string
		props    sql.NullString
		geom     []byte
		reloaded sql.NullInt64
	)
	err := q.QueryRowContext(ctx, `SELECT seq, op, old_props, old_geom FROM csdi_change_log
		WHERE layer = ? AND feature_id = ? AND seq > ? ORDER BY seq LIMIT 1`, key, k, seq).
		Scan(&next, &op, &props, &geom)
	found := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return pastState{}, fmt.Errorf("read the change log: %w", err)
	}
	err = q.QueryRowContext(ctx, `SELECT min(seq) FROM csdi_change_log
		WHERE layer = ? AND feature_id IS NULL AND seq > ?`, key, seq).Scan(&reloaded)
	if err != nil {
		return pastState{}, fmt.Errorf("read the change log: %w", err)
	}
	if reloaded.Valid && (!found || reloaded.Int64 < next) {
		return pastState{}, &HistoryGapError{Layer: t.l.ID, Seq: reloaded.Int64}
	}
	if !found {
		return pastState{}, nil
	}
	switch logOp(op) {
	case store.OpInsert:
		return pastState{known: true}, nil
	case store.OpUpdate, store.OpDelete:
		if !props.Valid {
			return pastState{}, fmt.Errorf("change %d keeps no old row", next)
		}
		m, err := decodeOldProps(props.String)
		if err != nil {
			return pastState{}, fmt.Errorf("change %d: %w", next, err)
		}
		return pastState{known: true, exists: true, props: m, geom: geom, raw: props.String}, nil
	}
	return pastState{}, fmt.Errorf("change %d has an unknown operation %q", next, op)
}

// oldRecord decodes a past row into a Record, as Load decodes the table.
func (t *table) oldRecord(id any, st pastState) (store.Record, error) {
	raw := make([]any, len(t.cols))
	for i, c := range t.cols {
		v, ok := st.props[c]
		if !ok {
			for name, x := range st.props { // the column's case may differ now
				if strings.EqualFold(name, c) {
					v = x
					break
				}
			}
		}
		raw[i] = v
	}
	var blob []byte
	if st.geom != nil {
		blob = st.geom
	}
	return decodeRow(t.l, id, blob, raw)
}

// Rollback puts every feature of l back as it was just after change seq
// (with seq 0: the last change at or before at), in one Edit whose changes
// the triggers log under actor like any other. The rows are restored as
// they were stored, column by column, so a feature reads back exactly as
// it did.
func (s *Store) Rollback(ctx context.Context, l *layer.Layer, seq int64, at time.Time, actor string) (store.Commit, error) {
	c, err := s.edit(ctx, l, actor, func(e *editTx) error { return rollback(ctx, e, seq, at) })
	if err != nil {
		return store.Commit{}, fmt.Errorf("gpkg: roll back layer %s: %w", l.ID, causeOf(ctx, err))
	}
	return c, nil
}

func rollback(ctx context.Context, e *editTx, seq int64, at time.Time) error {
	tx, t := e.tx, e.t
	key := layerKey(t.name)
	if seq == 0 {
		if at.IsZero() {
			return errors.New("give the change or the time to roll back to")
		}
		err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM csdi_change_log WHERE at <= ?`,
			at.UTC().Format(dateTimeLayout)).Scan(&seq)
		if err != nil {
			return fmt.Errorf("find the last change at %s: %w", at.Format(time.RFC3339Nano), err)
		}
	}
	var head int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM csdi_change_log`).Scan(&head); err != nil {
		return fmt.Errorf("read the change log: %w", err)
	}
	if seq > head {
		return fmt.Errorf("change %d is beyond the newest, %d", seq, head)
	}
	var reloaded sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT min(seq) FROM csdi_change_log
		WHERE layer = ? AND feature_id IS NULL AND seq > ?`, key, seq).Scan(&reloaded)
	if err != nil {
		return fmt.Errorf("read the change log: %w", err)
	}
	if reloaded.Valid {
		return &HistoryGapError{Layer: t.l.ID, Seq: reloaded.Int64}
	}
	ids, err := changedSince(ctx, tx, key, seq)
	if err != nil {
		return err
	}
	cols, err := columns(ctx, tx, t.name)
	if err != nil {
		return err
	}
	var props []string // the columns old_props holds, in the triggers' order
	for _, c := range cols {
		if !strings.EqualFold(c.name, t.geom) {
			props = append(props, c.name)
		}
	}
	current := fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s = ?",
		oldPropsSQL(props, quote(t.name)+"."), quote(t.geom), quote(t.name), quote(t.key))

	// Deletes first, then updates, then inserts, so a restored row never
	// meets the one that replaced it in a unique column.
	var deletes []any
	var updates, inserts []restore
	for _, k := range ids {
		past, err := stateAfter(ctx, tx, t, k, seq)
		if err != nil {
			return err
		}
		var now string
		var geom []byte
		err = tx.QueryRowContext(ctx, current, k).Scan(&now, &geom)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read feature %v: %w", k, err)
		}
		switch {
		case !past.exists && exists:
			deletes = append(deletes, k)
		case past.exists && !exists:
			inserts = append(inserts, restore{k, past})
		case past.exists && (now != past.raw || !bytes.Equal(geom, past.geom)):
			updates = append(updates, restore{k, past})
		}
	}
	for _, k := range deletes {
		if err := e.Delete(ctx, k); err != nil {
			return err
		}
	}
	for _, r := range updates {
		if err := e.restoreRow(ctx, r, false); err != nil {
			return err
		}
	}
	for _, r := range inserts {
		if err := e.restoreRow(ctx, r, true); err != nil {
			return err
		}
	}
	return nil
}

// changedSince lists the features of the layer key changed after seq.
func changedSince(ctx context.Context, tx *sql.Tx, key string, seq int64) ([]any, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT feature_id FROM csdi_change_log
		WHERE layer = ? AND seq > ? AND feature_id IS NOT NULL`, key, seq)
	if err != nil {
		return nil, fmt.Errorf("read the change log: %w", err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id any
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("read the change log: %w", err)
		}
		ids = append(ids, logID(id))
	}
	return ids, rows.Err()
}

// restore is a feature to put back as a past row.
type restore struct {
	id   any
	past pastState
}

// restoreRow writes a past row back as it was stored: every column it had
// that the table still has, and its geometry blob. The integer key beside
// a text id (GeoPackage's fid) is left to SQLite, since another row may
// have been given the old number since.
func (e *editTx) restoreRow(ctx context.Context, r restore, insert bool) error {
	t := e.t
	names := make([]string, 0, len(r.past.props))
	for name := range r.past.props {
		names = append(names, name)
	}
	slices.Sort(names)
	var cols []string
	var args []any
	hasKey := false
	for _, name := range names {
		c, ok := t.all[strings.ToLower(name)]
		switch {
		case !ok, t.pk != "" && strings.EqualFold(c.name, t.pk):
			continue
		case strings.EqualFold(c.name, t.key):
			if !insert {
				continue
			}
			hasKey = true
		}
		cols = append(cols, quote(c.name))
		args = append(args, r.past.props[name])
	}
	if insert && !hasKey {
		cols = append(cols, quote(t.key))
		args = append(args, r.id)
	}
	cols = append(cols, quote(t.geom))
	var geom any
	if r.past.geom != nil {
		geom = r.past.geom
	}
	args = append(args, geom)
	var q string
	if insert {
		q = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(t.name), strings.Join(cols, ", "),
			strings.Repeat(", ?", len(cols))[2:])
	} else {
		q = fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", quote(t.name), strings.Join(cols, " = ?, "), quote(t.key))
		args = append(args, r.id)
	}
	if _, err := e.tx.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("restore feature %v: %w", r.id, err)
	}
	return nil
}
