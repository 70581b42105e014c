package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// defaultActor is recorded for an Edit that names no actor.
const defaultActor = "unknown"

// Edit runs fn in one SQLite write transaction on l's table. The
// transaction takes the write lock when it begins (BEGIN IMMEDIATE), so
// concurrent writers, of this process or another, queue on the busy
// timeout; Get therefore sees a row no one else can change before the
// commit. The actor is written to csdi_actor for the triggers to record
// and removed again before the commit, so no reader ever sees it.
//
// An error fn returns is returned as it is; the store's own are wrapped.
func (s *Store) Edit(ctx context.Context, l *layer.Layer, actor string, fn func(store.Tx) error) (store.Commit, error) {
	var fnErr error
	c, err := s.edit(ctx, l, actor, func(tx *editTx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if err == nil {
		return c, nil
	}
	if fnErr != nil && err == fnErr {
		return store.Commit{}, err
	}
	return store.Commit{}, fmt.Errorf("gpkg: edit layer %s: %w", l.ID, causeOf(ctx, err))
}

// causeOf reports the context's error when ctx ended: database/sql rolls
// the transaction back then, and the statement that failed saw only
// sql.ErrTxDone.
func causeOf(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	return err
}

// edit is Edit for the store's own writers (Rollback), which need the
// table behind the Tx.
func (s *Store) edit(ctx context.Context, l *layer.Layer, actor string, fn func(*editTx) error) (store.Commit, error) {
	if actor == "" {
		actor = defaultActor
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return store.Commit{}, err
	}
	defer tx.Rollback() // a no-op after Commit
	if err := s.prepareLog(ctx, tx, l.Source.Table, idColumns(*l)); err != nil {
		return store.Commit{}, readOnly(err)
	}
	t, err := s.describe(ctx, tx, l)
	if err != nil {
		return store.Commit{}, err
	}
	if err := t.editable(); err != nil {
		return store.Commit{}, err
	}
	var start int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM csdi_change_log`).Scan(&start); err != nil {
		return store.Commit{}, fmt.Errorf("read the change log: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO csdi_actor (id, actor) VALUES (1, ?)`, actor); err != nil {
		return store.Commit{}, readOnly(fmt.Errorf("set the actor: %w", err))
	}
	et := &editTx{t: t, tx: tx, stmts: map[string]*sql.Stmt{}}
	defer et.close()
	if err := fn(et); err != nil {
		return store.Commit{}, err
	}
	if err := et.endBulk(ctx); err != nil {
		return store.Commit{}, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM csdi_actor`); err != nil {
		return store.Commit{}, fmt.Errorf("clear the actor: %w", err)
	}
	var c store.Commit
	err = tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0), count(*) FROM csdi_change_log WHERE seq > ?`, start).
		Scan(&c.Seq, &c.Changes)
	if err != nil {
		return store.Commit{}, fmt.Errorf("read the change log: %w", err)
	}
	if c.Changes > 0 {
		// The GeoPackage's own record of when the content last changed.
		_, err := tx.ExecContext(ctx, `UPDATE gpkg_contents SET last_change = `+nowSQL+` WHERE table_name = ?`, t.name)
		if err != nil {
			return store.Commit{}, fmt.Errorf("record the change in gpkg_contents: %w", err)
		}
	}
	if err := commit(tx); err != nil {
		return store.Commit{}, err
	}
	if c.Changes > 0 {
		s.changed.broadcast()
	}
	return c, nil
}

// editTx is the store.Tx of one Edit. Statements are prepared once per
// transaction and reused.
type editTx struct {
	t      *table
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
	nextID int64      // the next id to assign; 0 until one is needed
	blob   []byte     // reused for geometry blobs
	bulk   *bulkIndex // after a Copy into an empty table, until another write
	// bulkTried: Copy has looked for an empty table (only the first can).
	bulkTried bool

	insertQ, updateQ string // built on first use
}

func (e *editTx) close() {
	for _, st := range e.stmts {
		st.Close()
	}
}

// stmt returns the prepared statement for q.
func (e *editTx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if st, ok := e.stmts[q]; ok {
		return st, nil
	}
	st, err := e.tx.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	e.stmts[q] = st
	return st, nil
}

func (e *editTx) insertSQL() string {
	if e.insertQ == "" {
		e.insertQ = e.buildInsertSQL()
	}
	return e.insertQ
}

func (e *editTx) buildInsertSQL() string {
	cols := []string{quote(e.t.key), quote(e.t.geom)}
	for _, c := range e.t.cols {
		cols = append(cols, quote(c))
	}
	marks := strings.Repeat(", ?", len(cols))[2:]
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", quote(e.t.name), strings.Join(cols, ", "), marks)
}

// updateSQL sets the geometry and the fields; its last argument is the id.
func (e *editTx) updateSQL() string {
	if e.updateQ == "" {
		e.updateQ = e.buildUpdateSQL()
	}
	return e.updateQ
}

func (e *editTx) buildUpdateSQL() string {
	sets := []string{quote(e.t.geom) + " = ?"}
	for _, c := range e.t.cols {
		sets = append(sets, quote(c)+" = ?")
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s = ?", quote(e.t.name), strings.Join(sets, ", "), quote(e.t.key))
}

func (e *editTx) Get(ctx context.Context, id any) (store.Record, bool, error) {
	k, ok := e.t.id(id)
	if !ok {
		return store.Record{}, false, nil
	}
	st, err := e.stmt(ctx, e.t.selectSQL(quote(e.t.key)+" = ?"))
	if err != nil {
		return store.Record{}, false, err
	}
	rec, err := e.t.scanRecord(st.QueryRowContext(ctx, k).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, fmt.Errorf("get feature %v: %w", id, err)
	}
	return rec, true, nil
}

func (e *editTx) Insert(ctx context.Context, r store.Record) (any, error) {
	if err := e.endBulk(ctx); err != nil {
		return nil, err
	}
	return e.insert(ctx, ctx, r, false)
}

// insert adds r, or with upsert replaces the feature of r's id when there
// is one. Statements run with stmtCtx (Copy passes one without
// cancellation, since the driver starts a goroutine per statement for a
// cancellable context).
func (e *editTx) insert(ctx, stmtCtx context.Context, r store.Record, upsert bool) (any, error) {
	id := r.ID
	if id == nil {
		if e.t.kind != intIDs {
			return nil, &store.ValueError{Field: "id", Reason: "the layer's ids are text: a new feature needs one"}
		}
		next, err := e.newID(ctx)
		if err != nil {
			return nil, err
		}
		id = next
	} else {
		k, ok := e.t.id(id)
		if !ok {
			return nil, &store.ValueError{ID: id, Field: "id", Reason: fmt.Sprintf("a %T cannot be an id of this layer, whose ids are %s", id, e.t.kind)}
		}
		id = k
	}
	args, env, err := e.values(r, id)
	if err != nil {
		return nil, err
	}
	if upsert {
		st, err := e.stmt(ctx, e.updateSQL())
		if err != nil {
			return nil, err
		}
		res, err := st.ExecContext(stmtCtx, append(args[1:], id)...)
		if err != nil {
			return nil, e.writeErr(id, err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return id, err
		}
	}
	st, err := e.stmt(ctx, e.insertSQL())
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(stmtCtx, args...)
	if err != nil {
		if isConstraint(err) {
			if _, found, gerr := e.Get(ctx, id); gerr == nil && found {
				return nil, fmt.Errorf("feature %v: %w", id, store.ErrConflict)
			}
		}
		return nil, e.writeErr(id, err)
	}
	if e.bulk != nil && env.n > 0 {
		rowid, err := res.LastInsertId()
		if err != nil {
			return nil, fmt.Errorf("write feature %v: %w", id, err)
		}
		e.bulk.cells = append(e.bulk.cells, newRTreeCell(rowid, env))
	}
	if i, ok := id.(int64); ok && e.nextID != 0 && i >= e.nextID {
		e.nextID = i + 1
	}
	return id, nil
}

// writeErr turns a failed write into a ValueError when the row broke one
// of the table's constraints (NOT NULL, UNIQUE, CHECK), which is the
// content's fault and not the store's.
func (e *editTx) writeErr(id any, err error) error {
	if isConstraint(err) {
		return &store.ValueError{ID: id, Reason: err.Error()}
	}
	return fmt.Errorf("write feature %v: %w", id, err)
}

// newID is the next integer id: above every id the table has and every id
// the change log has seen for it, so the id of a deleted feature is not
// given to a new one (its history stays its own).
func (e *editTx) newID(ctx context.Context) (int64, error) {
	if e.nextID != 0 {
		e.nextID++
		return e.nextID - 1, nil
	}
	var inTable, inLog any
	q := fmt.Sprintf("SELECT max(%s) FROM %s", quote(e.t.key), quote(e.t.name))
	if err := e.tx.QueryRowContext(ctx, q).Scan(&inTable); err != nil {
		return 0, fmt.Errorf("next id: %w", err)
	}
	err := e.tx.QueryRowContext(ctx, `SELECT max(feature_id) FROM csdi_change_log WHERE layer = ?`,
		layerKey(e.t.name)).Scan(&inLog)
	if err != nil {
		return 0, fmt.Errorf("next id: %w", err)
	}
	next := int64(1)
	for _, v := range []any{inTable, inLog} {
		if i, ok := v.(int64); ok && i >= next {
			next = i + 1
		}
	}
	e.nextID = next + 1
	return next, nil
}

// values are the arguments of insertSQL for r with the id id: id, geometry
// blob, then one per field, each checked against the table.
func (e *editTx) values(r store.Record, id any) ([]any, envelope, error) {
	t := e.t
	args := make([]any, 2+len(t.cols))
	args[0] = id
	var env envelope
	if r.Geometry != nil {
		blob, genv, err := appendGeometryBlob(e.blob[:0], r.Geometry, t.geomType, t.srid)
		if err != nil {
			return nil, env, &store.ValueError{ID: id, Field: "geometry", Reason: err.Error()}
		}
		e.blob = blob[:0]
		args[1], env = blob, genv
	} else if t.geomReq {
		return nil, env, &store.ValueError{ID: id, Field: "geometry", Reason: "is required"}
	}
	if len(r.Props) != len(t.cols) {
		return nil, env, &store.ValueError{ID: id, Reason: fmt.Sprintf("%d values for %d fields", len(r.Props), len(t.cols))}
	}
	for i, f := range t.l.Fields {
		if r.Props[i] == nil {
			if t.required[i] {
				return nil, env, &store.ValueError{ID: id, Field: f.Name, Reason: "is required"}
			}
			continue
		}
		v, err := toSQL(f, r.Props[i])
		if err != nil {
			reason := fmt.Sprintf("a %T is not a %s", r.Props[i], f.Type)
			var ve *ValueError
			if errors.As(err, &ve) && ve.Err != nil {
				reason += ": " + ve.Err.Error()
			}
			return nil, env, &store.ValueError{ID: id, Field: f.Name, Reason: reason}
		}
		args[2+i] = v
	}
	return args, env, nil
}

func (e *editTx) Replace(ctx context.Context, r store.Record) error {
	if err := e.endBulk(ctx); err != nil {
		return err
	}
	k, ok := e.t.id(r.ID)
	if !ok {
		return fmt.Errorf("feature %v: %w", r.ID, store.ErrNotFound)
	}
	args, _, err := e.values(r, k)
	if err != nil {
		return err
	}
	st, err := e.stmt(ctx, e.updateSQL())
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, append(args[1:], k)...)
	if err != nil {
		return e.writeErr(k, err)
	}
	return found(res, k)
}

func (e *editTx) Delete(ctx context.Context, id any) error {
	if err := e.endBulk(ctx); err != nil {
		return err
	}
	k, ok := e.t.id(id)
	if !ok {
		return fmt.Errorf("feature %v: %w", id, store.ErrNotFound)
	}
	st, err := e.stmt(ctx, fmt.Sprintf("DELETE FROM %s WHERE %s = ?", quote(e.t.name), quote(e.t.key)))
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, k)
	if err != nil {
		return e.writeErr(k, err)
	}
	return found(res, k)
}

// found reports store.ErrNotFound when a write by id touched no row.
func found(res sql.Result, id any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("feature %v: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("feature %v: %w", id, store.ErrNotFound)
	}
	return nil
}

// DeleteAll deletes row by row (SQLite skips its truncate optimisation
// when a table has triggers), so each feature's last version is logged.
// The spatial index is emptied at once rather than entry by entry.
func (e *editTx) DeleteAll(ctx context.Context) (int64, error) {
	if err := e.endBulk(ctx); err != nil {
		return 0, err
	}
	e.bulkTried = false // the table is empty again
	n, err := e.deleteAll(ctx)
	if err != nil {
		return 0, fmt.Errorf("delete all features: %w", err)
	}
	return n, nil
}

func (e *editTx) deleteAll(ctx context.Context) (int64, error) {
	r := rtreeName(e.t.name, e.t.geom)
	var trigger sql.NullString
	err := e.tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? COLLATE NOCASE`,
		r+"_delete").Scan(&trigger)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	indexed := trigger.Valid
	if indexed {
		if indexed, err = tableExists(ctx, e.tx, r); err != nil {
			return 0, err
		}
	}
	if indexed {
		if _, err := e.tx.ExecContext(ctx, "DROP TRIGGER "+quote(r+"_delete")); err != nil {
			return 0, err
		}
	}
	res, err := e.tx.ExecContext(ctx, "DELETE FROM "+quote(e.t.name))
	if err != nil {
		return 0, err
	}
	if indexed {
		if _, err := e.tx.ExecContext(ctx, "DROP TABLE "+quote(r)); err != nil {
			return 0, err
		}
		if err := createRTree(ctx, e.tx, e.t.name, e.t.geom); err != nil {
			return 0, err
		}
		if _, err := e.tx.ExecContext(ctx, trigger.String); err != nil {
			return 0, fmt.Errorf("restore the spatial index trigger: %w", err)
		}
	}
	return res.RowsAffected()
}

// Copy inserts records through the prepared statements of Insert; with
// upsert, each record first tries an UPDATE of its id (which works whether
// or not the id column has a unique index to name in ON CONFLICT).
//
// Into an empty table (a bulk replace, a new layer) Copy builds the
// spatial index once, as WriteLayer does, instead of row by row: the
// index stays out of the way through further Copy calls (an import sends
// batches) until another kind of write or the commit, which finish it.
func (e *editTx) Copy(ctx context.Context, records iter.Seq2[store.Record, error], upsert bool) (n int64, err error) {
	if upsert {
		if err := e.endBulk(ctx); err != nil {
			return 0, err
		}
	} else if e.bulk == nil && !e.bulkTried {
		e.bulkTried = true // an empty table is empty only before the first
		if e.bulk, err = e.startBulk(ctx); err != nil {
			return 0, err
		}
	}
	stmtCtx := context.WithoutCancel(ctx)
	for r, err := range records {
		if err != nil {
			return n, fmt.Errorf("after %d records: %w", n, err)
		}
		if _, err := e.insert(ctx, stmtCtx, r, upsert); err != nil {
			return n, err
		}
		n++
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
	}
	return n, ctx.Err()
}

// bulkIndex is a spatial index being rebuilt during a Copy: the rows'
// boxes, and the insert trigger to put back as it was (GDAL and the
// spec's versions differ).
type bulkIndex struct {
	rtree   string
	trigger string
	cells   []rtreeCell
}

// startBulk takes the spatial index of an empty table out of the way of
// a Copy: a new, empty rtree and no insert trigger. It returns nil, and
// changes nothing, for a table with rows or without the R-tree extension.
func (e *editTx) startBulk(ctx context.Context) (*bulkIndex, error) {
	t := e.t
	var rows int
	q := fmt.Sprintf("SELECT EXISTS (SELECT 1 FROM %s)", quote(t.name))
	if err := e.tx.QueryRowContext(ctx, q).Scan(&rows); err != nil || rows > 0 {
		return nil, err
	}
	b := &bulkIndex{rtree: rtreeName(t.name, t.geom)}
	var trigger sql.NullString
	err := e.tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ? COLLATE NOCASE`,
		b.rtree+"_insert").Scan(&trigger)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !trigger.Valid) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("spatial index: %w", err)
	}
	if ok, err := tableExists(ctx, e.tx, b.rtree); err != nil || !ok {
		return nil, err
	}
	b.trigger = trigger.String
	for _, q := range []string{"DROP TRIGGER " + quote(b.rtree+"_insert"), "DROP TABLE " + quote(b.rtree)} {
		if _, err := e.tx.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("spatial index: %w", err)
		}
	}
	if err := createRTree(ctx, e.tx, t.name, t.geom); err != nil {
		return nil, err
	}
	return b, nil
}

// endBulk loads the boxes of a bulk Copy into the new rtree and restores
// its trigger; it does nothing outside one.
func (e *editTx) endBulk(ctx context.Context) error {
	b := e.bulk
	if b == nil {
		return nil
	}
	e.bulk = nil
	if err := loadRTree(ctx, e.tx, b.rtree, b.cells); err != nil {
		return err
	}
	if _, err := e.tx.ExecContext(ctx, b.trigger); err != nil {
		return fmt.Errorf("spatial index: restore trigger: %w", err)
	}
	return nil
}

func (e *editTx) Invalid(ctx context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	return invalid(gs), nil
}
