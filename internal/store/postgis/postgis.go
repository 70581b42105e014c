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
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

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
	// AcquireTimeout bounds a write's wait for a connection (5 s), and
	// each new connection's dial unless the URL sets connect_timeout: with
	// the database down or unreachable a write fails fast, and is answered
	// 503, instead of hanging until the client gives up.
	AcquireTimeout time.Duration
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
	migrated atomic.Bool   // the csdi schema is known to be installed
	listener listener      // wakes Wait on NOTIFY
	idTypes  sync.Map      // table → SQL type of its id column, for Fetch
	acquire  time.Duration // Options.AcquireTimeout
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
	if opts.AcquireTimeout <= 0 {
		opts.AcquireTimeout = defaultAcquireTimeout
	}
	if cfg.ConnConfig.ConnectTimeout <= 0 {
		cfg.ConnConfig.ConnectTimeout = opts.AcquireTimeout
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
	s := &Store{pool: pool, url: url, schemas: opts.Schemas, log: opts.Logger, acquire: opts.AcquireTimeout}
	if len(s.schemas) == 0 {
		s.schemas = []string{"public"}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

// defaultAcquireTimeout is Options.AcquireTimeout's default.
const defaultAcquireTimeout = 5 * time.Second

// begin starts a transaction for a write on a pooled connection, waiting
// at most the acquire timeout for one (pgxpool itself waits as long as
// ctx lets it). The connection goes back to the pool when the transaction
// ends.
func (s *Store) begin(ctx context.Context) (pgx.Tx, error) {
	actx, cancel := context.WithTimeout(ctx, s.acquire)
	conn, err := s.pool.Acquire(actx)
	cancel()
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no database connection within %s: %w", s.acquire, err)
		}
		return nil, err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		conn.Release()
		return nil, err
	}
	return &pooledTx{Tx: tx, conn: conn}, nil
}

// pooledTx releases its connection when it is committed or rolled back,
// as the transactions pgxpool.Pool.Begin makes do.
type pooledTx struct {
	pgx.Tx
	conn *pgxpool.Conn
}

func (t *pooledTx) Commit(ctx context.Context) error {
	err := t.Tx.Commit(ctx)
	t.release()
	return err
}

func (t *pooledTx) Rollback(ctx context.Context) error {
	err := t.Tx.Rollback(ctx)
	t.release()
	return err
}

func (t *pooledTx) release() {
	if t.conn != nil {
		t.conn.Release()
		t.conn = nil
	}
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
