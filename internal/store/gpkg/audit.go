package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/audit"
)

// The audit trail (package audit) lives in the GeoPackage beside the
// change log, in csdi_audit_log: one row per entry, hash-chained. Like the
// other csdi_ tables it is not in gpkg_contents, so GDAL and QGIS do not
// list it, and an Export does not ship it.
//
// Triggers make it append-only for every SQLite client, csdi included:
// UPDATE and DELETE abort, and an INSERT must continue the chain (seq one
// above the head, prev_hash the head's hash). Whoever can write the file
// can still drop the triggers, or the table; the chain shows the first,
// an anchor the second.
var auditSchema = []string{
	`CREATE TABLE IF NOT EXISTS csdi_audit_log (
		seq INTEGER PRIMARY KEY CHECK (seq > 0),
		at TEXT NOT NULL,
		actor TEXT NOT NULL,
		department TEXT NOT NULL,
		method TEXT NOT NULL,
		acr TEXT NOT NULL,
		issuer TEXT NOT NULL,
		action TEXT NOT NULL,
		layer TEXT NOT NULL,
		request TEXT NOT NULL,
		features INTEGER NOT NULL,
		change_seq INTEGER NOT NULL,
		prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
		hash BLOB NOT NULL CHECK (length(hash) = 32))`,
	`CREATE INDEX IF NOT EXISTS csdi_audit_log_at ON csdi_audit_log (at)`,
	`CREATE INDEX IF NOT EXISTS csdi_audit_log_layer ON csdi_audit_log (layer, seq)`,
	`CREATE INDEX IF NOT EXISTS csdi_audit_log_actor ON csdi_audit_log (actor, seq)`,
	`CREATE TRIGGER IF NOT EXISTS csdi_audit_log_no_update BEFORE UPDATE ON csdi_audit_log BEGIN
		SELECT RAISE(ABORT, '` + appendOnlyMessage + `: UPDATE refused');
	END`,
	`CREATE TRIGGER IF NOT EXISTS csdi_audit_log_no_delete BEFORE DELETE ON csdi_audit_log BEGIN
		SELECT RAISE(ABORT, '` + appendOnlyMessage + `: DELETE refused');
	END`,
	`CREATE TRIGGER IF NOT EXISTS csdi_audit_log_linked BEFORE INSERT ON csdi_audit_log
	WHEN NEW.seq IS NOT coalesce((SELECT max(seq) FROM csdi_audit_log), 0) + 1
		OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM csdi_audit_log ORDER BY seq DESC LIMIT 1), zeroblob(32))
	BEGIN
		SELECT RAISE(ABORT, '` + appendOnlyMessage + `: an entry must follow the last one');
	END`,
}

// appendOnlyMessage starts the error of every refusal the triggers make.
const appendOnlyMessage = "csdi_audit_log is append-only"

// auditTime is how at is kept: UTC with microseconds, fixed width, so the
// text sorts as the time does.
const auditTime = "2006-01-02T15:04:05.000000Z"

func init() {
	// A layer named like the log would have WriteLayer drop it.
	csdiTables["csdi_audit_log"] = true
}

// auditLog is the audit.Log of a Store.
type auditLog struct {
	s *Store
	c audit.Chain
}

var _ audit.Keeper = (*Store)(nil)

// AuditLog is the file's audit log, hashing with c. Appending installs it
// (and the change log) in a file that has none, as Edit does.
func (s *Store) AuditLog(c audit.Chain) audit.TxLog { return &auditLog{s: s, c: c} }

// Append appends e in a write transaction of its own. SQLite's write lock,
// taken when the transaction begins, serialises appenders of every process.
func (a *auditLog) Append(ctx context.Context, e audit.Entry) (audit.Entry, error) {
	if err := e.Check(); err != nil {
		return audit.Entry{}, err
	}
	tx, err := a.s.beginWrite(ctx)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("gpkg: audit: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	out, err := a.append(ctx, tx, e)
	if err != nil {
		return audit.Entry{}, err
	}
	if err := commit(tx); err != nil {
		return audit.Entry{}, fmt.Errorf("gpkg: audit: %w", err)
	}
	return out, nil
}

// AppendTx appends e inside an Edit's transaction (see audit.TxLog). The
// Edit holds the write lock from its start, so the change log's highest
// seq is the transaction's own last change when it made any.
func (a *auditLog) AppendTx(ctx context.Context, tx any, e audit.Entry) (audit.Entry, error) {
	t, ok := tx.(*editTx)
	if !ok {
		return audit.Entry{}, fmt.Errorf("gpkg: audit: %T: %w", tx, audit.ErrForeignTx)
	}
	if err := e.Check(); err != nil {
		return audit.Entry{}, err
	}
	if e.ChangeSeq == 0 && e.Features > 0 {
		err := t.tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM csdi_change_log`).Scan(&e.ChangeSeq)
		if err != nil {
			return audit.Entry{}, fmt.Errorf("gpkg: audit: read the change log: %w", err)
		}
	}
	return a.append(ctx, t.tx, e)
}

// append seals e after the head and inserts it, in tx, which holds the
// write lock.
func (a *auditLog) append(ctx context.Context, tx *sql.Tx, e audit.Entry) (audit.Entry, error) {
	if err := ensureAudit(ctx, tx); err != nil {
		return audit.Entry{}, fmt.Errorf("gpkg: audit: install the log: %w", readOnly(err))
	}
	var prev audit.Anchor
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM csdi_audit_log ORDER BY seq DESC LIMIT 1`).
		Scan(&prev.Seq, &prev.Hash)
	if err != nil && err != sql.ErrNoRows {
		return audit.Entry{}, fmt.Errorf("gpkg: audit: read the head: %w", err)
	}
	e, err = a.c.Seal(prev, e, time.Now())
	if err != nil {
		return audit.Entry{}, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO csdi_audit_log (seq, at, actor, department, method, acr,
		issuer, action, layer, request, features, change_seq, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.Seq, e.At.Format(auditTime), e.Actor, e.Department, e.Method, e.ACR,
		e.Issuer, e.Action, e.Layer, e.Request, e.Features, e.ChangeSeq, e.PrevHash, e.Hash)
	if err != nil {
		return audit.Entry{}, fmt.Errorf("gpkg: audit: append: %w", auditError(readOnly(err)))
	}
	return e, nil
}

// ensureAudit installs the log schema in a file that does not have it yet.
func ensureAudit(ctx context.Context, tx *sql.Tx) error {
	ok, err := tableExists(ctx, tx, "csdi_audit_log")
	if err != nil || ok {
		return err
	}
	return ensureLogSchema(ctx, tx)
}

// auditError marks a trigger's refusal as audit.ErrAppendOnly.
func auditError(err error) error {
	if err != nil && strings.Contains(err.Error(), appendOnlyMessage) {
		return fmt.Errorf("%w: %w", audit.ErrAppendOnly, err)
	}
	return err
}

// Entries streams the entries q selects. A file without the log has
// none to give: audit.ErrNoLog.
func (a *auditLog) Entries(ctx context.Context, q audit.Query) iter.Seq2[audit.Entry, error] {
	if err := q.Check(); err != nil {
		return audit.Fail(err)
	}
	query, args := entriesQuery(q)
	return func(yield func(audit.Entry, error) bool) {
		ok, err := tableExists(ctx, a.s.db, "csdi_audit_log")
		if err == nil && !ok {
			err = audit.ErrNoLog
		}
		if err != nil {
			yield(audit.Entry{}, fmt.Errorf("gpkg: audit: %w", err))
			return
		}
		rows, err := a.s.db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(audit.Entry{}, fmt.Errorf("gpkg: audit: read: %w", err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var (
				e  audit.Entry
				at string
			)
			err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Department, &e.Method, &e.ACR, &e.Issuer,
				&e.Action, &e.Layer, &e.Request, &e.Features, &e.ChangeSeq, &e.PrevHash, &e.Hash)
			if err == nil {
				e.At, err = time.Parse(auditTime, at)
			}
			if err != nil {
				yield(audit.Entry{}, fmt.Errorf("gpkg: audit: read entry %d: %w", e.Seq, err))
				return
			}
			if !yield(e, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(audit.Entry{}, fmt.Errorf("gpkg: audit: read: %w", err))
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
		where, args = append(where, expr), append(args, v)
	}
	for _, f := range [...]struct{ col, v string }{
		{"layer", q.Layer}, {"actor", q.Actor}, {"department", q.Department}, {"action", q.Action},
	} {
		if f.v != "" {
			cond(f.col+" = ?", f.v)
		}
	}
	if !q.Since.IsZero() {
		cond("at >= ?", q.Since.UTC().Format(auditTime))
	}
	if !q.Until.IsZero() {
		cond("at < ?", q.Until.UTC().Format(auditTime))
	}
	if q.After > 0 {
		cond("seq > ?", q.After)
	}
	query := `SELECT seq, at, actor, department, method, acr, issuer, action, layer, request,
		features, change_seq, prev_hash, hash FROM csdi_audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if q.Newest {
		query += " ORDER BY seq DESC"
	} else {
		query += " ORDER BY seq"
	}
	if q.Limit > 0 {
		query += " LIMIT " + strconv.Itoa(q.Limit)
	}
	return query, args
}
