package ingest

import (
	"context"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// chunkValidator records the chunks it is asked about and calls every
// geometry with an odd first x invalid.
type chunkValidator struct{ sizes []int }

func (v *chunkValidator) Invalid(_ context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	v.sizes = append(v.sizes, len(gs))
	var out []store.InvalidGeometry
	for i, g := range gs {
		if g != nil && int(g.Bound().Min[0])%2 == 1 {
			out = append(out, store.InvalidGeometry{Index: i, Reason: "odd"})
		}
	}
	return out, nil
}

// The store's validity check gets a batch in as few statements as its
// bounds allow: up to validityChunk geometries, and fewer when they are
// big; and what it refuses is reported at the feature's place in the file.
func TestCheckChunks(t *testing.T) {
	line := func(x float64, points int) orb.Geometry {
		ls := make(orb.LineString, points)
		for i := range ls {
			ls[i] = orb.Point{x, float64(i)}
		}
		return ls
	}
	var b batch
	add := func(g orb.Geometry) {
		b.recs = append(b.recs, store.Record{ID: int64(len(b.recs) + 1), Geometry: g})
		b.index = append(b.index, 100+len(b.index))
	}
	for i := range validityChunk + 10 {
		add(orb.Point{float64(2 * i), 0})
	}
	add(nil)
	add(line(3, validityPoints/2))
	add(line(4, validityPoints/2))
	add(line(6, 10))
	add(orb.Point{7, 0})

	im := &importer{l: &layer.Layer{ID: "t"}, col: &collector{max: 10}}
	v := &chunkValidator{}
	if err := im.check(context.Background(), v, b); err != nil {
		t.Fatal(err)
	}
	want := []int{validityChunk, 13, 2} // the chunk that passes validityPoints ends with it
	if len(v.sizes) != len(want) || v.sizes[0] != want[0] || v.sizes[1] != want[1] || v.sizes[2] != want[2] {
		t.Errorf("chunks %v, want %v", v.sizes, want)
	}
	n, ps := im.col.result()
	if n != 2 || ps[0].Index != 100+validityChunk+11 || ps[0].ID != int64(validityChunk+12) || ps[1].Index != 100+validityChunk+14 || ps[1].Field != FieldGeometry {
		t.Errorf("problems %d %+v", n, ps)
	}
}
