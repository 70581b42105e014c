package gpkg

import (
	"context"
	"fmt"
	"strings"
)

// The R-tree spatial index extension (GeoPackage 1.3, annex F.3): a SQLite
// rtree virtual table per geometry column, registered in gpkg_extensions and
// kept current by triggers, so GDAL and QGIS filter by bbox through it.

const (
	rtreeExtension  = "gpkg_rtree_index"
	rtreeDefinition = "http://www.geopackage.org/spec120/#extension_rtree"
)

func createRTree(ctx context.Context, ex execer, table, geom string) error {
	q := fmt.Sprintf(`CREATE VIRTUAL TABLE %s USING rtree(id, minx, maxx, miny, maxy)`, quote(rtreeName(table, geom)))
	if _, err := ex.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create spatial index: %w", err)
	}
	return nil
}

// rtreeTriggers are the spec's six triggers, by name suffix; <t>, <c>, <i>
// and <r> stand for the quoted table, geometry column, integer key and
// rtree table.
var rtreeTriggers = []struct{ suffix, body string }{
	{"insert", `AFTER INSERT ON <t>
	WHEN (new.<c> NOT NULL AND NOT ST_IsEmpty(NEW.<c>))
	BEGIN
		INSERT OR REPLACE INTO <r> VALUES (NEW.<i>,
			ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>), ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>));
	END`},
	{"update1", `AFTER UPDATE OF <c> ON <t>
	WHEN OLD.<i> = NEW.<i> AND (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
	BEGIN
		INSERT OR REPLACE INTO <r> VALUES (NEW.<i>,
			ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>), ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>));
	END`},
	{"update2", `AFTER UPDATE OF <c> ON <t>
	WHEN OLD.<i> = NEW.<i> AND (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
	BEGIN
		DELETE FROM <r> WHERE id = OLD.<i>;
	END`},
	{"update3", `AFTER UPDATE ON <t>
	WHEN OLD.<i> != NEW.<i> AND (NEW.<c> NOTNULL AND NOT ST_IsEmpty(NEW.<c>))
	BEGIN
		DELETE FROM <r> WHERE id = OLD.<i>;
		INSERT OR REPLACE INTO <r> VALUES (NEW.<i>,
			ST_MinX(NEW.<c>), ST_MaxX(NEW.<c>), ST_MinY(NEW.<c>), ST_MaxY(NEW.<c>));
	END`},
	{"update4", `AFTER UPDATE ON <t>
	WHEN OLD.<i> != NEW.<i> AND (NEW.<c> ISNULL OR ST_IsEmpty(NEW.<c>))
	BEGIN
		DELETE FROM <r> WHERE id IN (OLD.<i>, NEW.<i>);
	END`},
	{"delete", `AFTER DELETE ON <t>
	WHEN old.<c> NOT NULL
	BEGIN
		DELETE FROM <r> WHERE id = OLD.<i>;
	END`},
}

// finishRTree adds the triggers and registers the extension. WriteLayer
// calls it after filling the table and the index itself, so the bulk insert
// does not pay for a trigger per row.
func finishRTree(ctx context.Context, ex execer, table, geom, key string) error {
	if err := createRTreeTriggers(ctx, ex, table, geom, key); err != nil {
		return err
	}
	_, err := ex.ExecContext(ctx, `INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)
		VALUES (?, ?, ?, ?, 'write-only')`, table, geom, rtreeExtension, rtreeDefinition)
	if err != nil {
		return fmt.Errorf("register spatial index: %w", err)
	}
	return nil
}

func createRTreeTriggers(ctx context.Context, ex execer, table, geom, key string) error {
	r := rtreeName(table, geom)
	repl := strings.NewReplacer("<t>", quote(table), "<c>", quote(geom), "<i>", quote(key), "<r>", quote(r))
	for _, t := range rtreeTriggers {
		q := "CREATE TRIGGER " + quote(r+"_"+t.suffix) + " " + repl.Replace(t.body)
		if _, err := ex.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create spatial index trigger: %w", err)
		}
	}
	return nil
}

// dropRTreeTriggers removes the spatial index triggers, so rows can be
// written without them and the index built once afterwards.
func dropRTreeTriggers(ctx context.Context, ex execer, table, geom string) error {
	r := rtreeName(table, geom)
	for _, t := range rtreeTriggers {
		if _, err := ex.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+quote(r+"_"+t.suffix)); err != nil {
			return fmt.Errorf("drop spatial index trigger: %w", err)
		}
	}
	return nil
}
