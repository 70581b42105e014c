package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/server"
	"github.com/csdi-hk/csdi/internal/store/postgis"
)

// downloadFigures is one full-layer download measured in the child.
type downloadFigures struct {
	Format   string  `json:"format"`
	Features int     `json:"features"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	// RSSBefore is resident memory just before the request; PeakRSS is
	// VmHWM at its end, after VmHWM was reset to the resident size before
	// it (HWMReset says whether the kernel allowed that: if not, PeakRSS is
	// the process's peak since it started, the load included).
	RSSBefore int64 `json:"rssBefore"`
	PeakRSS   int64 `json:"peakRSS"`
	HWMReset  bool  `json:"hwmReset"`
	// HeapBefore is live heap objects after a GC before the request;
	// PeakHeap the most sampled (every 2 ms) while it ran.
	HeapBefore uint64 `json:"heapBefore"`
	PeakHeap   uint64 `json:"peakHeap"`
	// Allocated is the bytes allocated on the Go heap during the request:
	// with a large live cache, GOGC lets much of it stay as garbage before
	// a collection, so the peak heap growth is an upper bound on what the
	// download holds at once.
	Allocated uint64 `json:"allocated"`
}

// benchDownloads measures f=csv and f=gpkg downloads of the big layer in a
// fresh child process, so its memory figures are the download's.
func benchDownloads(ctx context.Context, dbURL string, r *report) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, "-measure-download", bigLayer().ID)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("download child: %w", err)
	}
	if err := json.Unmarshal(raw, &r.downloads); err != nil {
		return fmt.Errorf("download child said %q: %w", raw, err)
	}
	secs, n, err := copyCSV(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("PostGIS COPY: %w", err)
	}
	r.copySeconds, r.copyBytes = secs, n
	for _, d := range r.downloads {
		fmt.Fprintf(os.Stderr, "download %-5s %d features in %.2f s (%.0f/s), %d MiB, peak RSS +%d MiB, peak heap +%d MiB, allocated %d MiB\n",
			d.Format, d.Features, d.Seconds, float64(d.Features)/d.Seconds, d.Bytes>>20,
			(d.PeakRSS-d.RSSBefore)>>20, (int64(d.PeakHeap)-int64(d.HeapBefore))>>20, d.Allocated>>20)
	}
	fmt.Fprintf(os.Stderr, "PostGIS COPY csv %.2f s, %d MiB\n", secs, n>>20)
	return nil
}

// measureDownloadChild loads the layer, serves it with the whole server on
// a loopback port, and downloads it whole as CSV and as GeoPackage,
// printing the figures as JSON.
func measureDownloadChild(ctx context.Context, dbURL, id string, log *slog.Logger) error {
	st, err := postgis.Open(ctx, dbURL, postgis.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	l := bigLayer()
	c := cache.New(st, []layer.Layer{l}, log)
	if err := c.Load(ctx); err != nil {
		return err
	}
	snap, _ := c.Snapshot(id)
	cfg, err := config.Load("", func(string) string { return "" })
	if err != nil {
		return err
	}
	srv := httptest.NewServer(server.New(cfg, c, log, "bench").Handler())
	defer srv.Close()
	var out []downloadFigures
	// Each format at a quarter of the layer, then whole: memory that
	// grows with the number of features shows as a difference.
	type job struct {
		format string
		n      int
	}
	var jobs []job
	for _, format := range []string{"csv", "gpkg"} {
		jobs = append(jobs, job{format, snap.Len() / 4}, job{format, snap.Len()})
	}
	for _, j := range jobs {
		format := j.format
		runtime.GC()
		f := downloadFigures{Format: format, Features: j.n, HeapBefore: heapObjects()}
		f.HWMReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
		f.RSSBefore = procStatus("VmRSS")
		var peak atomic.Uint64
		peak.Store(f.HeapBefore)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if h := heapObjects(); h > peak.Load() {
						peak.Store(h)
					}
				}
			}
		})
		alloc0 := heapAllocs()
		t0 := time.Now()
		resp, err := srv.Client().Get(fmt.Sprintf("%s/collections/%s/items?f=%s&limit=%d", srv.URL, id, format, j.n))
		if err == nil {
			if resp.StatusCode != 200 {
				err = fmt.Errorf("f=%s: status %d", format, resp.StatusCode)
			}
			f.Bytes, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		f.Seconds = time.Since(t0).Seconds()
		f.Allocated = heapAllocs() - alloc0
		close(stop)
		wg.Wait()
		if err != nil {
			return err
		}
		f.PeakRSS = procStatus("VmHWM")
		f.PeakHeap = peak.Load()
		out = append(out, f)
	}
	runtime.KeepAlive(snap)
	return json.NewEncoder(os.Stdout).Encode(out)
}

// heapAllocs is the cumulative bytes allocated on the heap.
func heapAllocs() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// heapObjects is the bytes of live and not-yet-swept heap objects, read
// without stopping the world.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}
