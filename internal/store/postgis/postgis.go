// Package postgis is the PostgreSQL + PostGIS store: it discovers the tables
// and views that carry a geometry column, streams their rows as store.Records
// and (re)writes whole layers with COPY. It talks to the database through a
// pgx v5 connection pool and never buffers a table in memory.
//
// Discovery (Layers) publishes one layer per (relation, geometry column) in
// the configured schemas, for every table, partitioned table, view,
// materialized view and foreign table the user may SELECT from:
//
//   - id: the table name in schema public, schema.table elsewhere, with
//     .column added for the second and later geometry columns; characters a
//     layer id cannot hold become '_' and clashes get -2, -3, ...
//   - SRID and geometry type from the column's typmod; an untyped column
//     is "Geometry" and takes the SRID of its first non-NULL geometry.
//   - id column: the single-column primary key, else a NOT NULL, uniquely
//     indexed integer, text or uuid column named id, fid, gid, ogc_fid or
//     objectid; else none, and features are numbered 1, 2, ... by row.
//   - fields: every other column whose type maps (see fieldType); others
//     are logged and skipped.
//   - title and description from the table's COMMENT (see comment.go).
package postgis

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/csdi-hk/csdi/internal/store"
)

// Options tune a Store. The zero value is usable.
type Options struct {
	// Schemas are searched for layers; empty means ["public"].
	Schemas []string
	// MaxConns caps the pool; zero keeps pgxpool's default.
	MaxConns int32
	// Logger receives warnings about columns and rows that cannot be served;
	// nil means slog.Default().
	Logger *slog.Logger
}

// Store is a PostGIS database seen as a source of layers.
type Store struct {
	pool     *pgxpool.Pool
	url      string // for the change log's listening connection
	schemas  []string
	log      *slog.Logger
	migrated atomic.Bool // the csdi schema is known to be installed
	listener listener    // wakes Wait on NOTIFY
	idTypes  sync.Map    // table → SQL type of its id column, for Fetch
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Writer    = (*Store)(nil)
	_ store.Editor    = (*Store)(nil)
	_ store.ChangeLog = (*Store)(nil)
	_ store.History   = (*Store)(nil)
)

// Open connects to the database at url (a libpq URL or DSN) and checks that
// it answers.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgis: parse database url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	// Describe every statement afresh instead of caching prepared
	// statements per connection: tables are dropped and recreated (by
	// WriteLayer, by a department's ETL) with other column types, and a
	// cached description would then encode or decode with the old ones.
	// The store runs few, large statements, so the extra round trip is
	// noise.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgis: create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgis: connect: %w", err)
	}
	s := &Store{pool: pool, url: url, schemas: opts.Schemas, log: opts.Logger}
	if len(s.schemas) == 0 {
		s.schemas = []string{"public"}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// Close releases the pool's connections.
func (s *Store) Close() error {
	s.listener.close()
	s.pool.Close()
	return nil
}

// defaultSchema is where a layer lives when its source names no schema.
const defaultSchema = "public"

func schemaOf(schema string) string {
	if schema == "" {
		return defaultSchema
	}
	return schema
}
