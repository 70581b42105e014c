package audit

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"iter"
	"time"
)

// Log is an audit log a store keeps.
type Log interface {
	// Append seals e as the entry after the current head and stores it,
	// atomically: appenders in any number of processes sharing the store
	// make one linear chain. It returns the entry as stored, with Seq, At,
	// PrevHash and Hash set. A bad entry is an *EntryError.
	Append(ctx context.Context, e Entry) (Entry, error)
	// Entries streams the entries q selects, in seq order (newest first
	// with q.Newest). ErrNoLog when the store has no audit log installed.
	Entries(ctx context.Context, q Query) iter.Seq2[Entry, error]
}

// TxLog is a Log that can also append inside a write transaction of its
// own store, so that a write and its audit entry commit or roll back
// together. tx is the store.Tx that store's Editor.Edit passes to its
// function (typed any so that the store packages can import this one);
// any other value is ErrForeignTx. Append the entry as the last step of
// the transaction: on PostgreSQL it holds the log's lock until commit.
//
// A zero e.ChangeSeq is filled with the highest change-log seq the
// transaction has written so far, when e.Features > 0 (a write of nothing
// has no change to point to).
type TxLog interface {
	Log
	AppendTx(ctx context.Context, tx any, e Entry) (Entry, error)
}

// Keeper is a store that keeps an audit log: postgis.Store and gpkg.Store.
type Keeper interface {
	// AuditLog is the store's audit log, hashing with c.
	AuditLog(c Chain) TxLog
}

// Errors the stores report.
var (
	// ErrNoLog: the store has no audit log yet (run csdi migrate).
	ErrNoLog = errors.New("the store has no audit log: run csdi migrate")
	// ErrAppendOnly: the store refused to change or delete an entry.
	ErrAppendOnly = errors.New("the audit log is append-only")
	// ErrForeignTx: AppendTx was given a transaction of another store.
	ErrForeignTx = errors.New("not a write transaction of this store")
)

// Query selects entries. The zero Query is the whole log, oldest first,
// which is what Verify needs.
type Query struct {
	Layer      string
	Actor      string
	Department string
	Action     string
	Since      time.Time // At >= Since, unless zero
	Until      time.Time // At < Until, unless zero
	After      int64     // Seq > After
	Limit      int       // at most this many; 0: no limit
	Newest     bool      // newest first: with Limit, the latest entries
}

// QueryError is a query that makes no sense.
type QueryError struct{ Reason string }

func (e *QueryError) Error() string { return "audit query: " + e.Reason }

// Check reports a query that makes no sense.
func (q Query) Check() error {
	switch {
	case q.Limit < 0:
		return &QueryError{fmt.Sprintf("limit %d is negative", q.Limit)}
	case q.After < 0:
		return &QueryError{fmt.Sprintf("after %d is negative", q.After)}
	case !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since):
		return &QueryError{fmt.Sprintf("until (%s) is not after since (%s)", q.Until.Format(time.RFC3339), q.Since.Format(time.RFC3339))}
	}
	return nil
}

// Micro is q with Since and Until rounded up to the microsecond, the
// precision entries' times are kept at: it selects the same entries, and
// a store can compare with its stored times exactly.
func (q Query) Micro() Query {
	up := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		r := t.Truncate(time.Microsecond)
		if r.Before(t) {
			r = r.Add(time.Microsecond)
		}
		return r.UTC()
	}
	q.Since, q.Until = up(q.Since), up(q.Until)
	return q
}

// Match reports whether q selects e (everything but Limit and order).
func (q Query) Match(e Entry) bool {
	return (q.Layer == "" || e.Layer == q.Layer) &&
		(q.Actor == "" || e.Actor == q.Actor) &&
		(q.Department == "" || e.Department == q.Department) &&
		(q.Action == "" || e.Action == q.Action) &&
		(q.Since.IsZero() || !e.At.Before(q.Since)) &&
		(q.Until.IsZero() || e.At.Before(q.Until)) &&
		e.Seq > q.After
}

// Head is the anchor of l's newest entry (the zero Anchor for an empty
// log): what a server logs now and then, so that the operator's log
// archive holds anchors that the store's keepers cannot reach.
func Head(ctx context.Context, l Log) (Anchor, error) {
	for e, err := range l.Entries(ctx, Query{Newest: true, Limit: 1}) {
		if err != nil {
			return Anchor{}, err
		}
		return Anchor{Seq: e.Seq, Hash: e.Hash}, nil
	}
	return Anchor{}, nil
}

// Fail is a sequence that yields err alone: what Entries returns for a
// query it cannot run.
func Fail(err error) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) { yield(Entry{}, err) }
}

// ErrWrongKey: the newest entry was not hashed with the chain's key, so
// appending with it would break the chain.
var ErrWrongKey = errors.New("the audit trail's newest entry was hashed with another key: set CSDI_AUDIT_KEY to the key the trail is kept with")

// CheckKey makes sure that c is the chain l's newest entry was made with
// (an empty log takes any), so that a process started with another key, or
// none, refuses to write rather than leave an entry that verification
// will reject.
func CheckKey(ctx context.Context, l Log, c Chain) error {
	for e, err := range l.Entries(ctx, Query{Newest: true, Limit: 1}) {
		if err != nil {
			if errors.Is(err, ErrNoLog) {
				return nil
			}
			return err
		}
		if !hmac.Equal(c.Hash(e), e.Hash) {
			return fmt.Errorf("audit entry %d: %w", e.Seq, ErrWrongKey)
		}
	}
	return nil
}
