package gpkg

import (
	"context"
	"database/sql"
	"fmt"
)

// prepareFile adds what a GeoPackage from elsewhere may lack before csdi
// writes to it: the feature and extension registries, the metadata table
// and the layer's SRS.
func prepareFile(ctx context.Context, tx *sql.Tx, srid int) error {
	for _, q := range []string{geometryColumnsTable, extensionsTable, metadataTable} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("prepare file: %w", err)
		}
	}
	return ensureSRS(ctx, tx, srid)
}

// dropTable removes a table with everything the GeoPackage and csdi keep
// about it. Table names compare case-insensitively, as SQLite's do.
func dropTable(ctx context.Context, tx *sql.Tx, table, geom, id string) error {
	rows, err := tx.QueryContext(ctx, `SELECT column_name FROM gpkg_extensions
		WHERE table_name = ? COLLATE NOCASE AND extension_name = ?`, table, rtreeExtension)
	if err != nil {
		return fmt.Errorf("drop old table: %w", err)
	}
	indexed := []string{geom}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return fmt.Errorf("drop old table: %w", err)
		}
		indexed = append(indexed, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("drop old table: %w", err)
	}
	var stmts []string
	for _, c := range indexed {
		stmts = append(stmts, "DROP TABLE IF EXISTS "+quote(rtreeName(table, c)))
	}
	stmts = append(stmts, "DROP TABLE IF EXISTS "+quote(table)) // its triggers go with it
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("drop old table: %w", err)
		}
	}
	for _, q := range []string{
		`DELETE FROM gpkg_extensions WHERE table_name = ? COLLATE NOCASE`,
		`DELETE FROM gpkg_geometry_columns WHERE table_name = ? COLLATE NOCASE`,
		`DELETE FROM gpkg_contents WHERE table_name = ? COLLATE NOCASE`,
	} {
		if _, err := tx.ExecContext(ctx, q, table); err != nil {
			return fmt.Errorf("drop old table: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM csdi_layers WHERE table_name = ? COLLATE NOCASE OR id = ?`, table, id)
	if err != nil {
		return fmt.Errorf("drop old metadata: %w", err)
	}
	return nil
}
