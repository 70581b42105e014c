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
	// OGR is ogr2ogr into a new table (COPY, GiST index after the load).
	OGRSeconds float64
	// New is csdi import into a new layer (schema inferred, every feature
	// checked, then the table created and written); Append the same file
	// into that layer's empty twin made beforehand.
	NewSeconds, AppendSeconds float64
	NewPeakRSS, AppendPeakRSS int64
	// Big is a csdi import (append) of BigFeatures, for the memory bound.
	BigFeatures  int
	BigFileBytes int64
	BigSeconds   float64
	BigPeakRSS   int64
}

// benchImport writes n demo buildings as a GeoJSON FeatureCollection in
// CRS84, loads it with ogr2ogr and with csdi import, and then imports big
// buildings (when big > 0) to show that memory stays bounded.
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
	f := &importFigures{Features: n}
	if out, err := exec.Command("ogr2ogr", "--version").Output(); err == nil {
		f.GDAL = strings.TrimSpace(string(out))
	}

	file := filepath.Join(dir, "buildings.geojson")
	if f.FileBytes, err = writeBuildingsGeoJSON(file, n, 11); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import: %d buildings, %.0f MiB of GeoJSON\n", n, float64(f.FileBytes)/(1<<20))
	for _, t := range []string{"bench_import_ogr", "bench_import_new", "bench_import_append"} {
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{t}.Sanitize()); err != nil {
			return err
		}
	}

	pg, err := gdalConnection(dbURL)
	if err != nil {
		return err
	}
	start := time.Now()
	out, err := exec.CommandContext(ctx, "ogr2ogr", "-f", "PostgreSQL", pg, file, "-nln", "bench_import_ogr").CombinedOutput()
	if err != nil {
		return fmt.Errorf("ogr2ogr: %v\n%s", err, out)
	}
	f.OGRSeconds = time.Since(start).Seconds()
	if err := checkCount(ctx, conn, "bench_import_ogr", n); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import: ogr2ogr %.1f s\n", f.OGRSeconds)

	if f.NewSeconds, f.NewPeakRSS, err = csdiImport(ctx, bin, dbURL, "bench_import_new", file); err != nil {
		return err
	}
	if err := checkCount(ctx, conn, "bench_import_new", n); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import: csdi (new layer) %.1f s, peak RSS %.0f MiB\n", f.NewSeconds, float64(f.NewPeakRSS)/(1<<20))
	// The same file into an existing, empty layer: one pass.
	if _, err := conn.Exec(ctx, "CREATE TABLE bench_import_append (LIKE bench_import_new INCLUDING ALL)"); err != nil {
		return err
	}
	if f.AppendSeconds, f.AppendPeakRSS, err = csdiImport(ctx, bin, dbURL, "bench_import_append", file); err != nil {
		return err
	}
	if err := checkCount(ctx, conn, "bench_import_append", n); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "import: csdi (existing layer) %.1f s, peak RSS %.0f MiB\n", f.AppendSeconds, float64(f.AppendPeakRSS)/(1<<20))
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
		if f.BigSeconds, f.BigPeakRSS, err = csdiImport(ctx, bin, dbURL, "bench_import_append", bigFile); err != nil {
			return err
		}
		if err := checkCount(ctx, conn, "bench_import_append", big); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "import: csdi %d features %.1f s, peak RSS %.0f MiB\n", big, f.BigSeconds, float64(f.BigPeakRSS)/(1<<20))
		os.Remove(bigFile)
	}
	for _, t := range []string{"bench_import_ogr", "bench_import_new", "bench_import_append"} {
		if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+pgx.Identifier{t}.Sanitize()); err != nil {
			return err
		}
	}
	r.imports = f
	return nil
}

// csdiImport runs csdi import as its own process, as a department would,
// and returns its wall time and peak resident memory.
func csdiImport(ctx context.Context, bin, dbURL, id, file string) (float64, int64, error) {
	cmd := exec.CommandContext(ctx, bin, "import", "-layer", id, "-progress", "0", file)
	cmd.Env = []string{"CSDI_DATABASE_URL=" + dbURL, "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "CSDI_LOG_LEVEL=warn"}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	secs := time.Since(start).Seconds()
	if err != nil {
		return 0, 0, fmt.Errorf("csdi import %s: %v\n%s", id, err, out)
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss << 10 // KiB on Linux
	}
	return secs, rss, nil
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
	fmt.Fprintf(b, "Target: csdi at least as fast as ogr2ogr. The same GeoJSON file — %d demo buildings (seed 11) in CRS84, %.0f MiB — loaded into the same PostGIS: by %s (`ogr2ogr -f PostgreSQL PG:… file.geojson -nln …`: a new table, COPY, GiST index) and by `csdi import` as its own process. csdi's import into a new layer reads the file twice (infer the schema while checking every feature against it; then create the table and write), checks each geometry with `ST_IsValid` in a second transaction alongside the writes, and writes through the change-log triggers; into an existing layer it reads the file once. Wall time of each process, start to exit.\n\n",
		f.Features, float64(f.FileBytes)/(1<<20), f.GDAL)
	b.WriteString("| loader | time | features/s | vs ogr2ogr | peak RSS |\n|---|---:|---:|---:|---:|\n")
	fmt.Fprintf(b, "| ogr2ogr, new table | %.2f s | %.0f | 1.0× | |\n", f.OGRSeconds, float64(f.Features)/f.OGRSeconds)
	fmt.Fprintf(b, "| csdi import, new layer | %.2f s | %.0f | **%.2f×** | %.0f MiB |\n", f.NewSeconds, float64(f.Features)/f.NewSeconds, f.OGRSeconds/f.NewSeconds, float64(f.NewPeakRSS)/(1<<20))
	fmt.Fprintf(b, "| csdi import, existing empty layer | %.2f s | %.0f | **%.2f×** | %.0f MiB |\n", f.AppendSeconds, float64(f.Features)/f.AppendSeconds, f.OGRSeconds/f.AppendSeconds, float64(f.AppendPeakRSS)/(1<<20))
	if f.BigFeatures > 0 {
		fmt.Fprintf(b, "| csdi import, existing layer, %d features (%.0f MiB) | %.2f s | %.0f | | %.0f MiB |\n",
			f.BigFeatures, float64(f.BigFileBytes)/(1<<20), f.BigSeconds, float64(f.BigFeatures)/f.BigSeconds, float64(f.BigPeakRSS)/(1<<20))
	}
	b.WriteString("\n\"vs ogr2ogr\" is ogr2ogr's time ÷ csdi's: above 1, csdi is faster. Peak RSS is the process's (getrusage): the import streams the file and holds a few batches of 5,000 features, so it does not grow with the file.\n\n")
}

// importConfig sizes the import figures.
type importConfig struct{ N, Big int }
