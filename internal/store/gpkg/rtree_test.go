package gpkg

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// boxes yields n random rectangles with integer corners, which float32
// holds exactly, so the index and a brute-force search must agree exactly.
func boxes(n int, seed uint64) []store.Record {
	r := rand.New(rand.NewPCG(seed, 1))
	recs := make([]store.Record, n)
	for i := range recs {
		x, y := float64(r.IntN(10000)), float64(r.IntN(10000))
		w, h := float64(1+r.IntN(50)), float64(1+r.IntN(50))
		recs[i] = store.Record{ID: int64(i + 1), Geometry: orb.Bound{Min: orb.Point{x, y}, Max: orb.Point{x + w, y + h}}.ToPolygon()}
	}
	return recs
}

func boxLayer() *layer.Layer {
	return &layer.Layer{ID: "boxes", Source: layer.Source{Table: "boxes", IDColumn: "id", SRID: 4326}, GeometryType: layer.Polygon}
}

func seq(recs []store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestRTreeBulkLoad checks the packed index with SQLite's own rtreecheck()
// at sizes around the node capacity (51 cells) and across several levels,
// then checks that bbox searches find exactly what a scan finds.
func TestRTreeBulkLoad(t *testing.T) {
	for _, n := range []int{0, 1, 50, 51, 52, 51 * 51, 51*51 + 1, 20000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s := openTemp(t)
			defer s.Close()
			recs := boxes(n, uint64(n))
			if err := s.WriteLayer(context.Background(), boxLayer(), seq(recs)); err != nil {
				t.Fatal(err)
			}
			checkRTree(t, s, recs)
		})
	}
}

// TestRTreeTriggers edits a bulk-loaded table through SQL, as QGIS would:
// the spec's triggers, calling our ST_ functions, must keep the index right.
func TestRTreeTriggers(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	recs := boxes(3000, 7)
	if err := s.WriteLayer(context.Background(), boxLayer(), seq(recs)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Move feature 10, empty 11, NULL 12, delete 13-99, add 5000, renumber 100.
	moved := orb.Bound{Min: orb.Point{20000, 20000}, Max: orb.Point{20001, 20002}}.ToPolygon()
	blob, _ := EncodeGeometry(moved, 4326)
	exec(`UPDATE boxes SET geom = ? WHERE id = 10`, blob)
	empty, _ := EncodeGeometry(orb.Polygon{}, 4326)
	exec(`UPDATE boxes SET geom = ? WHERE id = 11`, empty)
	exec(`UPDATE boxes SET geom = NULL WHERE id = 12`)
	exec(`DELETE FROM boxes WHERE id BETWEEN 13 AND 99`)
	pt, _ := EncodeGeometry(orb.Point{5, 6}, 4326)
	exec(`INSERT INTO boxes (id, geom) VALUES (5000, ?)`, pt)
	exec(`UPDATE boxes SET id = 6000 WHERE id = 100`)

	recs[9].Geometry = moved
	recs[10].Geometry, recs[11].Geometry = nil, nil
	recs[99].ID = int64(6000)
	recs = slices.Delete(recs, 12, 99)
	recs = append(recs, store.Record{ID: int64(5000), Geometry: orb.Point{5, 6}})
	checkRTree(t, s, recs)
}

// checkRTree runs rtreecheck() and compares bbox searches with a scan of
// recs, the records the table should now hold.
func checkRTree(t *testing.T, s *Store, recs []store.Record) {
	t.Helper()
	ctx := context.Background()
	var msg string
	if err := s.db.QueryRowContext(ctx, `SELECT rtreecheck('rtree_boxes_geom')`).Scan(&msg); err != nil {
		t.Fatal(err)
	}
	if msg != "ok" {
		t.Fatalf("rtreecheck: %s", msg)
	}
	var indexed int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM rtree_boxes_geom`).Scan(&indexed); err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, r := range recs {
		if r.Geometry != nil {
			want++
		}
	}
	if indexed != want {
		t.Errorf("index holds %d entries, want %d", indexed, want)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		q := orb.Bound{Min: orb.Point{float64(r.IntN(10000)), float64(r.IntN(10000))}}
		q.Max = orb.Point{q.Min[0] + float64(r.IntN(3000)), q.Min[1] + float64(r.IntN(3000))}
		got := searchIndex(t, s, q)
		var scan []int64
		for _, rec := range recs {
			if rec.Geometry != nil && rec.Geometry.Bound().Intersects(q) {
				scan = append(scan, rec.ID.(int64))
			}
		}
		slices.Sort(scan)
		if !slices.Equal(got, scan) {
			t.Fatalf("search %v: index finds %d ids, a scan %d", q, len(got), len(scan))
		}
	}
}

func searchIndex(t *testing.T, s *Store, q orb.Bound) []int64 {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), `SELECT id FROM rtree_boxes_geom
		WHERE maxx >= ? AND minx <= ? AND maxy >= ? AND miny <= ? ORDER BY id`,
		q.Min[0], q.Max[0], q.Min[1], q.Max[1])
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestRound32(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 0.1, -0.1, 114.1234567, 836694.05, -1e30, 3.4e38} {
		if d := down32(v); float64(d) > v {
			t.Errorf("down32(%v) = %v, above it", v, d)
		}
		if u := up32(v); float64(u) < v {
			t.Errorf("up32(%v) = %v, below it", v, u)
		}
	}
}
