package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/server"
	"github.com/csdi-hk/csdi/internal/store/postgis"
)

// medianRow is one job timed request by request, by csdi over HTTP and by
// PostGIS over its protocol, both on loopback.
type medianRow struct {
	name               string
	ours, theirs       time.Duration // medians
	oursRuns, pgRuns   int
	oursCount, pgCount int // numberMatched
	oursBytes, pgBytes int
}

func (x medianRow) ratio() float64 {
	if x.ours == 0 {
		return 0
	}
	return float64(x.theirs) / float64(x.ours)
}

// median times fn until it has run at least 15 times and for at least a
// second (at most 400 times or 3 s), after two warm-up runs, and returns
// the median duration.
func median(fn func() error) (time.Duration, int, error) {
	for range 2 {
		if err := fn(); err != nil {
			return 0, 0, err
		}
	}
	var ds []time.Duration
	start := time.Now()
	for len(ds) < 400 && (len(ds) < 15 || time.Since(start) < time.Second) && time.Since(start) < 3*time.Second {
		t0 := time.Now()
		if err := fn(); err != nil {
			return 0, 0, err
		}
		ds = append(ds, time.Since(t0))
	}
	slices.Sort(ds)
	return ds[len(ds)/2], len(ds), nil
}

// postgisFilteredItems is the PostGIS way to answer a filtered items page:
// the first 100 matches by id as GeoJSON in CRS84, with the number matched.
// %s is the WHERE clause; $1 is a CRS84 WKT geometry some clauses use.
const postgisFilteredItems = `
WITH q AS (SELECT ST_Transform(ST_GeomFromText($1, 4326), 2326) AS g),
hits AS (SELECT b.* FROM bench.buildings_load b, q WHERE %s)
SELECT json_build_object(
  'type', 'FeatureCollection',
  'numberMatched', (SELECT count(*) FROM hits),
  'features', coalesce(json_agg(ST_AsGeoJSON(p.*, 'geom', 9)::json), '[]'::json))::text
FROM (SELECT id, name_en, name_zh, floors, height_m, year_built, use, district,
             ST_Transform(geom, 4326) AS geom
      FROM hits ORDER BY id LIMIT 100) p`

// cqlJob is one filter and the SQL that selects the same rows.
type cqlJob struct {
	name, filter, where, wkt string
}

// smallPolygon is a skewed quadrilateral about 250 m across in Mong Kok.
const smallPolygon = "POLYGON((114.1680 22.3185, 114.1700 22.3178, 114.1712 22.3200, 114.1690 22.3210, 114.1680 22.3185))"

var cqlJobs = []cqlJob{
	{"attribute filter `floors > 60 AND use = 'commercial'`", "floors > 60 AND use = 'commercial'",
		"b.floors > 60 AND b.use = 'commercial'", "POINT(0 0)"},
	{"spatial filter `S_INTERSECTS(geometry, <250 m polygon>)`", "S_INTERSECTS(geometry, " + smallPolygon + ")",
		"b.geom && q.g AND ST_Intersects(b.geom, q.g)", smallPolygon},
}

// benchCQL loads the big buildings layer benchLoad wrote into a cache in
// this process, serves it with the whole csdi server on a loopback port,
// and times CQL2 filters through /items beside PostGIS answering the same.
func benchCQL(ctx context.Context, dbURL string, r *report, log *slog.Logger) error {
	st, err := postgis.Open(ctx, dbURL, postgis.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	l := bigLayer()
	c := cache.New(st, []layer.Layer{l}, log)
	if err := c.Load(ctx); err != nil {
		return fmt.Errorf("load %s: %w", l.ID, err)
	}
	snap, _ := c.Snapshot(l.ID)
	r.cqlFeatures = snap.Len()
	cfg, err := config.Load("", func(string) string { return "" })
	if err != nil {
		return err
	}
	srv := httptest.NewServer(server.New(cfg, c, log, "bench").Handler())
	defer srv.Close()
	client := srv.Client()

	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	// PostGIS gets the index each query would want: the GiST index the
	// store made, and a b-tree for the attribute filter.
	if _, err := pool.Exec(ctx, "CREATE INDEX IF NOT EXISTS buildings_load_use_floors ON bench.buildings_load (use, floors); ANALYZE bench.buildings_load"); err != nil {
		return fmt.Errorf("index: %w", err)
	}

	for _, job := range cqlJobs {
		target := srv.URL + "/collections/" + l.ID + "/items?limit=100&filter=" + url.QueryEscape(job.filter)
		// The client reads into one buffer: it shares the server's heap,
		// and garbage of its own would make the server's collector (which
		// marks the whole cache) run more often than a real client's would.
		var body bytes.Buffer
		get := func() error {
			resp, err := client.Get(target)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body.Reset()
			if _, err := body.ReadFrom(resp.Body); err != nil {
				return err
			}
			if resp.StatusCode != 200 {
				return fmt.Errorf("GET %s: %d %s", target, resp.StatusCode, body.Bytes())
			}
			return nil
		}
		sql := fmt.Sprintf(postgisFilteredItems, job.where)
		var doc string
		// This process's garbage (the layer it loaded, the previous job's
		// requests) is collected first, so that its collector does not
		// take a core from either side during the samples, as the tile
		// load run does.
		runtime.GC()
		theirs, pgRuns, err := median(func() error { return pool.QueryRow(ctx, sql, job.wkt).Scan(&doc) })
		if err != nil {
			return fmt.Errorf("PostGIS %s: %w", job.name, err)
		}
		runtime.GC()
		ours, oursRuns, err := median(get)
		if err != nil {
			return fmt.Errorf("csdi %s: %w", job.name, err)
		}
		oursBody := body.Bytes()
		var a, b struct{ NumberMatched int }
		_ = json.Unmarshal(oursBody, &a)
		_ = json.Unmarshal([]byte(doc), &b)
		x := medianRow{name: job.name, ours: ours, theirs: theirs, oursRuns: oursRuns, pgRuns: pgRuns,
			oursCount: a.NumberMatched, pgCount: b.NumberMatched, oursBytes: len(oursBody), pgBytes: len(doc)}
		r.cql = append(r.cql, x)
		fmt.Fprintf(os.Stderr, "%-45s csdi %10s  PostGIS %10s  ×%s (matched %d / %d)\n", job.name, ours, theirs, fmtRatio(x.ratio()), a.NumberMatched, b.NumberMatched)
	}
	return nil
}

// copyCSV is PostGIS's own fastest full CSV export of the same layer (COPY
// with WKT in CRS84), for scale beside csdi's f=csv.
func copyCSV(ctx context.Context, dbURL string) (seconds float64, bytes int64, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	w := &countingWriter{}
	t0 := time.Now()
	_, err = conn.PgConn().CopyTo(ctx, w, `COPY (SELECT id, name_en, name_zh, floors, height_m, year_built, use, district,
		ST_AsText(ST_Transform(geom, 4326), 9) AS geometry_wkt FROM bench.buildings_load ORDER BY id) TO STDOUT (FORMAT csv, HEADER)`)
	return time.Since(t0).Seconds(), w.n, err
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}
