package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/store"
)

// migrateCmd installs or upgrades the csdi schema (the change log and its
// triggers on every layer's table), for deployments that do not let serve
// do it (database.auto_migrate: false).
func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	configPath := fs.String("config", getenv("CSDI_CONFIG"), "YAML configuration `file` (CSDI_CONFIG)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	layers, err := catalogue(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	from, ok, err := migrate(ctx, st, layers)
	switch {
	case !ok:
		return fmt.Errorf("this store has no csdi schema to migrate")
	case err != nil:
		return err
	case from < 0:
		fmt.Fprintf(stdout, "csdi schema: installed in the embedded store; change-log triggers on every layer\n")
	default:
		fmt.Fprintf(stdout, "csdi schema: version %s (was %d); change-log triggers on %d layers\n", schemaVersion(st), from, len(layers))
	}
	return nil
}

// schemaVersion is the version a store's Migrate installs, where it says.
func schemaVersion(st store.Store) string {
	if v, ok := st.(interface{ SchemaVersion() int }); ok {
		return strconv.Itoa(v.SchemaVersion())
	}
	return "current"
}

// rollbackCmd undoes a bad push: every feature of a layer changed after a
// change-log sequence (or a time) goes back to how it was then, as a new
// edit that the change log records like any other.
func rollbackCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("rollback", flag.ContinueOnError)
	configPath := fs.String("config", getenv("CSDI_CONFIG"), "YAML configuration `file` (CSDI_CONFIG)")
	layerID := fs.String("layer", "", "the layer to roll back (required)")
	to := fs.String("to", "", "a change-log sequence number, or an RFC 3339 time (required)")
	actor := fs.String("actor", "rollback", "who is rolling back, for the change log")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *layerID == "" || *to == "" {
		return fmt.Errorf("%w: rollback needs -layer and -to", errUsage)
	}
	var (
		seq int64
		at  time.Time
	)
	if n, err := strconv.ParseInt(*to, 10, 64); err == nil && n > 0 {
		seq = n
	} else if t, err := time.Parse(time.RFC3339, *to); err == nil {
		at = t
	} else {
		return fmt.Errorf("%w: -to %q is neither a sequence number nor an RFC 3339 time (2026-11-22T09:30:00+08:00)", errUsage, *to)
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	layers, err := catalogue(ctx, cfg, st, log)
	if err != nil {
		return err
	}
	h, ok := st.(store.History)
	if !ok {
		return fmt.Errorf("this store keeps no history")
	}
	for i := range layers {
		if layers[i].ID != *layerID {
			continue
		}
		var alog audit.Log
		if k, ok := st.(audit.Keeper); ok {
			var err error
			if alog, _, err = writableAuditLog(ctx, k, getenv); err != nil {
				return err
			}
		}
		c, err := h.Rollback(ctx, &layers[i], seq, at, *actor)
		if err != nil {
			return err
		}
		if alog != nil {
			_, err = alog.Append(ctx, audit.Entry{
				Actor: "cli/" + *actor, Action: audit.ActionRollback, Layer: *layerID,
				Request: "csdi rollback -layer " + *layerID + " -to " + *to, Features: c.Changes, ChangeSeq: c.Seq,
			})
			if err != nil {
				return fmt.Errorf("rolled back, but the audit entry failed: %w", err)
			}
		}
		fmt.Fprintf(stdout, "rolled back %s to %s: %d changes logged, up to sequence %d\n", *layerID, *to, c.Changes, c.Seq)
		return nil
	}
	return fmt.Errorf("no layer %q", *layerID)
}
