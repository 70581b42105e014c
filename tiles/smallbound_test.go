package tiles

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/store"
)

// TestProvablySmallIsSure walks many random small polygons (convex or
// not, closed or not, self-crossing, rings run twice round, with holes,
// several parts) through provablySmall and the pipeline: whenever the
// shortcut leaves a feature out, the pipeline would have left out all of
// its polygons too. It also checks the shortcut does take the easy cases.
func TestProvablySmallIsSure(t *testing.T) {
	proj := newProjection(testTile, DefaultExtent)
	box := orb.Bound{Min: orb.Point{-DefaultBuffer, -DefaultBuffer}, Max: orb.Point{DefaultExtent + DefaultBuffer, DefaultExtent + DefaultBuffer}}
	rng := rand.New(rand.NewPCG(5, 8))
	ring := func(x, y, w, h float64) orb.Ring {
		n := 3 + rng.IntN(10)
		r := make(orb.Ring, 0, 2*n+1)
		for range n {
			r = append(r, proj.world(orb.Point{x + rng.Float64()*w, y + rng.Float64()*h}))
		}
		switch rng.IntN(4) {
		case 0: // run twice round
			r = append(r, r...)
		case 1, 2:
			r = append(r, r[0])
		}
		return r
	}
	var sure, cases int
	for range 20_000 {
		x, y := rng.Float64()*4300-100, rng.Float64()*4300-100
		w, h := rng.Float64()*rng.Float64()*40, rng.Float64()*rng.Float64()*40
		var g orb.Geometry
		poly := func() orb.Polygon {
			p := orb.Polygon{ring(x, y, w, h)}
			if rng.IntN(4) == 0 {
				p = append(p, ring(x+w/4, y+h/4, w/2, h/2))
			}
			return p
		}
		if rng.IntN(3) == 0 {
			g = orb.MultiPolygon{poly(), poly()}
		} else {
			g = poly()
		}
		f := &cache.Feature{ID: cache.NumID(1), Geom: g, Bound: g.Bound()}
		for _, r := range []rules{
			{minArea2: 128},
			{tolerance: 0.5, minArea2: 200},
			{tolerance: 2, minArea2: 512},
			{tolerance: 4, minArea2: 1800},
		} {
			var s shaper
			s.setup(proj, box, r)
			small, bound := s.provablySmall(f)
			var out shaped
			s.feature(f, &out)
			for _, p := range out.parts {
				if p.kind == partPolygon && small {
					t.Fatalf("%v under %+v: left out as small by its bound, but the pipeline keeps it (area2 %d)", g, r, p.area2)
				}
				if (p.kind == partPolygon || p.kind == partSmallPolygon) && float64(p.area2) > bound {
					t.Fatalf("%v under %+v: area2 %d over its bound %g", g, r, p.area2, bound)
				}
			}
			if small {
				sure++
			}
		}
		cases++
	}
	t.Logf("the shortcut took %d of %d cases", sure, 4*cases)
	if sure < cases/4 {
		t.Errorf("the shortcut took %d of %d cases", sure, 4*cases)
	}
}

// TestSmallLayerFallbackWithShortcut is TestSmallFeatures' fallback where
// every feature is left out by its bound alone: the layer still shows its
// largest features (at level 0, those of at least a quarter of the
// largest's area), whose exact sizes the shortcut did not measure.
func TestSmallLayerFallbackWithShortcut(t *testing.T) {
	l := newLayer("l")
	l.MaxZoom = 20
	snap := build(t, l,
		pixelRecord(int64(1), orb.Polygon{square(100, 100, 102, 102)}),
		pixelRecord(int64(2), orb.Polygon{square(500, 500, 503, 504)}),
		pixelRecord(int64(3), orb.Polygon{square(900, 900, 901, 901)}),
	)
	layers := encodeAndDecode(t, testTile, Options{}, snap)
	var ids []uint64
	for _, l := range layers {
		for _, f := range l.Features {
			ids = append(ids, f.ID)
		}
	}
	if !slices.Equal(ids, []uint64{1, 2}) {
		t.Fatalf("features %v, want 1 and 2 (3 is under a quarter of 2)", ids)
	}
}

// TestMemoRecallIsExact encodes layers of random small and large polygons
// at one level, then again at stricter ones recalling the first pass's
// memos: each time the layer is what a writer without memos makes.
func TestMemoRecallIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 21))
	opts := Options{}.withDefaults()
	fr := newFrame(WebMercatorQuad, testTile, opts)
	l := newLayer("l")
	l.MaxZoom = 20
	for round := range 20 {
		var records []store.Record
		for i := range 300 {
			x, y := rng.Float64()*4400-150, rng.Float64()*4400-150
			w, h := 1+rng.Float64()*rng.Float64()*60, 1+rng.Float64()*rng.Float64()*60
			ring := square(x, y, x+w, y+h)
			if rng.IntN(3) == 0 { // seven points: simplified, so not memoed exactly
				ring = orb.Ring{{x, y}, {x + w/2, y - 0.2}, {x + w, y}, {x + w, y + h}, {x + w/2, y + h + 0.2}, {x, y + h}, {x, y}}
			}
			var g orb.Geometry = orb.Polygon{ring}
			if rng.IntN(8) == 0 {
				g = orb.MultiPolygon{{ring}, {square(x+w+5, y, x+2*w+5, y+h)}}
			}
			records = append(records, pixelRecord(int64(i+1), g))
		}
		snap := build(t, l, records...)
		first := rulesFor(0, testTile.Z, l.MaxZoom, opts)
		memoed := layerWriters.Get().(*layerWriter)
		if err := memoed.writeLayer(context.Background(), snap, fr, opts, first, 0); err != nil {
			t.Fatal(err)
		}
		for level := 1; level <= maxLevel; level++ {
			r := rulesFor(level, testTile.Z, l.MaxZoom, opts).withMinSide(float64(round))
			fresh := layerWriters.Get().(*layerWriter)
			if err := memoed.writeLayer(context.Background(), snap, fr, opts, r, level); err != nil {
				t.Fatal(err)
			}
			if err := fresh.writeLayer(context.Background(), snap, fr, opts, r, level); err != nil {
				t.Fatal(err)
			}
			if a, b := memoed.appendTo(nil), fresh.appendTo(nil); !bytes.Equal(a, b) || memoed.small != fresh.small {
				t.Fatalf("round %d level %d: %d bytes (%d small) recalling memos, %d (%d) without", round, level, len(a), memoed.small, len(b), fresh.small)
			}
			fresh.release()
			layerWriters.Put(fresh)
		}
		memoed.release()
		layerWriters.Put(memoed)
	}
}
