package postgis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// PostgreSQL numbers changes (nextval) before they commit, and transactions
// commit in any order, so "every change above the last sequence read" would
// miss a change numbered 9 that commits after 10 was read. A cursor is
// therefore the highest sequence read plus the transactions that were in
// flight when it was read (the snapshot's xip list): their changes, however
// numbered, are read by transaction id once they commit. A transaction that
// had not written by then numbers its changes above the cursor: its table
// write (which gives it an id) precedes the statement trigger that takes
// the number.

// Changes reads the change log after c (see store.ChangeLog).
func (s *Store) Changes(ctx context.Context, c store.Cursor, limit int) ([]store.Change, store.Cursor, error) {
	if limit <= 0 {
		limit = 1000
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, c, fmt.Errorf("postgis: read change log: %w", err)
	}
	defer rollback(ctx, tx)
	// The first statement fixes the snapshot that both reads below see.
	pending, err := inFlight(ctx, tx)
	if err != nil {
		return nil, c, fmt.Errorf("postgis: read change log: %w", err)
	}
	var out []store.Change
	if len(c.Pending) > 0 {
		// Changes of transactions in flight at the last read, numbered
		// at or below it, that have committed since.
		late, err := readChanges(ctx, tx, `WHERE txid = ANY($1) AND seq <= $2 ORDER BY seq`, c.Pending, c.Seq)
		if err != nil {
			return nil, c, fmt.Errorf("postgis: read change log: %w", err)
		}
		out = late
	}
	next, err := readChanges(ctx, tx, `WHERE seq > $1 ORDER BY seq LIMIT $2`, c.Seq, limit)
	if err != nil {
		return nil, c, fmt.Errorf("postgis: read change log: %w", err)
	}
	out = append(out, next...)
	cur := store.Cursor{Seq: c.Seq, Pending: pending}
	if n := len(next); n > 0 {
		cur.Seq = next[n-1].Seq
	}
	return out, cur, nil
}

// Head is the cursor of a reader that has read everything committed now.
func (s *Store) Head(ctx context.Context) (store.Cursor, error) {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return store.Cursor{}, fmt.Errorf("postgis: change log head: %w", err)
	}
	defer rollback(ctx, tx)
	pending, err := inFlight(ctx, tx)
	if err != nil {
		return store.Cursor{}, fmt.Errorf("postgis: change log head: %w", err)
	}
	var seq int64
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(seq), 0) FROM csdi.change_log").Scan(&seq); err != nil {
		return store.Cursor{}, fmt.Errorf("postgis: change log head: %w", notMigrated(err))
	}
	return store.Cursor{Seq: seq, Pending: pending}, nil
}

// inFlight lists the transactions in progress in tx's snapshot.
func inFlight(ctx context.Context, tx pgx.Tx) ([]int64, error) {
	var xip []int64
	err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(x::text::bigint), '{}')
		FROM pg_snapshot_xip(pg_current_snapshot()) AS x`).Scan(&xip)
	if err != nil {
		return nil, fmt.Errorf("read the snapshot: %w", err)
	}
	return xip, nil
}

func readChanges(ctx context.Context, tx pgx.Tx, where string, args ...any) ([]store.Change, error) {
	rows, err := tx.Query(ctx, `SELECT seq, layer, feature_id, id_num, op, at, actor FROM csdi.change_log `+where, args...)
	if err != nil {
		return nil, notMigrated(err)
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var (
			ch    store.Change
			id    *string
			idNum bool
			op    byte
		)
		if err := rows.Scan(&ch.Seq, &ch.Layer, &id, &idNum, &op, &ch.At, &ch.Actor); err != nil {
			return nil, err
		}
		ch.Op = store.Op(op)
		if id != nil {
			ch.ID = *id
			if n, err := strconv.ParseInt(*id, 10, 64); err == nil && idNum {
				ch.ID = n
			}
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}

// notMigrated explains a missing change log.
func notMigrated(err error) error {
	if pgErrorCode(err) == "42P01" { // undefined_table
		return fmt.Errorf("the csdi schema is not installed: run `csdi migrate`: %w", err)
	}
	return err
}

// LayerKey is schema.table, as the triggers name the layer.
func (s *Store) LayerKey(l *layer.Layer) string {
	return schemaOf(l.Source.Schema) + "." + l.Source.Table
}

// Fetch streams the current rows of the given ids (see store.ChangeLog).
// Ids go as text and are cast to the id column's own type, so its index
// serves the lookup whatever that type is.
func (s *Store) Fetch(ctx context.Context, l *layer.Layer, ids []any, fn func(store.Record) error) error {
	if len(ids) == 0 {
		return nil
	}
	if l.Source.IDColumn == "" {
		return fmt.Errorf("postgis: fetch %s: the layer has no id column", l.ID)
	}
	typ, err := s.idType(ctx, l)
	if err != nil {
		return fmt.Errorf("postgis: fetch %s: %w", l.ID, err)
	}
	texts := make([]string, len(ids))
	for i, id := range ids {
		texts[i] = idText(id)
	}
	q, args, err := loadQuery(l, false)
	if err != nil {
		return err
	}
	q += " WHERE " + pgx.Identifier{l.Source.IDColumn}.Sanitize() + " = ANY($" + strconv.Itoa(len(args)+1) + "::text[]::" + typ + "[])"
	args = append(args, texts)
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgis: fetch %s: %w", l.ID, err)
	}
	defer conn.Release()
	rows, err := conn.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("postgis: fetch %s: %w", l.ID, err)
	}
	defer rows.Close()
	warn := &warnings{log: s.log, layer: l.ID}
	defer warn.summarise()
	r, err := newRowReader(l, false, conn.Conn().TypeMap(), rows, warn)
	if err != nil {
		return fmt.Errorf("postgis: fetch %s: %w", l.ID, err)
	}
	for rows.Next() {
		rec, ok := r.read(rows.RawValues())
		if !ok {
			continue
		}
		if err := fn(rec); err != nil {
			return fmt.Errorf("postgis: fetch %s: %w", l.ID, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgis: fetch %s: %w", l.ID, err)
	}
	return nil
}

// idText is an id as the change log writes it (the column cast to text).
func idText(id any) string {
	switch v := id.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(id)
}

// idType is the SQL type of l's id column, looked up once.
func (s *Store) idType(ctx context.Context, l *layer.Layer) (string, error) {
	key := s.LayerKey(l) + "\x00" + l.Source.IDColumn
	if t, ok := s.idTypes.Load(key); ok {
		return t.(string), nil
	}
	table := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
	var typ string
	err := s.pool.QueryRow(ctx, `SELECT format_type(atttypid, NULL) FROM pg_attribute
		WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped`, table, l.Source.IDColumn).Scan(&typ)
	if err != nil {
		return "", fmt.Errorf("look up the type of id column %q: %w", l.Source.IDColumn, err)
	}
	s.idTypes.Store(key, typ)
	return typ, nil
}

// Wait returns when a NOTIFY on the change-log channel arrives, after
// timeout, or when ctx ends. It listens on a connection of its own, kept
// open between calls and reopened after a failure; while it cannot listen
// it just sleeps out the timeout, and the caller's polling carries on.
func (s *Store) Wait(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := s.listener.wait(ctx, s.url, s.log)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		return nil // the timeout, not the caller's deadline
	}
	return err
}

// listener is the LISTENing connection.
type listener struct {
	mu     sync.Mutex
	conn   *pgx.Conn
	closed bool
}

func (l *listener) wait(ctx context.Context, url string, log interface{ Warn(string, ...any) }) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return errors.New("postgis: the store is closed")
	}
	if l.conn == nil || l.conn.IsClosed() {
		conn, err := pgx.Connect(ctx, url)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+notifyChannel)
			if err != nil {
				conn.Close(context.WithoutCancel(ctx))
			}
		}
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("postgis: cannot listen for changes; polling", "error", err)
			}
			<-ctx.Done()
			return ctx.Err()
		}
		l.conn = conn
	}
	_, err := l.conn.WaitForNotification(ctx)
	if err != nil && ctx.Err() == nil {
		// The connection broke: drop it and listen afresh next time.
		l.conn.Close(context.WithoutCancel(ctx))
		l.conn = nil
		return fmt.Errorf("postgis: listen for changes: %w", err)
	}
	if err != nil {
		return ctx.Err()
	}
	return nil
}

func (l *listener) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.conn != nil {
		l.conn.Close(context.Background())
		l.conn = nil
	}
}
