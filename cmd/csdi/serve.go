package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/auditing"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/server"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/store/postgis"
)

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	configPath := fs.String("config", getenv("CSDI_CONFIG"), "YAML configuration `file` (CSDI_CONFIG)")
	addr := fs.String("addr", "", "listen address, overriding the configuration")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Server.Addr = *addr
	}
	log := newLogger(cfg.Log, stderr)

	// The operators' listener opens first: its /healthz answers while the
	// store opens and the layers load. The public port opens once they
	// have loaded (see server.Front).
	var ops *server.Front
	if cfg.Server.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.Server.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics on %s: %w", cfg.Server.MetricsAddr, err)
		}
		ops = server.Listen(cfg, mln, log)
		go func() {
			// Metrics failing is no reason to stop serving maps: it is logged.
			if err := ops.Run(ctx); err != nil {
				log.Error("metrics listener stopped", "err", err)
			}
		}()
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := build(ctx, cfg, st, log, getenv)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.Addr, err)
	}
	if ops != nil {
		ops.Use(srv.MetricsHandler())
	}
	return srv.Serve(ctx, ln)
}

// build loads the catalogue of st into the cache, starts following the
// change log and assembles the server over them.
func build(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger, getenv func(string) string) (*server.Server, error) {
	layers, err := catalogue(ctx, cfg, st, log)
	if err != nil {
		return nil, err
	}
	if *cfg.Database.AutoMigrate {
		if err := migrateStore(ctx, st, layers, log); err != nil {
			return nil, err
		}
	}
	// The change log's head is read before the load, so nothing committed
	// while the layers load is missed: the syncer starts from there.
	cl, follow := st.(store.ChangeLog)
	var head store.Cursor
	if follow {
		if head, err = cl.Head(ctx); err != nil {
			log.Error("live sync off: cannot read the change log", "err", err)
			follow = false
		}
	}
	c := cache.New(st, layers, log)
	views, err := maskedViews(cfg, c, layers, log)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := c.Load(ctx); err != nil {
		// Each failed layer is logged and serves empty; the rest go on.
		log.Error("some layers failed to load", "err", err)
	}
	log.Info("cache loaded", "layers", len(layers), "duration", time.Since(start).Round(time.Millisecond))
	backends := server.Backends{Access: views}
	if h, ok := st.(store.History); ok && follow {
		backends.History = h
	}
	// Every write and every unmasked read goes to the audit trail, a write
	// in its own transaction.
	var alog audit.TxLog
	if k, ok := st.(audit.Keeper); ok {
		var chain audit.Chain
		if alog, chain, err = writableAuditLog(ctx, k, getenv); err != nil {
			return nil, err
		}
		if !chain.Keyed() {
			log.Warn("audit trail hashed without a key: set CSDI_AUDIT_KEY so that no one with database access can rewrite it unnoticed")
		}
		views.OnUnmasked(auditing.UnmaskedReads(alog), log)
	}
	// Writes reach readers only through the change log: without a syncer
	// they would never show, so they are only taken while one runs.
	if ed, ok := st.(store.Editor); ok && follow {
		backends.Editor = ed
		if alog != nil {
			backends.Editor = auditing.Editor{Editor: ed, Log: alog}
		}
	}
	if follow {
		backends.Syncer = c.NewSyncer(cl, head, cache.SyncOptions{Poll: cfg.Database.SyncPoll})
		go backends.Syncer.Run(ctx)
	}

	return server.NewWith(cfg, c, log, version(), backends)
}

// migrator is a store with a csdi schema to install: the change log and
// the triggers that fill it. PostGIS reports the version it came from; the
// embedded store, whose triggers are per file, does not.
type migrator interface {
	Migrate(ctx context.Context, layers []layer.Layer) (from int, err error)
}

type fileMigrator interface {
	Migrate(ctx context.Context) error
}

// migrate installs or upgrades st's csdi schema; ok is false for a store
// that has none.
func migrate(ctx context.Context, st store.Store, layers []layer.Layer) (from int, ok bool, err error) {
	switch m := st.(type) {
	case migrator:
		from, err = m.Migrate(ctx, layers)
		return from, true, err
	case fileMigrator:
		return -1, true, m.Migrate(ctx)
	}
	return 0, false, nil
}

func migrateStore(ctx context.Context, st store.Store, layers []layer.Layer, log *slog.Logger) error {
	from, ok, err := migrate(ctx, st, layers)
	if !ok {
		return nil
	}
	if err != nil {
		return fmt.Errorf("migrate the store (or set database.auto_migrate: false and run csdi migrate): %w", err)
	}
	log.Info("csdi schema ready", "from_version", from, "layers", len(layers))
	return nil
}

// openStore opens PostGIS when a database URL is configured, otherwise the
// embedded GeoPackage, writing the demo dataset to it on first run.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	if cfg.Database.URL != "" {
		st, err := postgis.Open(ctx, cfg.Database.URL, postgis.Options{
			Schemas: cfg.Database.Schemas, MaxConns: cfg.Database.MaxConns, Logger: log,
		})
		if err != nil {
			return nil, fmt.Errorf("open PostGIS: %w", err)
		}
		return st, nil
	}
	path := cfg.Embedded.Path
	if _, err := os.Stat(path); os.IsNotExist(err) {
		if !*cfg.Embedded.Demo {
			return nil, fmt.Errorf("embedded store %s does not exist and embedded.demo is off: set CSDI_DATABASE_URL or create it with `csdi demo -out %s`", path, path)
		}
		log.Info("writing the demo dataset to the embedded store (first run)", "path", path, "buildings", cfg.Embedded.DemoBuildings)
		start := time.Now()
		if err := writeDemoFile(ctx, path, demo.Options{Buildings: cfg.Embedded.DemoBuildings, Seed: 1}, log); err != nil {
			return nil, err
		}
		log.Info("demo dataset written", "duration", time.Since(start).Round(time.Millisecond))
	}
	st, err := gpkg.Open(path, gpkg.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open embedded store %s: %w", path, err)
	}
	return st, nil
}

// catalogue merges the configured layers over the discovered ones and
// checks each. A configured layer whose table is missing stops the start:
// it is a mistake someone must fix, not something to serve around.
func catalogue(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger) ([]layer.Layer, error) {
	var discovered []layer.Layer
	all, err := st.Layers(ctx)
	if err != nil {
		return nil, fmt.Errorf("discover layers: %w", err)
	}
	if *cfg.Database.Discover || cfg.Database.URL == "" {
		discovered = all
	} else {
		discovered = claimedOnly(all, cfg.Layers)
	}
	merged := layer.Merge(cfg.Layers, discovered)
	var problems []string
	for i := range merged {
		l := &merged[i]
		if l.Source.GeometryColumn == "" {
			problems = append(problems, fmt.Sprintf("layer %q: table %q has no geometry column in the store (or does not exist)", l.ID, l.Source.Table))
			continue
		}
		if err := l.Validate(); err != nil {
			problems = append(problems, err.Error())
		}
		if err := auth.CheckAccess(l); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("catalogue:\n  %s", strings.Join(problems, "\n  "))
	}
	// All discovered layers are passed, not only the published ones, so a
	// config entry cannot republish a sensitive table under another name.
	return layer.Protect(merged, all), nil
}

// claimedOnly keeps the discovered layers that a configured layer names.
func claimedOnly(discovered, configured []layer.Layer) []layer.Layer {
	var out []layer.Layer
	for _, d := range discovered {
		for _, c := range configured {
			if c.Source.Table == d.Source.Table && (c.Source.Schema == "" || c.Source.Schema == d.Source.Schema) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}

func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
