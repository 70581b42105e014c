package postgis

import (
	"context"
	"fmt"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// WriteLayer replaces l's table in one transaction: drop, create, COPY the
// records, index the geometry (GiST), comment, analyse. An error anywhere,
// the records iterator's included, rolls everything back and leaves the
// previous table as it was. The id column is bigint when the first record's
// id is an integer and text otherwise; with no IDColumn there is none.
func (s *Store) WriteLayer(ctx context.Context, l *layer.Layer, records iter.Seq2[store.Record, error]) error {
	if err := s.writeLayer(ctx, l, records); err != nil {
		return fmt.Errorf("postgis: write %s: %w", l.ID, err)
	}
	return nil
}

func (s *Store) writeLayer(ctx context.Context, l *layer.Layer, records iter.Seq2[store.Record, error]) error {
	if l.Source.Table == "" || l.Source.GeometryColumn == "" {
		return fmt.Errorf("the layer names no table or geometry column")
	}
	schema := schemaOf(l.Source.Schema)
	ident := pgx.Identifier{schema, l.Source.Table}
	table := ident.Sanitize()

	// The first record decides the id column's type, so it is read before
	// the table is made.
	next, stop := iter.Pull2(records)
	defer stop()
	first, firstErr, ok := next()
	if ok && firstErr != nil {
		return fmt.Errorf("record 1: %w", firstErr)
	}
	ids := noID
	if l.Source.IDColumn != "" {
		ids = integerID
		if _, isText := first.ID.(string); ok && isText {
			ids = textID
		}
	}
	create, cols, err := createTable(l, table, ids)
	if err != nil {
		return err
	}

	tx, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit

	if err := ensureSchema(ctx, tx, schema); err != nil {
		return err
	}
	for _, q := range []string{"DROP TABLE IF EXISTS " + table, create} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	src := newRecordSource(l, ids, len(cols), replay(first, ok, next))
	if _, err := tx.CopyFrom(ctx, ident, cols, src); err != nil {
		if src.Err() != nil {
			return src.Err() // the cause, not pgx's report of the aborted COPY
		}
		return fmt.Errorf("copy: %w", err)
	}
	geom := pgx.Identifier{l.Source.GeometryColumn}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE INDEX ON "+table+" USING GIST ("+geom+")"); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	if err := writeComments(ctx, tx, l, table); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "ANALYZE "+table); err != nil {
		return fmt.Errorf("analyse: %w", err)
	}
	if err := logRewrite(ctx, tx, l); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// replay yields the record already pulled, then the rest.
func replay(first store.Record, ok bool, next func() (store.Record, error, bool)) func() (store.Record, error, bool) {
	return func() (store.Record, error, bool) {
		if ok {
			ok = false
			return first, nil, true
		}
		return next()
	}
}

// ensureSchema creates the schema when it is missing. It looks first, as
// CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the
// schema is there.
func ensureSchema(ctx context.Context, tx pgx.Tx, schema string) error {
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		return fmt.Errorf("look up schema: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return nil
}

// writeComments stores the layer's metadata and the fields' titles (see
// comment.go). COMMENT takes no bind parameters, so the text goes through
// pgx's simple protocol, which quotes it as a literal client-side.
func writeComments(ctx context.Context, tx pgx.Tx, l *layer.Layer, table string) error {
	c, err := tableComment(l)
	if err != nil {
		return fmt.Errorf("comment: %w", err)
	}
	if c != "" {
		if _, err := tx.Exec(ctx, "COMMENT ON TABLE "+table+" IS $1", pgx.QueryExecModeSimpleProtocol, c); err != nil {
			return fmt.Errorf("comment: %w", err)
		}
	}
	for _, f := range l.Fields {
		c, err := columnComment(f)
		if err != nil {
			return fmt.Errorf("comment on %q: %w", f.Name, err)
		}
		if c == "" {
			continue
		}
		col := table + "." + pgx.Identifier{f.SourceColumn()}.Sanitize()
		if _, err := tx.Exec(ctx, "COMMENT ON COLUMN "+col+" IS $1", pgx.QueryExecModeSimpleProtocol, c); err != nil {
			return fmt.Errorf("comment on %q: %w", f.Name, err)
		}
	}
	return nil
}

// logRewrite, where the change log is installed, puts its triggers on the
// rewritten table (the old table took its own with it) and logs one
// whole-layer change, so every cache reloads the layer. The rows COPY wrote
// are not logged one by one: the triggers go on after them.
func logRewrite(ctx context.Context, tx pgx.Tx, l *layer.Layer) error {
	v, err := schemaVersion(ctx, tx)
	if err != nil || v == 0 {
		return err
	}
	if err := installTriggers(ctx, tx, l); err != nil {
		return err
	}
	key := schemaOf(l.Source.Schema) + "." + l.Source.Table
	_, err = tx.Exec(ctx, `INSERT INTO csdi.change_log (layer, op, actor)
		VALUES ($1, 'R', coalesce(nullif(current_setting('csdi.actor', true), ''), session_user::text))`, key)
	if err == nil {
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, key)
	}
	if err != nil {
		return fmt.Errorf("log the rewrite: %w", err)
	}
	return nil
}
