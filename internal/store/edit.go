package store

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Editor changes a layer's features. Every write — a Part 4 request, an
// import, a rollback — goes through Edit, so the store's change log (filled
// by triggers, which also catch a department's direct SQL) sees it, and the
// cache learns of it only from that log.
type Editor interface {
	// Edit runs fn in one transaction on layer l. When fn returns nil the
	// transaction commits and Edit reports what it wrote; otherwise, or if
	// the commit fails, nothing of it is kept. The actor is recorded with
	// every change-log entry the transaction makes.
	Edit(ctx context.Context, l *layer.Layer, actor string, fn func(Tx) error) (Commit, error)
	// CreateLayer creates the table of a new layer (empty, with its spatial
	// index and change-log triggers) and returns the layer as the store will
	// serve it. ErrLayerExists when the table is there already.
	CreateLayer(ctx context.Context, l *layer.Layer) (layer.Layer, error)
}

// Tx is one open write transaction on one layer. Records' geometries are in
// the layer's l.Source.SRID, x = easting/longitude; Props are aligned with
// the layer's Fields. A Tx is not safe for concurrent use.
type Tx interface {
	// Get reads a feature and locks it until the transaction ends, so a
	// read-modify-write (PATCH, If-Match) cannot interleave with another.
	Get(ctx context.Context, id any) (Record, bool, error)
	// Insert adds a feature. A nil ID asks the store for a new one (an
	// integer); the id used is returned. ErrConflict when the id exists.
	Insert(ctx context.Context, r Record) (id any, err error)
	// Replace overwrites every attribute and the geometry of r.ID.
	// ErrNotFound when there is no such feature.
	Replace(ctx context.Context, r Record) error
	// Delete removes a feature; ErrNotFound when there is none.
	Delete(ctx context.Context, id any) error
	// DeleteAll removes every feature (a bulk replace), keeping each in
	// the history like any other delete.
	DeleteAll(ctx context.Context) (int64, error)
	// Copy writes many records fast (bulk import). With upsert a record
	// whose id exists replaces it; without, an existing id is ErrConflict.
	// Records must carry ids unless the layer assigns them.
	Copy(ctx context.Context, records iter.Seq2[Record, error], upsert bool) (int64, error)
	// Invalid checks geometries the way the store itself judges them
	// (ST_IsValidReason on PostGIS) and returns, for each invalid one, its
	// index in gs and the reason. Nothing is written.
	Invalid(ctx context.Context, gs []orb.Geometry) ([]InvalidGeometry, error)
}

// InvalidGeometry is one geometry a store refuses, and why.
type InvalidGeometry struct {
	Index  int
	Reason string
}

// Commit is what a committed Edit wrote.
type Commit struct {
	// Seq is the highest change-log sequence the transaction wrote, zero
	// when it changed nothing. A cache that has applied Seq shows the edit.
	Seq int64
	// Changes is the number of change-log entries written.
	Changes int64
}

// Errors a Tx reports for the caller to turn into 404, 409 and 400.
var (
	ErrNotFound    = errors.New("no such feature")
	ErrConflict    = errors.New("a feature with this id exists")
	ErrLayerExists = errors.New("the layer exists")
	ErrReadOnly    = errors.New("the layer cannot be edited")
)

// ValueError is a record the store could not write because of its content:
// a value of the wrong type, a NOT NULL column left empty, a geometry of the
// wrong type. The transaction is rolled back.
type ValueError struct {
	ID     any // of the record, when it has one
	Field  string
	Reason string
}

func (e *ValueError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("feature %v: %s", e.ID, e.Reason)
	}
	return fmt.Sprintf("feature %v: %s: %s", e.ID, e.Field, e.Reason)
}

// Op is what a change did.
type Op byte

// Change-log operations. Reload means "re-read the whole layer": a TRUNCATE,
// a table rewritten by WriteLayer, or a change to a layer without ids.
const (
	OpInsert Op = 'I'
	OpUpdate Op = 'U'
	OpDelete Op = 'D'
	OpReload Op = 'R'
)

func (o Op) String() string {
	switch o {
	case OpInsert:
		return "insert"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	case OpReload:
		return "reload"
	}
	return fmt.Sprintf("op(%c)", byte(o))
}

// Change is one entry of the durable change log.
type Change struct {
	Seq   int64
	Layer string // the layer's table as schema.table; see ChangeLog.LayerKey
	ID    any    // the feature's id (int64 or string); nil for OpReload
	Op    Op
	At    time.Time
	Actor string
}

// Cursor is how far a reader of the change log has got. The zero value
// reads from the start. Its contents belong to the store that returned it.
type Cursor struct {
	// Seq: every change at or below it that will ever be visible has been
	// returned.
	Seq int64
	// Pending are transactions that were in flight at the last read and may
	// still commit changes numbered at or below Seq (PostgreSQL hands out
	// sequence numbers before commit, not in commit order).
	Pending []int64
}

// ChangeLog is a store's durable, ordered record of every change to every
// published table, whoever made it.
type ChangeLog interface {
	// Changes returns up to limit changes committed since c, in sequence
	// order, and the cursor to read on from. A change may be returned twice
	// (readers apply changes idempotently, re-reading the feature's current
	// state), never skipped.
	Changes(ctx context.Context, c Cursor, limit int) ([]Change, Cursor, error)
	// Head is the cursor a reader that has seen everything committed now
	// would have: where a freshly loaded cache starts following the log.
	// Take it before the initial load, so that nothing committed during the
	// load is missed.
	Head(ctx context.Context) (Cursor, error)
	// Wait returns when there may be new changes (a notification), after
	// timeout, or when ctx ends. A lost wake-up costs at most timeout.
	Wait(ctx context.Context, timeout time.Duration) error
	// Fetch streams the current records of the given ids (those that still
	// exist; a missing one was deleted) in the geometry SRID of Load.
	Fetch(ctx context.Context, l *layer.Layer, ids []any, fn func(Record) error) error
	// LayerKey is the name Change.Layer carries for l.
	LayerKey(l *layer.Layer) string
}

// Version is one change of a feature: the version it made is the feature
// as AsOf(Seq) returns it (absent after a delete).
type Version struct {
	Seq   int64
	Op    Op
	At    time.Time
	Actor string
}

// History keeps every replaced or deleted version of every feature.
type History interface {
	// Versions lists the changes of a feature, oldest first. A feature
	// loaded before the change log was installed has no entry for its first
	// version.
	Versions(ctx context.Context, l *layer.Layer, id any) ([]Version, error)
	// AsOf returns the feature as it was just after change seq (false when
	// it did not exist then), geometry as Load yields it.
	AsOf(ctx context.Context, l *layer.Layer, id any, seq int64) (Record, bool, error)
	// Rollback puts every feature of l back as it was just after change
	// seq (or, with seq zero, at time at), as one new transaction that the
	// change log records like any other edit.
	Rollback(ctx context.Context, l *layer.Layer, seq int64, at time.Time, actor string) (Commit, error)
}
