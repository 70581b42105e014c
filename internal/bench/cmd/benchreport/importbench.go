package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
)

// importFigures compare csdi import with ogr2ogr loading the same GeoJSON
// into the same PostGIS, and show the import's memory at two sizes.
type importFigures struct {
	GDAL      string
	Features  int
	FileBytes int64
	// Rounds of the three loads, one after the other; the figures below
	// are each load's median over them, so one stall of a shared machine
	// does not decide a ratio.
	Rounds int
	// OGR is ogr2ogr into a new table (COPY, GiST index after the load).
	OGR loaderFigures
	// New is csdi import into a new layer (schema inferred, then the table
	// created and written, every feature checked, in one transaction);
	// Append the same file into that layer's empty twin made beforehand.
	New, Append loaderFigures
	// Big is a csdi import (append) of BigFeatures, for the memory bound.
	BigFeatures  int
	BigFileBytes int64
	Big          loaderFigures
}

// loaderFigures are one loader's runs: wall seconds, CPU seconds of its own
// process (user + system; the database server's are not counted) and
// peak resident memory.
type loaderFigures struct {
	Seconds, CPUSeconds []float64
	PeakRSS             int64
}

func (l *loaderFigures) add(p processFigures) {
	l.Seconds = append(l.Seconds, p.seconds)
	l.CPUSeconds = append(l.CPUSeconds, p.cpu)
	l.PeakRSS = max(l.PeakRSS, p.rss)
}

func (l loaderFigures) wall() float64 { return medianOf(l.Seconds) }
func (l loaderFigures) cpu() float64  { return medianOf(l.CPUSeconds) }

func medianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// importRounds is how many times each load runs.
const importRounds = 3

// benchImport writes n demo buildings as a GeoJSON FeatureCollection in
// CRS84, loads it with ogr2ogr and with csdi import (into a new layer and
// into an empty existing one) importRounds times, interleaved, and then
// imports big buildings (when big > 0) to show that memory stays bounded.
func benchImport(ctx context.Context, dbURL string, n, big int, r *report) error {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		return fmt.Errorf("the import figures need GDAL's ogr2ogr: %w", err)
	}
	bin, cleanup, err := buildCSDI(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	dir, err := os.MkdirTemp("", "csdi-bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	f := &importFigures{Features: n, Rounds: importRounds}
	if out, err := exec.Command("ogr2ogr", "--version").Output(); err == nil {
		f.GDAL = strings.TrimSpace(string(out))
	}

	file := filepath.Join(dir, "buildings.geojson")
	if f.FileBytes, err = writeBuildingsGeoJSON(file, n, 11); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import: %d buildings, %.0f MiB of GeoJSON\n", n, float64(f.FileBytes)/(1<<20))
	pg, err := gdalConnection(dbURL)
	if err != nil {
		return err
	}
	tables := []string{"bench_import_ogr", "bench_import_new", "bench_import_append"}
	drop := func() error {
		for _, t := range tables {
			if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{t}.Sanitize()); err != nil {
				return err
			}
		}
		return nil
	}
	for round := 1; round <= importRounds; round++ {
		if err := drop(); err != nil {
			return err
		}
		p, err := runProcess(exec.CommandContext(ctx, "ogr2ogr", "-f", "PostgreSQL", pg, file, "-nln", "bench_import_ogr"))
		if err != nil {
			return fmt.Errorf("ogr2ogr: %w", err)
		}
		f.OGR.add(p)
		if err := checkCount(ctx, conn, "bench_import_ogr", n); err != nil {
			return err
		}
		if p, err = csdiImport(ctx, bin, dbURL, "bench_import_new", file); err != nil {
			return err
		}
		f.New.add(p)
		if err := checkCount(ctx, conn, "bench_import_new", n); err != nil {
			return err
		}
		// The same file into an existing, empty layer: one pass.
		if _, err := conn.Exec(ctx, "CREATE TABLE bench_import_append (LIKE bench_import_new INCLUDING ALL)"); err != nil {
			return err
		}
		if p, err = csdiImport(ctx, bin, dbURL, "bench_import_append", file); err != nil {
			return err
		}
		f.Append.add(p)
		if err := checkCount(ctx, conn, "bench_import_append", n); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "import round %d: ogr2ogr %.2f s, csdi new layer %.2f s, existing layer %.2f s\n",
			round, f.OGR.Seconds[round-1], f.New.Seconds[round-1], f.Append.Seconds[round-1])
	}
	os.Remove(file)

	if big > 0 {
		f.BigFeatures = big
		bigFile := filepath.Join(dir, "big.geojson")
		if f.BigFileBytes, err = writeBuildingsGeoJSON(bigFile, big, 12); err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, "TRUNCATE bench_import_append"); err != nil {
			return err
		}
		p, err := csdiImport(ctx, bin, dbURL, "bench_import_append", bigFile)
		if err != nil {
			return err
		}
		f.Big.add(p)
		if err := checkCount(ctx, conn, "bench_import_append", big); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "import: csdi %d features %.1f s, peak RSS %.0f MiB\n", big, p.seconds, float64(p.rss)/(1<<20))
		os.Remove(bigFile)
	}
	if err := drop(); err != nil {
		return err
	}
	r.imports = f
	return nil
}

// processFigures are what one run of a loader took.
type processFigures struct {
	seconds, cpu float64
	rss          int64
}

// runProcess runs cmd to its end and measures it: wall time from start
// to exit, its CPU time and peak resident memory (getrusage).
func runProcess(cmd *exec.Cmd) (processFigures, error) {
	start := time.Now()
	out, err := cmd.CombinedOutput()
	p := processFigures{seconds: time.Since(start).Seconds()}
	if err != nil {
		return p, fmt.Errorf("%v\n%s", err, out)
	}
	p.cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		p.rss = ru.Maxrss << 10 // KiB on Linux
	}
	return p, nil
}

// csdiImport runs csdi import as its own process, as a department would.
func csdiImport(ctx context.Context, bin, dbURL, id, file string) (processFigures, error) {
	cmd := exec.CommandContext(ctx, bin, "import", "-layer", id, "-progress", "0", file)
	cmd.Env = []string{"CSDI_DATABASE_URL=" + dbURL, "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "CSDI_LOG_LEVEL=warn"}
	p, err := runProcess(cmd)
	if err != nil {
		return p, fmt.Errorf("csdi import %s: %w", id, err)
	}
	return p, nil
}

func checkCount(ctx context.Context, conn *pgx.Conn, table string, want int) error {
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&n); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("%s has %d rows after the import, want %d", table, n, want)
	}
	return nil
}

// gdalConnection is the PG: connection string GDAL takes for a URL.
func gdalConnection(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	parts := []string{"dbname=" + strings.TrimPrefix(u.Path, "/"), "host=" + u.Hostname()}
	if p := u.Port(); p != "" {
		parts = append(parts, "port="+p)
	}
	if u.User != nil {
		parts = append(parts, "user="+u.User.Username())
		if pw, ok := u.User.Password(); ok {
			parts = append(parts, "password="+pw)
		}
	}
	return "PG:" + strings.Join(parts, " "), nil
}

// writeBuildingsGeoJSON writes n demo buildings, with their attributes, as
// one FeatureCollection in CRS84 (RFC 7946), and returns its size.
func writeBuildingsGeoJSON(path string, n int, seed int64) (int64, error) {
	var bl layer.Layer
	for _, l := range demo.Layers() {
		if l.ID == demo.BuildingsID {
			bl = l
		}
	}
	toLL, err := crs.ToLonLat(bl.Source.SRID)
	if err != nil {
		return 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString(`{"type":"FeatureCollection","features":[`)
	// The demo lays out at most about 600,000 buildings: larger files
	// repeat it with other seeds, ids continuing.
	i := 0
	for round := int64(0); i < n; round++ {
		for rec, err := range demo.Records(demo.BuildingsID, demo.Options{Buildings: min(n-i, 500_000), Seed: seed + 1000*round}) {
			if err != nil {
				return 0, err
			}
			if i > 0 {
				w.WriteByte(',')
			}
			i++
			fmt.Fprintf(w, `{"type":"Feature","id":%d,"geometry":`, i)
			writeLonLatGeometry(w, rec.Geometry, toLL)
			w.WriteString(`,"properties":{`)
			for k, fl := range bl.Fields {
				if k > 0 {
					w.WriteByte(',')
				}
				name, _ := json.Marshal(fl.Name)
				w.Write(name)
				w.WriteByte(':')
				v, err := json.Marshal(jsonProperty(rec.Props[k]))
				if err != nil {
					return 0, err
				}
				w.Write(v)
			}
			w.WriteString("}}")
		}
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if i != n {
		return 0, fmt.Errorf("the demo made %d buildings, not %d", i, n)
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func jsonProperty(v any) any {
	if t, ok := v.(time.Time); ok {
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return t.Format(time.DateOnly)
		}
		return t.Format(time.RFC3339Nano)
	}
	return v
}

// writeLonLatGeometry writes a demo building's polygon in CRS84, to 1e-7°
// (about a centimetre), as GeoJSON files usually are.
func writeLonLatGeometry(w *bufio.Writer, g orb.Geometry, toLL crs.Transform) {
	ring := func(r orb.Ring) {
		w.WriteByte('[')
		for i, p := range r {
			if i > 0 {
				w.WriteByte(',')
			}
			lon, lat := toLL(p[0], p[1])
			w.WriteByte('[')
			w.WriteString(strconv.FormatFloat(lon, 'f', 7, 64))
			w.WriteByte(',')
			w.WriteString(strconv.FormatFloat(lat, 'f', 7, 64))
			w.WriteByte(']')
		}
		w.WriteByte(']')
	}
	polygon := func(p orb.Polygon) {
		w.WriteByte('[')
		for i, r := range p {
			if i > 0 {
				w.WriteByte(',')
			}
			ring(r)
		}
		w.WriteByte(']')
	}
	switch g := g.(type) {
	case orb.Polygon:
		w.WriteString(`{"type":"Polygon","coordinates":`)
		polygon(g)
	case orb.MultiPolygon:
		w.WriteString(`{"type":"MultiPolygon","coordinates":[`)
		for i, p := range g {
			if i > 0 {
				w.WriteByte(',')
			}
			polygon(p)
		}
		w.WriteByte(']')
	default:
		w.WriteString("null")
		return
	}
	w.WriteByte('}')
}

func (r *report) markdownImports(b *strings.Builder) {
	f := r.imports
	if f == nil {
		return
	}
	b.WriteString("## Bulk import: `csdi import` vs `ogr2ogr`\n\n")
	fmt.Fprintf(b, "Target: csdi at least as fast as ogr2ogr. The same GeoJSON file — %d demo buildings (seed 11) in CRS84, %.0f MiB — loaded into the same PostGIS: by %s (`ogr2ogr -f PostgreSQL PG:… file.geojson -nln …`: a new table, COPY, GiST index) and by `csdi import` as its own process. csdi's import into a new layer reads the file twice: once for the schema's types, then to create the table and write it in one transaction; into an existing layer it reads the file once. Either way it checks every feature, and every geometry with `ST_IsValid` (on a second connection, a batch of 5,000 ahead of the writes), and writes them all in one COPY through the change-log trigger (one change-log row per feature). The three loads run %d times, one after the other; each figure is the median of its runs. Time is wall time of each process, start to exit; CPU is the process's own (user + system), the database server's not included.\n\n",
		f.Features, float64(f.FileBytes)/(1<<20), f.GDAL, f.Rounds)
	b.WriteString("| loader | time | features/s | vs ogr2ogr | CPU | peak RSS | runs |\n|---|---:|---:|---:|---:|---:|---|\n")
	runs := func(l loaderFigures) string {
		s := make([]string, len(l.Seconds))
		for i, x := range l.Seconds {
			s[i] = fmt.Sprintf("%.2f", x)
		}
		return strings.Join(s, ", ") + " s"
	}
	line := func(name string, l loaderFigures, n int, vs string) {
		rss := ""
		if l.PeakRSS > 0 {
			rss = fmt.Sprintf("%.0f MiB", float64(l.PeakRSS)/(1<<20))
		}
		fmt.Fprintf(b, "| %s | %.2f s | %.0f | %s | %.2f s | %s | %s |\n", name, l.wall(), float64(n)/l.wall(), vs, l.cpu(), rss, runs(l))
	}
	vs := func(l loaderFigures) string { return fmt.Sprintf("**%.2f×**", f.OGR.wall()/l.wall()) }
	line("ogr2ogr, new table", f.OGR, f.Features, "1.0×")
	line("csdi import, new layer", f.New, f.Features, vs(f.New))
	line("csdi import, existing empty layer", f.Append, f.Features, vs(f.Append))
	if f.BigFeatures > 0 {
		line(fmt.Sprintf("csdi import, existing layer, %d features (%.0f MiB)", f.BigFeatures, float64(f.BigFileBytes)/(1<<20)), f.Big, f.BigFeatures, "")
	}
	b.WriteString("\n\"vs ogr2ogr\" is ogr2ogr's median time ÷ csdi's: above 1, csdi is faster. Peak RSS is the process's (getrusage), the largest of its runs: the import streams the file and holds a few batches of 5,000 features, so it does not grow with the file.\n\n")
}

// importConfig sizes the import figures.
type importConfig struct{ N, Big int }
