package postgis

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/csdi-hk/csdi/internal/layer"
)

// failedRows is what pgx hands back for a query the server could not run
// to its first row (the connection dropped during a restart): no columns,
// and the error only through Err. A real dropped connection cannot be timed
// to land between Query and the first row, so this stands in for it.
type failedRows struct {
	pgx.Rows
	err    error
	closed bool
}

func (r *failedRows) FieldDescriptions() []pgconn.FieldDescription { return nil }
func (r *failedRows) Close()                                       { r.closed = true }
func (r *failedRows) Err() error                                   { return r.err }

func TestRowReaderFailedQuery(t *testing.T) {
	l := &layer.Layer{ID: "parks", Source: layer.Source{IDColumn: "id", Table: "parks", GeometryColumn: "geom"},
		Fields: []layer.Field{{Name: "name", Type: layer.String}}}
	dropped := errors.New("FATAL: terminating connection due to administrator command")
	rows := &failedRows{err: dropped}
	_, err := newRowReader(l, false, pgtype.NewMap(), rows, &warnings{})
	if !errors.Is(err, dropped) {
		t.Fatalf("error = %v, want the query's own error", err)
	}
	if !rows.closed {
		t.Error("the rows were not closed before asking for their error")
	}

	_, err = newRowReader(l, false, pgtype.NewMap(), &failedRows{}, &warnings{})
	if err == nil || !strings.Contains(err.Error(), "0 columns, want 3") {
		t.Fatalf("error = %v, want the column count named", err)
	}
}
