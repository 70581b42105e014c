package gpkg

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/csdi-hk/csdi/internal/store"
)

// sqliteCode is the primary result code of an SQLite error, 0 for others.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

// isConstraint reports a UNIQUE, NOT NULL, CHECK or key violation.
func isConstraint(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT }

// readOnly marks an error SQLite gives for a file it cannot write (a
// read-only file or directory, a read-only medium) as store.ErrReadOnly.
func readOnly(err error) error {
	if err != nil && sqliteCode(err) == sqlite3.SQLITE_READONLY && !errors.Is(err, store.ErrReadOnly) {
		return fmt.Errorf("%w: %w", store.ErrReadOnly, err)
	}
	return err
}
