package ingest

import (
	"context"
	"io"
	"sync/atomic"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// A Source is an input opened for import: a GeoJSON, CSV or GeoPackage
// file, or a request body.
type Source interface {
	// Infer reads the whole input once and proposes the schema of a new
	// layer. Problems that stop the input being read (broken JSON, a CSV
	// without geometry columns) are returned as such.
	Infer(ctx context.Context) (Schema, []Problem, error)
	// Read yields every feature in input order as a record of l, its
	// geometry in l.Source.SRID and conformed to the layer (Conform), or
	// with the problems that keep it from being one. A problem that stops
	// the input being read further ends Read after fn gets it. An error
	// from fn stops Read and is returned.
	Read(ctx context.Context, l *layer.Layer, fn func(index int, r store.Record, ps []Problem) error) error
	// Progress is how much of the input has been read, and its size; a
	// size of zero means unknown.
	Progress() (done, total int64)
	Close() error
}

// Opener opens an input from its start; a source that reads twice (Infer,
// then Read) opens it twice.
type Opener func() (io.ReadCloser, error)

// countingReader counts bytes read, for progress reports from another
// goroutine.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// fileProblem is a problem with the input as a whole, not one feature:
// its index is -1.
func fileProblem(field, reason string) Problem {
	return Problem{Index: -1, Field: field, Reason: reason}
}
