// Command benchreport measures csdi beside PostGIS doing the same job on the
// same data in the same run, and writes the figures to BENCHMARKS.md.
// make bench runs it with a throwaway PostGIS (CSDI_TEST_DATABASE_URL).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"
)

// soloSections are the values of -only.
var soloSections = []string{"tileload", "load", "cql", "download", "writes", "import", "masked"}

func main() {
	out := flag.String("out", "BENCHMARKS.md", "report `file`")
	buildings := flag.Int("buildings", 100_000, "buildings in the demo dataset for the query benchmarks")
	loadN := flag.Int("load", 500_000, "polygons for the initial-load measurement")
	measureLoad := flag.String("measure-load", "", "internal: load this layer from CSDI_TEST_DATABASE_URL and print figures")
	measureDownload := flag.String("measure-download", "", "internal: serve this layer from CSDI_TEST_DATABASE_URL, download it whole and print figures")
	serveTiles := flag.Bool("serve-tiles", false, "internal: serve the demo layers from CSDI_TEST_DATABASE_URL on a loopback port until stdin closes")
	serveStatic := flag.String("serve-static", "", "internal: serve the tile files of this `dir` on a loopback port until stdin closes")
	only := flag.String("only", "", "run only this section, and the report has only it: tileload (the map viewers' load run), load (the initial load), cql (CQL2 filters, after the load), download (full-layer downloads, after the load), writes, import (csdi import beside ogr2ogr) or masked (a masked layer beside an unmasked one of the same size)")
	var im importConfig
	flag.IntVar(&im.N, "import", 200_000, "buildings in the GeoJSON that csdi import and ogr2ogr load")
	flag.IntVar(&im.Big, "import-big", 1_000_000, "buildings in the larger csdi import that shows its memory bound (0: skip)")
	var tl tileLoadConfig
	flag.IntVar(&tl.URLs, "tile-urls", 3000, "distinct tile URLs (z10–z16) in the load run")
	flag.IntVar(&tl.Workers, "tile-workers", 32, "concurrent requests of the load run's cold and warm passes")
	flag.DurationVar(&tl.Duration, "wrk-duration", 10*time.Second, "length of each wrk run")
	flag.IntVar(&tl.Threads, "wrk-threads", 2, "wrk threads")
	flag.IntVar(&tl.Conns, "wrk-conns", 32, "wrk connections")
	flag.IntVar(&tl.Sample, "tile-sample", 8, "tiles per zoom of the load run's list timed beside ST_AsMVT")
	flag.Parse()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	url := os.Getenv("CSDI_TEST_DATABASE_URL")
	if url == "" {
		fmt.Fprintln(os.Stderr, "benchreport: CSDI_TEST_DATABASE_URL is not set; run it through make bench")
		os.Exit(2)
	}
	var err error
	switch {
	case *measureLoad != "":
		err = measureLoadChild(ctx, url, *measureLoad, log)
	case *measureDownload != "":
		err = measureDownloadChild(ctx, url, *measureDownload, log)
	case *serveTiles:
		err = serveTilesChild(ctx, url, log)
	case *serveStatic != "":
		err = serveStaticChild(*serveStatic)
	case *only != "" && !slices.Contains(soloSections, *only):
		err = fmt.Errorf("-only %q: the sections that run alone are %s", *only, strings.Join(soloSections, ", "))
	default:
		err = run(ctx, url, *out, *buildings, *loadN, *only, tl, im, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, out string, buildings, loadN int, only string, tl tileLoadConfig, im importConfig, log *slog.Logger) error {
	start := time.Now()
	r := &report{started: start}
	if err := r.environment(ctx, url); err != nil {
		return err
	}
	if only == "masked" {
		if err := benchMasked(ctx, url, r, log); err != nil {
			return err
		}
		return r.write(out, start)
	}
	if only == "import" {
		if err := benchImport(ctx, url, im.N, im.Big, r); err != nil {
			return err
		}
		return r.write(out, start)
	}
	if only != "" && only != "tileload" && only != "writes" {
		return runBigLayer(ctx, url, out, loadN, only, r, start, log)
	}
	env, err := setup(ctx, url, buildings, log)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Fprintf(os.Stderr, "demo data in PostGIS and cache ready (%s)\n", time.Since(start).Round(time.Millisecond))
	if only == "tileload" {
		if err := benchTileLoad(ctx, env, url, tl, r); err != nil {
			return err
		}
		return r.write(out, start)
	}
	if only == "writes" {
		if err := benchWrites(ctx, url, r); err != nil {
			return err
		}
		return r.write(out, start)
	}
	if err := benchTiles(ctx, env, r); err != nil {
		return err
	}
	if err := benchTileLoad(ctx, env, url, tl, r); err != nil {
		return err
	}
	if err := benchItems(ctx, env, r); err != nil {
		return err
	}
	if err := benchMasked(ctx, url, r, log); err != nil {
		return err
	}
	// Edits change the demo data: after every figure that reads it.
	if err := benchWrites(ctx, url, r); err != nil {
		return err
	}
	if err := benchImport(ctx, url, im.N, im.Big, r); err != nil {
		return err
	}
	if err := benchLoad(ctx, url, loadN, r, log); err != nil {
		return err
	}
	// The download and CQL2 figures use the layer benchLoad wrote.
	if err := benchDownloads(ctx, url, r); err != nil {
		return err
	}
	if err := benchCQL(ctx, url, r, log); err != nil {
		return err
	}
	return r.write(out, start)
}

// runBigLayer runs one section over the big buildings layer alone: the
// initial load (which writes the layer to PostGIS), then the CQL2 filters
// or the downloads when asked.
func runBigLayer(ctx context.Context, url, out string, loadN int, only string, r *report, start time.Time, log *slog.Logger) error {
	if err := benchLoad(ctx, url, loadN, r, log); err != nil {
		return err
	}
	switch only {
	case "cql":
		if err := benchCQL(ctx, url, r, log); err != nil {
			return err
		}
	case "download":
		if err := benchDownloads(ctx, url, r); err != nil {
			return err
		}
	}
	return r.write(out, start)
}

// soakSection is the "## Soak" section of a report, up to the next
// section, or "".
func soakSection(md string) string {
	i := strings.Index(md, "\n## Soak")
	if i < 0 {
		return ""
	}
	rest := md[i+1:]
	if j := strings.Index(rest[3:], "\n## "); j >= 0 {
		rest = rest[:j+4]
	}
	return "\n" + strings.TrimRight(rest, "\n") + "\n"
}

func (r *report) write(out string, start time.Time) error {
	r.elapsed = time.Since(start)
	md := r.markdown()
	// make soak writes its own section; a bench run keeps it.
	if old, err := os.ReadFile(out); err == nil {
		md += soakSection(string(old))
	}
	if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%s)\n", out, r.elapsed.Round(time.Second))
	return nil
}
