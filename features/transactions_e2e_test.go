package features

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/csdi-hk/csdi/features/internal/writetest"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// editingStore is a real backend: it edits, logs its changes and loads.
type editingStore interface {
	store.Store
	store.Editor
	store.ChangeLog
}

// serveStore serves the write-test layers, created empty in st, the way
// csdi serve does: a cache loaded from st and kept in sync by following
// its change log, and writes going to st. It is the end-to-end path of a
// write: handler → store → change log → syncer → cache → the next read.
func serveStore(t *testing.T, st editingStore, requireIfMatch bool) http.Handler {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var layers []layer.Layer
	for _, l := range writetest.Layers() {
		got, err := st.CreateLayer(ctx, &l)
		if err != nil {
			t.Fatalf("create layer %s: %v", l.ID, err)
		}
		layers = append(layers, got)
	}
	c := cache.New(st, layers, slog.New(slog.DiscardHandler))
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	syncer := c.NewSyncer(st, head, cache.SyncOptions{})
	done := make(chan struct{})
	go func() { defer close(done); syncer.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	opts := testOptions()
	opts.Writes = &WriteOptions{Editor: st, Authorize: auth.AdminKey(testKey), MaxBodyBytes: 64 << 10,
		Synced: syncer.WaitApplied, RequireIfMatch: requireIfMatch}
	mux := http.NewServeMux()
	NewHandler(c, opts).Register(mux)
	return mux
}

func TestWritesEndToEndGeoPackage(t *testing.T) {
	st, err := gpkg.Open(filepath.Join(t.TempDir(), "writes.gpkg"), gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	writetest.Run(t, writetest.Env{Handler: serveStore(t, st, true), Key: testKey, MaxBodyBytes: 64 << 10, RequireIfMatch: true})
}

func TestWritesEndToEndPostGIS(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	st, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if _, err := st.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	writetest.Run(t, writetest.Env{Handler: serveStore(t, st, false), Key: testKey, MaxBodyBytes: 64 << 10})
}
