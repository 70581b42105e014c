package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// memStore is a store held in memory, standing in for a backend so the
// cache's own logic can be tested without one; the backends are tested by
// the store contract suite.
type memStore struct {
	layers  []layer.Layer
	records map[string][]store.Record
	fail    map[string]error
}

func (m *memStore) Layers(context.Context) ([]layer.Layer, error) { return m.layers, nil }
func (m *memStore) Close() error                                  { return nil }
func (m *memStore) Load(ctx context.Context, l *layer.Layer, fn func(store.Record) error) error {
	if err := m.fail[l.ID]; err != nil {
		return err
	}
	for _, r := range m.records[l.ID] {
		// Hand out a fresh copy, as a real store decodes each row anew.
		r.Geometry = orb.Clone(r.Geometry)
		if err := fn(r); err != nil {
			return fmt.Errorf("load %s: %w", l.ID, err)
		}
	}
	return nil
}

func lonLatLayer(id string) layer.Layer {
	return layer.Layer{ID: id, Source: layer.Source{Table: id, GeometryColumn: "geom", SRID: 4326},
		GeometryType: layer.AnyGeometry, MaxZoom: 22, Fields: []layer.Field{{Name: "name", Type: layer.String}}}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestLoadPublishesSnapshots(t *testing.T) {
	ok, broken := lonLatLayer("ok"), lonLatLayer("broken")
	st := &memStore{
		layers: []layer.Layer{ok, broken},
		records: map[string][]store.Record{"ok": {
			{ID: int64(2), Geometry: orb.Point{114.17, 22.32}, Props: []any{"b"}},
			{ID: int64(1), Geometry: orb.LineString{{114.1, 22.2}, {114.2, 22.3}}, Props: []any{"a"}},
			{ID: int64(3), Geometry: nil, Props: []any{"no geometry"}},
			{ID: int64(2), Geometry: orb.Point{0, 0}, Props: []any{"duplicate id, skipped"}},
			{ID: int64(4), Geometry: orb.Point{math.NaN(), 1}, Props: []any{"not finite, skipped"}},
		}},
		fail: map[string]error{"broken": errors.New("table vanished")},
	}
	c := New(st, st.layers, quiet())
	if s, _ := c.Snapshot("ok"); s.Len() != 0 || c.Loaded() {
		t.Fatal("before Load a layer must serve empty and the cache must not be loaded")
	}
	err := c.Load(context.Background())
	var le *LoadError
	if !errors.As(err, &le) || le.Layer != "broken" {
		t.Fatalf("Load error = %v, want a LoadError for the broken layer", err)
	}
	if !c.Loaded() {
		t.Fatal("Loaded is false after Load")
	}
	s, found := c.Snapshot("ok")
	if !found || s.Len() != 3 || s.Version() != 1 {
		t.Fatalf("snapshot: found=%v len=%d version=%d, want 3 features at version 1", found, s.Len(), s.Version())
	}
	var order []string
	s.Ascend(0, func(f *Feature) bool { order = append(order, f.ID.String()); return true })
	if fmt.Sprint(order) != "[1 2 3]" {
		t.Errorf("id order %v, want [1 2 3]", order)
	}
	f, found := s.Get("2")
	if !found {
		t.Fatal("Get(2) found nothing")
	}
	wx, wy := crs.LonLatToWorld(114.17, 22.32)
	if p := f.Geom.(orb.Point); math.Abs(p[0]-wx) > 1e-12 || math.Abs(p[1]-wy) > 1e-12 {
		t.Errorf("point stored at %v, want world %v,%v", p, wx, wy)
	}
	for _, alias := range []string{"02", "+2", " 2"} {
		if _, found := s.Get(alias); found {
			t.Errorf("Get(%q) found feature 2: only the canonical spelling may", alias)
		}
	}
	if _, found := s.Get("nope"); found {
		t.Error("Get found an id that does not exist")
	}
	ext, hasExt := s.Extent()
	minx, maxy := crs.LonLatToWorld(114.1, 22.2)
	if !hasExt || math.Abs(ext.Min[0]-minx) > 1e-12 || math.Abs(ext.Max[1]-maxy) > 1e-12 {
		t.Errorf("extent %v, want to start at %v,%v", ext, minx, maxy)
	}
	if b, _ := c.Snapshot("broken"); b.Len() != 0 {
		t.Error("a failed layer must serve empty")
	}
	if _, found := c.Snapshot("absent"); found {
		t.Error("an unknown layer must not be found")
	}
	if s.Bytes() <= 0 {
		t.Error("no size estimate")
	}
}

func TestSearchFindsByBound(t *testing.T) {
	l := lonLatLayer("pts")
	var recs []store.Record
	for i := 0; i < 100; i++ {
		recs = append(recs, store.Record{ID: int64(i), Geometry: orb.Point{114 + float64(i)*0.001, 22.3}, Props: []any{nil}})
	}
	s, err := Build(&l, storetest.Seq(recs))
	if err != nil {
		t.Fatal(err)
	}
	a, b := crs.LonLatToWorld(114.0095, 22.31)
	c, d := crs.LonLatToWorld(114.0205, 22.29)
	n := 0
	s.Search(orb.Bound{Min: orb.Point{a, b}, Max: orb.Point{c, d}}, func(*Feature) bool { n++; return true })
	if n != 11 { // 10..20
		t.Errorf("search found %d points, want 11", n)
	}
	if f, _ := s.At(50); f.ID.Num != 50 {
		t.Errorf("At(50) = %v", f.ID)
	}
}

// Readers of a published snapshot must be unaffected by a reload that
// publishes the next one; run with -race.
func TestReloadWhileReading(t *testing.T) {
	l := lonLatLayer("l")
	st := &memStore{layers: []layer.Layer{l}, records: map[string][]store.Record{}}
	for i := 0; i < 2000; i++ {
		st.records["l"] = append(st.records["l"], store.Record{ID: int64(i), Geometry: orb.Point{114 + float64(i%50)*0.01, 22 + float64(i/50)*0.01}, Props: []any{"x"}})
	}
	c := New(st, st.layers, quiet())
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				s, _ := c.Snapshot("l")
				n := 0
				s.Search(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, func(*Feature) bool { n++; return true })
				if n != s.Len() {
					t.Errorf("snapshot v%d: search saw %d of %d", s.Version(), n, s.Len())
					return
				}
			}
		}()
	}
	for i := 0; i < 5; i++ {
		if err := c.Reload(context.Background(), "l"); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	if s, _ := c.Snapshot("l"); s.Version() != 6 {
		t.Errorf("version %d after 5 reloads, want 6", s.Version())
	}
}

func TestIDOrder(t *testing.T) {
	ids := []ID{NumID(-5), NumID(3), NumID(20), StrID("10"), StrID("a"), StrID("b")}
	for i := 1; i < len(ids); i++ {
		if !ids[i-1].Less(ids[i]) || ids[i].Less(ids[i-1]) {
			t.Errorf("%v should sort before %v", ids[i-1], ids[i])
		}
	}
}
