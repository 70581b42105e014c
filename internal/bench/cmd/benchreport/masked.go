package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/privacy"
	"github.com/csdi-hk/csdi/internal/server"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/tiles"
)

// The masked-layer measure: a sensitive layer's masked view must serve
// items and tiles at least as fast as an unmasked layer of the same size,
// because the masking happens once, when the cache loads or applies a
// change, and never per request.
//
// Both layers hold the same rows: the demo's home-care cases, copied ten
// times with small deterministic shifts (maskedCopies × 2,400), in two
// tables. One carries the demo's masking policy (a 250 m grid, partial
// HKIDs, bands, dropped names and addresses) and is read by the public,
// so through its masked view; the other is an ordinary public layer. Both
// are read anonymously through the whole server (authentication, the
// access catalogue's choice of view, the handlers). The owning
// department's full view of the sensitive layer is not the comparison:
// every such read appends to the audit trail first, a database write per
// request that measures the audit, not the masking.

const (
	maskedCopies = 10
	maskedTable  = "bench_cases_masked"
	plainTable   = "bench_cases_plain"
	benchPrivacy = "benchreport's privacy key, 32+ characters long"
)

// maskedFigures is one job on both layers.
type maskedFigures struct {
	name                    string
	masked, plain           testing.BenchmarkResult
	maskedBytes, plainBytes int
	maskedCount, plainCount int // numberMatched, or features in the tile
}

func (x maskedFigures) ratio() float64 {
	if x.masked.NsPerOp() == 0 {
		return 0
	}
	return float64(x.plain.NsPerOp()) / float64(x.masked.NsPerOp())
}

func benchMasked(ctx context.Context, url string, r *report, log *slog.Logger) error {
	st, err := postgis.Open(ctx, url, postgis.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, demo.ElderlyHomeCareID).Scan(&exists); err != nil {
		return err
	}
	if !exists { // -only masked: the cases are the only demo layer it needs
		if err := demo.Write(ctx, st, demo.Options{Buildings: 2000, Seed: 1}); err != nil {
			return fmt.Errorf("write demo data: %w", err)
		}
	}
	if err := copyCases(ctx, pool); err != nil {
		return err
	}
	masked, plain, err := caseLayers()
	if err != nil {
		return err
	}
	c := cache.New(st, []layer.Layer{masked, plain}, log)
	policy, err := privacy.Compile(&masked, []byte(benchPrivacy))
	if err != nil {
		return err
	}
	if err := c.SetMasking(masked.ID, cache.Masking{Layer: policy.Layer(), NewView: func() cache.MaskView { return policy.NewView() }}); err != nil {
		return err
	}
	if err := c.Load(ctx); err != nil {
		return fmt.Errorf("load cache: %w", err)
	}
	views := access.New(c, map[string]string{masked.ID: policy.MinACR()})
	cfg, err := config.Load("", func(string) string { return "" })
	if err != nil {
		return err
	}
	off := false // one client asking as fast as it can: not what is measured
	cfg.Limits.RateLimit = &off
	srv, err := server.NewWith(cfg, c, log, "bench", server.Backends{Access: views})
	if err != nil {
		return err
	}
	h := srv.Handler()

	// Around the densest 250 m cell of the cases.
	var lon, lat float64
	if err := pool.QueryRow(ctx, `
		SELECT ST_X(p), ST_Y(p) FROM (
		  SELECT ST_Transform(ST_SetSRID(ST_MakePoint(floor(ST_X(geom)/250)*250+125, floor(ST_Y(geom)/250)*250+125), 2326), 4326) AS p, count(*) AS n
		  FROM `+maskedTable+` GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1) d`).Scan(&lon, &lat); err != nil {
		return fmt.Errorf("densest cell: %w", err)
	}
	// Boxes at boxSamples places where there are cases, each shifted by up
	// to a cell in each direction, so that neither the true points nor
	// the cell centres are favoured: one box around the densest cell
	// would catch many more masked points (all at its centre) than true
	// ones, and time the answer's size rather than the masking.
	centres, err := boxCentres(ctx, pool)
	if err != nil {
		return err
	}
	boxes := func(metres float64) []string {
		var qs []string
		for _, c := range centres {
			dx, dy := metres/2/(111320*math.Cos(c[1]*math.Pi/180)), metres/2/110574
			qs = append(qs, fmt.Sprintf("bbox=%.6f,%.6f,%.6f,%.6f&limit=100", c[0]-dx, c[1]-dy, c[0]+dx, c[1]+dy))
		}
		return qs
	}
	for _, job := range []struct {
		name    string
		queries []string
	}{
		{fmt.Sprintf("items, %d bboxes of 500 m, limit 100", len(centres)), boxes(500)},
		{fmt.Sprintf("items, %d bboxes of 3 km, limit 100", len(centres)), boxes(3000)},
		{"items, whole layer, limit 100", []string{"limit=100"}},
	} {
		x, err := benchMaskedItems(h, job.name, job.queries)
		if err != nil {
			return err
		}
		r.addMasked(x)
	}
	wx, wy := crs.LonLatToWorld(lon, lat)
	for _, z := range []int{12, 14, 16} {
		n := math.Exp2(float64(z))
		x, err := benchMaskedTile(ctx, views, z, int(wx*n), int(wy*n))
		if err != nil {
			return err
		}
		r.addMasked(x)
	}
	return nil
}

// copyCases writes the two tables: maskedCopies shifted copies of the
// demo's cases, the same rows in both.
func copyCases(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, fmt.Sprintf(`
		DROP TABLE IF EXISTS %[1]s, %[2]s;
		CREATE TABLE %[1]s AS
		  SELECT c.id + k * 1000000 AS id,
		         ST_Translate(c.geom, ((c.id * 7919 + k * 104729) %% 401) - 200, ((c.id * 104723 + k * 7907) %% 401) - 200)::geometry(Point, 2326) AS geom,
		         c.hkid, c.name, c.age, c.address, c.district, c.case_opened, c.care_level
		  FROM %[3]s c, generate_series(0, %[4]d) k;
		ALTER TABLE %[1]s ADD PRIMARY KEY (id);
		CREATE INDEX ON %[1]s USING gist (geom);
		CREATE TABLE %[2]s AS TABLE %[1]s;
		ALTER TABLE %[2]s ADD PRIMARY KEY (id);
		CREATE INDEX ON %[2]s USING gist (geom);
		ANALYZE %[1]s; ANALYZE %[2]s;`, maskedTable, plainTable, demo.ElderlyHomeCareID, maskedCopies-1))
	if err != nil {
		return fmt.Errorf("copy the cases: %w", err)
	}
	return nil
}

// caseLayers are the demo's case layer over the two tables: with its
// masking policy, and as an ordinary public layer.
func caseLayers() (masked, plain layer.Layer, err error) {
	for _, l := range demo.Layers() {
		if l.ID != demo.ElderlyHomeCareID {
			continue
		}
		masked, plain = l, l
		masked.Fields, plain.Fields = append([]layer.Field(nil), l.Fields...), append([]layer.Field(nil), l.Fields...)
		masked.ID, masked.Source.Table = maskedTable, maskedTable
		plain.ID, plain.Source.Table = plainTable, plainTable
		plain.Sensitive, plain.Masking = false, nil
		if masked.Masking == nil {
			return masked, plain, fmt.Errorf("the demo's %s has no masking policy", l.ID)
		}
		return masked, plain, nil
	}
	return masked, plain, fmt.Errorf("the demo has no layer %s", demo.ElderlyHomeCareID)
}

// boxSamples is how many places the bbox jobs ask about.
const boxSamples = 32

// boxCentres picks boxSamples cases (the same ones every run) and moves
// each by up to a 250 m cell in each direction, in lon/lat.
func boxCentres(ctx context.Context, pool *pgxpool.Pool) ([][2]float64, error) {
	rows, err := pool.Query(ctx, `
		SELECT ST_X(p), ST_Y(p) FROM (
		  SELECT ST_Transform(ST_Translate(geom, ((id * 7919) % 501) - 250, ((id * 104723) % 501) - 250), 4326) AS p
		  FROM `+maskedTable+` ORDER BY md5(id::text) LIMIT $1) c`, boxSamples)
	if err != nil {
		return nil, fmt.Errorf("box centres: %w", err)
	}
	var out [][2]float64
	for rows.Next() {
		var c [2]float64
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			return nil, fmt.Errorf("box centres: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil || len(out) == 0 {
		return nil, fmt.Errorf("box centres: %d found: %v", len(out), err)
	}
	return out, nil
}

// benchMaskedItems times the same anonymous items requests on both
// layers: one op is every query once.
func benchMaskedItems(h http.Handler, name string, queries []string) (maskedFigures, error) {
	x := maskedFigures{name: name}
	for _, side := range []struct {
		table  string
		result *testing.BenchmarkResult
		bytes  *int
		count  *int
	}{{maskedTable, &x.masked, &x.maskedBytes, &x.maskedCount}, {plainTable, &x.plain, &x.plainBytes, &x.plainCount}} {
		var reqs []*http.Request
		for _, q := range queries {
			target := "/collections/" + side.table + "/items?" + q
			probe := httptest.NewRecorder()
			h.ServeHTTP(probe, httptest.NewRequest("GET", target, nil))
			if probe.Code != 200 {
				return x, fmt.Errorf("%s: status %d: %s", target, probe.Code, probe.Body.String())
			}
			*side.bytes += probe.Body.Len()
			*side.count += numberMatched(probe.Body.String())
			reqs = append(reqs, httptest.NewRequest("GET", target, nil))
		}
		*side.result = testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, req := range reqs {
					h.ServeHTTP(httptest.NewRecorder(), req)
				}
			}
		})
	}
	return x, nil
}

// numberMatched reads a feature collection's numberMatched, -1 if none.
func numberMatched(body string) int {
	_, rest, ok := strings.Cut(body, `"numberMatched":`)
	if !ok {
		return -1
	}
	n := 0
	for _, c := range rest {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// benchMaskedTile times one tile of each layer as an anonymous request
// gets it: the access catalogue picks the view, the encoder encodes it
// (the tile cache, which would answer repeats, is left out).
func benchMaskedTile(ctx context.Context, views *access.Catalog, z, tx, ty int) (maskedFigures, error) {
	x := maskedFigures{name: fmt.Sprintf("tile z%d (%d/%d/%d)", z, z, tx, ty)}
	req := httptest.NewRequest("GET", fmt.Sprintf("/tiles/cases/%d/%d/%d.mvt", z, tx, ty), nil)
	for _, side := range []struct {
		id     string
		result *testing.BenchmarkResult
		bytes  *int
		count  *int
	}{{maskedTable, &x.masked, &x.maskedBytes, &x.maskedCount}, {plainTable, &x.plain, &x.plainBytes, &x.plainCount}} {
		snap, ok := views.Snapshot(req, side.id)
		if !ok {
			return x, fmt.Errorf("no view of %s for the public", side.id)
		}
		out, err := tiles.Encode(ctx, z, tx, ty, []*cache.Snapshot{snap}, tiles.Options{})
		if err != nil {
			return x, fmt.Errorf("encode %s %d/%d/%d: %w", side.id, z, tx, ty, err)
		}
		*side.bytes, *side.count = len(out), countFeatures(snap, z, tx, ty)
		var benchErr error
		*side.result = testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, _ := views.Snapshot(req, side.id)
				if _, err := tiles.Encode(ctx, z, tx, ty, []*cache.Snapshot{s}, tiles.Options{}); err != nil {
					benchErr = err
					b.SkipNow()
				}
			}
		})
		if benchErr != nil {
			return x, benchErr
		}
	}
	return x, nil
}

func (r *report) addMasked(x maskedFigures) {
	r.masked = append(r.masked, x)
	fmt.Fprintf(os.Stderr, "%-45s masked %10s  unmasked %10s  ×%s\n", x.name,
		fmtDur(x.masked.NsPerOp()), fmtDur(x.plain.NsPerOp()), fmtRatio(x.ratio()))
}

func (r *report) markdownMasked(b *strings.Builder) {
	if len(r.masked) == 0 {
		return
	}
	fmt.Fprintf(b, "## Masked layer vs an unmasked layer of the same size\n\n")
	fmt.Fprintf(b, "Target: the masked layer at least as fast (ratio ≥ 1): masking happens once, when the cache loads or applies a change, never per request. "+
		"Both layers hold the same %d rows (the demo's home-care cases, %d shifted copies): one with the demo's masking policy (250 m grid, partial HKIDs, bands, names and addresses dropped), read by the public and so through its masked view; the other an ordinary public layer. "+
		"Both are read anonymously: items through the whole server handler (authentication, the access catalogue's choice of view, the features handler), tiles as the access catalogue's view encoded by the tile encoder (the tile cache, which would answer repeats, left out). "+
		"The owning department's full view is not the comparison: each of its reads first appends to the audit trail, a database write that would measure the audit, not the masking. "+
		"Go's `testing.Benchmark`, one goroutine. "+
		"A bbox job is %d boxes, one op asking each once (times, matches and bodies are for all of them): boxes around cases picked once and for all, each moved by up to a 250 m cell in each direction, so that neither the true points nor the masked ones, which sit at cell centres, are favoured; a box holds somewhat more or fewer masked points than true ones (the matched column). "+
		"The tiles are around the densest cell. "+
		"A bbox request sorts its matches by id: the masked view's ids are pseudonyms, compared as strings, the unmasked layer's integers.\n\n", maskedCopies*2400, maskedCopies, boxSamples)
	b.WriteString("| job | masked | unmasked | ratio (unmasked ÷ masked) | allocs/op (masked / unmasked) | matched or in tile (masked / unmasked) | body (masked / unmasked) |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.masked {
		fmt.Fprintf(b, "| %s | %s | %s | **%s×** | %d / %d | %d / %d | %d B / %d B |\n", x.name,
			fmtDur(x.masked.NsPerOp()), fmtDur(x.plain.NsPerOp()), fmtRatio(x.ratio()),
			x.masked.AllocsPerOp(), x.plain.AllocsPerOp(), x.maskedCount, x.plainCount, x.maskedBytes, x.plainBytes)
	}
	b.WriteString("\n")
}
