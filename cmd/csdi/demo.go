package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/store/postgis"
)

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	configPath := fs.String("config", getenv("CSDI_CONFIG"), "YAML configuration `file` (CSDI_CONFIG)")
	out := fs.String("out", "", "write to this GeoPackage `file` (default: the embedded store's path)")
	dbURL := fs.String("database", "", "write to this PostGIS database `URL` instead")
	replace := fs.Bool("replace", false, "replace an existing file, or existing tables with the demo's names")
	buildings := fs.Int("buildings", 0, "number of buildings (default: embedded.demo_buildings, 100000)")
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same data")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	if *buildings < 0 {
		return fmt.Errorf("%w: -buildings must not be negative", errUsage)
	}
	if *buildings == 0 {
		*buildings = cfg.Embedded.DemoBuildings
	}
	if *out != "" && *dbURL != "" {
		return fmt.Errorf("%w: give -out or -database, not both", errUsage)
	}
	log := newLogger(cfg.Log, stderr)
	opts := demo.Options{Buildings: *buildings, Seed: *seed}
	start := time.Now()
	if *dbURL != "" {
		if err := writeDemoPostGIS(ctx, *dbURL, cfg, opts, *replace, log); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo dataset (%d buildings) written to PostGIS in %s\n", *buildings, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if *out == "" {
		*out = cfg.Embedded.Path
	}
	if _, err := os.Stat(*out); err == nil && !*replace {
		return fmt.Errorf("%s exists; give -replace to overwrite it", *out)
	}
	if err := writeDemoFile(ctx, *out, opts, log); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo dataset (%d buildings) written to %s in %s\n", *buildings, *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// writeDemoPostGIS writes the demo layers to PostGIS, refusing to replace a
// table that already exists unless asked: the demo's table names (buildings,
// roads, ...) are ones a department may well use.
func writeDemoPostGIS(ctx context.Context, url string, cfg *config.Config, opts demo.Options, replace bool, log *slog.Logger) error {
	st, err := postgis.Open(ctx, url, postgis.Options{Schemas: cfg.Database.Schemas, Logger: log})
	if err != nil {
		return fmt.Errorf("open PostGIS: %w", err)
	}
	defer st.Close()
	if !replace {
		existing, err := st.Layers(ctx)
		if err != nil {
			return fmt.Errorf("list existing tables: %w", err)
		}
		for _, d := range demo.Layers() {
			for _, e := range existing {
				if e.Source.Table == d.Source.Table && (e.Source.Schema == "public" || e.Source.Schema == d.Source.Schema) {
					return fmt.Errorf("table %s.%s exists; give -replace to overwrite it with demo data", e.Source.Schema, e.Source.Table)
				}
			}
		}
	}
	if err := demo.Write(ctx, st, opts); err != nil {
		return fmt.Errorf("write demo dataset to PostGIS: %w", err)
	}
	return nil
}

// writeDemoFile writes the demo dataset to a GeoPackage beside path and
// renames it into place, so a run killed half-way never leaves a partial
// file that a later start would serve.
func writeDemoFile(ctx context.Context, path string, opts demo.Options, log *slog.Logger) error {
	partial := path + ".partial"
	_ = os.Remove(partial)
	st, err := gpkg.Open(partial, gpkg.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("create %s: %w", partial, err)
	}
	err = demo.Write(ctx, st, opts)
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(partial)
		return fmt.Errorf("write demo dataset to %s: %w", path, err)
	}
	if err := os.Rename(partial, path); err != nil {
		return fmt.Errorf("move demo dataset into place: %w", err)
	}
	return nil
}
