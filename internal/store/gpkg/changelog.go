package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// SQLite has one writer at a time and a write transaction numbers its log
// entries while it holds the lock, so seq order is commit order: a reader
// that has seen seq N will never see a later commit add an entry below N.
// Cursor.Seq alone is therefore exact here, and Cursor.Pending is unused.

// LayerKey is the table name in ASCII lower case, as the triggers write it.
func (s *Store) LayerKey(l *layer.Layer) string { return layerKey(l.Source.Table) }

// Changes returns up to limit entries after c.Seq (all of them when limit
// is not positive). A file without a change log has none.
func (s *Store) Changes(ctx context.Context, c store.Cursor, limit int) ([]store.Change, store.Cursor, error) {
	out, next, err := s.changes(ctx, c, limit)
	if err != nil {
		return nil, c, fmt.Errorf("gpkg: read the change log: %w", err)
	}
	s.saw(next.Seq)
	return out, next, nil
}

func (s *Store) changes(ctx context.Context, c store.Cursor, limit int) ([]store.Change, store.Cursor, error) {
	next := store.Cursor{Seq: c.Seq}
	if ok, err := hasLog(ctx, s.db); err != nil || !ok {
		return nil, next, err
	}
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, `SELECT seq, layer, feature_id, op, at, actor
		FROM csdi_change_log WHERE seq > ? ORDER BY seq LIMIT ?`, c.Seq, limit)
	if err != nil {
		return nil, next, err
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var (
			ch        store.Change
			id        any
			op, at    string
			layerName string
		)
		if err := rows.Scan(&ch.Seq, &layerName, &id, &op, &at, &ch.Actor); err != nil {
			return nil, next, err
		}
		ch.Layer = layerName
		ch.ID = logID(id)
		ch.Op = logOp(op)
		ch.At = logTime(at)
		out = append(out, ch)
		next.Seq = ch.Seq
	}
	return out, next, rows.Err()
}

// logID is a feature_id as the log holds it: int64 or string, nil for a
// reload. Anything else (someone's own edit of the log) becomes text.
func logID(v any) any {
	switch x := v.(type) {
	case nil, int64, string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(v)
}

// logOp reads an op; the table's CHECK allows only the four.
func logOp(op string) store.Op {
	if len(op) != 1 {
		return store.OpReload // unreadable: re-reading the layer is always safe
	}
	return store.Op(op[0])
}

// logTime reads an entry's time; the zero time when it is not RFC 3339.
func logTime(at string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Head is the cursor after the newest entry.
func (s *Store) Head(ctx context.Context) (store.Cursor, error) {
	seq, err := s.head(ctx, s.db)
	if err != nil {
		return store.Cursor{}, fmt.Errorf("gpkg: read the change log: %w", err)
	}
	s.saw(seq)
	return store.Cursor{Seq: seq}, nil
}

func (s *Store) head(ctx context.Context, q execer) (int64, error) {
	if ok, err := hasLog(ctx, q); err != nil || !ok {
		return 0, err
	}
	var seq int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM csdi_change_log`).Scan(&seq)
	return seq, err
}

// saw records that a reader has been given the log up to seq, which is
// what Wait compares the head with.
func (s *Store) saw(seq int64) {
	for {
		old := s.consumed.Load()
		if seq <= old || s.consumed.CompareAndSwap(old, seq) {
			return
		}
	}
}

// pollInterval is how often Wait looks for commits of other processes,
// which no notification reaches.
const pollInterval = 200 * time.Millisecond

// Wait returns at once when the log has entries beyond the furthest any
// reader of this Store has been given; otherwise when this Store commits
// a change, when a poll of the log's head (every pollInterval) finds one
// another process committed, after timeout, or when ctx ends. With several
// readers of one Store, one that lags may sleep through a change another
// has read, for at most timeout.
func (s *Store) Wait(ctx context.Context, timeout time.Duration) error {
	woken := s.changed.channel()
	head, err := s.head(ctx, s.db)
	if err != nil {
		return fmt.Errorf("gpkg: wait for changes: %w", err)
	}
	if head > s.consumed.Load() || timeout <= 0 {
		return nil
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-woken:
			return nil
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			now, err := s.head(ctx, s.db)
			if err != nil {
				return fmt.Errorf("gpkg: wait for changes: %w", err)
			}
			if now > head {
				return nil
			}
		}
	}
}

// notifier wakes every goroutine waiting on its channel at once.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

// channel is closed at the next broadcast.
func (n *notifier) channel() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch == nil {
		n.ch = make(chan struct{})
	}
	return n.ch
}

func (n *notifier) broadcast() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.ch != nil {
		close(n.ch)
		n.ch = nil
	}
}

// fetchBatch is how many ids one query of Fetch asks for, well under
// SQLite's limit on parameters.
const fetchBatch = 500

// Fetch streams the current rows of ids that exist, decoded as Load
// decodes them, from one read transaction. Ids that cannot name a feature
// of the layer (text for integer ids) are absent like deleted ones.
func (s *Store) Fetch(ctx context.Context, l *layer.Layer, ids []any, fn func(store.Record) error) error {
	if err := s.fetch(ctx, l, ids, fn); err != nil {
		return fmt.Errorf("gpkg: fetch from layer %s: %w", l.ID, err)
	}
	return nil
}

func (s *Store) fetch(ctx context.Context, l *layer.Layer, ids []any, fn func(store.Record) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t, err := s.describe(ctx, tx, l)
	if err != nil {
		return err
	}
	if !crs.Supported(t.srid) {
		return &UnsupportedSRIDError{Table: t.name, SRID: t.srid}
	}
	keys := make([]any, 0, len(ids))
	for _, id := range ids {
		if k, ok := t.id(id); ok {
			keys = append(keys, k)
		}
	}
	for len(keys) > 0 {
		batch := keys[:min(fetchBatch, len(keys))]
		keys = keys[len(batch):]
		q := t.selectSQL(fmt.Sprintf("%s IN (%s)", quoteKey(t.key), strings.Repeat(", ?", len(batch))[2:]))
		if err := s.fetchRows(ctx, tx, t, q, batch, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) fetchRows(ctx context.Context, tx *sql.Tx, t *table, q string, args []any, fn func(store.Record) error) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, err := t.scanRecord(rows.Scan)
		if err != nil {
			// As Load: a row that cannot be decoded is not served.
			s.log.Warn("gpkg: skipping a row that cannot be decoded", "layer", t.l.ID, "table", t.name, "err", err)
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}
