// Package auditing puts csdi's requests into the audit trail: every write
// through the store's Editor, in the write's own transaction, and every
// read of a sensitive layer's full view. It joins the request (who, what)
// to the audit log (internal/audit) so neither needs to know the other.
package auditing

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

type requestKey struct{}

// WithRequest records the request line in ctx, for the entries a handler
// down the line makes. Middleware calls it for every request.
func WithRequest(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, requestKey{}, audit.Request(r.Method, r.URL.Path, r.URL.RawQuery))
}

// Middleware records each request's line in its context.
func Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithRequest(r.Context(), r)))
	})
}

// entry is an audit entry for the principal and request in ctx.
func entry(ctx context.Context, action string, l *layer.Layer) audit.Entry {
	p := auth.PrincipalFrom(ctx)
	e := audit.Entry{
		Actor: p.Actor(), Department: p.Department, Method: string(p.Method), ACR: p.ACR, Issuer: p.Issuer,
		Action: action, Layer: l.ID,
	}
	if req, ok := ctx.Value(requestKey{}).(string); ok {
		e.Request = req
	}
	return e
}

// Editor is a store.Editor whose every committed edit has its audit entry,
// appended as the edit's last step so the two commit or fail together.
type Editor struct {
	store.Editor
	Log audit.TxLog
}

// Unwrap is the editor whose writes a audits.
func (a Editor) Unwrap() store.Editor { return a.Editor }

// Edit runs fn, then appends the audit entry in the same transaction.
func (a Editor) Edit(ctx context.Context, l *layer.Layer, actor string, fn func(store.Tx) error) (store.Commit, error) {
	return a.Editor.Edit(ctx, l, actor, func(tx store.Tx) error {
		return a.audited(ctx, l, tx, fn)
	})
}

// audited runs fn in tx and appends the entry of what it wrote to l, if
// anything, as the transaction's last step.
func (a Editor) audited(ctx context.Context, l *layer.Layer, tx store.Tx, fn func(store.Tx) error) error {
	counted := &countingTx{Tx: tx}
	if err := fn(counted); err != nil {
		return err
	}
	if counted.n == 0 {
		return nil // nothing written: nothing to answer for
	}
	e := entry(ctx, audit.ActionWrite, l)
	e.Features = counted.n
	if _, err := a.Log.AppendTx(ctx, tx, e); err != nil {
		return fmt.Errorf("audit the write: %w", err)
	}
	return nil
}

// Creator is what a store offers that creates a new layer's table in the
// transaction of its first edit (ingest.Creator), so that an import into
// a new layer is all or nothing.
type Creator interface {
	CreateAndEdit(ctx context.Context, l *layer.Layer, actor string, fn func(*layer.Layer, store.Tx) error) (layer.Layer, store.Commit, error)
}

// CreatingEditor is an Editor over a store that is also a Creator: the
// first edit of a new layer is audited like any other.
type CreatingEditor struct {
	Editor
	Creator Creator
}

// CreateAndEdit creates l and runs fn in one transaction, whose last step
// appends the audit entry.
func (a CreatingEditor) CreateAndEdit(ctx context.Context, l *layer.Layer, actor string, fn func(*layer.Layer, store.Tx) error) (layer.Layer, store.Commit, error) {
	return a.Creator.CreateAndEdit(ctx, l, actor, func(made *layer.Layer, tx store.Tx) error {
		return a.audited(ctx, made, tx, func(tx store.Tx) error { return fn(made, tx) })
	})
}

// Wrap audits ed's writes in log, keeping its CreateAndEdit when it has
// one.
func Wrap(ed store.Editor, log audit.TxLog) store.Editor {
	a := Editor{Editor: ed, Log: log}
	if c, ok := ed.(Creator); ok {
		return CreatingEditor{Editor: a, Creator: c}
	}
	return a
}

// countingTx counts the features a transaction writes.
type countingTx struct {
	store.Tx
	n int64
}

func (c *countingTx) Insert(ctx context.Context, r store.Record) (any, error) {
	id, err := c.Tx.Insert(ctx, r)
	if err == nil {
		c.n++
	}
	return id, err
}

func (c *countingTx) Replace(ctx context.Context, r store.Record) error {
	err := c.Tx.Replace(ctx, r)
	if err == nil {
		c.n++
	}
	return err
}

func (c *countingTx) Delete(ctx context.Context, id any) error {
	err := c.Tx.Delete(ctx, id)
	if err == nil {
		c.n++
	}
	return err
}

func (c *countingTx) DeleteAll(ctx context.Context) (int64, error) {
	n, err := c.Tx.DeleteAll(ctx)
	c.n += n
	return n, err
}

func (c *countingTx) Copy(ctx context.Context, records iter.Seq2[store.Record, error], upsert bool) (int64, error) {
	n, err := c.Tx.Copy(ctx, records, upsert)
	c.n += n
	return n, err
}

func (c *countingTx) Invalid(ctx context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	return c.Tx.Invalid(ctx, gs)
}

// UnmaskedReads returns the hook the access catalogue calls before a
// sensitive layer's full view is served: an entry per request and layer
// with the features served, appended before any of it is sent. An error
// means the read must not be served.
func UnmaskedReads(log audit.Log) func(r *http.Request, l *layer.Layer, features int64) error {
	return func(r *http.Request, l *layer.Layer, features int64) error {
		ctx := r.Context()
		if _, ok := ctx.Value(requestKey{}).(string); !ok {
			ctx = WithRequest(ctx, r)
		}
		e := entry(ctx, audit.ActionReadUnmasked, l)
		e.Features = features
		_, err := log.Append(ctx, e)
		return err
	}
}
