package server

import (
	"context"
	"sync/atomic"

	"github.com/csdi-hk/csdi/features"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// countingEditor counts the writes that fail because the store cannot be
// reached, for csdi_store_errors_total{op="write"}: an operator sees an
// outage on the write side as well as in the syncer's reads. A write the
// store refuses (a conflict, a bad value) is the client's and not counted.
type countingEditor struct {
	store.Editor
	failures *atomic.Int64
}

func (e countingEditor) Edit(ctx context.Context, l *layer.Layer, actor string, fn func(store.Tx) error) (store.Commit, error) {
	c, err := e.Editor.Edit(ctx, l, actor, fn)
	e.count(err)
	return c, err
}

func (e countingEditor) CreateLayer(ctx context.Context, l *layer.Layer) (layer.Layer, error) {
	out, err := e.Editor.CreateLayer(ctx, l)
	e.count(err)
	return out, err
}

// Unwrap is the editor whose failures e counts.
func (e countingEditor) Unwrap() store.Editor { return e.Editor }

func (e countingEditor) count(err error) {
	if features.StoreUnavailable(err) {
		e.failures.Add(1)
	}
}
