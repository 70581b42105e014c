package postgis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/ewkb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Edit runs fn in one transaction (see store.Editor). The actor goes to the
// change-log triggers through the transaction-local csdi.actor setting.
func (s *Store) Edit(ctx context.Context, l *layer.Layer, actor string, fn func(store.Tx) error) (store.Commit, error) {
	if err := editable(l); err != nil {
		return store.Commit{}, err
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return store.Commit{}, fmt.Errorf("postgis: edit %s: %w", l.ID, err)
	}
	defer rollback(ctx, tx)
	if err := s.checkLogged(ctx, tx, l); err != nil {
		return store.Commit{}, fmt.Errorf("postgis: edit %s: %w", l.ID, err)
	}
	return s.edit(ctx, tx, l, actor, fn)
}

// edit runs fn in tx, open on l's table, and commits it (see Edit).
func (s *Store) edit(ctx context.Context, tx pgx.Tx, l *layer.Layer, actor string, fn func(store.Tx) error) (store.Commit, error) {
	if _, err := tx.Exec(ctx, "SELECT set_config('csdi.actor', $1, true)", actor); err != nil {
		return store.Commit{}, fmt.Errorf("postgis: edit %s: %w", l.ID, err)
	}
	t := &pgTx{s: s, tx: tx, l: l, table: pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()}
	if err := fn(t); err != nil {
		return store.Commit{}, err
	}
	for _, q := range t.rebuild {
		if _, err := tx.Exec(ctx, q); err != nil {
			return store.Commit{}, fmt.Errorf("postgis: edit %s: rebuild index: %w", l.ID, err)
		}
	}
	var c store.Commit
	err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0), count(*) FROM csdi.change_log
		WHERE txid = pg_current_xact_id()::text::bigint`).Scan(&c.Seq, &c.Changes)
	if err != nil {
		return store.Commit{}, fmt.Errorf("postgis: edit %s: read the change log: %w", l.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return store.Commit{}, fmt.Errorf("postgis: edit %s: commit: %w", l.ID, err)
	}
	return c, nil
}

// editable rejects layers csdi cannot write: without ids a change cannot
// name its feature, and in a SRID internal/crs does not know the cache
// could not turn the written geometry into what it serves.
func editable(l *layer.Layer) error {
	switch {
	case l.Source.IDColumn == "":
		return fmt.Errorf("%w: layer %s has no id column", store.ErrReadOnly, l.ID)
	case !crs.Supported(l.Source.SRID):
		return fmt.Errorf("%w: layer %s is stored in EPSG:%d, which csdi does not transform itself", store.ErrReadOnly, l.ID, l.Source.SRID)
	}
	return nil
}

// checkLogged makes sure l's table has the change-log triggers, without
// which an edit would never reach any cache. Checked once per table.
func (s *Store) checkLogged(ctx context.Context, tx pgx.Tx, l *layer.Layer) error {
	key := "logged\x00" + s.LayerKey(l)
	if _, ok := s.idTypes.Load(key); ok {
		return nil
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM pg_trigger
		WHERE tgrelid = to_regclass($1) AND tgname LIKE 'csdi_log_%'`,
		pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()).Scan(&n)
	if err != nil {
		return fmt.Errorf("look for change-log triggers: %w", err)
	}
	if n < 4 {
		return fmt.Errorf("%w: the table has no change-log triggers: run `csdi migrate`", store.ErrReadOnly)
	}
	s.idTypes.Store(key, "")
	return nil
}

// pgTx is a store.Tx over one pgx transaction.
type pgTx struct {
	s     *Store
	tx    pgx.Tx
	l     *layer.Layer
	table string
	buf   bytes.Buffer
	// checkedEmpty: the first Copy looked whether the table was empty;
	// rebuild are the indexes it then dropped, rebuilt before commit.
	checkedEmpty bool
	rebuild      []string
}

func (t *pgTx) idColumn() string { return pgx.Identifier{t.l.Source.IDColumn}.Sanitize() }

// idParam is the placeholder for an id sent as text and cast to the
// column's type, so one code path serves bigint, text and uuid ids.
func (t *pgTx) idParam(ctx context.Context, n int) (string, error) {
	typ, err := t.s.idType(ctx, t.l)
	if err != nil {
		return "", err
	}
	return "$" + strconv.Itoa(n) + "::text::" + typ, nil
}

func (t *pgTx) Get(ctx context.Context, id any) (store.Record, bool, error) {
	q, args, err := loadQuery(t.l, false)
	if err != nil {
		return store.Record{}, false, err
	}
	p, err := t.idParam(ctx, len(args)+1)
	if err != nil {
		return store.Record{}, false, err
	}
	rows, err := t.tx.Query(ctx, q+" WHERE "+t.idColumn()+" = "+p+" FOR UPDATE", append(args, idText(id))...)
	if err != nil {
		return store.Record{}, false, t.wrap("get", id, err)
	}
	defer rows.Close()
	warn := &warnings{log: t.s.log, layer: t.l.ID}
	defer warn.summarise()
	r, err := newRowReader(t.l, false, t.tx.Conn().TypeMap(), rows, warn)
	if err != nil {
		return store.Record{}, false, t.wrap("get", id, err)
	}
	for rows.Next() {
		rec, ok := r.read(rows.RawValues())
		if !ok {
			return store.Record{}, false, fmt.Errorf("postgis: get %s/%v: the stored row cannot be read", t.l.ID, id)
		}
		return rec, true, nil
	}
	return store.Record{}, false, t.wrap("get", id, rows.Err())
}

func (t *pgTx) Insert(ctx context.Context, r store.Record) (any, error) {
	cols, vals, err := t.values(r)
	if err != nil {
		return nil, err
	}
	names := []string{}
	params := []string{}
	args := []any{}
	if r.ID != nil {
		p, err := t.idParam(ctx, 1)
		if err != nil {
			return nil, err
		}
		names, params, args = append(names, t.idColumn()), append(params, p), append(args, idText(r.ID))
	} else if next, err := t.nextID(ctx); err != nil {
		return nil, err
	} else if next != "" {
		names, params = append(names, t.idColumn()), append(params, next)
	}
	for i, c := range cols {
		names = append(names, c)
		args = append(args, vals[i])
		params = append(params, placeholder(i, len(args)))
	}
	q := "INSERT INTO " + t.table + " (" + strings.Join(names, ", ") + ") VALUES (" +
		strings.Join(params, ", ") + ") RETURNING " + t.idColumn() + "::text"
	var id string
	if err := t.tx.QueryRow(ctx, q, args...).Scan(&id); err != nil {
		return nil, t.wrap("insert", r.ID, err)
	}
	if r.ID != nil {
		if err := t.bumpSequence(ctx); err != nil {
			return nil, err
		}
	}
	return t.typedID(ctx, id)
}

// nextID is the expression for a new feature's id: empty when the column
// has a default (a sequence or identity) that picks it, else one more than
// the largest id the layer has ever had — in the table or deleted, so a
// deleted feature's id, and its history, is never given to another — under
// a lock on the layer so two inserts cannot pick the same.
func (t *pgTx) nextID(ctx context.Context) (string, error) {
	hasDefault, typ, err := t.idDefault(ctx)
	if err != nil {
		return "", err
	}
	if hasDefault {
		return "", nil
	}
	if !integerType(typ) {
		return "", &store.ValueError{Field: "id", Reason: "layer " + t.l.ID + " has " + typ + " ids, which the client must give"}
	}
	if _, err := t.tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", t.table); err != nil {
		return "", fmt.Errorf("postgis: lock %s for a new id: %w", t.l.ID, err)
	}
	return "(" + t.highestID() + " + 1)", nil
}

// highestID is the expression for the largest id the layer has had.
func (t *pgTx) highestID() string {
	return "GREATEST((SELECT max(" + t.idColumn() + ") FROM " + t.table + "), " +
		"(SELECT max(feature_id::bigint) FROM csdi.change_log WHERE layer = " + quoteLiteral(t.s.LayerKey(t.l)) +
		" AND op = 'D' AND id_num), 0)"
}

// idDefault reports whether the id column has a default and its type.
func (t *pgTx) idDefault(ctx context.Context) (bool, string, error) {
	var hasDefault bool
	var typ string
	err := t.tx.QueryRow(ctx, `SELECT atthasdef OR attidentity <> '', format_type(atttypid, NULL)
		FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2`,
		t.table, t.l.Source.IDColumn).Scan(&hasDefault, &typ)
	if err != nil {
		return false, "", fmt.Errorf("postgis: look up id column of %s: %w", t.l.ID, err)
	}
	return hasDefault, typ, nil
}

// bumpSequence moves the id column's sequence, if it has one, past ids
// given explicitly, so the ids it hands out later do not collide with them.
func (t *pgTx) bumpSequence(ctx context.Context) error {
	if typ, err := t.s.idType(ctx, t.l); err != nil || !integerType(typ) {
		return err
	}
	_, err := t.tx.Exec(ctx, `SELECT setval(s, GREATEST((SELECT max(`+t.idColumn()+`) FROM `+t.table+`), 1))
		FROM pg_get_serial_sequence($1, $2) AS s WHERE s IS NOT NULL
		AND (SELECT max(`+t.idColumn()+`) FROM `+t.table+`) >= nextval(s)`, t.table, t.l.Source.IDColumn)
	if err != nil {
		return fmt.Errorf("postgis: advance the id sequence of %s: %w", t.l.ID, err)
	}
	return nil
}

// typedID is an id read back as text, as the store yields it.
func (t *pgTx) typedID(ctx context.Context, id string) (any, error) {
	typ, err := t.s.idType(ctx, t.l)
	if err != nil {
		return nil, err
	}
	if integerType(typ) {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("postgis: id %q: %w", id, err)
		}
		return n, nil
	}
	return id, nil
}

func (t *pgTx) Replace(ctx context.Context, r store.Record) error {
	if r.ID == nil {
		return &store.ValueError{Field: "id", Reason: "a replaced feature needs its id"}
	}
	cols, vals, err := t.values(r)
	if err != nil {
		return err
	}
	p, err := t.idParam(ctx, 1)
	if err != nil {
		return err
	}
	sets := make([]string, len(cols))
	args := []any{idText(r.ID)}
	for i, c := range cols {
		args = append(args, vals[i])
		sets[i] = c + " = " + placeholder(i, len(args))
	}
	tag, err := t.tx.Exec(ctx, "UPDATE "+t.table+" SET "+strings.Join(sets, ", ")+" WHERE "+t.idColumn()+" = "+p, args...)
	if err != nil {
		return t.wrap("replace", r.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgis: replace %s/%v: %w", t.l.ID, r.ID, store.ErrNotFound)
	}
	return nil
}

func (t *pgTx) Delete(ctx context.Context, id any) error {
	p, err := t.idParam(ctx, 1)
	if err != nil {
		return err
	}
	tag, err := t.tx.Exec(ctx, "DELETE FROM "+t.table+" WHERE "+t.idColumn()+" = "+p, idText(id))
	if err != nil {
		return t.wrap("delete", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("postgis: delete %s/%v: %w", t.l.ID, id, store.ErrNotFound)
	}
	return nil
}

// DeleteAll deletes rather than truncates, so that every row's last
// version goes to the history.
func (t *pgTx) DeleteAll(ctx context.Context) (int64, error) {
	tag, err := t.tx.Exec(ctx, "DELETE FROM "+t.table)
	if err != nil {
		return 0, t.wrap("delete all", nil, err)
	}
	return tag.RowsAffected(), nil
}

// Copy streams records with COPY: straight into the table when every
// record has an id (known from the first: a later one without is refused),
// otherwise, and for an upsert, into a temporary copy of the table that one
// INSERT ... SELECT then merges after numbering the records without ids
// above every id the layer has had (and every id in the batch). Either way
// the change-log trigger runs once per statement.
func (t *pgTx) Copy(ctx context.Context, records iter.Seq2[store.Record, error], upsert bool) (int64, error) {
	next, stop := iter.Pull2(records)
	defer stop()
	first, firstErr, ok := next()
	if !ok {
		return 0, nil
	}
	if firstErr != nil {
		return 0, fmt.Errorf("record 1: %w", firstErr)
	}
	typ, err := t.s.idType(ctx, t.l)
	if err != nil {
		return 0, err
	}
	ids := integerID
	if !integerType(typ) {
		ids = textID
	}
	cols := []string{t.l.Source.IDColumn, t.l.Source.GeometryColumn}
	for _, f := range t.l.Fields {
		cols = append(cols, f.SourceColumn())
	}
	staged := upsert || first.ID == nil
	src := newRecordSource(t.l, ids, len(cols), replay(first, ok, next))
	src.nilIDs = staged && ids == integerID
	target := pgx.Identifier{schemaOf(t.l.Source.Schema), t.l.Source.Table}
	if staged {
		if err := t.stage(ctx); err != nil {
			return 0, err
		}
		target = pgx.Identifier{"csdi_upsert"}
	} else if !t.checkedEmpty {
		t.checkedEmpty = true
		defs, err := t.dropIndexesIfEmpty(ctx)
		if err != nil {
			return 0, err
		}
		t.rebuild = append(t.rebuild, defs...)
	}
	n, err := t.tx.CopyFrom(ctx, target, cols, src)
	if err != nil {
		if src.Err() != nil {
			return 0, src.Err()
		}
		return 0, t.wrap("copy", nil, err)
	}

	if staged {
		if err := t.merge(ctx, cols, ids, upsert); err != nil {
			return 0, err
		}
	}
	return n, t.bumpSequence(ctx)
}

// dropIndexesIfEmpty drops the secondary indexes (the spatial one, say)
// of a table that is empty in this transaction — a new layer, or one
// DeleteAll just emptied — and returns the statements that rebuild them,
// which Edit runs before it commits: building an index once after a bulk
// load (however many Copy batches) is several times faster than growing it
// row by row. Nobody else sees the table without its indexes: DROP INDEX
// holds its lock until the transaction ends.
func (t *pgTx) dropIndexesIfEmpty(ctx context.Context) ([]string, error) {
	var empty bool
	if err := t.tx.QueryRow(ctx, "SELECT NOT EXISTS (SELECT 1 FROM "+t.table+")").Scan(&empty); err != nil {
		return nil, t.wrap("copy", nil, err)
	}
	if !empty {
		return nil, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
		WHERE indrelid = to_regclass($1) AND NOT indisprimary AND NOT indisunique AND NOT indisexclusion`, t.table)
	if err != nil {
		return nil, t.wrap("copy", nil, err)
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, t.wrap("copy", nil, err)
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, t.wrap("copy", nil, err)
	}
	for _, name := range names {
		// name is regclass text: already quoted and qualified as needed.
		if _, err := t.tx.Exec(ctx, "DROP INDEX "+name); err != nil {
			return nil, t.wrap("copy: drop index", nil, err)
		}
	}
	return defs, nil
}

// stage makes the temporary table a staged Copy writes to: the layer's
// columns, ids nullable, and the order records came in.
func (t *pgTx) stage(ctx context.Context) error {
	id := pgx.Identifier{t.l.Source.IDColumn}.Sanitize()
	for _, q := range []string{
		"DROP TABLE IF EXISTS pg_temp.csdi_upsert",
		"CREATE TEMP TABLE csdi_upsert (LIKE " + t.table + " INCLUDING DEFAULTS, csdi_ord bigint GENERATED ALWAYS AS IDENTITY) ON COMMIT DROP",
		"ALTER TABLE pg_temp.csdi_upsert ALTER COLUMN " + id + " DROP NOT NULL",
	} {
		if _, err := t.tx.Exec(ctx, q); err != nil {
			return t.wrap("copy", nil, err)
		}
	}
	return nil
}

// merge numbers the staged records without ids and writes the staged rows
// to the layer: inserted, or for an upsert also replacing existing ids,
// the last record of an id given twice winning as if written one by one.
func (t *pgTx) merge(ctx context.Context, cols []string, ids idKind, upsert bool) error {
	id := pgx.Identifier{t.l.Source.IDColumn}.Sanitize()
	if ids == integerID {
		if _, err := t.tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext($1))", t.table); err != nil {
			return t.wrap("copy", nil, err)
		}
		_, err := t.tx.Exec(ctx, `UPDATE pg_temp.csdi_upsert u SET `+id+` = h.high + n.rn
			FROM (SELECT csdi_ord, row_number() OVER (ORDER BY csdi_ord) AS rn FROM pg_temp.csdi_upsert WHERE `+id+` IS NULL) n,
			     (SELECT GREATEST(`+t.highestID()+`, (SELECT max(`+id+`) FROM pg_temp.csdi_upsert)) AS high) h
			WHERE u.csdi_ord = n.csdi_ord`)
		if err != nil {
			return t.wrap("copy", nil, err)
		}
	}
	var missing bool
	if err := t.tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_temp.csdi_upsert WHERE "+id+" IS NULL)").Scan(&missing); err != nil {
		return t.wrap("copy", nil, err)
	}
	if missing {
		return &store.ValueError{Field: "id", Reason: "layer " + t.l.ID + " needs the ids of imported features"}
	}
	quoted := make([]string, len(cols))
	sets := make([]string, 0, len(cols)-1)
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
		if i > 0 {
			sets = append(sets, quoted[i]+" = EXCLUDED."+quoted[i])
		}
	}
	list := strings.Join(quoted, ", ")
	q := "INSERT INTO " + t.table + " (" + list + ") SELECT " + list + " FROM pg_temp.csdi_upsert ORDER BY csdi_ord"
	if upsert {
		q = "INSERT INTO " + t.table + " (" + list + ") SELECT DISTINCT ON (" + id + ") " + list +
			" FROM pg_temp.csdi_upsert ORDER BY " + id + ", csdi_ord DESC ON CONFLICT (" +
			id + ") DO UPDATE SET " + strings.Join(sets, ", ")
	}
	if _, err := t.tx.Exec(ctx, q); err != nil {
		return t.wrap("copy", nil, err)
	}
	return nil
}

// Invalid asks PostGIS which geometries are invalid, and why, inside the
// transaction: the same judgement ST_IsValid makes anywhere else.
func (t *pgTx) Invalid(ctx context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	out, err := invalid(ctx, t.tx, gs)
	var ve *store.ValueError
	if err != nil && !errors.As(err, &ve) {
		return nil, t.wrap("validate", nil, err)
	}
	return out, err
}

// Invalid is Tx.Invalid outside any transaction, on a connection of its
// own: an import checks one batch this way while it copies the one
// before, without holding a second transaction open for it.
func (s *Store) Invalid(ctx context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	out, err := invalid(ctx, s.pool, gs)
	var ve *store.ValueError
	if err != nil && !errors.As(err, &ve) {
		return nil, fmt.Errorf("postgis: validate: %w", err)
	}
	return out, err
}

// invalid runs the validity check on q.
func invalid(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	// One buffer for the whole chunk, cut into a blob per geometry after.
	var buf bytes.Buffer
	enc := wkb.NewEncoder(&buf)
	ends := make([]int, len(gs))
	for i, g := range gs {
		if g != nil {
			if err := enc.Encode(g); err != nil {
				return nil, &store.ValueError{Field: "geometry", Reason: err.Error()}
			}
		}
		ends[i] = buf.Len()
	}
	blobs := make([][]byte, len(gs))
	for i, g := range gs {
		if g != nil {
			start := 0
			if i > 0 {
				start = ends[i-1]
			}
			blobs[i] = buf.Bytes()[start:ends[i]:ends[i]]
		}
	}
	// The array goes through a sub-select so the planner does not count
	// it: thousands of rows times ST_IsValid's declared cost pass
	// jit_above_cost, and JIT-compiling the plan on every call took longer
	// than the check itself. The geometry is read in the expressions, not
	// as a lateral function scan (a tuplestore per row, a third of the
	// time); only the invalid ones are read twice, for their reason.
	rows, err := q.Query(ctx, `SELECT i - 1, ST_IsValidReason(ST_GeomFromWKB(wkb))
		FROM unnest((SELECT $1::bytea[])) WITH ORDINALITY AS b(wkb, i)
		WHERE wkb IS NOT NULL AND NOT ST_IsValid(ST_GeomFromWKB(wkb))`, blobs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.InvalidGeometry
	for rows.Next() {
		var v store.InvalidGeometry
		if err := rows.Scan(&v.Index, &v.Reason); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// placeholder is bind parameter n for the i-th of values' columns. The
// geometry goes as bytea (EWKB, binary) that PostGIS decodes, SRID and all:
// pgx does not know the geometry type and would send bytes as text.
func placeholder(i, n int) string {
	if i == 0 {
		return "ST_GeomFromEWKB($" + strconv.Itoa(n) + "::bytea)"
	}
	return "$" + strconv.Itoa(n)
}

// values are the geometry and field columns of r and their values.
func (t *pgTx) values(r store.Record) ([]string, []any, error) {
	if len(r.Props) != len(t.l.Fields) {
		return nil, nil, &store.ValueError{ID: r.ID, Reason: fmt.Sprintf("%d values for %d fields", len(r.Props), len(t.l.Fields))}
	}
	cols := []string{pgx.Identifier{t.l.Source.GeometryColumn}.Sanitize()}
	vals := []any{nil}
	if r.Geometry != nil {
		t.buf.Reset()
		if err := ewkb.NewEncoder(&t.buf).SetSRID(t.l.Source.SRID).Encode(r.Geometry); err != nil {
			return nil, nil, &store.ValueError{ID: r.ID, Field: "geometry", Reason: err.Error()}
		}
		vals[0] = bytes.Clone(t.buf.Bytes())
	}
	for i, f := range t.l.Fields {
		v, err := copyValue(r.Props[i], f.Type)
		if err != nil {
			return nil, nil, &store.ValueError{ID: r.ID, Field: f.Name, Reason: err.Error()}
		}
		cols = append(cols, pgx.Identifier{f.SourceColumn()}.Sanitize())
		vals = append(vals, v)
	}
	return cols, vals, nil
}

// wrap turns what PostgreSQL refused into the store's errors: a duplicate
// id is ErrConflict, a value the column refuses a ValueError.
func (t *pgTx) wrap(op string, id any, err error) error {
	if err == nil {
		return nil
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "23505":
			return fmt.Errorf("postgis: %s %s: %s: %w", op, t.l.ID, pgErr.Detail, store.ErrConflict)
		case pgErr.Code == "23502":
			return &store.ValueError{ID: id, Field: pgErr.ColumnName, Reason: "a value is required"}
		case strings.HasPrefix(pgErr.Code, "22"), strings.HasPrefix(pgErr.Code, "23"), pgErr.Code == "XX000" && strings.Contains(pgErr.Message, "geometry"):
			return &store.ValueError{ID: id, Field: pgErr.ColumnName, Reason: pgErr.Message}
		}
	}
	if id == nil {
		return fmt.Errorf("postgis: %s %s: %w", op, t.l.ID, err)
	}
	return fmt.Errorf("postgis: %s %s/%v: %w", op, t.l.ID, id, err)
}

// pgErrorCode is the SQLSTATE of a PostgreSQL error, "" for other errors.
func pgErrorCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// CreateLayer creates a new layer's table: ids (bigint, or text when
// clients name features), the geometry, a column per field, a spatial index
// and the change-log triggers, in one transaction.
func (s *Store) CreateLayer(ctx context.Context, l *layer.Layer) (layer.Layer, error) {
	out, create, err := s.newTable(ctx, l)
	if err != nil {
		return out, err
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return createIn(ctx, tx, &out, create) })
	if err != nil {
		return out, fmt.Errorf("postgis: create layer %s: %w", l.ID, err)
	}
	return out, nil
}

// newTable is a new layer as CreateLayer makes it, and the statement that
// creates its table.
func (s *Store) newTable(ctx context.Context, l *layer.Layer) (layer.Layer, string, error) {
	out := *l
	if out.Source.IDColumn == "" {
		out.Source.IDColumn = "id"
	}
	if out.Source.GeometryColumn == "" {
		out.Source.GeometryColumn = "geom"
	}
	out.Source.Schema = schemaOf(out.Source.Schema)
	if out.Source.Table == "" {
		return out, "", fmt.Errorf("postgis: create layer %s: no table name", l.ID)
	}
	if !crs.Supported(out.Source.SRID) {
		return out, "", fmt.Errorf("postgis: create layer %s: EPSG:%d is not a SRID csdi can serve edits in", l.ID, out.Source.SRID)
	}
	if !s.migrated.Load() {
		if _, err := s.Migrate(ctx, nil); err != nil {
			return out, "", err
		}
	}
	ids := identityID
	if out.ClientIDs() {
		ids = textID
	}
	table := pgx.Identifier{out.Source.Schema, out.Source.Table}.Sanitize()
	create, _, err := createTable(&out, table, ids)
	if err != nil {
		return out, "", fmt.Errorf("postgis: create layer %s: %w", l.ID, err)
	}
	return out, create, nil
}

// createIn creates l's table in tx with the statement newTable made, its
// spatial index, comments and change-log triggers.
func createIn(ctx context.Context, tx pgx.Tx, l *layer.Layer, create string) error {
	table := pgx.Identifier{l.Source.Schema, l.Source.Table}.Sanitize()
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return store.ErrLayerExists
	}
	if err := ensureSchema(ctx, tx, l.Source.Schema); err != nil {
		return err
	}
	geom := pgx.Identifier{l.Source.GeometryColumn}.Sanitize()
	for _, q := range []string{create, "CREATE INDEX ON " + table + " USING GIST (" + geom + ")"} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	if err := writeComments(ctx, tx, l, table); err != nil {
		return err
	}
	return installTriggers(ctx, tx, l)
}

// CreateAndEdit creates a new layer's table as CreateLayer does and runs
// fn on it in the same transaction, as Edit would: unless fn returns nil
// and the commit succeeds, nothing is kept, the table included. A first
// import that fails — on a feature, on the store's geometry check, or by a
// crash half-way — so leaves no empty layer behind, and need not be
// checked in full before it starts. fn gets the layer as the store serves
// it.
func (s *Store) CreateAndEdit(ctx context.Context, l *layer.Layer, actor string, fn func(*layer.Layer, store.Tx) error) (layer.Layer, store.Commit, error) {
	out, create, err := s.newTable(ctx, l)
	if err != nil {
		return out, store.Commit{}, err
	}
	tx, err := s.begin(ctx)
	if err != nil {
		return out, store.Commit{}, fmt.Errorf("postgis: create layer %s: %w", l.ID, err)
	}
	defer rollback(ctx, tx)
	if err := createIn(ctx, tx, &out, create); err != nil {
		return out, store.Commit{}, fmt.Errorf("postgis: create layer %s: %w", l.ID, err)
	}
	// Copy looks the id column's type up on a connection of its own, which
	// cannot see the table before the commit: tell it, and forget it again
	// if the table is not kept.
	var typ string
	table := pgx.Identifier{out.Source.Schema, out.Source.Table}.Sanitize()
	if err := tx.QueryRow(ctx, `SELECT format_type(atttypid, NULL) FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attname = $2`, table, out.Source.IDColumn).Scan(&typ); err != nil {
		return out, store.Commit{}, fmt.Errorf("postgis: create layer %s: %w", l.ID, err)
	}
	key := s.LayerKey(&out) + "\x00" + out.Source.IDColumn
	s.idTypes.Store(key, typ)
	c, err := s.edit(ctx, tx, &out, actor, func(t store.Tx) error { return fn(&out, t) })
	if err != nil {
		s.idTypes.Delete(key)
	}
	return out, c, err
}
