package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
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
	tileLoad          *tileLoadFigures
	loadStreamSeconds float64
	cql               []medianRow
	cqlFeatures       int
	downloads         []downloadFigures
	copySeconds       float64
	copyBytes         int64
	writes            *writeFigures
	imports           *importFigures
	masked            []maskedFigures
}

func (r *report) add(x row) {
	r.rows = append(r.rows, x)
	fmt.Fprintf(os.Stderr, "%-45s csdi %10s  PostGIS %10s  ×%s\n", x.name,
		time.Duration(x.ours.NsPerOp()), time.Duration(x.theirs.NsPerOp()), fmtRatio(ratio(x)))
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
		if !slices.ContainsFunc(r.rows, func(x row) bool { return x.group == g.id }) {
			continue
		}
		fmt.Fprintf(&b, "## %s\n\n%s.\n\n| job | csdi | PostGIS | ratio | allocs/op (csdi) | notes |\n|---|---:|---:|---:|---:|---|\n", g.title, g.target)
		for _, x := range r.rows {
			if x.group != g.id {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | **%s×** | %d | %s |\n", x.name,
				fmtDur(x.ours.NsPerOp()), fmtDur(x.theirs.NsPerOp()), fmtRatio(ratio(x)), x.ours.AllocsPerOp(), x.note)
		}
		b.WriteString("\n")
	}
	r.markdownMasked(&b)
	r.markdownTileLoad(&b)
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
	r.markdownCQL(&b)
	r.markdownDownloads(&b)
	r.markdownWrites(&b)
	r.markdownImports(&b)
	return b.String()
}

func (r *report) markdownCQL(b *strings.Builder) {
	if len(r.cql) == 0 {
		return
	}
	fmt.Fprintf(b, "## CQL2 filters: csdi's `/items?filter=…&limit=100` over HTTP vs the same query in PostGIS\n\n")
	fmt.Fprintf(b, "Target ≥ 5×. Over the %d-building layer of the initial-load figures (seed 7). csdi is the whole server (`internal/server`, the handler `csdi serve` runs) on a loopback port, timed request by request through Go's HTTP client, body read to its end; PostGIS answers the same page (first 100 matches by id, `ST_AsGeoJSON` in CRS84, with the match count) over loopback, with the GiST index the store made and a b-tree on `(use, floors)` for the attribute filter. Figures are **medians** of at least 15 runs and a second of them, after two warm-up runs.\n\n", r.cqlFeatures)
	b.WriteString("| filter | csdi (median) | PostGIS (median) | ratio | matched (csdi / PostGIS) | body (csdi / PostGIS) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, x := range r.cql {
		fmt.Fprintf(b, "| %s | %s (%d runs) | %s (%d runs) | **%s×** | %d / %d | %d B / %d B |\n", x.name,
			fmtDur(int64(x.ours)), x.oursRuns, fmtDur(int64(x.theirs)), x.pgRuns, fmtRatio(x.ratio()), x.oursCount, x.pgCount, x.oursBytes, x.pgBytes)
	}
	b.WriteString("\n")
}

func (r *report) markdownDownloads(b *strings.Builder) {
	if len(r.downloads) == 0 {
		return
	}
	b.WriteString("## Downloads\n\n")
	b.WriteString("Target: constant memory, whatever the number of features. Each format is downloaded twice, a quarter of the layer (`limit`) and then all of it, so growth with the number of features shows as a difference between the two rows.\n\n")
	b.WriteString("The big buildings layer downloaded in one request (`f=csv`: streamed; `f=gpkg`: streamed into a temporary GeoPackage through SQLite virtual tables, its spatial index built by an external sort, then sent), from the whole server on a loopback port, in a fresh process that first loads the layer and then downloads it, so the memory figures are the download's. *Peak RSS growth* is `/proc/self/status` VmHWM at the end of the download minus VmRSS before it, after VmHWM was reset to VmRSS by writing 5 to `/proc/self/clear_refs`; *peak heap growth* is the largest Go heap (runtime/metrics `/memory/classes/heap/objects:bytes`, sampled every 2 ms) during the download minus the heap after a GC before it — with the large live cache, GOGC lets garbage accumulate before a collection, so this is an upper bound on what the download holds at once; *allocated* is every byte the request allocated. PostGIS's `COPY … TO STDOUT (FORMAT csv)` of the same rows with WKT in CRS84 is given for scale.\n\n")
	b.WriteString("| download | features | size | time | features/s | peak RSS growth | peak heap growth | allocated |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range r.downloads {
		rss := fmt.Sprintf("%.0f MiB", float64(d.PeakRSS-d.RSSBefore)/(1<<20))
		if !d.HWMReset {
			rss = fmt.Sprintf("n/a (VmHWM could not be reset; process peak %.0f MiB)", float64(d.PeakRSS)/(1<<20))
		}
		fmt.Fprintf(b, "| csdi `f=%s` | %d | %.0f MiB | %.2f s | %.0f | %s | %.0f MiB | %.0f MiB |\n", d.Format, d.Features,
			float64(d.Bytes)/(1<<20), d.Seconds, float64(d.Features)/d.Seconds, rss, float64(int64(d.PeakHeap)-int64(d.HeapBefore))/(1<<20), float64(d.Allocated)/(1<<20))
	}
	if r.copySeconds > 0 && len(r.downloads) > 0 {
		n := r.downloads[len(r.downloads)-1].Features
		fmt.Fprintf(b, "| PostGIS `COPY` CSV | %d | %.0f MiB | %.2f s | %.0f | | | |\n", n, float64(r.copyBytes)/(1<<20), r.copySeconds, float64(n)/r.copySeconds)
	}
	b.WriteString("\n")
}

// fmtRatio prints a ratio with one decimal, or with two significant
// digits below 0.1, where one decimal would print 0.0.
func fmtRatio(r float64) string {
	if r <= 0 || r >= 0.1 || math.IsInf(r, 0) || math.IsNaN(r) {
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	decimals := 1 - int(math.Floor(math.Log10(r)))
	return strconv.FormatFloat(r, 'f', decimals, 64)
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
