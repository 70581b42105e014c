// Package gpkg is the embedded store: layers in an OGC GeoPackage 1.3 file,
// read and written with modernc's pure-Go SQLite, so `csdi serve` runs with
// nothing installed. The files it writes open in GDAL and QGIS, and it
// serves GeoPackages those tools made.
//
// Geometries are read in the table's own SRID, so the store serves only
// tables whose SRID internal/crs can transform (EPSG:4326 always); Load
// reports an UnsupportedSRIDError for any other.
//
// The write path (store.Editor, store.ChangeLog, store.History) keeps its
// change log in the GeoPackage itself, filled by triggers so that edits by
// GDAL, QGIS or the sqlite3 shell are logged too: see migrate.go for the
// schema, edit.go for transactions, changelog.go for readers and
// history.go for versions and rollback. Migrate installs the log; Open
// does not, so a file only read, or made for a download, stays as it is.
package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/csdi-hk/csdi/internal/store"
)

// Options configures a Store.
type Options struct {
	// Logger receives warnings about rows and columns that are skipped;
	// nil discards them.
	Logger *slog.Logger
}

// Store is a GeoPackage file. It is safe for concurrent use: reads run in
// parallel on a pool of connections, writes are serialised by SQLite.
type Store struct {
	db   *sql.DB
	conn connector
	log  *slog.Logger
	path string

	changed  notifier     // wakes Wait when this Store commits a change
	consumed atomic.Int64 // the highest seq Changes or Head has returned

	checkedMu sync.Mutex
	checked   map[string]int64 // layer key → schema cookie its triggers were checked at
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Writer    = (*Store)(nil)
	_ store.Editor    = (*Store)(nil)
	_ store.ChangeLog = (*Store)(nil)
	_ store.History   = (*Store)(nil)
)

// busyTimeout is how long a statement waits for another connection's
// write lock before failing; a layer rewrite can hold it for seconds.
const busyTimeout = 60 * time.Second

// Exists reports whether path is a non-empty file, as a GeoPackage that
// Open would read rather than create.
func Exists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Size() > 0
}

// Open opens the GeoPackage at path, creating an empty one when the file
// does not exist.
func Open(path string, opts Options) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("gpkg: %s: %w", path, err)
	}
	drv, err := sqliteDriver()
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	// Keep the WAL file from staying as large as the biggest layer write.
	q.Add("_pragma", "journal_size_limit(67108864)")
	// A write transaction takes the write lock when it begins, so two
	// writers queue on busy_timeout instead of deadlocking on upgrade.
	q.Add("_txlock", "immediate")
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}).String()

	conn := connector{driver: drv, dsn: dsn}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{db: db, conn: conn, log: log, path: abs}
	ctx := context.Background()
	if err := s.initialise(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("gpkg: open %s: %w", path, err)
	}
	// WAL lets the server load layers while a rewrite is running. It is a
	// property of the file, so one statement switches every connection;
	// if it fails (a read-only directory) we carry on with the default
	// rollback journal, which still allows concurrent readers.
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		log.Warn("gpkg: cannot switch to WAL; writes will block reads", "path", abs, "err", err)
	}
	return s, nil
}

// Close closes the file. It then switches the journal back from WAL on a
// connection of its own, so the .gpkg is one self-contained file again for
// GDAL, QGIS or a copy.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("gpkg: close %s: %w", s.path, err)
	}
	ctx := context.Background()
	db := sql.OpenDB(s.conn)
	defer db.Close()
	c, err := db.Conn(ctx)
	if err == nil {
		defer c.Close()
		// Another process with the file open keeps it in WAL: do not wait
		// the full busy timeout for it. SQLite checkpoints when the last
		// connection closes, so nothing is lost either way.
		_, err = c.ExecContext(ctx, "PRAGMA busy_timeout = 100")
	}
	if err == nil {
		_, err = c.ExecContext(ctx, "PRAGMA journal_mode=DELETE")
	}
	if err != nil {
		s.log.Debug("gpkg: journal stays in WAL mode", "path", s.path, "err", err)
	}
	return nil
}

// errNotGeoPackage is returned by Open for an SQLite file that has tables
// but no GeoPackage core tables.
var errNotGeoPackage = errors.New("an SQLite database without gpkg_contents is not a GeoPackage")
