package gpkg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// TestExport writes a fixture through Export and reads the bytes back as
// a GeoPackage: one self-contained file with every record.
func TestExport(t *testing.T) {
	fx := storetest.Fixtures()[0]
	var buf bytes.Buffer
	n, err := Export(context.Background(), &buf, &fx.Layer, storetest.Seq(fx.Records))
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Export reported %d bytes, wrote %d", n, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "out.gpkg")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	layers, err := s.Layers(context.Background())
	if err != nil || len(layers) != 1 {
		t.Fatalf("layers %v, %v", layers, err)
	}
	var got []store.Record
	if err := s.Load(context.Background(), &layers[0], func(r store.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(fx.Records) {
		t.Fatalf("%d records back, want %d", len(got), len(fx.Records))
	}
	for i := range got {
		if !storetest.GeometryEqual(got[i].Geometry, fx.Records[i].Geometry, 1e-9) {
			t.Errorf("record %d geometry %v, want %v", i, got[i].Geometry, fx.Records[i].Geometry)
		}
	}
}
