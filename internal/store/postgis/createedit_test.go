package postgis

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// squares yields n valid polygons in HK1980 grid with ids from first.
func squares(first, n int) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for i := range n {
			x := 833000 + float64(i)*10
			sq := orb.Polygon{{{x, 816000}, {x + 5, 816000}, {x + 5, 816005}, {x, 816005}, {x, 816000}}}
			if !yield(store.Record{ID: int64(first + i), Geometry: sq, Props: []any{"sq", int64(i)}}, nil) {
				return
			}
		}
	}
}

func squaresLayer(id string) layer.Layer {
	return layer.Layer{
		ID:           id,
		Source:       layer.Source{Table: id, SRID: 2326},
		GeometryType: layer.Polygon,
		IDs:          "server",
		Fields:       []layer.Field{{Name: "name", Type: layer.String}, {Name: "n", Type: layer.Integer}},
	}
}

// tableExists reports whether the layer's table is there for others.
func tableExists(t *testing.T, s *Store, table string) bool {
	t.Helper()
	var ok bool
	if err := s.pool.QueryRow(context.Background(), "SELECT to_regclass($1) IS NOT NULL", table).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// A layer made by CreateAndEdit exists, with its features, spatial index
// and change log, only once the edit commits; an edit that fails leaves no
// table, and the name can be used again.
func TestCreateAndEdit(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{})
	ctx := context.Background()
	l := squaresLayer("blocks")
	boom := errors.New("the import found a problem")

	_, _, err := s.CreateAndEdit(ctx, &l, "importer", func(made *layer.Layer, tx store.Tx) error {
		if _, err := tx.Copy(ctx, squares(1, 100), false); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("failed edit: %v", err)
	}
	if tableExists(t, s, "public.blocks") {
		t.Fatal("a failed CreateAndEdit left its table behind")
	}

	made, c, err := s.CreateAndEdit(ctx, &l, "importer", func(made *layer.Layer, tx store.Tx) error {
		if made.Source.Schema != "public" || made.Source.IDColumn != "id" || made.Source.GeometryColumn != "geom" {
			t.Errorf("fn got %+v, want the layer as created", made.Source)
		}
		n, err := tx.Copy(ctx, squares(1, 2000), false)
		if n != 2000 {
			t.Errorf("copied %d", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Changes != 2000 || c.Seq == 0 {
		t.Errorf("commit %+v, want 2000 changes", c)
	}
	var rows, indexes int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM blocks").Scan(&rows); err != nil || rows != 2000 {
		t.Errorf("%d rows, %v", rows, err)
	}
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM pg_indexes WHERE tablename = 'blocks' AND indexdef LIKE '%gist%'").Scan(&indexes); err != nil || indexes != 1 {
		t.Errorf("%d spatial indexes, %v", indexes, err)
	}
	// The layer is an ordinary one now: edited, and not made twice.
	if _, err := s.Edit(ctx, &made, "someone", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{Geometry: orb.Polygon{{{1, 1}, {2, 1}, {2, 2}, {1, 1}}}, Props: []any{"x", nil}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateAndEdit(ctx, &l, "importer", func(*layer.Layer, store.Tx) error { return nil }); !errors.Is(err, store.ErrLayerExists) {
		t.Errorf("second CreateAndEdit: %v, want ErrLayerExists", err)
	}
}

// A failed CreateAndEdit forgets the id type it told Copy, so a table of
// the same name made later with other ids is written with those.
func TestCreateAndEditForgetsIDType(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{})
	ctx := context.Background()
	l := squaresLayer("named")
	_, _, err := s.CreateAndEdit(ctx, &l, "importer", func(_ *layer.Layer, tx store.Tx) error {
		_, err := tx.Copy(ctx, squares(1, 3), false)
		if err != nil {
			return err
		}
		return errors.New("no")
	})
	if err == nil {
		t.Fatal("want the edit's error")
	}
	l.IDs = "client" // text ids this time, and a table made otherwise
	made, err := s.CreateLayer(ctx, &l)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Edit(ctx, &made, "importer", func(tx store.Tx) error {
		_, err := tx.Copy(ctx, func(yield func(store.Record, error) bool) {
			yield(store.Record{ID: "a-1", Geometry: orb.Polygon{{{1, 1}, {2, 1}, {2, 2}, {1, 1}}}, Props: []any{"x", nil}}, nil)
		}, false)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	if err := s.pool.QueryRow(ctx, "SELECT id FROM named").Scan(&id); err != nil || id != "a-1" {
		t.Errorf("id %q, %v", id, err)
	}
}

// The store's validity check outside a transaction says what the one in
// a transaction says.
func TestStoreInvalid(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{})
	ctx := context.Background()
	bowtie := orb.Polygon{{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}}
	square := orb.Polygon{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}
	gs := []orb.Geometry{square, nil, bowtie, orb.Point{1, 2}, bowtie}
	bad, err := s.Invalid(ctx, gs)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 2 || bad[0].Index != 2 || bad[1].Index != 4 || bad[0].Reason == "" {
		t.Errorf("invalid = %+v, want 2 and 4 with reasons", bad)
	}
	l := squaresLayer("checked")
	created, err := s.CreateLayer(ctx, &l)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Edit(ctx, &created, "x", func(tx store.Tx) error {
		inTx, err := tx.Invalid(ctx, gs)
		if err != nil {
			return err
		}
		if len(inTx) != len(bad) || inTx[0] != bad[0] || inTx[1] != bad[1] {
			t.Errorf("in a transaction %+v, outside %+v", inTx, bad)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
