package main

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/tiles"
)

// denseTile is the tile at zoom z over Mong Kok, the densest demo district.
func denseTile(z int) (x, y int) {
	lon, lat := 114.1694, 22.3193
	n := math.Exp2(float64(z))
	x = int((lon + 180) / 360 * n)
	s := math.Sin(lat * math.Pi / 180)
	y = int((0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * n)
	return x, y
}

// postgisTile is ST_AsMVT of the same buildings tile with the same
// attributes, extent and buffer as csdi's.
const postgisTile = `
SELECT ST_AsMVT(q, 'buildings', 4096, 'geom', 'id') FROM (
  SELECT id, name_en, name_zh, floors, height_m, year_built, use, district,
         ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM buildings
  WHERE geom && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0/4096), 2326)
) q`

func benchTiles(ctx context.Context, e *env, r *report) error {
	snap, ok := e.cache.Snapshot("buildings")
	if !ok {
		return fmt.Errorf("no buildings layer in the cache")
	}
	for z := 13; z <= 16; z++ {
		x, y := denseTile(z)
		opts := tiles.Options{}
		ours, err := tiles.Encode(ctx, z, x, y, []*cache.Snapshot{snap}, opts)
		if err != nil {
			return fmt.Errorf("encode %d/%d/%d: %w", z, x, y, err)
		}
		var theirs []byte
		if err := e.pool.QueryRow(ctx, postgisTile, z, x, y).Scan(&theirs); err != nil {
			return fmt.Errorf("ST_AsMVT %d/%d/%d: %w", z, x, y, err)
		}
		csdi := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tiles.Encode(ctx, z, x, y, []*cache.Snapshot{snap}, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
		pg := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				var out []byte
				if err := e.pool.QueryRow(ctx, postgisTile, z, x, y).Scan(&out); err != nil {
					b.Fatal(err)
				}
			}
		})
		r.add(row{
			group: "tiles", name: fmt.Sprintf("buildings tile z%d (%d/%d/%d)", z, z, x, y),
			ours: csdi, theirs: pg,
			note: fmt.Sprintf("%d features; %d B (csdi) vs %d B (ST_AsMVT)", countFeatures(snap, z, x, y), len(ours), len(theirs)),
		})
	}
	return nil
}

func countFeatures(s *cache.Snapshot, z, x, y int) int {
	n := 0
	s.Search(tileBound(z, x, y), func(*cache.Feature) bool { n++; return true })
	return n
}
