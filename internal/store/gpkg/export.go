package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// exportCacheKiB caps SQLite's page cache on the export's connection; the
// sorter of the index's ORDER BY spills to disk past it too.
const exportCacheKiB = 8 << 10

// Export writes records as the single layer l of a new GeoPackage and
// copies the finished file to dst: a download of a query's result. SQLite
// needs a seekable file, so the GeoPackage is built in a temporary
// directory, removed afterwards.
//
// Memory stays flat whatever the number of records: the first record
// goes through WriteLayer, which lays out the table, its index, triggers
// and registrations; the rest stream into the table through a virtual
// table (exportrows.go), with no Go allocation per row for values already
// of the SQL types, and the spatial index is built from a spool file by an
// external sort (exportrtree.go). A record is done with once the next one
// is asked for, so the caller may reuse it.
func Export(ctx context.Context, dst io.Writer, l *layer.Layer, records iter.Seq2[store.Record, error]) (n int64, err error) {
	if err := registerExportModule(); err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	dir, err := os.MkdirTemp("", "csdi-export-*")
	if err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, l.ID+".gpkg")
	s, err := Open(path, Options{})
	if err != nil {
		return 0, err
	}
	if err := s.export(ctx, l, records, dir); err != nil {
		s.Close()
		return 0, err
	}
	// Closing the last connection checkpoints the write-ahead log into the
	// file, so the one file is the whole GeoPackage.
	if err := s.Close(); err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	defer f.Close()
	return io.Copy(dst, f)
}

// export writes the first record with WriteLayer and streams the others.
func (s *Store) export(ctx context.Context, l *layer.Layer, records iter.Seq2[store.Record, error], dir string) error {
	pull, stop := iter.Pull2(records)
	defer stop()
	first, err, ok := pull()
	if ok && err != nil {
		return fmt.Errorf("gpkg: export %s: after 0 records: %w", l.ID, err)
	}
	one := func(yield func(store.Record, error) bool) {
		if ok {
			yield(first, nil)
		}
	}
	if err := s.WriteLayer(ctx, l, one); err != nil {
		return err
	}
	if !ok {
		return nil
	}
	kind, _ := kindOf(first.ID) // WriteLayer took it
	if err := s.appendRows(ctx, l, kind, pull, dir); err != nil {
		return fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	return nil
}

// appendRows adds the remaining records to the table WriteLayer made,
// with its triggers set aside, and rebuilds its spatial index, in one
// transaction on one connection.
func (s *Store) appendRows(ctx context.Context, l *layer.Layer, kind idKind, pull func() (store.Record, error, bool), dir string) error {
	plan, err := planTable(l)
	if err != nil {
		return err
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, p := range []string{fmt.Sprintf("PRAGMA cache_size = -%d", exportCacheKiB), "PRAGMA synchronous = OFF"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	triggers, err := setTriggersAside(ctx, tx, plan.table)
	if err != nil {
		return err
	}
	spool, err := newCellSpool(dir)
	if err != nil {
		return err
	}
	defer spool.close()
	r := rtreeName(plan.table, plan.geom)
	extent, maxKey, err := takeIndexed(ctx, tx, r, plan, kind, spool)
	if err != nil {
		return err
	}
	rows := newFeatureRows(ctx, l, plan, kind, maxKey, pull, spool)
	if err := insertFrom(ctx, tx, rows, rows.insertSQL()); err != nil {
		return err
	}
	extent.merge(rows.extent)
	if err := buildRTree(ctx, tx, r, spool, dir, extent); err != nil {
		return err
	}
	for _, q := range triggers {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("restore trigger: %w", err)
		}
	}
	if extent.n > 0 {
		_, err = tx.ExecContext(ctx, `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?`,
			extent.min[0], extent.min[1], extent.max[0], extent.max[1], plan.table)
		if err != nil {
			return fmt.Errorf("register extent: %w", err)
		}
	}
	return tx.Commit()
}

// setTriggersAside drops the table's triggers (the spatial index's, which
// would insert into the index row by row) and returns the statements that
// make them again.
func setTriggersAside(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`, table)
	if err != nil {
		return nil, fmt.Errorf("read triggers: %w", err)
	}
	var names, stmts []string
	for rows.Next() {
		var name, stmt string
		if err := rows.Scan(&name, &stmt); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read triggers: %w", err)
		}
		names, stmts = append(names, name), append(stmts, stmt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read triggers: %w", err)
	}
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, "DROP TRIGGER "+quote(n)); err != nil {
			return nil, fmt.Errorf("drop trigger: %w", err)
		}
	}
	return stmts, nil
}

// takeIndexed moves what WriteLayer put in the spatial index (the first
// record's cell) into the spool and empties the index, and returns the
// extent gpkg_contents has so far and the table's largest key.
func takeIndexed(ctx context.Context, tx *sql.Tx, r string, plan *tablePlan, kind idKind, spool *cellSpool) (envelope, int64, error) {
	extent := newEnvelope()
	var minX, minY, maxX, maxY sql.NullFloat64
	err := tx.QueryRowContext(ctx, `SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = ?`, plan.table).
		Scan(&minX, &minY, &maxX, &maxY)
	if err != nil {
		return extent, 0, fmt.Errorf("read extent: %w", err)
	}
	if minX.Valid && minY.Valid && maxX.Valid && maxY.Valid {
		extent.merge(envelope{min: [2]float64{minX.Float64, minY.Float64}, max: [2]float64{maxX.Float64, maxY.Float64}, n: 1})
	}
	var maxKey sql.NullInt64
	if err := tx.QueryRowContext(ctx, fmt.Sprintf("SELECT max(%s) FROM %s", quote(plan.key(kind)), quote(plan.table))).Scan(&maxKey); err != nil {
		return extent, 0, fmt.Errorf("read keys: %w", err)
	}
	rows, err := tx.QueryContext(ctx, fmt.Sprintf("SELECT id, minx, maxx, miny, maxy FROM %s", quote(r)))
	if err != nil {
		return extent, 0, fmt.Errorf("read spatial index: %w", err)
	}
	for rows.Next() {
		var c rtreeCell
		if err := rows.Scan(&c.id, &c.box[0], &c.box[1], &c.box[2], &c.box[3]); err != nil {
			rows.Close()
			return extent, 0, fmt.Errorf("read spatial index: %w", err)
		}
		if err := spool.add(c); err != nil {
			rows.Close()
			return extent, 0, err
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return extent, 0, fmt.Errorf("read spatial index: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+quote(r)); err != nil {
		return extent, 0, fmt.Errorf("empty spatial index: %w", err)
	}
	return extent, maxKey.Int64, nil
}
