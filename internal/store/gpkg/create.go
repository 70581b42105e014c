package gpkg

import (
	"context"
	"fmt"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// CreateLayer creates the empty table of a new layer, as WriteLayer lays
// one out, with its spatial index, GeoPackage registrations, metadata and
// change-log triggers, in one transaction. With no records to tell, the
// kind of id is the layer's: text in Source.IDColumn when clients name
// features (ids: client), otherwise integers in the INTEGER PRIMARY KEY
// (named by Source.IDColumn, or "fid").
func (s *Store) CreateLayer(ctx context.Context, l *layer.Layer) (layer.Layer, error) {
	out, err := s.createLayer(ctx, l)
	if err != nil {
		return layer.Layer{}, fmt.Errorf("gpkg: create layer %s: %w", l.ID, causeOf(ctx, err))
	}
	return out, nil
}

func (s *Store) createLayer(ctx context.Context, l *layer.Layer) (layer.Layer, error) {
	plan, err := planTable(l)
	if err != nil {
		return layer.Layer{}, err
	}
	kind := intIDs
	if l.ClientIDs() && plan.idColumn != "" {
		kind = stringIDs
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return layer.Layer{}, err
	}
	defer tx.Rollback()
	if exists, err := tableExists(ctx, tx, plan.table); err != nil || exists {
		if err == nil {
			err = fmt.Errorf("table %q: %w", plan.table, store.ErrLayerExists)
		}
		return layer.Layer{}, err
	}
	meta, err := s.loadMetadata(ctx, tx)
	if err != nil {
		return layer.Layer{}, err
	}
	for _, m := range meta {
		if m.ID == l.ID {
			return layer.Layer{}, fmt.Errorf("id %q (table %q): %w", l.ID, m.Source.Table, store.ErrLayerExists)
		}
	}
	if err := prepareFile(ctx, tx, plan.srid); err != nil {
		return layer.Layer{}, readOnly(err)
	}
	w, err := newTableWriter(ctx, tx, l, plan, kind)
	if err != nil {
		return layer.Layer{}, err
	}
	defer w.close()
	if err := w.finish(ctx); err != nil {
		return layer.Layer{}, err
	}
	if err := s.prepareLog(ctx, tx, plan.table, nil); err != nil {
		return layer.Layer{}, err
	}
	ls, err := s.layers(ctx, tx)
	if err != nil {
		return layer.Layer{}, err
	}
	if err := commit(tx); err != nil {
		return layer.Layer{}, err
	}
	for _, c := range ls {
		if strings.EqualFold(c.Source.Table, plan.table) {
			return c, nil
		}
	}
	return layer.Layer{}, fmt.Errorf("table %q is not listed after its creation", plan.table)
}
