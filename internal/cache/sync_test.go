package cache_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/internal/testenv"
)

type recordingEvictor struct {
	mu     sync.Mutex
	bounds map[string][]orb.Bound
	layers []string
}

func (r *recordingEvictor) EvictTiles(l string, bounds ...orb.Bound) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bounds[l] = append(r.bounds[l], bounds...)
}

func (r *recordingEvictor) EvictLayer(l string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.layers = append(r.layers, l)
}

// The syncer brings edits made through the store and straight in SQL into
// the cache, feature by feature, and evicts only the tiles they touch.
func TestSyncerFollowsTheChangeLog(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := layer.Layer{ID: "sites", Source: layer.Source{Table: "sites", SRID: 2326}, GeometryType: layer.Point,
		Fields: []layer.Field{{Name: "name", Type: layer.String}}}
	created, err := st.CreateLayer(ctx, &l)
	if err != nil {
		t.Fatal(err)
	}
	l = created
	edit := func(fn func(tx store.Tx) error) store.Commit {
		t.Helper()
		c, err := st.Edit(ctx, &l, "test", fn)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	edit(func(tx store.Tx) error {
		for i := 1; i <= 3; i++ {
			if _, err := tx.Insert(ctx, store.Record{Geometry: orb.Point{833000 + float64(i)*100, 816000}, Props: []any{"site"}}); err != nil {
				return err
			}
		}
		return nil
	})

	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(st, []layer.Layer{l}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ev := &recordingEvictor{bounds: map[string][]orb.Bound{}}
	c.SetTileEvictor(ev)
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	sy := c.NewSyncer(st, head, cache.SyncOptions{Poll: 100 * time.Millisecond})
	go sy.Run(ctx)
	wait := func(seq int64) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := sy.WaitApplied(wctx, seq); err != nil {
			t.Fatal(err)
		}
	}
	snap := func() *cache.Snapshot { s, _ := c.Snapshot("sites"); return s }
	before := snap()

	commit := edit(func(tx store.Tx) error {
		if err := tx.Replace(ctx, store.Record{ID: int64(2), Geometry: orb.Point{840000, 820000}, Props: []any{"moved"}}); err != nil {
			return err
		}
		return tx.Delete(ctx, int64(3))
	})
	wait(commit.Seq)
	s := snap()
	if s.Len() != 2 {
		t.Errorf("after replace+delete: %d features, want 2", s.Len())
	}
	if f, ok := s.Get("2"); !ok || f.Props[0] != "moved" {
		t.Errorf("feature 2 = %+v, %v", f, ok)
	}
	if _, ok := s.Get("3"); ok {
		t.Error("feature 3 is still cached after its delete")
	}
	if before.Len() != 3 {
		t.Errorf("the earlier snapshot changed: %d features", before.Len())
	}
	if s.Version() <= before.Version() {
		t.Errorf("version %d after %d", s.Version(), before.Version())
	}
	ev.mu.Lock()
	if n := len(ev.bounds["sites"]); n != 3 { // old and new of 2, old of 3
		t.Errorf("evicted %d bounds, want 3: %v", n, ev.bounds)
	}
	if len(ev.layers) != 1 { // the initial load only
		t.Errorf("whole-layer evictions: %v", ev.layers)
	}
	ev.mu.Unlock()

	// A department's own SQL, outside csdi: logged by the triggers, woken
	// by NOTIFY, applied the same way.
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "INSERT INTO sites (id, geom, name) VALUES (10, 'SRID=2326;POINT(835000 817000)', '直接')"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if f, ok := snap().Get("10"); ok && f.Props[0] == "直接" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a direct SQL insert did not reach the cache in 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// TRUNCATE cannot say which rows went: the layer reloads.
	if _, err := conn.Exec(ctx, "TRUNCATE sites"); err != nil {
		t.Fatal(err)
	}
	for snap().Len() != 0 {
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatal("TRUNCATE did not reach the cache")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if st := sy.Status(); !st.Following || st.Err != nil || st.Lag != 0 {
		t.Errorf("status = %+v", st)
	}
}
