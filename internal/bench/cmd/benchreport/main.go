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
	"time"
)

func main() {
	out := flag.String("out", "BENCHMARKS.md", "report `file`")
	buildings := flag.Int("buildings", 100_000, "buildings in the demo dataset for the query benchmarks")
	loadN := flag.Int("load", 500_000, "polygons for the initial-load measurement")
	measureLoad := flag.String("measure-load", "", "internal: load this layer from CSDI_TEST_DATABASE_URL and print figures")
	measureDownload := flag.String("measure-download", "", "internal: serve this layer from CSDI_TEST_DATABASE_URL, download it whole and print figures")
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
	default:
		err = run(ctx, url, *out, *buildings, *loadN, log)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, out string, buildings, loadN int, log *slog.Logger) error {
	start := time.Now()
	r := &report{started: start}
	if err := r.environment(ctx, url); err != nil {
		return err
	}
	env, err := setup(ctx, url, buildings, log)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Fprintf(os.Stderr, "demo data in PostGIS and cache ready (%s)\n", time.Since(start).Round(time.Millisecond))
	if err := benchTiles(ctx, env, r); err != nil {
		return err
	}
	if err := benchItems(ctx, env, r); err != nil {
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
	r.elapsed = time.Since(start)
	if err := os.WriteFile(out, []byte(r.markdown()), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%s)\n", out, r.elapsed.Round(time.Second))
	return nil
}
