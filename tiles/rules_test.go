package tiles

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/store"
)

var (
	demoOnce  sync.Once
	demoSnaps []*cache.Snapshot
	demoErr   error
)

// demoLayers builds every demo layer (100 000 buildings) once.
func demoLayers(t testing.TB) []*cache.Snapshot {
	t.Helper()
	demoOnce.Do(func() {
		for _, l := range demo.Layers() {
			l := l
			s, err := cache.Build(&l, demo.Records(l.ID, demo.Options{}))
			if err != nil {
				demoErr = err
				return
			}
			demoSnaps = append(demoSnaps, s)
		}
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoSnaps
}

func demoLayer(t testing.TB, id string) *cache.Snapshot {
	for _, s := range demoLayers(t) {
		if s.Layer().ID == id {
			return s
		}
	}
	t.Fatalf("no demo layer %s", id)
	return nil
}

// demoTiles lists the tiles of level z of s to check: every tile of the
// demo's extent up to level 12, and deeper the tiles holding every 2000th
// building (the busiest places are where most buildings are).
func demoTiles(t testing.TB, s *TileMatrixSet, z int) []Tile {
	snaps := demoLayers(t)
	ext, _ := extent(snaps)
	if z <= 12 {
		lim := limitsOf(s, intersect(s.worldBoundToGrid(ext), s.Bound), z, Options{}.withDefaults())
		var out []Tile
		for y := lim.MinTileRow; y <= lim.MaxTileRow; y++ {
			for x := lim.MinTileCol; x <= lim.MaxTileCol; x++ {
				if tile := (Tile{Z: z, X: x, Y: y}); s.Valid(tile) {
					out = append(out, tile)
				}
			}
		}
		return out
	}
	seen := map[Tile]bool{}
	var out []Tile
	for i := 1; i <= 100_000; i += 2000 {
		f, ok := demoLayer(t, demo.BuildingsID).Get(fmt.Sprint(i))
		if !ok {
			continue
		}
		tile := s.TileAt(z, s.worldToGrid(f.Bound.Center()))
		if !seen[tile] && s.Valid(tile) {
			seen[tile] = true
			out = append(out, tile)
		}
	}
	return out
}

// TestDemoTilesWithinBudget encodes the whole demo dataset, every layer in
// one tile, from level 0 to 16 in both matrix sets: every tile decodes,
// every one is within the budget, and no visible layer vanishes.
func TestDemoTilesWithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 100 000-building demo")
	}
	snaps := demoLayers(t)
	opts := Options{}.withDefaults()
	for _, s := range TileMatrixSets {
		for z := 0; z <= 16; z++ {
			var maxBytes, maxGz, tiles, escalated int
			for _, tile := range demoTiles(t, s, z) {
				res, err := encode(context.Background(), s, tile, snaps, opts, false)
				if err != nil {
					t.Fatal(err)
				}
				tiles++
				if len(res.data) > opts.MaxTileBytes || res.overBudget {
					t.Errorf("%s %v: %d bytes, over the budget of %d", s.ID, tile, len(res.data), opts.MaxTileBytes)
				}
				if slices.Max(append(res.levels, 0)) > 0 {
					escalated++
				}
				if len(res.data) > maxBytes {
					maxBytes, maxGz = len(res.data), len(httpx.Gzip(res.data))
				}
				if len(res.data) > 0 {
					decodeTile(t, res.data, opts.pixelBuffer())
				}
			}
			t.Logf("%s level %2d: %4d tiles, largest %7d bytes (%6d gzipped), %d made stricter", s.ID, z, tiles, maxBytes, maxGz, escalated)
		}
	}
}

// TestBudgetEscalates squeezes the busiest z12 and z13 tiles into small
// budgets: the rules get stricter, the tile shrinks to fit (or is the
// smallest possible), and it still decodes with valid polygons.
func TestBudgetEscalates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 100 000-building demo")
	}
	snaps := demoLayers(t)
	for _, z := range []int{12, 13} {
		tile := tileAt(mongKokLon, mongKokLat, z)
		full, err := encode(context.Background(), WebMercatorQuad, tile, snaps, Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, budget := range []int{len(full.data) / 2, len(full.data) / 8, 100} {
			res, err := encode(context.Background(), WebMercatorQuad, tile, snaps, Options{MaxTileBytes: budget}, false)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("z%d budget %d: %d bytes (from %d), levels %v, over %v", z, budget, len(res.data), len(full.data), res.levels, res.overBudget)
			if slices.Max(res.levels) == 0 {
				t.Errorf("z%d budget %d: no rule made stricter", z, budget)
			}
			if len(res.data) > budget && !res.overBudget || len(res.data) >= len(full.data) {
				t.Errorf("z%d budget %d: %d bytes, over %v", z, budget, len(res.data), res.overBudget)
			}
			layers := decodeTile(t, res.data, DefaultBuffer) // checks rings: closed, non-zero area, winding
			names := make([]string, len(layers))
			for i, l := range layers {
				names[i] = l.Name
			}
			fullNames := []string{}
			for _, l := range decodeTile(t, full.data, DefaultBuffer) {
				fullNames = append(fullNames, l.Name)
			}
			if !slices.Equal(names, fullNames) {
				t.Errorf("z%d budget %d: layers %v, want all of %v", z, budget, names, fullNames)
			}
		}
	}
}

// TestThinningDeterministic checks point thinning gives the same bytes
// every time and keeps at a zoom every point it kept one zoom out.
func TestThinningDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo")
	}
	toilets := demoLayer(t, demo.PublicToiletsID)
	snaps := []*cache.Snapshot{toilets}
	ids := func(tile Tile) map[uint64]bool {
		data, err := EncodeTile(context.Background(), WebMercatorQuad, tile, snaps, Options{Buffer: -1})
		if err != nil {
			t.Fatal(err)
		}
		again, _ := EncodeTile(context.Background(), WebMercatorQuad, tile, snaps, Options{Buffer: -1})
		if !bytes.Equal(data, again) {
			t.Fatalf("%v: two encodings differ", tile)
		}
		m := map[uint64]bool{}
		for _, l := range decodeTile(t, data, 0) {
			for _, f := range l.Features {
				m[f.ID] = true
			}
		}
		return m
	}
	parent := tileAt(mongKokLon, mongKokLat, 10)
	kept := ids(parent)
	total := 0
	toilets.Search(parent.Bound(), func(*cache.Feature) bool { total++; return true })
	if len(kept) == 0 || len(kept) >= total {
		t.Fatalf("z10 keeps %d of %d toilets", len(kept), total)
	}
	inChildren := map[uint64]bool{}
	for dy := range 2 {
		for dx := range 2 {
			for id := range ids(Tile{Z: 11, X: 2*parent.X + dx, Y: 2*parent.Y + dy}) {
				inChildren[id] = true
			}
		}
	}
	for id := range kept {
		if !inChildren[id] {
			t.Errorf("toilet %d kept at z10 but not at z11", id)
		}
	}
	t.Logf("z10 tile keeps %d of %d toilets, its z11 tiles %d", len(kept), total, len(inChildren))
}

// TestSmallFeatures checks features under a pixel are left out, but a
// layer of nothing but small features keeps them rather than vanish.
func TestSmallFeatures(t *testing.T) {
	tiny := orb.Polygon{square(100, 100, 102, 102)} // 2×2 units: 1/16 of a pixel
	short := orb.LineString{{500, 500}, {503, 500}}
	big := orb.Polygon{square(1000, 1000, 1100, 1100)}
	l := newLayer("l")
	l.MaxZoom = 20
	mixed := build(t, l,
		pixelRecord(int64(1), tiny), pixelRecord(int64(2), short), pixelRecord(int64(3), big),
		pixelRecord(int64(4), orb.Polygon{square(2000, 2000, 2200, 2200), reversed(square(2050, 2050, 2052, 2052))}),
	)
	layers := encodeAndDecode(t, testTile, Options{}, mixed)
	var got []uint64
	for _, f := range layers[0].Features {
		got = append(got, f.ID)
		if f.ID == 4 && len(f.Geometry.(orb.Polygon)) != 1 {
			t.Errorf("the tiny hole was kept: %v", f.Geometry)
		}
	}
	if fmt.Sprint(got) != "[3 4]" {
		t.Errorf("kept %v, want [3 4]", got)
	}
	onlySmall := build(t, l, pixelRecord(int64(1), tiny), pixelRecord(int64(2), short))
	if layers := encodeAndDecode(t, testTile, Options{}, onlySmall); len(layers) != 1 || len(layers[0].Features) != 2 {
		t.Errorf("a layer of small features: %+v", layers)
	}
	// At the layer's deepest zoom nothing is left out.
	l2 := newLayer("l2")
	l2.MaxZoom = testTile.Z
	deepest := build(t, l2, pixelRecord(int64(1), tiny), pixelRecord(int64(3), big))
	if layers := encodeAndDecode(t, testTile, Options{}, deepest); len(layers[0].Features) != 2 {
		t.Errorf("at the deepest zoom: %d features", len(layers[0].Features))
	}
	_ = store.Record{}
	_ = math.Pi
}
