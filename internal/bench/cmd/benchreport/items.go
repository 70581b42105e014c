package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/features"
)

// postgisItems answers the same bbox query as csdi's items endpoint: the
// first 100 buildings by id intersecting a CRS84 box, as a GeoJSON
// FeatureCollection with the number matched.
const postgisItems = `
WITH box AS (SELECT ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 2326) AS g),
hits AS (SELECT b.* FROM buildings b, box WHERE b.geom && box.g AND ST_Intersects(b.geom, box.g))
SELECT json_build_object(
  'type', 'FeatureCollection',
  'numberMatched', (SELECT count(*) FROM hits),
  'features', coalesce(json_agg(ST_AsGeoJSON(p.*, 'geom', 9)::json), '[]'::json))::text
FROM (SELECT id, name_en, name_zh, floors, height_m, year_built, use, district,
             ST_Transform(geom, 4326) AS geom
      FROM hits ORDER BY id LIMIT 100) p`

func benchItems(ctx context.Context, e *env, r *report) error {
	h := features.NewHandler(e.cache, features.Options{DefaultLimit: 10, MaxLimit: 10000})
	mux := http.NewServeMux()
	h.Register(mux)
	boxes := []struct {
		name string
		b    orb.Bound
	}{
		{"small (300 m)", orb.Bound{Min: orb.Point{114.1680, 22.3180}, Max: orb.Point{114.1709, 22.3207}}},
		{"large (2 km)", orb.Bound{Min: orb.Point{114.160, 22.310}, Max: orb.Point{114.180, 22.328}}},
	}
	for _, box := range boxes {
		target := fmt.Sprintf("/collections/buildings/items?bbox=%g,%g,%g,%g&limit=100",
			box.b.Min[0], box.b.Min[1], box.b.Max[0], box.b.Max[1])
		probe := httptest.NewRecorder()
		mux.ServeHTTP(probe, httptest.NewRequest("GET", target, nil))
		if probe.Code != 200 {
			return fmt.Errorf("items %s: status %d: %s", target, probe.Code, probe.Body.String())
		}
		csdi := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest("GET", target, nil)
			for b.Loop() {
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, req)
			}
		})
		var doc string
		args := []any{box.b.Min[0], box.b.Min[1], box.b.Max[0], box.b.Max[1]}
		if err := e.pool.QueryRow(ctx, postgisItems, args...).Scan(&doc); err != nil {
			return fmt.Errorf("PostGIS items: %w", err)
		}
		pg := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				var out string
				if err := e.pool.QueryRow(ctx, postgisItems, args...).Scan(&out); err != nil {
					b.Fatal(err)
				}
			}
		})
		r.add(row{group: "items", name: "bbox items, limit 100, " + box.name, ours: csdi, theirs: pg,
			note: fmt.Sprintf("%d B (csdi) vs %d B (PostGIS)", probe.Body.Len(), len(doc))})
	}
	return nil
}
