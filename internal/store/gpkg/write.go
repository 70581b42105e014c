package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// WriteLayer replaces the layer's table, its spatial index and its metadata
// with records, in one transaction: if anything fails, including the
// records iterator, the file is left as it was.
//
// Integer record ids are stored in the table's INTEGER PRIMARY KEY (named by
// Source.IDColumn, or "fid"). String ids need Source.IDColumn: they go in a
// TEXT UNIQUE column of that name, beside an integer fid for GDAL. Which of
// the two a layer has is decided by its first record.
func (s *Store) WriteLayer(ctx context.Context, l *layer.Layer, records iter.Seq2[store.Record, error]) error {
	err := s.writeLayer(ctx, l, records)
	if cerr := ctx.Err(); err != nil && cerr != nil && !errors.Is(err, cerr) {
		// database/sql rolled the transaction back when ctx ended, so the
		// statement that failed saw only sql.ErrTxDone: report the cause.
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	if err != nil {
		return fmt.Errorf("gpkg: write layer %s: %w", l.ID, err)
	}
	return nil
}

func (s *Store) writeLayer(ctx context.Context, l *layer.Layer, records iter.Seq2[store.Record, error]) error {
	plan, err := planTable(l)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if err := prepareFile(ctx, tx, plan.srid); err != nil {
		return err
	}
	if err := dropTable(ctx, tx, plan.table, plan.geom, l.ID); err != nil {
		return err
	}

	var w *tableWriter
	defer func() {
		if w != nil {
			w.close()
		}
	}()
	n := 0
	for rec, err := range records {
		if err != nil {
			return fmt.Errorf("after %d records: %w", n, err)
		}
		if w == nil {
			kind, err := kindOf(rec.ID)
			if err != nil {
				return fmt.Errorf("record %d: %w", n, err)
			}
			if w, err = newTableWriter(ctx, tx, l, plan, kind); err != nil {
				return err
			}
		}
		if err := w.insert(rec); err != nil {
			return fmt.Errorf("record %d (id %v): %w", n, rec.ID, err)
		}
		n++
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if w == nil { // no records: still an (empty) table
		if w, err = newTableWriter(ctx, tx, l, plan, intIDs); err != nil {
			return err
		}
	}
	if err := w.finish(ctx); err != nil {
		return err
	}
	logged, err := s.logReload(ctx, tx, l)
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if logged {
		s.changed.broadcast()
	}
	return nil
}

// writeLayerActor is the actor of the reload a WriteLayer logs.
const writeLayerActor = "csdi"

// logReload records that table was rewritten as a whole, and puts the
// change-log triggers on the new table, when the file has a change log. A
// file without one (a download made by Export, a demo file not yet
// served) is left a plain GeoPackage; Migrate adds the log later.
func (s *Store) logReload(ctx context.Context, tx *sql.Tx, l *layer.Layer) (bool, error) {
	ok, err := hasLog(ctx, tx)
	if err != nil || !ok {
		return false, err
	}
	if err := s.prepareLog(ctx, tx, l.Source.Table, idColumns(*l)); err != nil {
		return false, err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO csdi_change_log (layer, feature_id, op, at, actor)
		VALUES (?, NULL, 'R', `+nowSQL+`, ?)`, layerKey(l.Source.Table), writeLayerActor)
	if err != nil {
		return false, fmt.Errorf("log the reload: %w", err)
	}
	return true, nil
}
