package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// testPrivacyKey is the masking secret of the tests' PostGIS servers.
const testPrivacyKey = "test-privacy-key-0123456789abcdef"

// server is csdi serve running in-process on a loopback port.
type liveServer struct {
	base string
	log  *bytes.Buffer
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

// startServe runs `csdi serve` with env as its whole environment and waits
// until it is ready; the server stops when the test ends.
func startServe(t *testing.T, env map[string]string) *liveServer {
	t.Helper()
	addr := freeAddr(t)
	env["CSDI_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, io.Discard, logs, func(k string) string { return env[k] }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop within 30 s of its context ending")
		}
	})
	s := &liveServer{base: "http://" + addr}
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for it
			t.Fatalf("serve stopped early: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("serve not ready within 3 minutes\n%s", logs.String())
	return nil
}

func (s *liveServer) get(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.base+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp, body
}

func (s *liveServer) json(t *testing.T, path string) map[string]any {
	t.Helper()
	resp, body := s.get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: not JSON: %v", path, err)
	}
	return v
}

func collectionIDs(t *testing.T, s *liveServer) []string {
	var ids []string
	for _, c := range s.json(t, "/collections")["collections"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	return ids
}

func TestServeEmbeddedDemo(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, map[string]string{
		"CSDI_EMBEDDED_PATH":  filepath.Join(dir, "demo.gpkg"),
		"CSDI_DEMO_BUILDINGS": "3000",
		// Below the layer's size, so GDAL must follow next links.
		"CSDI_MAX_LIMIT": "1000",
	})
	ids := collectionIDs(t, s)
	for _, want := range []string{"buildings", "roads", "public_toilets", "clinics", "districts"} {
		if !contains(ids, want) {
			t.Errorf("collection %q missing from %v", want, ids)
		}
	}
	t.Run("landing in both formats", func(t *testing.T) {
		if resp, body := s.get(t, "/", "Accept", "text/html"); resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") || !bytes.Contains(body, []byte("<html")) {
			t.Errorf("landing HTML: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if links := s.json(t, "/?f=json")["links"]; links == nil {
			t.Error("landing JSON has no links")
		}
	})
	t.Run("items", func(t *testing.T) {
		fc := s.json(t, "/collections/buildings/items?limit=5")
		if n := len(fc["features"].([]any)); n != 5 {
			t.Errorf("%d features, want 5", n)
		}
		if fc["numberMatched"].(float64) < 3000 {
			t.Errorf("numberMatched %v, want ≥ 3000", fc["numberMatched"])
		}
		f := fc["features"].([]any)[0].(map[string]any)
		coords := firstCoordinate(f["geometry"])
		if coords[0] < 113.8 || coords[0] > 114.5 || coords[1] < 22.1 || coords[1] > 22.6 {
			t.Errorf("first building at %v: not in Hong Kong in CRS84", coords)
		}
	})
	t.Run("tile", func(t *testing.T) {
		resp, body := s.get(t, "/tiles/buildings,roads/14/13388/7149.mvt", "Accept-Encoding", "gzip")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.mapbox-vector-tile" || len(body) == 0 {
			t.Errorf("tile: %d %q %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	})
	t.Run("sensitive layer masked everywhere", func(t *testing.T) { assertMasked(t, s, ids) })
	t.Run("bad input is a problem, not a 500", func(t *testing.T) {
		for path, status := range map[string]int{
			"/collections/nope":                        404,
			"/collections/buildings/items/999999999":   404,
			"/collections/buildings/items?bbox=1,2,3":  400,
			"/collections/buildings/items?limit=ten":   400,
			"/collections/buildings/items?offset=-1":   400,
			"/collections/clinics/items?datetime=soon": 400,
			"/tiles/buildings/x/1/1.mvt":               400,
			"/tiles/buildings/3/9/1.mvt":               404,
			"/no/such/path":                            404,
		} {
			resp, body := s.get(t, path)
			if resp.StatusCode != status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s: %d %s, want %d problem+json", path, resp.StatusCode, body, status)
			}
		}
	})
	t.Run("GDAL reads it", func(t *testing.T) { checkGDAL(t, s, "buildings") })
}

// assertMasked tries every path to the demo's sensitive layer as the
// public and checks that none serves anything of its true data: no HKID,
// name or address, no real feature id, no true position (the policy snaps
// every case to a 250 m cell), and no dropped attribute in any schema.
func assertMasked(t *testing.T, s *liveServer, ids []string) {
	t.Helper()
	if !contains(ids, "elderly_home_care") {
		t.Fatal("the sensitive layer's masked view is not listed in /collections")
	}
	var secrets [][]byte
	realIDs := map[string]bool{}
	for r, err := range demo.Records(demo.ElderlyHomeCareID, demo.Options{Seed: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range []int{0, 1, 3} { // hkid, name, address
			if v, ok := r.Props[i].(string); ok && v != "" {
				secrets = append(secrets, []byte(v))
			}
		}
		realIDs[fmt.Sprint(r.ID)] = true
	}
	if len(secrets) == 0 {
		t.Fatal("no true values to look for")
	}
	for _, p := range []string{
		"/collections/elderly_home_care",
		"/collections/elderly_home_care/items?limit=10000",
		"/collections/elderly_home_care/items?bbox=113,22,115,23&limit=10000",
		"/collections/elderly_home_care/items?f=html&limit=500",
		"/collections/elderly_home_care/queryables",
		"/collections/elderly_home_care/items?f=csv",
		"/collections/elderly_home_care/tiles/WebMercatorQuad/tilejson.json",
		"/tiles/elderly_home_care/tilejson.json",
		"/styles/elderly_home_care",
		"/api",
	} {
		resp, body := s.get(t, p)
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body)
			continue
		}
		for _, v := range secrets {
			if bytes.Contains(body, v) {
				t.Errorf("GET %s serves the true value %q", p, v)
				break
			}
		}
		if p != "/api" && bytes.Contains(body, []byte(`address`)) {
			t.Errorf("GET %s names the dropped address", p)
		}
		// TileJSON and styles have a "name" member of their own.
		if (strings.Contains(p, "/items") || strings.Contains(p, "/queryables")) && bytes.Contains(body, []byte(`"name"`)) {
			t.Errorf("GET %s names the dropped name attribute", p)
		}
		if strings.Contains(p, "f=csv") {
			header, _, _ := bytes.Cut(body, []byte("\n"))
			if bytes.Contains(header, []byte("name")) {
				t.Errorf("the CSV header %q names the dropped name attribute", header)
			}
		}
	}
	// Real ids name nothing; hidden attributes cannot be filtered or sorted.
	n := 0
	for id := range realIDs {
		if resp, _ := s.get(t, "/collections/elderly_home_care/items/"+id); resp.StatusCode != 404 {
			t.Errorf("the masked view answers the real id %s: %d", id, resp.StatusCode)
		}
		if n++; n == 20 {
			break
		}
	}
	for _, p := range []string{
		"/collections/elderly_home_care/items?filter=address%20LIKE%20%27%25%27",
		"/collections/elderly_home_care/items?filter=name%3D%27x%27",
		"/collections/elderly_home_care/items?sortby=name",
		"/collections/elderly_home_care/items?sortby=address",
		"/collections/elderly_home_care/items?address=x",
	} {
		if resp, body := s.get(t, p); resp.StatusCode != 400 {
			t.Errorf("GET %s: %d %s, want 400: the attribute is not in the masked view", p, resp.StatusCode, body)
		}
	}
	// Every served position is a 250 m cell centre.
	var fc struct {
		Features []struct {
			ID       any
			Geometry struct{ Coordinates []float64 }
		}
	}
	_, body := s.get(t, "/collections/elderly_home_care/items?limit=10000&crs=http://www.opengis.net/def/crs/EPSG/0/2326")
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("masked items: %v, %d features", err, len(fc.Features))
	}
	for _, f := range fc.Features {
		c := f.Geometry.Coordinates // northing, easting
		for _, v := range c {
			if r := math.Mod(v-125, 250); math.Min(math.Abs(r), 250-math.Abs(r)) > 0.01 {
				t.Errorf("feature %v at %v: not a 250 m cell centre", f.ID, c)
				break
			}
		}
		if realIDs[fmt.Sprint(f.ID)] {
			t.Errorf("masked feature id %v is a real id", f.ID)
		}
	}
}

// The demo written to PostGIS keeps its sensitive layer sensitive: the flag
// travels in the table's metadata, so serving the database withholds it.
func TestDemoInPostGISMasksSensitive(t *testing.T) {
	url := testenv.DatabaseURL(t)
	env := func(k string) string { return map[string]string{"CSDI_DEMO_BUILDINGS": "500"}[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-database", url}, &out, io.Discard, env); err != nil {
		t.Fatalf("demo: %v", err)
	}
	err := run(context.Background(), []string{"demo", "-database", url}, &out, io.Discard, env)
	if err == nil || !strings.Contains(err.Error(), "-replace") {
		t.Fatalf("a second demo over existing tables: %v, want a refusal mentioning -replace", err)
	}
	if err := run(context.Background(), []string{"demo", "-database", url, "-replace", "-buildings", "400"}, &out, io.Discard, env); err != nil {
		t.Fatalf("demo -replace: %v", err)
	}
	s := startServe(t, map[string]string{"CSDI_DATABASE_URL": url, "CSDI_PRIVACY_KEY": testPrivacyKey})
	ids := collectionIDs(t, s)
	if !contains(ids, "buildings") || !contains(ids, "districts") {
		t.Fatalf("demo layers missing: %v", ids)
	}
	if got := s.json(t, "/collections/buildings/items?limit=1")["numberMatched"].(float64); got != 400 {
		t.Errorf("%v buildings after -replace with 400", got)
	}
	assertMasked(t, s, ids)
}

func TestDemoFileRefusesToOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.gpkg")
	env := func(string) string { return "" }
	if err := run(context.Background(), []string{"demo", "-out", path, "-buildings", "50"}, io.Discard, io.Discard, env); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"demo", "-out", path, "-buildings", "50"}, io.Discard, io.Discard, env); err == nil {
		t.Fatal("demo overwrote an existing file without -replace")
	}
	if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
		t.Error("a partial file was left behind")
	}
}

// checkGDAL runs GDAL's OGC API Features driver against the server: ogrinfo
// must see the layer and its count, ogr2ogr must page through all of it.
func checkGDAL(t *testing.T, s *liveServer, layerID string) {
	t.Helper()
	if _, err := exec.LookPath("ogrinfo"); err != nil {
		if os.Getenv("CSDI_TEST_REQUIRE_DATABASE") != "" {
			t.Fatal("ogrinfo is not installed although make test installs gdal-bin")
		}
		t.Skip("GDAL not installed")
	}
	want := int(s.json(t, "/collections/"+layerID+"/items?limit=1")["numberMatched"].(float64))
	out, err := exec.Command("ogrinfo", "-ro", "-so", "OAPIF:"+s.base, layerID).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), fmt.Sprintf("Feature Count: %d", want)) {
		t.Errorf("ogrinfo does not report %d features:\n%s", want, out)
	}
	dst := filepath.Join(t.TempDir(), layerID+".geojson")
	out, err = exec.Command("ogr2ogr", "-f", "GeoJSON", dst, "OAPIF:"+s.base, layerID).CombinedOutput()
	if err != nil {
		t.Fatalf("ogr2ogr: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct{ Features []json.RawMessage }
	if err := json.Unmarshal(raw, &fc); err != nil {
		t.Fatal(err)
	}
	if len(fc.Features) != want {
		t.Errorf("ogr2ogr copied %d features, want %d", len(fc.Features), want)
	}
}

// The same point stored in four SRIDs, one of which (UTM 50N) only PostGIS
// can transform, must come out at the same CRS84 position.
func TestServePostGISSeveralSRIDs(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Hong Kong City Hall, about 114.1617 E, 22.2820 N.
	const lon, lat = 114.1617, 22.2820
	for _, srid := range []int{4326, 2326, 3857, 32650} {
		table := fmt.Sprintf("landmark_%d", srid)
		_, err := conn.Exec(ctx, fmt.Sprintf(`
			CREATE TABLE %[1]s (gid serial PRIMARY KEY, name text, opened date, geom geometry(Point, %[2]d));
			INSERT INTO %[1]s (name, opened, geom) VALUES
			  ('City Hall 大會堂', '1962-03-02', ST_Transform(ST_SetSRID(ST_MakePoint(%[3]g, %[4]g), 4326), %[2]d)),
			  ('no geometry', NULL, NULL);`, table, srid, lon, lat))
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE areas (id bigint PRIMARY KEY, label text, geom geometry(MultiPolygon, 2326));
		INSERT INTO areas VALUES (1, 'square', ST_Multi(ST_MakeEnvelope(833000, 815000, 834000, 816000, 2326)))`); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, map[string]string{"CSDI_DATABASE_URL": url, "CSDI_PRIVACY_KEY": testPrivacyKey})
	for _, srid := range []int{4326, 2326, 3857, 32650} {
		id := fmt.Sprintf("landmark_%d", srid)
		t.Run(id, func(t *testing.T) {
			fc := s.json(t, "/collections/"+id+"/items")
			feats := fc["features"].([]any)
			if len(feats) != 2 {
				t.Fatalf("%d features, want 2", len(feats))
			}
			f := feats[0].(map[string]any)
			p := firstCoordinate(f["geometry"])
			// 1e-6 degrees is about 10 cm.
			if math.Abs(p[0]-lon) > 1e-6 || math.Abs(p[1]-lat) > 1e-6 {
				t.Errorf("EPSG:%d point served at %v, want %v,%v", srid, p, lon, lat)
			}
			props := f["properties"].(map[string]any)
			if props["name"] != "City Hall 大會堂" || props["opened"] != "1962-03-02" {
				t.Errorf("properties %v", props)
			}
			if feats[1].(map[string]any)["geometry"] != nil {
				t.Error("a NULL geometry must be served as null")
			}
			resp, _ := s.get(t, "/collections/"+id+"/tiles/WebMercatorQuad/16/28605/53550")
			if resp.StatusCode != 200 {
				t.Errorf("tile over the point: %d", resp.StatusCode)
			}
		})
	}
	t.Run("extent", func(t *testing.T) {
		c := s.json(t, "/collections/areas")
		bbox := c["extent"].(map[string]any)["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
		if bbox[0].(float64) < 114.14 || bbox[2].(float64) > 114.18 || bbox[1].(float64) < 22.26 || bbox[3].(float64) > 22.30 {
			t.Errorf("areas extent %v not around Central", bbox)
		}
	})
	t.Run("GDAL reads it", func(t *testing.T) { checkGDAL(t, s, "landmark_2326") })
}

func TestCommandLine(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"version"}, &out, &errOut, func(string) string { return "" }); err != nil || !strings.HasPrefix(out.String(), "csdi ") {
		t.Errorf("version: %v %q", err, out.String())
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"serve", "-nope"}, {"demo", "-buildings", "-3"}, {"serve", "extra"}} {
		err := run(context.Background(), args, &out, &errOut, func(string) string { return "" })
		if err == nil || !strings.Contains(err.Error(), "usage") {
			t.Errorf("%v: got %v, want a usage error", args, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	if err := run(context.Background(), []string{"serve", "-config", missing}, &out, &errOut, func(string) string { return "" }); err == nil {
		t.Error("serve with a missing config file did not fail")
	}
}

func TestConfiguredLayerWithoutTableRefusesToStart(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte("embedded:\n  demo_buildings: 50\nlayers:\n  - id: ghosts\n    source: {table: ghosts}\n"), 0o600)
	env := map[string]string{"CSDI_EMBEDDED_PATH": filepath.Join(dir, "d.gpkg"), "CSDI_ADDR": "127.0.0.1:0"}
	err := run(context.Background(), []string{"serve", "-config", cfg}, io.Discard, io.Discard, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), `layer "ghosts"`) {
		t.Fatalf("got %v, want a refusal naming the layer", err)
	}
}

func firstCoordinate(g any) []float64 {
	c := g.(map[string]any)["coordinates"]
	for {
		arr := c.([]any)
		if _, ok := arr[0].(float64); ok {
			return []float64{arr[0].(float64), arr[1].(float64)}
		}
		c = arr[0]
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
