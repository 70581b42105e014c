package ingest_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
)

// syntheticGeoJSON streams a FeatureCollection of n small buildings, never
// whole in memory: the import under test is the only thing that could
// hold it.
func syntheticGeoJSON(n int) ingest.Opener {
	return func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			w := bufio.NewWriter(pw)
			w.WriteString(`{"type":"FeatureCollection","features":[`)
			for i := range n {
				if i > 0 {
					w.WriteByte(',')
				}
				x, y := 114.0+float64(i%1000)*0.0003, 22.2+float64(i/1000)*0.0003
				fmt.Fprintf(w, `{"type":"Feature","id":%d,"properties":{"name":"大廈 %d","floors":%d,"note":"%s"},"geometry":{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}`,
					i+1, i, i%60, "padding to make each feature a few hundred bytes long, as real ones are", x, y, x+0.0002, y, x+0.0002, y+0.0002, x, y+0.0002, x, y)
			}
			w.WriteString("]}")
			pw.CloseWithError(w.Flush())
		}()
		return pr, nil
	}
}

// peakLiveHeap runs fn while sampling the live heap (what the last GC
// found reachable) and returns the largest sample.
func peakLiveHeap(t *testing.T, fn func()) uint64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	var peak uint64
	var mu sync.Mutex
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				metrics.Read(sample)
				mu.Lock()
				peak = max(peak, sample[0].Value.Uint64())
				mu.Unlock()
			}
		}
	}()
	fn()
	close(done)
	<-finished
	return peak
}

// An import holds a few batches of features, whatever the size of the
// input: importing ten times as many features must not need more memory.
func TestImportMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 200,000 features")
	}
	imp := func(n int) uint64 {
		st, err := gpkg.Open(filepath.Join(t.TempDir(), "m.gpkg"), gpkg.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		src := ingest.NewGeoJSON(syntheticGeoJSON(n), 0, ingest.GeoJSONOptions{})
		ctx := context.Background()
		sc, ps, err := src.Infer(ctx)
		if err != nil || len(ps) > 0 {
			t.Fatal(err, ps)
		}
		nl := ingest.NewLayer("buildings", sc)
		l, err := st.CreateLayer(ctx, &nl)
		if err != nil {
			t.Fatal(err)
		}
		var rep ingest.Report
		peak := peakLiveHeap(t, func() {
			rep, err = ingest.Run(ctx, st, &l, src, ingest.Options{Actor: "test"})
		})
		if err != nil || rep.Written != int64(n) {
			t.Fatalf("import of %d: %v %+v", n, err, rep)
		}
		t.Logf("%d features: peak live heap %.1f MiB, %.0f features/s", n, float64(peak)/(1<<20), float64(n)/rep.Seconds)
		return peak
	}
	n := 200_000
	if raceEnabled {
		n = 50_000
	}
	small := imp(n / 10)
	large := imp(n)
	// 200,000 features are about 70 MB of GeoJSON and far more as
	// records; a bounded import holds a few batches of 5,000, so ten
	// times the features take about the same memory.
	if large > small+16<<20 || large > 64<<20 {
		t.Errorf("peak live heap %d MiB for %d features against %d MiB for %d: memory grows with the input", large>>20, n, small>>20, n/10)
	}
}
