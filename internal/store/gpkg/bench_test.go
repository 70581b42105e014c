package gpkg

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// benchLayer is a typical building-footprint layer in HK1980 Grid.
func benchLayer(id string) *layer.Layer {
	return &layer.Layer{
		ID:           id,
		Source:       layer.Source{Table: id, IDColumn: "id", GeometryColumn: "geom", SRID: 2326},
		GeometryType: layer.Polygon,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String},
			{Name: "floors", Type: layer.Integer},
			{Name: "area", Type: layer.Number},
		},
	}
}

// squares yields n small square polygons laid out on a grid over Hong Kong.
func squares(n int) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for i := range n {
			x := 820000 + float64(i%1000)*30
			y := 810000 + float64(i/1000)*30
			poly := orb.Polygon{{{x, y}, {x + 20, y}, {x + 20, y + 20}, {x, y + 20}, {x, y}}}
			rec := store.Record{ID: int64(i + 1), Geometry: poly,
				Props: []any{fmt.Sprintf("building %d", i), int64(i % 40), 400.0}}
			if !yield(rec, nil) {
				return
			}
		}
	}
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.gpkg"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkWrite writes (rewrites) a layer of 100,000 polygons per op.
func BenchmarkWrite(b *testing.B) {
	const n = 100_000
	s := benchStore(b)
	l := benchLayer("buildings")
	b.ResetTimer()
	for range b.N {
		if err := s.WriteLayer(context.Background(), l, squares(n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
}

// BenchmarkLoad streams a layer of 500,000 small polygons per op.
func BenchmarkLoad(b *testing.B) {
	const n = 500_000
	s := benchStore(b)
	l := benchLayer("buildings")
	if err := s.WriteLayer(context.Background(), l, squares(n)); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		got := 0
		err := s.Load(context.Background(), l, func(store.Record) error {
			got++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if got != n {
			b.Fatalf("loaded %d features, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
}
