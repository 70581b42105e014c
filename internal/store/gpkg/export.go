package gpkg

import (
	"context"
	"fmt"
	"io"
	"iter"
	"os"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Export writes records as the single layer l of a new GeoPackage and
// copies the finished file to dst: a download of a query's result.
// SQLite needs a seekable file, so the GeoPackage is built in a temporary
// file, which is removed afterwards; memory stays bounded by SQLite's page
// cache whatever the number of records.
func Export(ctx context.Context, dst io.Writer, l *layer.Layer, records iter.Seq2[store.Record, error]) (n int64, err error) {
	dir, err := os.MkdirTemp("", "csdi-export-*")
	if err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	defer os.RemoveAll(dir)
	path := dir + "/" + l.ID + ".gpkg"
	s, err := Open(path, Options{})
	if err != nil {
		return 0, err
	}
	if err := s.WriteLayer(ctx, l, records); err != nil {
		s.Close()
		return 0, err
	}
	// Closing the last connection checkpoints the write-ahead log into the
	// file, so the one file is the whole GeoPackage.
	if err := s.Close(); err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("gpkg: export %s: %w", l.ID, err)
	}
	defer f.Close()
	return io.Copy(dst, f)
}
