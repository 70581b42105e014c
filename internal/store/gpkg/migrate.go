package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// The change log (issue 5) lives in the GeoPackage itself, beside the
// layers, so that it is as durable as they are and is written in the same
// transaction as every change:
//
//	csdi_meta        key/value; schema_version is the version below
//	csdi_change_log  one row per changed feature, numbered by seq in commit
//	                 order, with the OLD row of an update or delete
//	csdi_actor       one row, present only inside a csdi write transaction:
//	                 who the triggers record as the actor
//
// Triggers on every feature table fill the log, so a change made by any
// SQLite client — GDAL's ogr2ogr -update, QGIS, the sqlite3 shell — is
// logged as well as csdi's own. None of these tables is registered in
// gpkg_contents, so GDAL and QGIS do not list them as layers.

// schemaVersion is the version of the change-log schema this code writes.
const schemaVersion = 2

// migrations[v] takes the schema from version v-1 to v.
var migrations = [...][]string{
	1: {
		`CREATE TABLE IF NOT EXISTS csdi_meta (
			key TEXT NOT NULL PRIMARY KEY,
			value TEXT NOT NULL)`,
		// feature_id has no declared type, so no affinity: an integer id
		// stays an integer and a text id ("007") stays text. AUTOINCREMENT
		// keeps seq from ever being reused.
		`CREATE TABLE IF NOT EXISTS csdi_change_log (
			seq INTEGER PRIMARY KEY AUTOINCREMENT,
			layer TEXT NOT NULL,
			feature_id,
			op TEXT NOT NULL CHECK (op IN ('I', 'U', 'D', 'R')),
			at TEXT NOT NULL,
			actor TEXT NOT NULL,
			old_props TEXT,
			old_geom BLOB)`,
		// Versions, AsOf and the next free id read a feature's entries in
		// seq order; reloads (feature_id NULL) are found through it too.
		`CREATE INDEX IF NOT EXISTS csdi_change_log_feature
			ON csdi_change_log (layer, feature_id, seq)`,
		`CREATE TABLE IF NOT EXISTS csdi_actor (
			id INTEGER PRIMARY KEY CHECK (id = 1),
			actor TEXT NOT NULL)`,
	},
	// 2: the audit trail, append-only and hash-chained (audit.go).
	2: auditSchema,
}

// NewerSchemaError is returned for a GeoPackage whose change log a newer
// csdi wrote: this one would not know how to keep it.
type NewerSchemaError struct{ Have, Know int }

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the change log is at schema version %d; this csdi knows up to %d: upgrade csdi", e.Have, e.Know)
}

// Migrate installs the change log and its triggers on every feature table
// and returns the schema version the file was at before (0: none). It is
// idempotent and versioned (csdi_meta.schema_version): a file that is up
// to date is not written to, so a read-only file that was migrated before
// still opens for serving. On a read-only file that needs changes it
// returns an error wrapping store.ErrReadOnly. `csdi migrate` and `csdi
// serve` call it; Edit and CreateLayer install what they need themselves.
//
// The triggers name features by the id column of the layer in layers that
// serves the table (the catalogue, config merged over discovery), and for
// tables no layer names by the column Layers reports.
//
// Open does not migrate: a GeoPackage made for a download (Export) or a
// file only being read stays exactly the GeoPackage it was.
func (s *Store) Migrate(ctx context.Context, layers []layer.Layer) (from int, err error) {
	from, err = s.migrate(ctx, idColumns(layers...))
	if err != nil {
		return from, fmt.Errorf("gpkg: migrate %s: %w", s.path, err)
	}
	return from, nil
}

// SchemaVersion is the change-log schema version Migrate installs.
func (s *Store) SchemaVersion() int { return schemaVersion }

func (s *Store) migrate(ctx context.Context, keys map[string]string) (int, error) {
	rtx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	from, err := logVersion(ctx, rtx)
	if err != nil {
		rtx.Rollback()
		return 0, err
	}
	current, err := s.logCurrent(ctx, rtx, keys)
	rtx.Rollback()
	if err != nil || current {
		return from, err
	}
	tx, err := s.beginWrite(ctx)
	if err != nil {
		return from, err
	}
	defer tx.Rollback()
	if from, err = logVersion(ctx, tx); err != nil { // again, under the write lock
		return from, err
	}
	if err := s.prepareLog(ctx, tx, "", keys); err != nil {
		return from, readOnly(err)
	}
	return from, commit(tx)
}

// idColumns maps the layer key of each layer's table to its id column,
// for the triggers to name features by.
func idColumns(layers ...layer.Layer) map[string]string {
	keys := make(map[string]string, len(layers))
	for _, l := range layers {
		if l.Source.IDColumn != "" {
			keys[layerKey(l.Source.Table)] = l.Source.IDColumn
		}
	}
	return keys
}

// logCurrent reports whether the log schema is at schemaVersion and every
// feature table has the triggers it should.
func (s *Store) logCurrent(ctx context.Context, q execer, keys map[string]string) (bool, error) {
	v, err := logVersion(ctx, q)
	if err != nil || v != schemaVersion {
		return false, err
	}
	targets, err := s.logTargets(ctx, q, "", keys)
	if err != nil {
		return false, err
	}
	for _, t := range targets {
		stale, err := staleTriggers(ctx, q, t)
		if err != nil || len(stale.drop)+len(stale.create) > 0 {
			return false, err
		}
	}
	return true, nil
}

// prepareLog brings the log schema up to date and installs or refreshes the
// triggers of table (of every feature table when table is ""), inside the
// caller's write transaction; keys are id columns by layer key, as
// idColumns makes them. Once a table's triggers are checked, the check is
// skipped until the database schema changes.
func (s *Store) prepareLog(ctx context.Context, tx *sql.Tx, table string, keys map[string]string) error {
	var cookie int64
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&cookie); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	checked := layerKey(table) + "\x00" + strings.ToLower(keys[layerKey(table)])
	if table != "" && s.triggersChecked(checked, cookie) {
		return nil
	}
	if err := ensureLogSchema(ctx, tx); err != nil {
		return err
	}
	targets, err := s.logTargets(ctx, tx, table, keys)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := installTriggers(ctx, tx, t); err != nil {
			return err
		}
	}
	if err := tx.QueryRowContext(ctx, `PRAGMA schema_version`).Scan(&cookie); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if table != "" {
		s.markTriggersChecked(checked, cookie)
	}
	return nil
}

// triggersChecked reports whether the triggers of a table (with an id
// column) were found current at schema cookie (a change to any table,
// trigger or index moves it on).
func (s *Store) triggersChecked(key string, cookie int64) bool {
	s.checkedMu.Lock()
	defer s.checkedMu.Unlock()
	c, ok := s.checked[key]
	return ok && c == cookie
}

func (s *Store) markTriggersChecked(key string, cookie int64) {
	s.checkedMu.Lock()
	defer s.checkedMu.Unlock()
	if s.checked == nil {
		s.checked = make(map[string]int64)
	}
	s.checked[key] = cookie
}

// logVersion is the installed schema version, 0 when there is none.
func logVersion(ctx context.Context, q execer) (int, error) {
	ok, err := tableExists(ctx, q, "csdi_meta")
	if err != nil || !ok {
		return 0, err
	}
	var v string
	err = q.QueryRowContext(ctx, `SELECT value FROM csdi_meta WHERE key = 'schema_version'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read change-log schema version: %w", err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("change-log schema version %q: %w", v, err)
	}
	return n, nil
}

// ensureLogSchema applies the migrations the file has not had yet.
func ensureLogSchema(ctx context.Context, tx *sql.Tx) error {
	v, err := logVersion(ctx, tx)
	if err != nil {
		return err
	}
	if v > schemaVersion {
		return &NewerSchemaError{Have: v, Know: schemaVersion}
	}
	if v == schemaVersion {
		return nil
	}
	for next := v + 1; next <= schemaVersion; next++ {
		for _, q := range migrations[next] {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("change-log schema version %d: %w", next, err)
			}
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO csdi_meta (key, value) VALUES ('schema_version', ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(schemaVersion))
	if err != nil {
		return fmt.Errorf("record change-log schema version: %w", err)
	}
	return nil
}

// hasLog reports whether the change log is installed.
func hasLog(ctx context.Context, q execer) (bool, error) {
	return tableExists(ctx, q, "csdi_change_log")
}

// logTarget is a feature table as its triggers see it.
type logTarget struct {
	table string
	key   string   // the feature id column; "" when the table has none, so changes log reloads
	geom  string   // the geometry column, kept whole in old_geom
	cols  []string // every other column, kept in old_props
}

// logTargets lists the feature tables that get triggers (only table, when
// it is not ""): the ordinary tables among gpkg_contents' features, not
// views or virtual tables, which triggers cannot watch. A table's key is
// its id column in keys when the table has that column, else featureKey.
func (s *Store) logTargets(ctx context.Context, q execer, table string, keys map[string]string) ([]logTarget, error) {
	tables, err := featureTables(ctx, q)
	if err != nil {
		return nil, err
	}
	meta, err := s.loadMetadata(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []logTarget
	for _, t := range tables {
		if table != "" && !strings.EqualFold(t.table, table) {
			continue
		}
		ordinary, err := ordinaryTable(ctx, q, t.table)
		if err != nil {
			return nil, err
		}
		if !ordinary {
			continue
		}
		cols, err := columns(ctx, q, t.table)
		if err != nil {
			return nil, err
		}
		lt := logTarget{table: t.table, geom: t.geomColumn, key: featureKey(t, cols, meta)}
		want := keys[layerKey(t.table)]
		for _, c := range cols {
			if !strings.EqualFold(c.name, t.geomColumn) {
				lt.cols = append(lt.cols, c.name)
			}
			if want != "" && strings.EqualFold(c.name, want) {
				lt.key = c.name
			}
		}
		out = append(out, lt)
	}
	return out, nil
}

// featureKey is the column that names a table's features, as Layers
// reports it: the id column csdi_layers keeps for the table, or else its
// INTEGER PRIMARY KEY.
func featureKey(t featureTable, cols []column, meta map[string]layer.Layer) string {
	return sourceOf(t, cols, meta[strings.ToLower(t.table)].Source.IDColumn).IDColumn
}

// ordinaryTable reports whether name is a table triggers can be put on.
func ordinaryTable(ctx context.Context, q execer, name string) (bool, error) {
	var kind, ddl sql.NullString
	err := q.QueryRowContext(ctx, `SELECT type, sql FROM sqlite_master WHERE name = ? COLLATE NOCASE`, name).Scan(&kind, &ddl)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up table %q: %w", name, err)
	}
	virtual := strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ddl.String)), "CREATE VIRTUAL")
	return kind.String == "table" && !virtual, nil
}

// triggerPrefix starts the name of every trigger csdi installs, so its
// own can be told from GDAL's and the spatial index's.
const triggerPrefix = "csdi_log_"

// triggerChanges is what installTriggers must do to one table.
type triggerChanges struct {
	drop   []string
	create []string // complete CREATE TRIGGER statements
}

// staleTriggers compares the csdi triggers on t with the ones it should
// have, by their exact SQL (SQLite keeps it as written).
func staleTriggers(ctx context.Context, q execer, t logTarget) (triggerChanges, error) {
	want := logTriggers(t)
	rows, err := q.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'trigger' AND tbl_name = ? COLLATE NOCASE`, t.table)
	if err != nil {
		return triggerChanges{}, fmt.Errorf("list triggers of %q: %w", t.table, err)
	}
	defer rows.Close()
	have := map[string]string{}
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			return triggerChanges{}, fmt.Errorf("list triggers of %q: %w", t.table, err)
		}
		if strings.HasPrefix(name, triggerPrefix) {
			have[name] = ddl
		}
	}
	if err := rows.Err(); err != nil {
		return triggerChanges{}, fmt.Errorf("list triggers of %q: %w", t.table, err)
	}
	var c triggerChanges
	for _, w := range want {
		ddl, ok := have[w.name]
		if ok && ddl == w.sql {
			delete(have, w.name)
			continue
		}
		if ok {
			c.drop = append(c.drop, w.name)
			delete(have, w.name)
		}
		c.create = append(c.create, w.sql)
	}
	for name := range have { // a trigger of an older layout
		c.drop = append(c.drop, name)
	}
	return c, nil
}

// installTriggers brings t's triggers up to date.
func installTriggers(ctx context.Context, tx *sql.Tx, t logTarget) error {
	c, err := staleTriggers(ctx, tx, t)
	if err != nil {
		return err
	}
	for _, name := range c.drop {
		if _, err := tx.ExecContext(ctx, "DROP TRIGGER IF EXISTS "+quote(name)); err != nil {
			return fmt.Errorf("replace change-log trigger of %q: %w", t.table, err)
		}
	}
	for _, q := range c.create {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create change-log trigger on %q: %w", t.table, err)
		}
	}
	return nil
}

type trigger struct{ name, sql string }

// nowSQL is the time of a change as RFC 3339 UTC with milliseconds, a
// fixed width so that the text sorts as the time does.
const nowSQL = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`

// actorSQL is whoever the writing transaction says it is, or "sql" for a
// change made outside csdi (SQLite has no session user to name).
const actorSQL = `coalesce((SELECT actor FROM csdi_actor), 'sql')`

// logTriggers are the triggers t should have. With a key, each insert,
// update and delete logs its feature, an update or delete with the OLD
// row; an update that changes the key logs a delete and an insert. Without
// one, every change logs a reload — collapsed into the newest entry while
// the same writer keeps changing the same table, so a bulk load of a
// million rows leaves one entry, not a million.
func logTriggers(t logTarget) []trigger {
	name := func(suffix string) string { return triggerPrefix + t.table + "_" + suffix }
	layer := sqlString(layerKey(t.table))
	entry := func(id, op string, old bool) string {
		props, geom := "NULL", "NULL"
		if old {
			props = oldPropsSQL(t.cols, "OLD.")
			geom = "OLD." + quote(t.geom)
		}
		return fmt.Sprintf(`INSERT INTO csdi_change_log (layer, feature_id, op, at, actor, old_props, old_geom)
	VALUES (%s, %s, '%s', %s, %s, %s, %s);`, layer, id, op, nowSQL, actorSQL, props, geom)
	}
	on := quote(t.table)
	if t.key == "" {
		reload := fmt.Sprintf(`DELETE FROM csdi_change_log
	WHERE seq = (SELECT max(seq) FROM csdi_change_log)
	AND layer = %s AND op = 'R' AND actor = %s;
	%s`, layer, actorSQL, entry("NULL", "R", false))
		var out []trigger
		for _, ev := range []string{"insert", "update", "delete"} {
			out = append(out, trigger{name(ev), fmt.Sprintf("CREATE TRIGGER %s AFTER %s ON %s BEGIN\n\t%s\nEND",
				quote(name(ev)), strings.ToUpper(ev), on, reload)})
		}
		return out
	}
	k := quote(t.key)
	return []trigger{
		{name("insert"), fmt.Sprintf("CREATE TRIGGER %s AFTER INSERT ON %s BEGIN\n\t%s\nEND",
			quote(name("insert")), on, entry("NEW."+k, "I", false))},
		{name("update"), fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE ON %s WHEN OLD.%s IS NEW.%s BEGIN\n\t%s\nEND",
			quote(name("update")), on, k, k, entry("NEW."+k, "U", true))},
		{name("rekey"), fmt.Sprintf("CREATE TRIGGER %s AFTER UPDATE ON %s WHEN OLD.%s IS NOT NEW.%s BEGIN\n\t%s\n\t%s\nEND",
			quote(name("rekey")), on, k, k, entry("OLD."+k, "D", true), entry("NEW."+k, "I", false))},
		{name("delete"), fmt.Sprintf("CREATE TRIGGER %s AFTER DELETE ON %s BEGIN\n\t%s\nEND",
			quote(name("delete")), on, entry("OLD."+k, "D", true))},
	}
}

// sqlString quotes s as an SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// layerKey is the name the change log gives a table: its name in ASCII
// lower case, since SQLite's own table names compare that way.
func layerKey(table string) string {
	b := []byte(table)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// beginWrite starts a write transaction (BEGIN IMMEDIATE, from the DSN),
// reporting a read-only file as store.ErrReadOnly.
func (s *Store) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, readOnly(fmt.Errorf("begin: %w", err))
	}
	return tx, nil
}

func commit(tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return readOnly(fmt.Errorf("commit: %w", err))
	}
	return nil
}
