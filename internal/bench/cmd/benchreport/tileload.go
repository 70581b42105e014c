package main

// The map viewers' load run: a few thousand tile URLs of the demo data,
// fetched from a freshly started csdi server (cold, then warm) and from a
// minimal static file server holding the exact bytes csdi returned, with
// wrk as the load generator; a sample of the same tiles beside ST_AsMVT;
// and the largest uncompressed tile against the size budget.

import (
	"bufio"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/server"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/tiles"
)

// tileLoadConfig bounds the run (flags in main.go).
type tileLoadConfig struct {
	URLs     int           // distinct tile URLs
	Workers  int           // concurrent requests of the Go client passes
	Duration time.Duration // of each wrk run
	Threads  int           // wrk -t
	Conns    int           // wrk -c
	Sample   int           // tiles per zoom compared with ST_AsMVT
}

// acceptEncoding is what every request of the load run sends (but the size
// pass): a browser's (Chromium's) header, so each server answers with the
// encoding it prefers for a map viewer.
const acceptEncoding = "gzip, deflate, br, zstd"

const (
	minLoadZoom = 10
	maxLoadZoom = 16
)

// passFigures is one timed pass over the URL list.
type passFigures struct {
	Name, Client  string
	Requests      int
	Seconds       float64
	P50, P90, P99 time.Duration
	Max           time.Duration
	Errors        int   // transport errors and non-2xx answers
	Bytes         int64 // bodies (Go client) or whole responses (wrk)
}

func (p passFigures) rps() float64 {
	if p.Seconds == 0 {
		return 0
	}
	return float64(p.Requests) / p.Seconds
}

// sampleZoom is the cold tiles of one zoom beside ST_AsMVT of the same.
type sampleZoom struct {
	Zoom               int
	Tiles              int
	Ours, Theirs       time.Duration // medians
	OursSum, TheirsSum time.Duration
	OursBytes, PGBytes int64 // csdi: body as sent (compressed); PostGIS: raw MVT
}

type tileLoadFigures struct {
	cfg            tileLoadConfig
	layers         string
	perZoom        map[int]int
	urls           int
	served         int // answered 200 with a body: the wrk and static list
	noContent      int // 204
	encodings      map[string]int
	encChanged     int // URLs whose warm answer had another Content-Encoding than the cold one
	wireBytes      int64
	rawBytes       int64
	cold           passFigures
	warmGo         passFigures
	staticGo       passFigures
	warmWrk        passFigures
	staticWrk      passFigures
	samples        []sampleZoom
	largestRaw     int
	largestRawURL  string
	largestWire    int
	largestWireURL string
	overBudget     int
}

// publicLayers are the demo layers a PostGIS query can reproduce exactly:
// the public ones without a masked view, in catalogue order.
func publicLayers() []layer.Layer {
	var out []layer.Layer
	for _, l := range demo.Layers() {
		if l.Masking == nil && l.Access.Level == "public" {
			out = append(out, l)
		}
	}
	return out
}

type tileRef struct{ z, x, y int }

// tileList picks n distinct tiles at zooms 10–16 where there is data: a
// random vertex of the layers' geometries (so dense areas are picked more,
// as viewers look there), a random zoom, the tile holding it.
// Deterministic.
func tileList(c *cache.Cache, layers []layer.Layer, n int) ([]tileRef, error) {
	var pts []orb.Point
	for _, l := range layers {
		snap, ok := c.Snapshot(l.ID)
		if !ok {
			return nil, fmt.Errorf("no %s layer in the cache", l.ID)
		}
		snap.Search(orb.Bound{Min: orb.Point{0, 0}, Max: orb.Point{1, 1}}, func(f *cache.Feature) bool {
			pts = vertices(pts, f.Geom)
			return true
		})
	}
	if len(pts) == 0 {
		return nil, errors.New("no features to pick tiles from")
	}
	land, _ := c.Snapshot(demo.DistrictsID)
	rng := rand.New(rand.NewPCG(1, 2))
	seen := make(map[tileRef]bool, n)
	var out []tileRef
	add := func(p orb.Point, z int) {
		s := math.Exp2(float64(z))
		t := tileRef{z, min(int(p[0]*s), int(s)-1), min(int(p[1]*s), int(s)-1)}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for try := 0; len(out) < n && try < 50*n; try++ {
		add(pts[rng.IntN(len(pts))], minLoadZoom+rng.IntN(maxLoadZoom-minLoadZoom+1))
	}
	// The demo's features touch fewer tiles than that: fill up with tiles
	// at zooms 14–16 whose centre is on land (inside a district), as a
	// viewer panning over the country parks asks for.
	var ext orb.Bound
	for i, p := range pts {
		if i == 0 {
			ext = orb.Bound{Min: p, Max: p}
		}
		ext = ext.Extend(p)
	}
	for try := 0; len(out) < n && try < 200*n; try++ {
		z := 14 + rng.IntN(3)
		s := math.Exp2(float64(z))
		p := orb.Point{ext.Min[0] + rng.Float64()*(ext.Max[0]-ext.Min[0]), ext.Min[1] + rng.Float64()*(ext.Max[1]-ext.Min[1])}
		c := orb.Point{(math.Floor(p[0]*s) + 0.5) / s, (math.Floor(p[1]*s) + 0.5) / s}
		if onLand(land, c) {
			add(c, z)
		}
	}
	return out, nil
}

// onLand reports whether p is inside one of the district polygons.
func onLand(land *cache.Snapshot, p orb.Point) bool {
	if land == nil {
		return false
	}
	in := false
	land.Search(orb.Bound{Min: p, Max: p}, func(f *cache.Feature) bool {
		switch g := f.Geom.(type) {
		case orb.Polygon:
			in = planar.PolygonContains(g, p)
		case orb.MultiPolygon:
			in = planar.MultiPolygonContains(g, p)
		}
		return !in
	})
	return in
}

// vertices appends every vertex of g to pts.
func vertices(pts []orb.Point, g orb.Geometry) []orb.Point {
	switch g := g.(type) {
	case orb.Point:
		pts = append(pts, g)
	case orb.MultiPoint:
		pts = append(pts, g...)
	case orb.LineString:
		pts = append(pts, g...)
	case orb.MultiLineString:
		for _, l := range g {
			pts = append(pts, l...)
		}
	case orb.Polygon:
		for _, r := range g {
			pts = append(pts, r...)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				pts = append(pts, r...)
			}
		}
	case orb.Collection:
		for _, x := range g {
			pts = vertices(pts, x)
		}
	}
	return pts
}

func tilePath(layers string, t tileRef) string {
	return fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", layers, t.z, t.x, t.y)
}

// benchTileLoad runs the map viewers' load run; see the file comment.
func benchTileLoad(ctx context.Context, e *env, url string, cfg tileLoadConfig, r *report) error {
	wrkBin, err := exec.LookPath("wrk")
	if err != nil {
		return fmt.Errorf("wrk is not installed (internal/testenv/deps.sh installs it): %w", err)
	}
	layers := publicLayers()
	ids := make([]string, len(layers))
	for i, l := range layers {
		ids[i] = l.ID
	}
	f := &tileLoadFigures{cfg: cfg, layers: strings.Join(ids, ","), perZoom: map[int]int{}, encodings: map[string]int{}}
	refs, err := tileList(e.cache, layers, cfg.URLs)
	if err != nil {
		return err
	}
	f.urls = len(refs)
	paths := make([]string, len(refs))
	for i, t := range refs {
		paths[i] = tilePath(f.layers, t)
		f.perZoom[t.z]++
	}
	// The ST_AsMVT sample: the first cfg.Sample tiles of each zoom in list
	// order (the list is in random order).
	var sample []int
	inSample := make([]bool, len(refs))
	taken := map[int]int{}
	for i, t := range refs {
		if taken[t.z] < cfg.Sample {
			taken[t.z]++
			sample = append(sample, i)
			inSample[i] = true
		}
	}
	dir, err := os.MkdirTemp("", "csdi-tileload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// csdi, a fresh process: nothing has asked it for a tile yet.
	t0 := time.Now()
	csdi, err := startChild(ctx, "-serve-tiles")
	if err != nil {
		return err
	}
	defer csdi.stop()
	fmt.Fprintf(os.Stderr, "tile load: %d URLs (%s); csdi child ready (%s)\n", len(paths), zoomCounts(f.perZoom), time.Since(t0).Round(time.Millisecond))

	// 1. The sample, cold, one request at a time, uncompressed: the same
	// job as ST_AsMVT, neither waiting on other requests.
	samplePaths := make([]string, len(sample))
	for i, j := range sample {
		samplePaths[i] = paths[j]
	}
	// This process's own garbage (the demo data it wrote and loaded) is
	// collected first, so that its collector does not take a core from
	// the server during the sample; the same is done before the PostGIS
	// sample.
	runtime.GC()
	sampleRes, _ := fetchAll(ctx, csdi.base, samplePaths, 1, "identity")
	if os.Getenv("BENCH_DEBUG") != "" {
		for i, res := range sampleRes {
			fmt.Fprintf(os.Stderr, "DEBUG sample %2d %-70s %8s %7d B\n", i, samplePaths[i], res.dur, len(res.body))
		}
	}
	// 2. Every other URL, cold, each exactly once, cfg.Workers at a time.
	var rest []string
	var restIdx []int
	for i, p := range paths {
		if !inSample[i] {
			rest = append(rest, p)
			restIdx = append(restIdx, i)
		}
	}
	coldRes, coldWall := fetchAll(ctx, csdi.base, rest, cfg.Workers, acceptEncoding)
	f.cold = summarise("csdi cold (first request of each URL)", fmt.Sprintf("Go, %d concurrent", cfg.Workers), coldRes, coldWall)
	coldEnc := make([]string, len(paths))
	for i, res := range coldRes {
		coldEnc[restIdx[i]] = res.enc
	}
	// 3. Warm: the second pass, same client; its bytes are what the static
	// server serves.
	warmRes, warmWall := fetchAll(ctx, csdi.base, paths, cfg.Workers, acceptEncoding)
	f.warmGo = summarise("csdi warm (second request of each URL)", fmt.Sprintf("Go, %d concurrent", cfg.Workers), warmRes, warmWall)
	root := filepath.Join(dir, "root")
	manifest := map[string]string{}
	var served []string
	for i, res := range warmRes {
		switch {
		case res.err != nil:
			return fmt.Errorf("warm GET %s: %w", paths[i], res.err)
		case res.status == http.StatusNoContent:
			f.noContent++
			continue
		case res.status != http.StatusOK:
			return fmt.Errorf("warm GET %s: status %d", paths[i], res.status)
		}
		if !inSample[i] && res.enc != coldEnc[i] {
			f.encChanged++
		}
		f.encodings[cmp.Or(res.enc, "identity")]++
		f.wireBytes += int64(len(res.body))
		if len(res.body) > f.largestWire {
			f.largestWire, f.largestWireURL = len(res.body), paths[i]
		}
		file := filepath.Join(root, filepath.FromSlash(paths[i]))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(file, res.body, 0o644); err != nil {
			return err
		}
		manifest[paths[i]] = res.enc
		served = append(served, paths[i])
	}
	f.served = len(served)
	if len(served) == 0 {
		return errors.New("tile load: no URL answered 200")
	}
	list := filepath.Join(dir, "paths.txt")
	if err := os.WriteFile(list, []byte(strings.Join(served, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	script := filepath.Join(dir, "walk.lua")
	if err := os.WriteFile(script, []byte(wrkScript(list, cfg.Threads)), 0o644); err != nil {
		return err
	}
	// 4. wrk, warm.
	if f.warmWrk, err = runWrk(ctx, wrkBin, script, csdi.base, cfg); err != nil {
		return fmt.Errorf("wrk csdi: %w", err)
	}
	f.warmWrk.Name = "csdi warm"
	// 5. Sizes, uncompressed: the budget is on the raw tile.
	rawRes, _ := fetchAll(ctx, csdi.base, served, cfg.Workers, "identity")
	for i, res := range rawRes {
		if res.err != nil || res.status != http.StatusOK {
			return fmt.Errorf("identity GET %s: %d %v", served[i], res.status, res.err)
		}
		n, err := rawSize(res)
		if err != nil {
			return fmt.Errorf("identity GET %s: %w", served[i], err)
		}
		f.rawBytes += int64(n)
		if n > f.largestRaw {
			f.largestRaw, f.largestRawURL = n, served[i]
		}
		if n > tiles.DefaultMaxTileBytes {
			f.overBudget++
		}
	}
	csdi.stop()

	// The same bytes from a static file server, in its own process too.
	mb, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), mb, 0o644); err != nil {
		return err
	}
	static, err := startChild(ctx, "-serve-static", dir)
	if err != nil {
		return err
	}
	defer static.stop()
	staticRes, staticWall := fetchAll(ctx, static.base, served, cfg.Workers, acceptEncoding)
	f.staticGo = summarise("static files", fmt.Sprintf("Go, %d concurrent", cfg.Workers), staticRes, staticWall)
	for i, res := range staticRes {
		if res.status != http.StatusOK || res.enc != manifest[served[i]] {
			return fmt.Errorf("static GET %s: status %d, encoding %q (want %q) %v", served[i], res.status, res.enc, manifest[served[i]], res.err)
		}
	}
	if f.staticWrk, err = runWrk(ctx, wrkBin, script, static.base, cfg); err != nil {
		return fmt.Errorf("wrk static: %w", err)
	}
	f.staticWrk.Name = "static files"
	static.stop()

	// ST_AsMVT of the sample, with the csdi servers gone.
	if f.samples, err = sampleVersusPostGIS(ctx, url, layers, refs, sample, sampleRes); err != nil {
		return err
	}
	r.tileLoad = f
	for _, p := range []passFigures{f.cold, f.warmGo, f.staticGo, f.warmWrk, f.staticWrk} {
		fmt.Fprintf(os.Stderr, "tile load %-40s %-16s %8.0f req/s  p50 %8s p90 %8s p99 %8s  (%d requests, %d errors)\n",
			p.Name, p.Client, p.rps(), p.P50, p.P90, p.P99, p.Requests, p.Errors)
	}
	fmt.Fprintf(os.Stderr, "tile load warm/static (wrk) %.2f; largest tile %d B raw (%s), %d over budget; encodings %v; %d URLs 204\n",
		f.warmWrk.rps()/f.staticWrk.rps(), f.largestRaw, f.largestRawURL, f.overBudget, f.encodings, f.noContent)
	return nil
}

func zoomCounts(m map[int]int) string {
	var parts []string
	for z := minLoadZoom; z <= maxLoadZoom; z++ {
		parts = append(parts, fmt.Sprintf("z%d %d", z, m[z]))
	}
	return strings.Join(parts, ", ")
}

// fetchResult is one request of a Go client pass.
type fetchResult struct {
	status int
	enc    string
	body   []byte
	dur    time.Duration
	err    error
}

// fetchAll requests each path exactly once, workers at a time, over its
// own keep-alive connections (opened before the clock starts), and returns
// each answer and the wall time.
func fetchAll(ctx context.Context, base string, paths []string, workers int, ae string) ([]fetchResult, time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	out := make([]fetchResult, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	// Open the connections first, outside the timing, with a request that
	// is no tile (csdi: /readyz; the static server: a 404).
	for range workers {
		wg.Go(func() { _ = fetch(ctx, client, base+"/readyz", ae) })
	}
	wg.Wait()
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := range next {
				out[i] = fetch(ctx, client, base+paths[i], ae)
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, time.Since(start)
}

func fetch(ctx context.Context, client *http.Client, target, ae string) fetchResult {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fetchResult{err: err}
	}
	// Set explicitly, so the transport neither adds its own nor
	// decompresses: the body is the bytes on the wire.
	req.Header.Set("Accept-Encoding", ae)
	t0 := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return fetchResult{err: err, dur: time.Since(t0)}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return fetchResult{status: resp.StatusCode, enc: resp.Header.Get("Content-Encoding"), body: body, dur: time.Since(t0), err: err}
}

// rawSize is the uncompressed size of an identity-encoded answer (gzip is
// undone should a server send it anyway).
func rawSize(res fetchResult) (int, error) {
	switch res.enc {
	case "", "identity":
		return len(res.body), nil
	case "gzip":
		zr, err := gzip.NewReader(strings.NewReader(string(res.body)))
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, zr)
		return int(n), err
	}
	return 0, fmt.Errorf("answered %q to Accept-Encoding: identity", res.enc)
}

func summarise(name, client string, rs []fetchResult, wall time.Duration) passFigures {
	p := passFigures{Name: name, Client: client, Requests: len(rs), Seconds: wall.Seconds()}
	ds := make([]time.Duration, 0, len(rs))
	for _, r := range rs {
		if r.err != nil || r.status/100 != 2 {
			p.Errors++
		}
		p.Bytes += int64(len(r.body))
		ds = append(ds, r.dur)
	}
	slices.Sort(ds)
	p.P50, p.P90, p.P99 = percentile(ds, 0.50), percentile(ds, 0.90), percentile(ds, 0.99)
	if len(ds) > 0 {
		p.Max = ds[len(ds)-1]
	}
	return p
}

// percentile of sorted ds, nearest rank.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// wrkScript walks the URL list in list order, each thread from its own
// starting point, sending the same Accept-Encoding to every server; the
// requests are formatted once, up front, so wrk's Lua costs the same per
// request whichever server answers. done prints the figures as JSON.
func wrkScript(list string, threads int) string {
	return fmt.Sprintf(`-- written by benchreport
local paths = {}
for line in io.lines(%q) do
  if #line > 0 then paths[#paths + 1] = line end
end
local n = #paths
local counter = 0
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
wrk.headers["Accept-Encoding"] = %q
local reqs = {}
local i = 0
function init(args)
  for k = 1, n do reqs[k] = wrk.format("GET", paths[k]) end
  i = math.floor((offset or 0) * n / %d)
end
function request()
  i = i %% n + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"errors":%%d,"p50":%%d,"p90":%%d,"p99":%%d,"max":%%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
`, list, acceptEncoding, max(threads, 1))
}

// runWrk runs wrk with the script against base for cfg.Duration.
func runWrk(ctx context.Context, bin, script, base string, cfg tileLoadConfig) (passFigures, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-t", strconv.Itoa(cfg.Threads), "-c", strconv.Itoa(cfg.Conns),
		"-d", fmt.Sprintf("%ds", int(cfg.Duration.Seconds())), "--timeout", "10s", "-s", script, base+"/")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return passFigures{}, fmt.Errorf("%w: %s", err, out)
	}
	_, js, ok := strings.Cut(string(out), "WRKJSON ")
	if !ok {
		return passFigures{}, fmt.Errorf("no figures in wrk's output: %s", out)
	}
	js, _, _ = strings.Cut(js, "\n")
	var w struct {
		Requests, DurationUS, Bytes, Errors int64
		P50, P90, P99, Max                  int64
	}
	if err := json.Unmarshal([]byte(strings.ReplaceAll(js, "duration_us", "durationUS")), &w); err != nil {
		return passFigures{}, fmt.Errorf("wrk said %q: %w", js, err)
	}
	us := func(n int64) time.Duration { return time.Duration(n) * time.Microsecond }
	return passFigures{
		Client:   fmt.Sprintf("wrk, %d threads, %d connections, %d s", cfg.Threads, cfg.Conns, int(cfg.Duration.Seconds())),
		Requests: int(w.Requests), Seconds: float64(w.DurationUS) / 1e6,
		P50: us(w.P50), P90: us(w.P90), P99: us(w.P99), Max: us(w.Max),
		Errors: int(w.Errors), Bytes: w.Bytes,
	}, nil
}

// postgisLayerTile is ST_AsMVT of one layer of a tile, with the same
// attributes, extent and buffer as csdi's (as postgisTile for buildings).
func postgisLayerTile(l layer.Layer) string {
	cols := []string{pgx.Identifier{l.Source.IDColumn}.Sanitize()}
	for _, fd := range l.Fields {
		cols = append(cols, pgx.Identifier{fd.Name}.Sanitize())
	}
	table := pgx.Identifier{cmp.Or(l.Source.Schema, "public"), l.Source.Table}.Sanitize()
	geom := pgx.Identifier{l.Source.GeometryColumn}.Sanitize()
	return fmt.Sprintf(`coalesce((SELECT ST_AsMVT(q, %s, 4096, 'geom', %s) FROM (
  SELECT %s, ST_AsMVTGeom(ST_Transform(%s, 3857), ST_TileEnvelope($1, $2, $3), 4096, 64, true) AS geom
  FROM %s
  WHERE %s && ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0/4096), %d)) q), ''::bytea)`,
		quoteLiteral(l.ID), quoteLiteral(l.Source.IDColumn), strings.Join(cols, ", "), geom, table, geom, l.Source.SRID)
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// postgisMultiTile is the whole tile at zoom z: each layer shown at z, its
// MVT layers concatenated (a valid MVT).
func postgisMultiTile(layers []layer.Layer, z int) string {
	var parts []string
	for _, l := range layers {
		if z >= l.MinZoom && z <= l.MaxZoom {
			parts = append(parts, postgisLayerTile(l))
		}
	}
	if len(parts) == 0 {
		return "SELECT ''::bytea"
	}
	return "SELECT " + strings.Join(parts, "\n|| ")
}

// sampleVersusPostGIS times ST_AsMVT for the sample tiles (one at a time,
// the second of two runs: PostGIS reads from warm buffers, as csdi from its
// in-memory cache) beside csdi's cold answers.
func sampleVersusPostGIS(ctx context.Context, dbURL string, layers []layer.Layer, refs []tileRef, sample []int, ours []fetchResult) ([]sampleZoom, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	runtime.GC() // as before csdi's sample
	byZoom := map[int]*struct {
		ours, theirs []time.Duration
		z            sampleZoom
	}{}
	for k, i := range sample {
		t := refs[i]
		if ours[k].err != nil || ours[k].status/100 != 2 {
			return nil, fmt.Errorf("cold sample GET %d/%d/%d: %d %v", t.z, t.x, t.y, ours[k].status, ours[k].err)
		}
		sql := postgisMultiTile(layers, t.z)
		var mvt []byte
		var d time.Duration
		for range 2 {
			t0 := time.Now()
			if err := conn.QueryRow(ctx, sql, t.z, t.x, t.y).Scan(&mvt); err != nil {
				return nil, fmt.Errorf("ST_AsMVT %d/%d/%d: %w", t.z, t.x, t.y, err)
			}
			d = time.Since(t0)
		}
		if os.Getenv("BENCH_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "DEBUG pg %2d %d/%d/%d ours %8s theirs %8s ratio %5.1f bytes %d/%d\n", k, t.z, t.x, t.y, ours[k].dur, d, float64(d)/float64(ours[k].dur), len(ours[k].body), len(mvt))
		}
		b := byZoom[t.z]
		if b == nil {
			b = &struct {
				ours, theirs []time.Duration
				z            sampleZoom
			}{z: sampleZoom{Zoom: t.z}}
			byZoom[t.z] = b
		}
		b.ours = append(b.ours, ours[k].dur)
		b.theirs = append(b.theirs, d)
		b.z.Tiles++
		b.z.OursSum += ours[k].dur
		b.z.TheirsSum += d
		b.z.OursBytes += int64(len(ours[k].body))
		b.z.PGBytes += int64(len(mvt))
	}
	var out []sampleZoom
	for z := minLoadZoom; z <= maxLoadZoom; z++ {
		b := byZoom[z]
		if b == nil {
			continue
		}
		slices.Sort(b.ours)
		slices.Sort(b.theirs)
		b.z.Ours, b.z.Theirs = percentile(b.ours, 0.5), percentile(b.theirs, 0.5)
		out = append(out, b.z)
		fmt.Fprintf(os.Stderr, "tile load z%d: %d tiles, csdi cold median %s, ST_AsMVT median %s, ×%.1f (sums)\n",
			z, b.z.Tiles, b.z.Ours, b.z.Theirs, float64(b.z.TheirsSum)/float64(max(1, b.z.OursSum)))
	}
	return out, nil
}

// child is a server this process started: it prints its base URL on
// stdout once ready and exits when its stdin closes, so it ends with this
// process whatever happens to it.
type child struct {
	cmd   *exec.Cmd
	stdin io.Closer
	base  string
	once  sync.Once
}

func startChild(ctx context.Context, args ...string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 30 * time.Second
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd, stdin: in}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("child %v did not start: %w", args, err)
	}
	c.base = strings.TrimSpace(line)
	return c, nil
}

func (c *child) stop() {
	c.once.Do(func() {
		c.stdin.Close()
		if err := c.cmd.Wait(); err != nil {
			fmt.Fprintf(os.Stderr, "child %v: %v\n", c.cmd.Args[1:], err)
		}
	})
}

// serveUntilStdinCloses serves h on a loopback port, prints its base URL
// and returns once stdin is closed (or on SIGINT/SIGTERM).
func serveUntilStdinCloses(serve func(ctx context.Context, ln net.Listener) error) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	fmt.Printf("http://%s\n", ln.Addr())
	return serve(ctx, ln)
}

// serveTilesChild is csdi as `csdi serve` runs it, over the demo layers in
// PostGIS, freshly started: no tile has been asked for.
func serveTilesChild(ctx context.Context, dbURL string, log *slog.Logger) error {
	st, err := postgis.Open(ctx, dbURL, postgis.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	c := cache.New(st, demo.Layers(), log)
	if err := c.Load(ctx); err != nil {
		return err
	}
	cfg, err := config.Load("", func(string) string { return "" })
	if err != nil {
		return err
	}
	srv := server.New(cfg, c, log, "bench")
	// The load leaves garbage behind whose collection would otherwise run
	// during the first requests, as it does not in a server that has been
	// up a while; collect it before announcing readiness. No tile has been
	// asked for: every first request is still a cold miss.
	runtime.GC()
	return serveUntilStdinCloses(srv.Serve)
}

// serveStaticChild is a minimal static file server: http.FileServer over
// dir/root, with each file's Content-Encoding from dir/manifest.json (the
// encoding csdi answered with) and the tile media type.
func serveStaticChild(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return err
	}
	var enc map[string]string
	if err := json.Unmarshal(b, &enc); err != nil {
		return err
	}
	fs := http.FileServer(http.Dir(filepath.Join(dir, "root")))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Type", tiles.ContentType) // set, so FileServer does not sniff
		hd.Set("Vary", "Accept-Encoding")
		if e := enc[r.URL.Path]; e != "" {
			hd.Set("Content-Encoding", e)
		}
		fs.ServeHTTP(w, r)
	})
	return serveUntilStdinCloses(func(ctx context.Context, ln net.Listener) error {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
}

func (r *report) markdownTileLoad(b *strings.Builder) {
	f := r.tileLoad
	if f == nil {
		return
	}
	c := f.cfg
	b.WriteString("## Map viewers' load: tiles cold, warm and as static files\n\n")
	fmt.Fprintf(b, "Targets: warm csdi ≥ 0.5× the requests/s of the same tiles as static files; cold tiles ≥ 10× faster than `ST_AsMVT`; every tile within the %d KB budget.\n\n", tiles.DefaultMaxTileBytes/1000)
	fmt.Fprintf(b, "- **URLs**: %d distinct tiles `/tiles/%s/{z}/{x}/{y}.mvt` (the public demo layers in one request, as the viewer's default style asks for them; the masked layer is left out so that PostGIS can do the same job), picked where there is data: a random vertex of those layers' geometries (so dense areas are picked more often, as viewers look there), a random zoom, the tile holding it, until no new tile comes up (the demo's features touch only about 1,400 tiles at these zooms); then, up to the number asked for, random tiles at z14–z16 whose centre is on land (inside a district), as a viewer panning over the country parks asks for; in random order. Per zoom: %s. %d answered 204 (empty) and are left out of the wrk and static runs; %d are served.\n", f.urls, f.layers, zoomCounts(f.perZoom), f.noContent, f.served)
	fmt.Fprintf(b, "- **csdi**: the whole server (`internal/server`, as `csdi serve` runs it) in a freshly started child process that loaded the demo layers from PostGIS and collected the load's garbage before announcing itself ready (otherwise that collection runs during the first requests, as it does not in a server that has been up a while; no tile has been asked for, so every first request is still a cold miss); every request sends `Accept-Encoding: %s` (Chromium's). **Cold** is the first request for each URL after the start, each URL exactly once, %d at a time from a Go client (wrk repeats URLs, so it cannot measure a cold pass); **warm** is the second pass, the same way, then wrk.\n", acceptEncoding, c.Workers)
	fmt.Fprintf(b, "- **static files**: a minimal Go `http.FileServer` in its own child process over a temporary directory holding the exact bytes csdi answered in its warm pass, served with the same `Content-Encoding` (%s) and media type, so both servers send the same bodies; files are in the page cache.\n", encodingCounts(f.encodings))
	fmt.Fprintf(b, "- **wrk** (%s): the same Lua script and URL list for both servers, each thread walking the list from its own starting point, requests formatted once up front. Both servers, wrk and the Go client share the machine's %d cores over loopback.\n\n", f.warmWrk.Client, runtime.NumCPU())
	b.WriteString("| pass | client | requests | requests/s | p50 | p90 | p99 | max | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, p := range []passFigures{f.cold, f.warmGo, f.staticGo, f.warmWrk, f.staticWrk} {
		fmt.Fprintf(b, "| %s | %s | %d | **%.0f** | %s | %s | %s | %s | %d |\n", p.Name, p.Client, p.Requests, p.rps(),
			fmtDur(int64(p.P50)), fmtDur(int64(p.P90)), fmtDur(int64(p.P99)), fmtDur(int64(p.Max)), p.Errors)
	}
	b.WriteString("\n")
	fmt.Fprintf(b, "- **warm ÷ static (wrk requests/s): %.2f** (target ≥ 0.5); with the Go client: %.2f.\n", f.warmWrk.rps()/f.staticWrk.rps(), f.warmGo.rps()/f.staticGo.rps())
	fmt.Fprintf(b, "- warm ÷ cold (Go client requests/s): %.1f.\n", f.warmGo.rps()/f.cold.rps())
	fmt.Fprintf(b, "- sizes: %.1f MiB on the wire for the %d tiles, %.1f MiB uncompressed (fetched again with `Accept-Encoding: identity`); largest tile **%d B uncompressed** (`%s`), largest as sent %d B (`%s`); **%d over the %d B budget**", float64(f.wireBytes)/(1<<20), f.served, float64(f.rawBytes)/(1<<20), f.largestRaw, f.largestRawURL, f.largestWire, f.largestWireURL, f.overBudget, tiles.DefaultMaxTileBytes)
	if f.overBudget == 0 {
		b.WriteString(": every tile within the size budget.\n")
	} else {
		b.WriteString(".\n")
	}
	if f.encChanged > 0 {
		fmt.Fprintf(b, "- %d URLs were answered with another `Content-Encoding` warm than cold.\n", f.encChanged)
	}
	if len(f.samples) == 0 {
		b.WriteString("\n")
		return
	}
	var ours, theirs time.Duration
	n := 0
	for _, s := range f.samples {
		ours += s.OursSum
		theirs += s.TheirsSum
		n += s.Tiles
	}
	fmt.Fprintf(b, "\n**Cold tiles vs `ST_AsMVT`** (target ≥ 10×): a sample of the same list, the first %d tiles of each zoom, requested from the fresh server one at a time before the cold pass (so each is a cold miss and waits on no other request; these are not in the cold pass above) with `Accept-Encoding: identity`, so that both deliver the same uncompressed MVT (compression is in the cold pass's figures); PostGIS runs the same tile — per layer shown at that zoom, `ST_AsMVT` of `ST_AsMVTGeom` with the same attributes, extent 4096 and buffer 64, the layers' MVTs concatenated — one at a time over loopback, timed on the second of two runs (warm buffers). csdi's rendering rules (simplification, leaving out sub-pixel features, thinning points) are work PostGIS does not do. Overall: **%.1f×** (%d tiles, total time).\n\n", c.Sample, float64(theirs)/float64(max(1, ours)), n)
	b.WriteString("| zoom | tiles | csdi cold (median) | ST_AsMVT (median) | ratio (total time) | bytes: csdi / ST_AsMVT (total) |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range f.samples {
		fmt.Fprintf(b, "| %d | %d | %s | %s | **%.1f×** | %d / %d |\n", s.Zoom, s.Tiles, fmtDur(int64(s.Ours)), fmtDur(int64(s.Theirs)),
			float64(s.TheirsSum)/float64(max(1, s.OursSum)), s.OursBytes, s.PGBytes)
	}
	b.WriteString("\n")
}

func encodingCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("`%s` for %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
