package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// row is one job done by csdi and by PostGIS.
type row struct {
	group, name  string
	ours, theirs testing.BenchmarkResult
	note         string
}

type report struct {
	started           time.Time
	elapsed           time.Duration
	machine           string
	postgres          string
	rows              []row
	load              *loadFigures
	loadStreamSeconds float64
}

func (r *report) add(x row) {
	r.rows = append(r.rows, x)
	fmt.Fprintf(os.Stderr, "%-45s csdi %10s  PostGIS %10s  ×%.1f\n", x.name,
		time.Duration(x.ours.NsPerOp()), time.Duration(x.theirs.NsPerOp()), ratio(x))
}

func ratio(x row) float64 {
	if x.ours.NsPerOp() == 0 {
		return 0
	}
	return float64(x.theirs.NsPerOp()) / float64(x.ours.NsPerOp())
}

func (r *report) environment(ctx context.Context, url string) error {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	r.machine = fmt.Sprintf("%s, %d cores, %s %s/%s", cpu, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var pg, postgis string
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version'), postgis_lib_version()").Scan(&pg, &postgis); err != nil {
		return fmt.Errorf("versions: %w", err)
	}
	r.postgres = fmt.Sprintf("PostgreSQL %s, PostGIS %s, on the same machine over loopback", pg, postgis)
	return nil
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Benchmarks\n\nWritten by `make bench` on %s (%s in all).\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"), r.elapsed.Round(time.Second))
	fmt.Fprintf(&b, "- machine: %s\n- database: %s\n", r.machine, r.postgres)
	b.WriteString("- data: the demo dataset (`csdi demo`, seed 1) in HK1980 Grid, written to PostGIS with a GiST index and ANALYZEd, and the same data in csdi's cache\n")
	b.WriteString("- each figure is Go's `testing.Benchmark` (one goroutine, as many iterations as fit in a second); PostGIS figures include the loopback round trip, as any client of it pays\n\n")
	b.WriteString("The ratio is PostGIS time ÷ csdi time for the same job in the same run: above 1, csdi is faster.\n\n")
	groups := []struct{ id, title, target string }{
		{"tiles", "Vector tiles: csdi's encoder vs `ST_AsMVT`", "target ≥ 10×"},
		{"items", "Items: csdi's `/items?bbox=…&limit=100` (full HTTP handler, GeoJSON body) vs a PostGIS bbox query with `ST_AsGeoJSON` and the match count", "target ≥ 10×"},
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "## %s\n\n%s.\n\n| job | csdi | PostGIS | ratio | allocs/op (csdi) | notes |\n|---|---:|---:|---:|---:|---|\n", g.title, g.target)
		for _, x := range r.rows {
			if x.group != g.id {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | **%.1f×** | %d | %s |\n", x.name,
				fmtDur(x.ours.NsPerOp()), fmtDur(x.theirs.NsPerOp()), ratio(x), x.ours.AllocsPerOp(), x.note)
		}
		b.WriteString("\n")
	}
	if f := r.load; f != nil {
		b.WriteString("## Initial load\n\nTarget: 500,000 polygons in under 10 s and under 1 GiB resident. Measured in a fresh process that only loads the layer from PostGIS into the cache.\n\n")
		b.WriteString("| figure | value |\n|---|---:|\n")
		fmt.Fprintf(&b, "| polygons loaded | %d |\n", f.Features)
		fmt.Fprintf(&b, "| load time (stream, decode, transform HK1980 → world, index) | %.2f s (%.0f features/s) |\n", f.Seconds, float64(f.Features)/f.Seconds)
		fmt.Fprintf(&b, "| PostGIS streaming the same rows to a no-op callback | %.2f s |\n", r.loadStreamSeconds)
		fmt.Fprintf(&b, "| peak resident memory (VmHWM) | %.0f MiB |\n", float64(f.PeakRSSBytes)/(1<<20))
		fmt.Fprintf(&b, "| resident after load | %.0f MiB |\n", float64(f.RSSBytes)/(1<<20))
		fmt.Fprintf(&b, "| Go heap in use after GC | %.0f MiB (%.0f bytes per feature) |\n", float64(f.HeapBytes)/(1<<20), f.BytesPerFeature)
		fmt.Fprintf(&b, "| cache's own estimate | %.0f MiB (%.0f bytes per feature) |\n\n", float64(f.EstimatedBytes)/(1<<20), float64(f.EstimatedBytes)/float64(max(1, f.Features)))
	}
	return b.String()
}

func fmtDur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", ns)
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(ns)/1e3)
	default:
		return fmt.Sprintf("%.2f ms", float64(ns)/1e6)
	}
}
