package gpkg

import (
	"context"
	"database/sql"
	"fmt"
)

const (
	applicationID = 0x47504B47 // "GPKG"
	userVersion   = 10300      // GeoPackage 1.3.0
)

// coreTables are the GeoPackage tables a vector-only file needs (spec
// clauses 1.1.2, 1.1.3, 2.1.5, 2.1.6 and 2.3), plus the extensions table
// the R-tree index is registered in.
var coreTables = []string{
	`CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
		srs_name TEXT NOT NULL,
		srs_id INTEGER NOT NULL PRIMARY KEY,
		organization TEXT NOT NULL,
		organization_coordsys_id INTEGER NOT NULL,
		definition TEXT NOT NULL,
		description TEXT)`,
	`CREATE TABLE IF NOT EXISTS gpkg_contents (
		table_name TEXT NOT NULL PRIMARY KEY,
		data_type TEXT NOT NULL,
		identifier TEXT UNIQUE,
		description TEXT DEFAULT '',
		last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
		min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
		srs_id INTEGER,
		CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))`,
	geometryColumnsTable,
	extensionsTable,
}

// geometryColumnsTable and extensionsTable are created by WriteLayer too: a
// GeoPackage from elsewhere (say, tiles only) need not have them.
const geometryColumnsTable = `CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
		table_name TEXT NOT NULL,
		column_name TEXT NOT NULL,
		geometry_type_name TEXT NOT NULL,
		srs_id INTEGER NOT NULL,
		z TINYINT NOT NULL,
		m TINYINT NOT NULL,
		CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
		CONSTRAINT uk_gc_table_name UNIQUE (table_name),
		CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
		CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))`

const extensionsTable = `CREATE TABLE IF NOT EXISTS gpkg_extensions (
	table_name TEXT,
	column_name TEXT,
	extension_name TEXT NOT NULL,
	definition TEXT NOT NULL,
	scope TEXT NOT NULL,
	CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))`

// metadataTable keeps each layer csdi wrote, as JSON: what a GeoPackage
// cannot say itself (bilingual titles, field types beyond SQLite's, zooms,
// access, masking). It is deliberately not registered in gpkg_contents, so
// GDAL and QGIS do not list it as a layer.
const metadataTable = `CREATE TABLE IF NOT EXISTS csdi_layers (
	id TEXT NOT NULL PRIMARY KEY,
	table_name TEXT NOT NULL UNIQUE,
	json TEXT NOT NULL)`

// initialise makes a new (empty) file a GeoPackage, and checks that an
// existing one is. An existing GeoPackage is only read, so a read-only
// file can be served.
func (s *Store) initialise(ctx context.Context) error {
	empty, err := needsSchema(ctx, s.db)
	if err != nil || !empty {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Again inside the write lock: another process may have been first.
	if empty, err = needsSchema(ctx, tx); err != nil || !empty {
		return err
	}
	stmts := []string{
		fmt.Sprintf("PRAGMA application_id = %d", applicationID),
		fmt.Sprintf("PRAGMA user_version = %d", userVersion),
	}
	for _, q := range append(stmts, coreTables...) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create GeoPackage schema: %w", err)
		}
	}
	for _, srid := range []int{-1, 0, 4326} {
		if err := ensureSRS(ctx, tx, srid); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// needsSchema reports whether the database is empty, and so is to become a
// GeoPackage; a database with tables but no gpkg_contents is refused.
func needsSchema(ctx context.Context, q execer) (bool, error) {
	hasContents, err := tableExists(ctx, q, "gpkg_contents")
	if err != nil || hasContents {
		return false, err
	}
	var tables int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&tables); err != nil {
		return false, err
	}
	if tables > 0 {
		return false, errNotGeoPackage
	}
	return true, nil
}

// tableExists reports whether a table (or virtual table) is in the schema.
func tableExists(ctx context.Context, ex execer, name string) (bool, error) {
	var n int
	err := ex.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ? COLLATE NOCASE`, name).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up table %q: %w", name, err)
	}
	return n > 0, nil
}

// execer is what *sql.DB and *sql.Tx share for statements.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ execer = (*sql.DB)(nil)
	_ execer = (*sql.Tx)(nil)
)
