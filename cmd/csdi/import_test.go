package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// importTarget is a store the import tests write to: its environment for
// csdi, and a way to open it to look.
type importTarget struct {
	env  map[string]string
	open func(t *testing.T) store.Store
}

func embeddedTarget(t *testing.T) importTarget {
	path := filepath.Join(t.TempDir(), "store.gpkg")
	return importTarget{
		env: map[string]string{"CSDI_EMBEDDED_PATH": path},
		open: func(t *testing.T) store.Store {
			st, err := gpkg.Open(path, gpkg.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
}

func postgisTarget(t *testing.T) importTarget {
	url := testenv.DatabaseURL(t)
	return importTarget{
		env: map[string]string{"CSDI_DATABASE_URL": url},
		open: func(t *testing.T) store.Store {
			st, err := postgis.Open(context.Background(), url, postgis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
	}
}

// csdiImport runs csdi import in-process and returns its report.
func (it importTarget) csdiImport(t *testing.T, args ...string) (ingest.Report, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"import", "-json"}, args...), &out, &errOut,
		func(k string) string { return it.env[k] })
	var rep ingest.Report
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("report is not JSON: %v\n%s", jerr, out.String())
		}
	}
	return rep, err
}

// digest is a layer's feature count and a checksum of every feature
// (id, geometry and attributes), independent of the order rows come in.
func (it importTarget) digest(t *testing.T, id string) (int, string) {
	t.Helper()
	st := it.open(t)
	defer st.Close()
	ls, err := st.Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var l *layer.Layer
	for i := range ls {
		if ls[i].ID == id {
			l = &ls[i]
		}
	}
	if l == nil {
		return -1, "no layer"
	}
	var rows []string
	err = st.Load(context.Background(), l, func(r store.Record) error {
		h := sha256.New()
		fmt.Fprintf(h, "%v|", r.ID)
		if r.Geometry != nil {
			b, _ := wkb.Marshal(r.Geometry)
			h.Write(b)
		}
		for _, v := range r.Props {
			fmt.Fprintf(h, "|%v", v)
		}
		rows = append(rows, hex.EncodeToString(h.Sum(nil)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(rows)
	h := sha256.New()
	for _, r := range rows {
		h.Write([]byte(r))
	}
	return len(rows), hex.EncodeToString(h.Sum(nil))[:16]
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func fixture(name string) string {
	return filepath.Join("..", "..", "internal", "ingest", "testdata", name)
}

func TestImportEmbedded(t *testing.T) { testImportModes(t, embeddedTarget(t)) }

func TestImportPostGIS(t *testing.T) { testImportModes(t, postgisTarget(t)) }

func testImportModes(t *testing.T, it importTarget) {
	// A new layer, its schema inferred from GeoJSON with Chinese names.
	rep, err := it.csdiImport(t, "-layer", "landmarks", fixture("buildings_zh.geojson"))
	if err != nil || rep.Written != 3 || !rep.Created || rep.Seq == 0 {
		t.Fatalf("create by import: %v %+v", err, rep)
	}
	n, before := it.digest(t, "landmarks")
	if n != 3 {
		t.Fatalf("%d features after the first import", n)
	}
	unchanged := func(what string) {
		t.Helper()
		if n, sum := it.digest(t, "landmarks"); n != 3 || sum != before {
			t.Errorf("%s changed the layer: %d features, checksum %s, want 3 %s", what, n, sum, before)
		}
	}

	t.Run("append of existing ids writes nothing", func(t *testing.T) {
		rep, err := it.csdiImport(t, "-layer", "landmarks", "-append", fixture("buildings_zh.geojson"))
		if err == nil || rep.Written != 0 || rep.ProblemCount == 0 || rep.Problems[0].Field != "id" {
			t.Errorf("got %v %+v, want a refusal naming the ids", err, rep)
		}
		unchanged("a refused append")
	})

	t.Run("dry run writes nothing", func(t *testing.T) {
		more := writeFile(t, "more.geojsonl",
			`{"type":"Feature","id":10,"properties":{"name":"新樓","floors":3},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.3],[114.11,22.31],[114.1,22.3]]]}}`+"\n")
		rep, err := it.csdiImport(t, "-layer", "landmarks", "-dry-run", more)
		if err != nil || !rep.DryRun || !rep.OK() || rep.Features != 1 || rep.Written != 0 {
			t.Errorf("dry run: %v %+v", err, rep)
		}
		point := writeFile(t, "point.geojsonl",
			`{"type":"Feature","id":11,"properties":{"name":"點"},"geometry":{"type":"Point","coordinates":[114.2,22.3]}}`+"\n")
		rep, err = it.csdiImport(t, "-layer", "landmarks", "-dry-run", point)
		if err == nil || rep.ProblemCount != 1 || rep.Problems[0].Field != "geometry" {
			t.Errorf("dry run of a Point into a MultiPolygon layer: %v %+v", err, rep)
		}
		unchanged("a dry run")
	})

	t.Run("a bad feature in the middle writes nothing", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`{"type":"FeatureCollection","features":[`)
		for i := range 3000 {
			if i > 0 {
				b.WriteString(",")
			}
			floors := fmt.Sprint(i % 50)
			if i == 1500 {
				floors = `"twelve"`
			}
			fmt.Fprintf(&b, `{"type":"Feature","id":%d,"properties":{"name":"樓 %d","floors":%s},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.3],[114.11,22.31],[114.1,22.3]]]}}`, 100+i, i, floors)
		}
		b.WriteString("]}")
		path := writeFile(t, "bad.geojson", b.String())
		rep, err := it.csdiImport(t, "-layer", "landmarks", path)
		if err == nil || rep.ProblemCount != 1 || rep.Problems[0].Index != 1500 || rep.Problems[0].Field != "floors" || rep.Written != 0 {
			t.Errorf("got %v %+v", err, rep)
		}
		unchanged("a refused import")
	})

	t.Run("a self-intersecting polygon writes nothing", func(t *testing.T) {
		bowtie := writeFile(t, "bowtie.geojson", `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":20,"properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.3],[114.11,22.31],[114.1,22.3]]]}},
			{"type":"Feature","id":21,"properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.31],[114.11,22.3],[114.1,22.31],[114.1,22.3]]]}}]}`)
		rep, err := it.csdiImport(t, "-layer", "landmarks", bowtie)
		if err == nil || rep.ProblemCount != 1 || rep.Problems[0].Index != 1 || rep.Problems[0].Field != "geometry" {
			t.Errorf("got %v %+v", err, rep)
		}
		unchanged("an import with an invalid geometry")
	})

	t.Run("upsert replaces by id and adds", func(t *testing.T) {
		up := writeFile(t, "up.geojson", `{"type":"FeatureCollection","features":[
			{"type":"Feature","id":2,"properties":{"name":"旺角中心 (renamed)","floors":21},"geometry":{"type":"Polygon","coordinates":[[[114.17,22.3],[114.171,22.3],[114.171,22.301],[114.17,22.3]]]}},
			{"type":"Feature","id":4,"properties":{"name":"新廈"},"geometry":null}]}`)
		rep, err := it.csdiImport(t, "-layer", "landmarks", "-upsert", up)
		if err != nil || rep.Written != 2 {
			t.Fatalf("upsert: %v %+v", err, rep)
		}
		if n, _ := it.digest(t, "landmarks"); n != 4 {
			t.Errorf("%d features after the upsert, want 4", n)
		}
	})

	t.Run("replace swaps everything in one go", func(t *testing.T) {
		rep, err := it.csdiImport(t, "-layer", "landmarks", "-replace", fixture("buildings_zh.geojson"))
		if err != nil || rep.Written != 3 || rep.Deleted != 4 {
			t.Fatalf("replace: %v %+v", err, rep)
		}
		unchanged("replacing with the original file") // back to the first state
	})

	t.Run("CSV in HK1980 grid into a new layer", func(t *testing.T) {
		rep, err := it.csdiImport(t, "-layer", "sites", fixture("sites_hk1980.csv"))
		if err != nil || rep.Written != 2 || rep.Schema.Source.SRID != 2326 {
			t.Fatalf("%v %+v", err, rep)
		}
		// The same rows as lon/lat go into the HK1980 layer too.
		rep, err = it.csdiImport(t, "-layer", "sites", fixture("toilets_lonlat.csv"))
		if err == nil || rep.Problems[0].Index != -1 {
			t.Errorf("a CSV with other columns: %v %+v", err, rep)
		}
	})

	t.Run("a GeoPackage layer into a new layer", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "shops.gpkg")
		src, err := gpkg.Open(path, gpkg.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l := layer.Layer{ID: "shops", GeometryType: layer.Point,
			Source: layer.Source{Table: "shops", IDColumn: "fid", GeometryColumn: "geom", SRID: 2326},
			Fields: []layer.Field{{Name: "name", Type: layer.String}, {Name: "opened", Type: layer.Date}}}
		err = src.WriteLayer(context.Background(), &l, func(yield func(store.Record, error) bool) {
			for i := range 40 {
				if !yield(store.Record{ID: int64(i + 1), Geometry: orb.Point{833000 + float64(i), 816000},
					Props: []any{fmt.Sprintf("店 %d", i), time.Date(2020, 1, 1+i, 0, 0, 0, 0, time.UTC)}}, nil) {
					return
				}
			}
		})
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		rep, err := it.csdiImport(t, "-layer", "shops", "-source-layer", "shops", path)
		if err != nil || rep.Written != 40 || rep.Schema.Source.SRID != 2326 {
			t.Fatalf("%v %+v", err, rep)
		}
		if n, _ := it.digest(t, "shops"); n != 40 {
			t.Errorf("%d shops", n)
		}
	})

	t.Run("a new layer with problems is not created", func(t *testing.T) {
		rep, err := it.csdiImport(t, "-layer", "broken", writeFile(t, "b.csv", "name,lon,lat\na,114,22\nb,114,abc\n"))
		if err == nil || rep.ProblemCount != 1 {
			t.Errorf("%v %+v", err, rep)
		}
		if n, _ := it.digest(t, "broken"); n != -1 {
			t.Errorf("a table was left behind with %d features", n)
		}
	})
}

// writeBigGeoJSON writes n square buildings (ids from first) as a
// FeatureCollection.
func writeBigGeoJSON(t *testing.T, n, first int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "big.geojson")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range n {
		if i > 0 {
			w.WriteByte(',')
		}
		x, y := 114.0+float64(i%1000)*0.0003, 22.2+float64(i/1000)*0.0003
		fmt.Fprintf(w, `{"type":"Feature","id":%d,"properties":{"name":"大廈 %d","floors":%d},"geometry":{"type":"Polygon","coordinates":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f]]]}}`,
			first+i, i, i%60, x, y, x+0.0002, y, x+0.0002, y+0.0002, x, y+0.0002, x, y)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func TestImportKilledEmbedded(t *testing.T) { testImportKilled(t, embeddedTarget(t)) }

func TestImportKilledPostGIS(t *testing.T) { testImportKilled(t, postgisTarget(t)) }

// A csdi import killed with SIGKILL while it is writing leaves the layer
// exactly as it was: the run is one transaction, and the store rolls an
// unfinished one back.
func testImportKilled(t *testing.T, it importTarget) {
	if testing.Short() {
		t.Skip("builds the binary and imports a large file")
	}
	bin := csdiBinary(t) // replicas_test.go
	small := writeBigGeoJSON(t, 500, 1)
	if rep, err := it.csdiImport(t, "-layer", "blocks", small); err != nil || rep.Written != 500 {
		t.Fatalf("first import: %v %+v", err, rep)
	}
	n0, sum0 := it.digest(t, "blocks")

	big := writeBigGeoJSON(t, 400_000, 1_000_000)
	for _, mode := range []string{"-append", "-replace"} {
		t.Run(mode, func(t *testing.T) {
			it.killImport(t, bin, 40_000, "-layer", "blocks", mode, big)
			if n, sum := it.digest(t, "blocks"); n != n0 || sum != sum0 {
				t.Errorf("after kill -9 the layer has %d features (checksum %s), want %d (%s)", n, sum, n0, sum0)
			}
		})
	}
	// And the store still takes an import afterwards.
	more := writeBigGeoJSON(t, 10, 5000)
	if rep, err := it.csdiImport(t, "-layer", "blocks", more); err != nil || rep.Written != 10 {
		t.Fatalf("import after the kills: %v %+v", err, rep)
	}
}

// killImport runs csdi import args as its own process and kills it
// (SIGKILL) once it has sent written features to the store.
func (it importTarget) killImport(t *testing.T, bin string, written int, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"import", "-progress", "100ms"}, args...)...)
	for k, v := range it.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "PATH="+os.Getenv("PATH"), "HOME="+os.Getenv("HOME"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	killed := false
	var seen []string
	for lines.Scan() {
		line := lines.Text()
		seen = append(seen, line)
		at := strings.Index(line, "import: ")
		if at < 0 {
			continue // a log line
		}
		var n, sent int
		var rate float64
		if _, err := fmt.Sscanf(line[at:], "import: %d features, %f features/s, %d written", &n, &rate, &sent); err == nil && sent >= written {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the import ended before it could be killed: %v\n%s", err, strings.Join(seen, "\n"))
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("not killed: %v", cmd.ProcessState)
	}
}

// On PostGIS a new layer's table is made in the import's own transaction:
// an import refused by the store's own geometry check, or killed half-way,
// leaves no table, not an empty one.
func TestImportNewLayerAllOrNothingPostGIS(t *testing.T) {
	it := postgisTarget(t)
	bowtie := writeFile(t, "bowtie.geojson", `{"type":"FeatureCollection","features":[
		{"type":"Feature","id":1,"properties":{"name":"ok"},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.3],[114.11,22.31],[114.1,22.3]]]}},
		{"type":"Feature","id":2,"properties":{"name":"bowtie"},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.31],[114.11,22.3],[114.1,22.31],[114.1,22.3]]]}}]}`)
	rep, err := it.csdiImport(t, "-layer", "bowties", bowtie)
	if err == nil || rep.ProblemCount != 1 || rep.Problems[0].Index != 1 || rep.Problems[0].Field != "geometry" || rep.Created {
		t.Errorf("got %v %+v", err, rep)
	}
	if n, _ := it.digest(t, "bowties"); n != -1 {
		t.Errorf("a refused import left a table with %d features", n)
	}
	// The same file without the bowtie makes the layer.
	rep, err = it.csdiImport(t, "-layer", "bowties", fixture("buildings_zh.geojson"))
	if err != nil || !rep.Created || rep.Written != 3 || rep.Schema == nil || rep.Schema.Source.Schema != "public" {
		t.Fatalf("%v %+v", err, rep)
	}

	if testing.Short() {
		t.Skip("builds the binary and imports a large file")
	}
	big := writeBigGeoJSON(t, 400_000, 1)
	it.killImport(t, csdiBinary(t), 40_000, "-layer", "killed", big)
	if n, _ := it.digest(t, "killed"); n != -1 {
		t.Errorf("an import killed half-way left a table with %d features", n)
	}
}

// On PostGIS every batch goes to the store in one COPY: what the store
// refuses in the middle of it (an id the layer has) still names the id,
// and writes nothing.
func TestImportStreamRefusalPostGIS(t *testing.T) {
	it := postgisTarget(t)
	if rep, err := it.csdiImport(t, "-layer", "blocks", writeBigGeoJSON(t, 10, 1)); err != nil || rep.Written != 10 {
		t.Fatalf("first import: %v %+v", err, rep)
	}
	n0, sum0 := it.digest(t, "blocks")
	path := writeBigGeoJSON(t, 12_000, 11)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text = bytes.Replace(text, []byte(`"id":9011,`), []byte(`"id":5,`), 1) // feature 9000, in the second of three batches
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := it.csdiImport(t, "-layer", "blocks", path)
	if err == nil || rep.ProblemCount != 1 || rep.Problems[0].Field != "id" || !strings.Contains(rep.Problems[0].Reason, "(id)=(5)") || rep.Written != 0 {
		t.Errorf("got %v %+v", err, rep)
	}
	if n, sum := it.digest(t, "blocks"); n != n0 || sum != sum0 {
		t.Errorf("the refused import changed the layer: %d features", n)
	}
}

func TestImportCommandLine(t *testing.T) {
	it := embeddedTarget(t)
	for _, args := range [][]string{
		{fixture("toilets_lonlat.csv")},                    // no -layer
		{"-layer", "x"},                                    // no file
		{"-layer", "x", "-append", "-upsert", "f.geojson"}, // two modes
		{"-layer", "x", "f.unknown"},                       // format unknown
		{"-layer", "x", "-crs", "EPSG:9999", fixture("toilets_lonlat.csv")},
		{"-layer", "x", "-x", "lon", fixture("buildings_zh.geojson")},
	} {
		_, err := it.csdiImport(t, args...)
		if err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
	// Flags after the file are taken too.
	rep, err := it.csdiImport(t, "-layer", "toilets", fixture("toilets_lonlat.csv"), "-dry-run")
	if err != nil || !rep.DryRun || rep.Features != 3 {
		t.Errorf("flags after the file: %v %+v", err, rep)
	}
	if _, err := it.csdiImport(t, "-layer", "x", "missing.geojson"); err == nil {
		t.Error("a missing file did not fail")
	}
	if _, err := it.csdiImport(t, "-layer", "x", "a.shp"); err == nil || !strings.Contains(err.Error(), "ogr2ogr") {
		t.Errorf("a Shapefile: %v", err)
	}
	// -cpuprofile measures csdi itself: it works, and the usage, which is
	// for departments, does not show it.
	profile := filepath.Join(t.TempDir(), "cpu.prof")
	if rep, err := it.csdiImport(t, "-layer", "toilets", "-dry-run", "-cpuprofile", profile, fixture("toilets_lonlat.csv")); err != nil || rep.Features != 3 {
		t.Errorf("with -cpuprofile: %v %+v", err, rep)
	}
	if fi, err := os.Stat(profile); err != nil || fi.Size() == 0 {
		t.Errorf("no profile written: %v", err)
	}
	var usage bytes.Buffer
	if _, err := parseImportFlags([]string{"-h"}, &usage, func(string) string { return "" }); err == nil || !strings.Contains(usage.String(), "-max-problems") || strings.Contains(usage.String(), "cpuprofile") {
		t.Errorf("usage (%v):\n%s", err, usage.String())
	}
}

// Progress lines: features, rate, share and ETA.
func TestProgressLine(t *testing.T) {
	src := ingest.NewGeoJSON(func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("")), nil }, 1000, ingest.GeoJSONOptions{})
	line := progressLine(src, "writing", 5000, 4000, 2*time.Second)
	if !strings.Contains(line, "import: 5000 features, 2500 features/s, 4000 written") {
		t.Errorf("%q", line)
	}
}

// csdi's own f=csv download imports back, over HTTP, into the layer it
// came from: the whole buildings layer replaced by its own download gives
// the same features.
func TestImportOwnDownloadOverHTTP(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, map[string]string{
		"CSDI_EMBEDDED_PATH":  filepath.Join(dir, "demo.gpkg"),
		"CSDI_DEMO_BUILDINGS": "800",
		"CSDI_ADMIN_KEY":      "import-test-key",
	})
	_, before := s.get(t, "/collections/buildings/items?f=json&limit=10000")
	resp, csv := s.get(t, "/collections/buildings/items?f=csv&crs=EPSG:2326&limit=10000")
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	post := func(query, contentType string, body []byte, key string) (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", s.base+"/collections/buildings/import"+query, bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp, out
	}
	if resp, body := post("?mode=replace", "text/csv", csv, ""); resp.StatusCode != 401 {
		t.Fatalf("without the key: %d %s", resp.StatusCode, body)
	}
	resp, body := post("?mode=replace&crs=EPSG:2326", "text/csv", csv, "import-test-key")
	var rep ingest.Report
	if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || rep.Written != 800 || rep.Deleted != 800 {
		t.Fatalf("import of the download: %d %s", resp.StatusCode, body)
	}
	_, after := s.get(t, "/collections/buildings/items?f=json&limit=10000")
	var a, b struct{ Features []json.RawMessage }
	if json.Unmarshal(before, &a) != nil || json.Unmarshal(after, &b) != nil || len(a.Features) != 800 || len(b.Features) != len(a.Features) {
		t.Fatalf("features before %d, after %d", len(a.Features), len(b.Features))
	}
	for i := range a.Features {
		if !bytes.Equal(a.Features[i], b.Features[i]) {
			t.Fatalf("feature %d changed by the round trip:\n%s\n%s", i, a.Features[i], b.Features[i])
		}
	}
}
