package postgis

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/csdi-hk/csdi/internal/audit"
)

// auditSchema is migration step 2: the audit trail (package audit), a
// hash-chained log that the database itself keeps append-only.
//
//   - UPDATE, DELETE and TRUNCATE are refused by a statement trigger, set
//     ENABLE ALWAYS so that session_replication_role = replica does not
//     skip it: even csdi's own code cannot rewrite the log. Someone who
//     owns the table can still drop the trigger; the chain shows what they
//     did then (and, against an anchor, what they deleted at the end).
//   - INSERT is checked to continue the chain: seq one above the head,
//     prev_hash the head's hash, so neither a bug nor a stray INSERT can
//     fork it or leave a gap. The hash itself is checked by Verify, which
//     has the key the database never sees.
const auditSchema = `
CREATE TABLE csdi.audit_log (
	seq        bigint      PRIMARY KEY CHECK (seq > 0),
	at         timestamptz NOT NULL,
	actor      text        NOT NULL,
	department text        NOT NULL,
	method     text        NOT NULL,
	acr        text        NOT NULL,
	issuer     text        NOT NULL,
	action     text        NOT NULL,
	layer      text        NOT NULL,
	request    text        NOT NULL,
	features   bigint      NOT NULL,
	change_seq bigint      NOT NULL,
	prev_hash  bytea       NOT NULL CHECK (length(prev_hash) = 32),
	hash       bytea       NOT NULL CHECK (length(hash) = 32)
);
CREATE INDEX audit_log_at ON csdi.audit_log (at);
CREATE INDEX audit_log_layer ON csdi.audit_log (layer, seq);
CREATE INDEX audit_log_actor ON csdi.audit_log (actor, seq);

CREATE FUNCTION csdi.audit_log_refuse() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
	RAISE EXCEPTION 'csdi.audit_log is append-only: % refused', TG_OP
		USING ERRCODE = '` + appendOnlyCode + `';
END
$fn$;

CREATE FUNCTION csdi.audit_log_link() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
	head_seq  bigint := 0;
	head_hash bytea  := decode(repeat('00', 32), 'hex');
BEGIN
	SELECT seq, hash INTO head_seq, head_hash FROM csdi.audit_log ORDER BY seq DESC LIMIT 1;
	IF NOT FOUND THEN
		head_seq := 0;
		head_hash := decode(repeat('00', 32), 'hex');
	END IF;
	IF NEW.seq <> head_seq + 1 OR NEW.prev_hash <> head_hash THEN
		RAISE EXCEPTION 'csdi.audit_log: entry % does not follow entry %', NEW.seq, head_seq
			USING ERRCODE = '` + appendOnlyCode + `';
	END IF;
	RETURN NEW;
END
$fn$;

-- audit_head takes the appenders' lock, then reads the time and the head.
-- Each statement of a volatile function reads a fresh snapshot, so the
-- head is the one the lock's last holder committed; and it is one round
-- trip instead of two.
CREATE FUNCTION csdi.audit_head(lock_key bigint, OUT now timestamptz, OUT seq bigint, OUT hash bytea)
LANGUAGE plpgsql AS $fn$
BEGIN
	PERFORM pg_advisory_xact_lock(lock_key);
	now := clock_timestamp();
	SELECT l.seq, l.hash INTO seq, hash FROM csdi.audit_log AS l ORDER BY l.seq DESC LIMIT 1;
END
$fn$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON csdi.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION csdi.audit_log_refuse();
ALTER TABLE csdi.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only;
CREATE TRIGGER audit_log_linked BEFORE INSERT ON csdi.audit_log
	FOR EACH ROW EXECUTE FUNCTION csdi.audit_log_link();
`

// appendOnlyCode is the SQLSTATE the audit triggers raise.
const appendOnlyCode = "CSA01"

// auditLock serialises appenders across every replica. It lies above the
// 32-bit range hashtext() keys (edit.go's per-table locks) can take.
const auditLock int64 = 0x6373646961756474 // "csdiaudt"

// auditLog is the audit.Log of a Store.
type auditLog struct {
	s *Store
	c audit.Chain
}

var _ audit.Keeper = (*Store)(nil)

// AuditLog is the store's audit log (csdi.audit_log), hashing with c.
func (s *Store) AuditLog(c audit.Chain) audit.TxLog { return &auditLog{s: s, c: c} }

// Append appends e in a transaction of its own.
func (a *auditLog) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := e.Check(); err != nil {
		return audit.Entry{}, err
	}
	tx, err := a.s.begin(ctx)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("postgis: audit: %w", err)
	}
	defer rollback(ctx, tx)
	out, err := a.append(ctx, tx, e)
	if err != nil {
		return audit.Entry{}, err
	}
	if err := tx.Commit(ctx); err != nil {
		return audit.Entry{}, fmt.Errorf("postgis: audit: commit: %w", err)
	}
	return out, nil
}

// AppendTx appends e inside an Edit's transaction (see audit.TxLog).
func (a *auditLog) AppendTx(ctx context.Context, tx any, e audit.Entry) (audit.Entry, error) {
	t, ok := tx.(*pgTx)
	if !ok || t.s != a.s {
		return audit.Entry{}, fmt.Errorf("postgis: audit: %T: %w", tx, audit.ErrForeignTx)
	}
	if err := e.Check(); err != nil {
		return audit.Entry{}, err
	}
	if e.ChangeSeq == 0 && e.Features > 0 {
		err := t.tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM csdi.change_log
			WHERE txid = pg_current_xact_id()::text::bigint`, pgx.QueryExecModeExec).Scan(&e.ChangeSeq)
		if err != nil {
			return audit.Entry{}, fmt.Errorf("postgis: audit: read the change log: %w", err)
		}
	}
	return a.append(ctx, t.tx, e)
}

// append seals e after the head and inserts it, under the log's lock,
// which the transaction holds until it ends. The time is the database's,
// so entries from replicas with skewed clocks still read in order.
//
// The audit table's types never change, so its statements skip the
// describe round trip the store makes for feature tables (QueryExecModeExec).
func (a *auditLog) append(ctx context.Context, tx pgx.Tx, e audit.Entry) (audit.Entry, error) {
	var (
		now  time.Time
		seq  *int64
		hash []byte
	)
	err := tx.QueryRow(ctx, "SELECT now, seq, hash FROM csdi.audit_head($1)", pgx.QueryExecModeExec, auditLock).
		Scan(&now, &seq, &hash)
	if err != nil {
		return audit.Entry{}, auditError("lock and read the head", err)
	}
	var prev audit.Anchor
	if seq != nil {
		prev = audit.Anchor{Seq: *seq, Hash: hash}
	}
	e, err = a.c.Seal(prev, e, now)
	if err != nil {
		return audit.Entry{}, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO csdi.audit_log (seq, at, actor, department, method, acr, issuer,
		action, layer, request, features, change_seq, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, pgx.QueryExecModeExec,
		e.Seq, e.At, e.Actor, e.Department, e.Method, e.ACR, e.Issuer,
		e.Action, e.Layer, e.Request, e.Features, e.ChangeSeq, e.PrevHash, e.Hash)
	if err != nil {
		return audit.Entry{}, auditError("append", err)
	}
	return e, nil
}

// Entries streams the entries q selects.
func (a *auditLog) Entries(ctx context.Context, q audit.Query) iter.Seq2[audit.Entry, error] {
	if err := q.Check(); err != nil {
		return audit.Fail(err)
	}
	sql, args := entriesQuery(q)
	return func(yield func(audit.Entry, error) bool) {
		rows, err := a.s.pool.Query(ctx, sql, args...)
		if err != nil {
			yield(audit.Entry{}, auditError("read", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var e audit.Entry
			err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Department, &e.Method, &e.ACR, &e.Issuer,
				&e.Action, &e.Layer, &e.Request, &e.Features, &e.ChangeSeq, &e.PrevHash, &e.Hash)
			if err != nil {
				yield(audit.Entry{}, auditError("read", err))
				return
			}
			e.At = e.At.UTC()
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(audit.Entry{}, auditError("read", err))
		}
	}
}

// entriesQuery is the SELECT for q, its values as parameters.
func entriesQuery(q audit.Query) (string, []any) {
	q = q.Micro()
	var (
		where []string
		args  []any
	)
	cond := func(expr string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(expr, "?", "$"+strconv.Itoa(len(args))))
	}
	for _, f := range [...]struct{ col, v string }{
		{"layer", q.Layer}, {"actor", q.Actor}, {"department", q.Department}, {"action", q.Action},
	} {
		if f.v != "" {
			cond(f.col+" = ?", f.v)
		}
	}
	if !q.Since.IsZero() {
		cond("at >= ?", q.Since)
	}
	if !q.Until.IsZero() {
		cond("at < ?", q.Until)
	}
	if q.After > 0 {
		cond("seq > ?", q.After)
	}
	sql := `SELECT seq, at, actor, department, method, acr, issuer, action, layer, request,
		features, change_seq, prev_hash, hash FROM csdi.audit_log`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	if q.Newest {
		sql += " ORDER BY seq DESC"
	} else {
		sql += " ORDER BY seq"
	}
	if q.Limit > 0 {
		sql += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return sql, args
}

// auditError wraps err, as audit.ErrNoLog when the log is not installed
// and audit.ErrAppendOnly when a trigger refused the statement.
func auditError(what string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "42P01", "42883", "3F000": // undefined_table, undefined_function, invalid_schema_name
			return fmt.Errorf("postgis: audit: %s: %w (%w)", what, audit.ErrNoLog, err)
		case appendOnlyCode:
			return fmt.Errorf("postgis: audit: %s: %w (%w)", what, audit.ErrAppendOnly, err)
		}
	}
	return fmt.Errorf("postgis: audit: %s: %w", what, err)
}
