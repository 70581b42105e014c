package gpkg

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// syncBuffer collects log output from concurrent loads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLoadSkipsBadRows(t *testing.T) {
	var logs syncBuffer
	s, err := Open(filepath.Join(t.TempDir(), "x.gpkg"), Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fx := storetest.Fixtures()[0]
	if err := s.WriteLayer(context.Background(), &fx.Layer, seq(fx.Records)); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO contract_facilities (id, geom) VALUES (10, x'00010203')`,                   // not a blob
		`INSERT INTO contract_facilities (id, geom, opened_on) VALUES (11, NULL, 'soon')`,       // not a date
		`INSERT INTO contract_facilities (id, geom, floors) VALUES (12, NULL, 'many')`,          // not an integer
		`INSERT INTO contract_facilities (id, geom, tags) VALUES (13, NULL, '{"not":"array"}')`, // not an array
		`INSERT INTO contract_facilities (id, geom, extra) VALUES (14, NULL, '{broken')`,        // not JSON
	} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	got := loadAll(t, s, &fx.Layer)
	if len(got) != len(fx.Records) {
		t.Errorf("loaded %d records, want the %d good ones", len(got), len(fx.Records))
	}
	if n := strings.Count(logs.String(), "skipping a row"); n != 5 {
		t.Errorf("%d warnings, want 5:\n%s", n, logs.String())
	}
}

func TestLoadErrors(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	fx := storetest.Fixtures()[1] // contract_shapes, EPSG:4326
	if err := s.WriteLayer(context.Background(), &fx.Layer, seq(fx.Records)); err != nil {
		t.Fatal(err)
	}
	british := &layer.Layer{ID: "bng", Source: layer.Source{Table: "bng", SRID: 27700}, GeometryType: layer.Point}
	if err := s.WriteLayer(context.Background(), british, seq([]store.Record{{ID: int64(1), Geometry: orb.Point{530000, 180000}}})); err != nil {
		t.Fatal(err)
	}
	noop := func(store.Record) error { return nil }

	err := s.Load(context.Background(), british, noop)
	var unsupported *UnsupportedSRIDError
	if !errors.As(err, &unsupported) || unsupported.SRID != 27700 {
		t.Errorf("Load of an EPSG:27700 table: %v, want an UnsupportedSRIDError", err)
	}
	wrongSRID := fx.Layer
	wrongSRID.Source.SRID = 3857
	if err := s.Load(context.Background(), &wrongSRID, noop); err == nil || !strings.Contains(err.Error(), "stores EPSG:4326") {
		t.Errorf("Load with the wrong SRID: %v", err)
	}
	missing := fx.Layer
	missing.Source.Table = "nowhere"
	if err := s.Load(context.Background(), &missing, noop); !errors.Is(err, errNoGeometryColumn) {
		t.Errorf("Load of a missing table: %v, want errNoGeometryColumn", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Load(ctx, &fx.Layer, noop); !errors.Is(err, context.Canceled) {
		t.Errorf("Load with a cancelled context: %v", err)
	}
}

// TestLoadRowNumbers loads a layer that names no id column: ids are the
// GeoPackage fid.
func TestLoadRowNumbers(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	l := &layer.Layer{ID: "anon", Source: layer.Source{Table: "anon", SRID: 4326}, GeometryType: layer.Point}
	recs := []store.Record{{Geometry: orb.Point{1, 2}}, {Geometry: orb.Point{3, 4}}}
	if err := s.WriteLayer(context.Background(), l, seq(recs)); err != nil {
		t.Fatal(err)
	}
	got := loadAll(t, s, l)
	if len(got) != 2 || got[0].ID != int64(1) || got[1].ID != int64(2) {
		t.Errorf("loaded %+v", got)
	}
	ls, _ := s.Layers(context.Background())
	if len(ls) != 1 || ls[0].Source.IDColumn != "fid" || ls[0].Source.GeometryColumn != "geom" {
		t.Errorf("discovered %+v", ls)
	}
}

// TestConcurrent loads layers from many goroutines while another layer is
// rewritten, as the server does at start-up; run it with -race.
func TestConcurrent(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	const n = 5000
	ids := []string{"a", "b", "c"}
	for _, id := range ids {
		if err := s.WriteLayer(context.Background(), benchLayer(id), squares(n)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	wg.Go(func() {
		for range 3 {
			if err := s.WriteLayer(context.Background(), benchLayer("d"), squares(n)); err != nil {
				errs <- err
			}
		}
	})
	for range 4 {
		for _, id := range ids {
			wg.Go(func() {
				got := 0
				err := s.Load(context.Background(), benchLayer(id), func(store.Record) error { got++; return nil })
				if err == nil && got != n {
					err = errors.New("short load")
				}
				if err != nil {
					errs <- err
				}
			})
		}
		wg.Go(func() {
			if _, err := s.Layers(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
