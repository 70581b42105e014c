package gpkg

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite/vtab"
)

// An export streams its rows into SQLite through virtual tables read by
// INSERT … SELECT: SQLite pulls each row's values from Go, copying them at
// once into its own (C) memory, so that a row costs neither a statement
// execution through database/sql (about 1 KiB of garbage each) nor a Go
// allocation when the values are already boxed. Each virtual table is
// created with a token naming its rowSource in exportSources.

// exportModuleName is the module of the export's virtual tables,
// registered on this package's private driver only.
const exportModuleName = "csdi_export"

// rowSource produces the rows of one virtual table, one at a time.
type rowSource interface {
	// schema is the CREATE TABLE statement the table declares.
	schema() string
	// next moves to the next row; false at the end or on an error, which
	// err then reports.
	next() bool
	err() error
	// column is a value of the current row, of a type SQLite takes
	// (nil, int64, float64, bool, string, []byte); rowid its rowid.
	column(i int) any
	rowid() int64
}

var (
	exportSources  sync.Map // token → rowSource
	exportTokens   atomic.Uint64
	registerModule sync.Once
	registerModErr error
)

// registerExportModule adds the module to the private driver, for the
// connections opened after it.
func registerExportModule() error {
	registerModule.Do(func() {
		drv, err := sqliteDriver()
		if err == nil {
			err = drv.RegisterModule(exportModuleName, exportModule{})
		}
		registerModErr = err
	})
	return registerModErr
}

// insertFrom runs query, an INSERT … SELECT … FROM %s, with %s naming a
// temporary virtual table over src, and reports src's error before
// SQLite's (which only says that the virtual table failed).
func insertFrom(ctx context.Context, tx *sql.Tx, src rowSource, query string) error {
	token := strconv.FormatUint(exportTokens.Add(1), 10)
	exportSources.Store(token, src)
	defer exportSources.Delete(token)
	table := "temp.csdi_export_" + token
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("CREATE VIRTUAL TABLE %s USING %s(%s)", table, exportModuleName, token)); err != nil {
		return fmt.Errorf("virtual table: %w", err)
	}
	_, err := tx.ExecContext(ctx, fmt.Sprintf(query, table))
	if serr := src.err(); serr != nil {
		return serr
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DROP TABLE "+table); err != nil {
		return fmt.Errorf("virtual table: %w", err)
	}
	return nil
}

// exportModule creates tables over the registered sources.
type exportModule struct{}

func (m exportModule) Create(ctx vtab.Context, args []string) (vtab.Table, error) {
	return m.Connect(ctx, args)
}

// Connect reads the token, the last of args (module, database, table,
// then the module's arguments).
func (exportModule) Connect(ctx vtab.Context, args []string) (vtab.Table, error) {
	if len(args) < 4 {
		return nil, fmt.Errorf("%s: no source token", exportModuleName)
	}
	v, ok := exportSources.Load(args[len(args)-1])
	if !ok {
		return nil, fmt.Errorf("%s: no source %q", exportModuleName, args[len(args)-1])
	}
	src := v.(rowSource)
	if err := ctx.Declare(src.schema()); err != nil {
		return nil, err
	}
	return &exportTable{src: src}, nil
}

// exportTable is a one-pass table: a full scan, read once.
type exportTable struct{ src rowSource }

func (t *exportTable) BestIndex(info *vtab.IndexInfo) error {
	info.EstimatedCost = 1e9
	return nil
}

func (t *exportTable) Open() (vtab.Cursor, error) { return &exportCursor{src: t.src}, nil }
func (t *exportTable) Disconnect() error          { return nil }
func (t *exportTable) Destroy() error             { return nil }

type exportCursor struct {
	src rowSource
	eof bool
}

func (c *exportCursor) Filter(int, string, []vtab.Value) error { return c.Next() }

func (c *exportCursor) Next() error {
	c.eof = !c.src.next()
	return c.src.err()
}

func (c *exportCursor) Eof() bool                        { return c.eof }
func (c *exportCursor) Column(i int) (vtab.Value, error) { return c.src.column(i), nil }
func (c *exportCursor) Rowid() (int64, error)            { return c.src.rowid(), nil }
func (c *exportCursor) Close() error                     { return nil }
