package gpkg

import (
	"context"
	"testing"

	"github.com/csdi-hk/csdi/internal/store"
)

// BenchmarkCopy imports 100,000 polygons per op through Edit: a bulk
// replace (DeleteAll of the previous run's features, then Copy), every row
// logged by the change-log triggers and indexed by the R-tree's.
func BenchmarkCopy(b *testing.B) {
	const n = 100_000
	s := benchStore(b)
	l := benchLayer("buildings")
	if err := s.WriteLayer(context.Background(), l, squares(0)); err != nil {
		b.Fatal(err)
	}
	if _, err := s.Migrate(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		_, err := s.Edit(context.Background(), l, "bench", func(tx store.Tx) error {
			if _, err := tx.DeleteAll(context.Background()); err != nil {
				return err
			}
			_, err := tx.Copy(context.Background(), squares(n), false)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
}

// BenchmarkEdit is one single-feature replace per op, as a Part 4 PUT.
func BenchmarkEdit(b *testing.B) {
	s := benchStore(b)
	l := benchLayer("buildings")
	if err := s.WriteLayer(context.Background(), l, squares(10_000)); err != nil {
		b.Fatal(err)
	}
	var recs []store.Record
	for r := range squares(1000) {
		recs = append(recs, r)
	}
	b.ResetTimer()
	for i := range b.N {
		_, err := s.Edit(context.Background(), l, "bench", func(tx store.Tx) error {
			return tx.Replace(context.Background(), recs[i%len(recs)])
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
