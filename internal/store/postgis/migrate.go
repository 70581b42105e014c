package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/csdi-hk/csdi/internal/layer"
)

// SchemaVersion is the version of the csdi schema this build installs.
// Each step in migrations takes the schema from version i to i+1.
const SchemaVersion = 2

// migrations are applied in order, each in the migrating transaction; a
// database at version v runs migrations[v:].
var migrations = []string{
	// 1: the change log (which is also the history: every updated or
	// deleted row's previous version rides along) and the trigger function
	// that fills it for every published table.
	`
CREATE TABLE csdi.change_log (
	seq        bigserial PRIMARY KEY,
	layer      text        NOT NULL,              -- schema.table
	feature_id text,                               -- NULL: re-read the whole layer
	id_num     boolean     NOT NULL DEFAULT false,    -- feature_id is an integer id
	op         "char"      NOT NULL,              -- I U D R
	at         timestamptz NOT NULL DEFAULT clock_timestamp(),
	actor      text        NOT NULL,
	txid       bigint      NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
	old_row    jsonb,                              -- the version an U or D ended, attributes
	old_geom   bytea                               -- and its geometry as EWKB
);
CREATE INDEX change_log_feature ON csdi.change_log (layer, feature_id, seq);
CREATE INDEX change_log_txid ON csdi.change_log (txid);
CREATE INDEX change_log_at ON csdi.change_log (at);
-- The highest id a layer ever deleted: new ids go above it, so a deleted
-- feature's id (and its history) is never given to another.
CREATE INDEX change_log_deleted_ids ON csdi.change_log (layer, (feature_id::bigint))
	WHERE op = 'D' AND id_num;

-- log_changes is an AFTER ... FOR EACH STATEMENT trigger with transition
-- tables new_rows/old_rows: one INSERT ... SELECT per statement, however
-- many rows it touched, so a bulk load pays little for its log. Arguments:
-- the id column ('' when the table has none: any change reloads the layer)
-- and the geometry column. The actor is the csdi.actor setting csdi sets
-- for its own writes, else the database user (a department's own SQL).
CREATE FUNCTION csdi.log_changes() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
	layer_key text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
	id_col    text := TG_ARGV[0];
	geom_col  text := TG_ARGV[1];
	id_num    boolean := TG_ARGV[2] = 'integer';
	who       text := coalesce(nullif(current_setting('csdi.actor', true), ''), session_user::text);
BEGIN
	IF TG_OP = 'TRUNCATE' OR id_col = '' THEN
		INSERT INTO csdi.change_log (layer, op, actor) VALUES (layer_key, 'R', who);
	ELSIF TG_OP = 'INSERT' THEN
		EXECUTE format('INSERT INTO csdi.change_log (layer, feature_id, id_num, op, actor)
			SELECT $1, n.%1$I::text, $3, ''I'', $2 FROM new_rows n ORDER BY n.%1$I', id_col)
			USING layer_key, who, id_num;
	ELSIF TG_OP = 'DELETE' THEN
		EXECUTE format('INSERT INTO csdi.change_log (layer, feature_id, id_num, op, actor, old_row, old_geom)
			SELECT $1, o.%1$I::text, $3, ''D'', $2, to_jsonb(o) - %2$L, ST_AsEWKB(o.%2$I)
			FROM old_rows o ORDER BY o.%1$I', id_col, geom_col)
			USING layer_key, who, id_num;
	ELSE -- UPDATE: an update that changes an id deletes one feature and inserts another
		EXECUTE format('INSERT INTO csdi.change_log (layer, feature_id, id_num, op, actor, old_row, old_geom)
			SELECT $1, o.%1$I::text, $3,
				CASE WHEN EXISTS (SELECT 1 FROM new_rows n WHERE n.%1$I = o.%1$I) THEN ''U'' ELSE ''D'' END,
				$2, to_jsonb(o) - %2$L, ST_AsEWKB(o.%2$I)
			FROM old_rows o ORDER BY o.%1$I', id_col, geom_col)
			USING layer_key, who, id_num;
		EXECUTE format('INSERT INTO csdi.change_log (layer, feature_id, id_num, op, actor)
			SELECT $1, n.%1$I::text, $3, ''I'', $2 FROM new_rows n
			WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.%1$I = n.%1$I) ORDER BY n.%1$I', id_col)
			USING layer_key, who, id_num;
	END IF;
	PERFORM pg_notify('` + notifyChannel + `', layer_key);
	RETURN NULL;
END
$fn$;
`,
	// 2: the audit trail, append-only and hash-chained (audit.go).
	auditSchema,
}

// notifyChannel is the NOTIFY channel that wakes followers of the change
// log. A notification is only a wake-up: the log is the truth.
const notifyChannel = "csdi_changes"

// migrateLock is the advisory lock migrations take, so that replicas
// starting together do not race.
const migrateLock = 0x63736469 // "csdi"

// Migrate installs or upgrades the csdi schema to SchemaVersion, then
// (re)installs the change-log triggers on every layer's table. It is
// idempotent: running it again changes nothing. It returns the version the
// database was at before.
func (s *Store) Migrate(ctx context.Context, layers []layer.Layer) (from int, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgis: migrate: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLock)); err != nil {
		return 0, fmt.Errorf("postgis: migrate: lock: %w", err)
	}
	from, err = schemaVersion(ctx, tx)
	if err != nil {
		return 0, fmt.Errorf("postgis: migrate: %w", err)
	}
	if from > SchemaVersion {
		return from, fmt.Errorf("postgis: migrate: the database's csdi schema is version %d, newer than this build's %d: upgrade csdi", from, SchemaVersion)
	}
	if from == 0 {
		if err := ensureSchema(ctx, tx, "csdi"); err != nil {
			return 0, fmt.Errorf("postgis: migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE csdi.schema_version (
			version integer NOT NULL, installed_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return 0, fmt.Errorf("postgis: migrate: %w", err)
		}
	}
	for v := from; v < SchemaVersion; v++ {
		if _, err := tx.Exec(ctx, migrations[v]); err != nil {
			return from, fmt.Errorf("postgis: migrate to version %d: %w", v+1, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO csdi.schema_version (version) VALUES ($1)", v+1); err != nil {
			return from, fmt.Errorf("postgis: migrate to version %d: %w", v+1, err)
		}
	}
	for i := range layers {
		if err := installTriggers(ctx, tx, &layers[i]); err != nil {
			return from, fmt.Errorf("postgis: migrate: layer %s: %w", layers[i].ID, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return from, fmt.Errorf("postgis: migrate: commit: %w", err)
	}
	s.migrated.Store(true)
	return from, nil
}

// SchemaVersion is the version Migrate installs.
func (s *Store) SchemaVersion() int { return SchemaVersion }

// schemaVersion is the installed version of the csdi schema, 0 for none.
func schemaVersion(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('csdi.schema_version') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("look for the csdi schema: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM csdi.schema_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read the csdi schema version: %w", err)
	}
	return v, nil
}

// installTriggers puts the change-log triggers on l's table: one per
// statement kind (transition tables cannot serve two events at once).
// Views and foreign tables have none: they are read-only to csdi and their
// changes reach the cache only by a reload.
func installTriggers(ctx context.Context, tx pgx.Tx, l *layer.Layer) error {
	table := pgx.Identifier{schemaOf(l.Source.Schema), l.Source.Table}.Sanitize()
	var kind string
	err := tx.QueryRow(ctx, "SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)", table).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // the layer's table is gone; the catalogue reports it
	}
	if err != nil {
		return fmt.Errorf("look up %s: %w", table, err)
	}
	if kind != "r" && kind != "p" {
		return nil
	}
	idKind := "text"
	if l.Source.IDColumn != "" {
		var typ string
		err := tx.QueryRow(ctx, `SELECT format_type(atttypid, NULL) FROM pg_attribute
			WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped`, table, l.Source.IDColumn).Scan(&typ)
		if err != nil {
			return fmt.Errorf("look up id column %q of %s: %w", l.Source.IDColumn, table, err)
		}
		if integerType(typ) {
			idKind = "integer"
		}
	}
	args := quoteLiteral(l.Source.IDColumn) + ", " + quoteLiteral(l.Source.GeometryColumn) + ", " + quoteLiteral(idKind)
	stmts := []string{
		"CREATE OR REPLACE TRIGGER csdi_log_insert AFTER INSERT ON " + table +
			" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION csdi.log_changes(" + args + ")",
		"CREATE OR REPLACE TRIGGER csdi_log_update AFTER UPDATE ON " + table +
			" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION csdi.log_changes(" + args + ")",
		"CREATE OR REPLACE TRIGGER csdi_log_delete AFTER DELETE ON " + table +
			" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION csdi.log_changes(" + args + ")",
		"CREATE OR REPLACE TRIGGER csdi_log_truncate AFTER TRUNCATE ON " + table +
			" FOR EACH STATEMENT EXECUTE FUNCTION csdi.log_changes(" + args + ")",
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "42501" {
				return fmt.Errorf("install change-log triggers on %s: csdi's database user must own the table: %w", table, err)
			}
			return fmt.Errorf("install change-log triggers on %s: %w", table, err)
		}
	}
	return nil
}

// integerType reports whether a column of SQL type typ holds integer ids.
func integerType(typ string) bool {
	return typ == "bigint" || typ == "integer" || typ == "smallint"
}

// quoteLiteral quotes s as an SQL string literal (trigger arguments take no
// bind parameters).
func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
