package main

import (
	"context"
	"flag"
	"fmt"
	"io"
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
	dbURL := fs.String("database", "", "write to this PostGIS database `URL` instead (default: CSDI_DATABASE_URL when -out is not given)")
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
	if *out == "" && *dbURL == "" {
		if cfg.Database.URL != "" {
			*dbURL = cfg.Database.URL
		} else {
			*out = cfg.Embedded.Path
		}
	}
	log := newLogger(cfg.Log, stderr)
	opts := demo.Options{Buildings: *buildings, Seed: *seed}
	start := time.Now()
	if *dbURL != "" {
		st, err := postgis.Open(ctx, *dbURL, postgis.Options{Schemas: cfg.Database.Schemas, Logger: log})
		if err != nil {
			return fmt.Errorf("open PostGIS: %w", err)
		}
		defer st.Close()
		if err := demo.Write(ctx, st, opts); err != nil {
			return fmt.Errorf("write demo dataset to PostGIS: %w", err)
		}
		fmt.Fprintf(stdout, "demo dataset (%d buildings) written to PostGIS in %s\n", *buildings, time.Since(start).Round(time.Millisecond))
		return nil
	}
	if err := os.Remove(*out); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("replace %s: %w", *out, err)
	}
	st, err := gpkg.Open(*out, gpkg.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	defer st.Close()
	if err := demo.Write(ctx, st, opts); err != nil {
		return fmt.Errorf("write demo dataset to %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "demo dataset (%d buildings) written to %s in %s\n", *buildings, *out, time.Since(start).Round(time.Millisecond))
	return nil
}
