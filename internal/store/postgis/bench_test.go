package postgis

import (
	"context"
	"fmt"
	"iter"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/testenv"
)

const benchFeatures = 500_000

// BenchmarkLoad loads 500,000 small polygons (5 or 9 vertices) with two
// attributes. "query" is the floor: the same SQL with rows read off the
// wire but not decoded; "load" is Load end to end; "transform" is Load of
// the same data in a SRID internal/crs lacks, so PostGIS reprojects
// (through tryTransform).
func BenchmarkLoad(b *testing.B) {
	url := testenv.DatabaseURL(b)
	exec(b, url, fmt.Sprintf(`CREATE TABLE parcels AS
		SELECT i AS id, 'lot ' || i AS name, i %% 100 AS class,
		       ST_SetSRID(ST_Buffer(ST_MakePoint(800000 + (i %% 1000) * 50, 800000 + (i / 1000) * 50),
		                            10, 1 + i %% 2), 2326)::geometry(Polygon, 2326) AS geom
		FROM generate_series(1, %d) AS i`, benchFeatures),
		`ALTER TABLE parcels ADD PRIMARY KEY (id)`,
		`CREATE TABLE parcels_utm AS SELECT id, name, class,
		        ST_Transform(geom, 32650)::geometry(Polygon, 32650) AS geom FROM parcels`,
		`ALTER TABLE parcels_utm ADD PRIMARY KEY (id)`,
		`VACUUM ANALYZE`)
	s := open(b, url, Options{})
	fields := []layer.Field{{Name: "name", Type: layer.String}, {Name: "class", Type: layer.Integer}}
	l := &layer.Layer{ID: "parcels", Fields: fields,
		Source: layer.Source{Table: "parcels", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}}
	utm := &layer.Layer{ID: "parcels_utm", Fields: fields,
		Source: layer.Source{Table: "parcels_utm", IDColumn: "id", GeometryColumn: "geom", SRID: 32650}}

	b.Run("query", func(b *testing.B) {
		q, args, err := loadQuery(l, false)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			rows, err := s.pool.Query(context.Background(), q, args...)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				n++
			}
			if err := rows.Err(); err != nil || n != benchFeatures {
				b.Fatalf("%d rows, %v", n, err)
			}
		}
		reportRate(b, benchFeatures)
	})
	for _, tt := range []struct {
		name string
		l    *layer.Layer
	}{{"load", l}, {"transform", utm}} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				n := 0
				err := s.Load(context.Background(), tt.l, func(r store.Record) error {
					n++
					return nil
				})
				if err != nil || n != benchFeatures {
					b.Fatalf("%d records, %v", n, err)
				}
			}
			reportRate(b, benchFeatures)
		})
	}
}

// BenchmarkLoadReprojected prices the temporary function that lets a load
// skip rows PostGIS cannot transform, on 100,000 points: "crs" is a SRID
// internal/crs supports, loaded as stored; "guarded" is the same points in
// a SRID PostGIS transforms, through tryTransform; "unguarded" is that load
// in a read-only session, where plain ST_Transform is the fallback.
func BenchmarkLoadReprojected(b *testing.B) {
	const n = 100_000
	url := testenv.DatabaseURL(b)
	exec(b, url, fmt.Sprintf(`CREATE TABLE pts AS
		SELECT i AS id, ST_SetSRID(ST_MakePoint(800000 + (i %% 1000) * 50, 800000 + (i / 1000) * 50),
		                           2326)::geometry(Point, 2326) AS geom
		FROM generate_series(1, %d) AS i`, n),
		`ALTER TABLE pts ADD PRIMARY KEY (id)`,
		`CREATE TABLE pts_utm AS SELECT id, ST_Transform(geom, 32650)::geometry(Point, 32650) AS geom FROM pts`,
		`ALTER TABLE pts_utm ADD PRIMARY KEY (id)`,
		`VACUUM ANALYZE`)
	s := open(b, url, Options{})
	ro := open(b, readOnly(b, url), Options{})
	src := layer.Source{Table: "pts", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}
	utm := layer.Source{Table: "pts_utm", IDColumn: "id", GeometryColumn: "geom", SRID: 32650}
	for _, tt := range []struct {
		name string
		s    *Store
		src  layer.Source
	}{{"crs", s, src}, {"guarded", s, utm}, {"unguarded", ro, utm}} {
		l := &layer.Layer{ID: tt.name, Source: tt.src}
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got := 0
				err := tt.s.Load(context.Background(), l, func(store.Record) error {
					got++
					return nil
				})
				if err != nil || got != n {
					b.Fatalf("%d records, %v", got, err)
				}
			}
			reportRate(b, n)
		})
	}
}

// BenchmarkWriteLayer writes 500,000 small polygons with COPY, index and
// ANALYZE included.
func BenchmarkWriteLayer(b *testing.B) {
	s := open(b, testenv.DatabaseURL(b), Options{})
	l := &layer.Layer{ID: "parcels", GeometryType: layer.Polygon,
		Fields: []layer.Field{{Name: "name", Type: layer.String}, {Name: "class", Type: layer.Integer}},
		Source: layer.Source{Table: "parcels", IDColumn: "id", GeometryColumn: "geom", SRID: 2326}}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.WriteLayer(context.Background(), l, parcels(benchFeatures)); err != nil {
			b.Fatal(err)
		}
	}
	reportRate(b, benchFeatures)
}

// parcels yields n squares of 5 vertices, made on the fly.
func parcels(n int) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for i := range n {
			x, y := 800000+float64(i%1000)*50, 800000+float64(i/1000)*50
			g := orb.Polygon{{{x, y}, {x + 10, y}, {x + 10, y + 10}, {x, y + 10}, {x, y}}}
			if !yield(store.Record{ID: int64(i + 1), Geometry: g, Props: []any{fmt.Sprint("lot ", i), int64(i % 100)}}, nil) {
				return
			}
		}
	}
}

func reportRate(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "features/s")
}
