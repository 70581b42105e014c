package postgis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/testenv"
)

func editLayer() layer.Layer {
	return layer.Layer{
		ID:           "sites",
		Source:       layer.Source{Table: "sites", IDColumn: "id", GeometryColumn: "geom", SRID: 2326},
		GeometryType: layer.Point,
		Fields:       []layer.Field{{Name: "name", Type: layer.String}, {Name: "floors", Type: layer.Integer}},
	}
}

// newEditStore is a migrated store with an empty "sites" layer.
func newEditStore(t *testing.T) (*Store, *layer.Layer) {
	t.Helper()
	s := open(t, testenv.DatabaseURL(t), Options{})
	ctx := context.Background()
	l := editLayer()
	created, err := s.CreateLayer(ctx, &l)
	if err != nil {
		t.Fatal(err)
	}
	return s, &created
}

func TestEditLogsEveryChange(t *testing.T) {
	s, l := newEditStore(t)
	ctx := context.Background()
	head, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Edit(ctx, l, "alice", func(tx store.Tx) error {
		id, err := tx.Insert(ctx, store.Record{Geometry: orb.Point{833000, 816000}, Props: []any{"大會堂", int64(3)}})
		if err != nil {
			return err
		}
		if id != int64(1) {
			t.Errorf("first server-assigned id = %#v, want 1", id)
		}
		if _, err := tx.Insert(ctx, store.Record{ID: int64(7), Geometry: orb.Point{833100, 816100}, Props: []any{"b", nil}}); err != nil {
			return err
		}
		return tx.Replace(ctx, store.Record{ID: int64(1), Geometry: orb.Point{833001, 816001}, Props: []any{"大會堂 City Hall", int64(4)}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Changes != 3 || c.Seq == 0 {
		t.Errorf("commit = %+v, want 3 changes", c)
	}
	// A department's own SQL is logged too, with its database user.
	if _, err := s.pool.Exec(ctx, "DELETE FROM sites WHERE id = 7"); err != nil {
		t.Fatal(err)
	}
	changes, cur, err := s.Changes(ctx, head, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range changes {
		got = append(got, fmt.Sprintf("%s %v %s", ch.Op, ch.ID, ch.Actor))
	}
	want := []string{"insert 1 alice", "insert 7 alice", "update 1 alice", "delete 7 postgres"}
	if !slices.Equal(got, want) {
		t.Errorf("changes = %q, want %q", got, want)
	}
	if more, _, err := s.Changes(ctx, cur, 100); err != nil || len(more) != 0 {
		t.Errorf("after reading everything: %v, %v", more, err)
	}

	// Conflicts and missing features roll the whole transaction back.
	_, err = s.Edit(ctx, l, "alice", func(tx store.Tx) error {
		if err := tx.Delete(ctx, int64(1)); err != nil {
			return err
		}
		_, err := tx.Insert(ctx, store.Record{ID: int64(1), Geometry: orb.Point{1, 1}, Props: []any{"x", nil}})
		if err != nil {
			return err
		}
		_, err = tx.Insert(ctx, store.Record{ID: int64(1), Geometry: orb.Point{1, 1}, Props: []any{"x", nil}})
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate insert: %v, want ErrConflict", err)
	}
	_, err = s.Edit(ctx, l, "alice", func(tx store.Tx) error { return tx.Delete(ctx, int64(99)) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete of a missing feature: %v, want ErrNotFound", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM sites WHERE id = 1 AND name = '大會堂 City Hall'").Scan(&n); err != nil || n != 1 {
		t.Errorf("feature 1 after the failed edits: %d rows, %v", n, err)
	}
}

// A change numbered before another but committed after it is still read.
func TestChangesCommittedOutOfOrder(t *testing.T) {
	s, l := newEditStore(t)
	ctx := context.Background()
	cur, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	if _, err := slow.Exec(ctx, "INSERT INTO sites (id, geom) VALUES (1, 'SRID=2326;POINT(833000 816000)')"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, "INSERT INTO sites (id, geom) VALUES (2, 'SRID=2326;POINT(833000 816000)')"); err != nil {
		t.Fatal(err)
	}
	first, cur, err := s.Changes(ctx, cur, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 1 || first[0].ID != int64(2) {
		t.Fatalf("first read = %+v, want feature 2 only", first)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	late, _, err := s.Changes(ctx, cur, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(late) != 1 || late[0].ID != int64(1) || late[0].Seq >= first[0].Seq {
		t.Fatalf("second read = %+v, want feature 1, numbered before feature 2 (%d)", late, first[0].Seq)
	}
	_ = l
}

func TestWaitWakesOnCommit(t *testing.T) {
	s, l := newEditStore(t)
	ctx := context.Background()
	// The first Wait opens the listening connection; give it its timeout.
	if err := s.Wait(ctx, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Wait(ctx, time.Minute) }()
	time.Sleep(100 * time.Millisecond)
	if _, err := s.Edit(ctx, l, "a", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{Geometry: orb.Point{833000, 816000}, Props: []any{"x", nil}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Wait did not wake up after a commit")
	}
}

func TestHistoryAndRollback(t *testing.T) {
	s, l := newEditStore(t)
	ctx := context.Background()
	edit := func(fn func(tx store.Tx) error) store.Commit {
		t.Helper()
		c, err := s.Edit(ctx, l, "bob", fn)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	v1 := edit(func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{ID: int64(5), Geometry: orb.Point{833000.25, 816000.5}, Props: []any{"one", int64(1)}})
		return err
	})
	v2 := edit(func(tx store.Tx) error {
		return tx.Replace(ctx, store.Record{ID: int64(5), Geometry: orb.Point{833002, 816002}, Props: []any{"two", nil}})
	})
	edit(func(tx store.Tx) error {
		if _, err := tx.Insert(ctx, store.Record{ID: int64(6), Geometry: orb.Point{1, 2}, Props: []any{"new", nil}}); err != nil {
			return err
		}
		return tx.Delete(ctx, int64(5))
	})
	vs, err := s.Versions(ctx, l, int64(5))
	if err != nil {
		t.Fatal(err)
	}
	var ops []store.Op
	for _, v := range vs {
		ops = append(ops, v.Op)
	}
	if !slices.Equal(ops, []store.Op{store.OpInsert, store.OpUpdate, store.OpDelete}) || vs[0].Actor != "bob" {
		t.Errorf("versions = %+v", vs)
	}
	r, ok, err := s.AsOf(ctx, l, int64(5), v1.Seq)
	if err != nil || !ok {
		t.Fatalf("as of %d: %v %v", v1.Seq, ok, err)
	}
	if r.Props[0] != "one" || r.Props[1] != int64(1) || r.Geometry != (orb.Point{833000.25, 816000.5}) {
		t.Errorf("as of v1: %+v", r)
	}
	if r, ok, _ := s.AsOf(ctx, l, int64(5), v2.Seq); !ok || r.Props[0] != "two" || r.Props[1] != nil {
		t.Errorf("as of v2: %+v %v", r, ok)
	}
	if _, ok, _ := s.AsOf(ctx, l, int64(5), v1.Seq-1); ok {
		t.Error("feature 5 exists before it was inserted")
	}

	rb, err := s.Rollback(ctx, l, v1.Seq, time.Time{}, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if rb.Changes == 0 {
		t.Error("the rollback logged nothing")
	}
	var names []string
	rows, _ := s.pool.Query(ctx, "SELECT id::text || ':' || name || ':' || ST_AsText(geom) FROM sites ORDER BY id")
	names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"5:one:POINT(833000.25 816000.5)"}; !slices.Equal(names, want) {
		t.Errorf("after rollback to v1: %q, want %q", names, want)
	}
}
