package main

// The analysts' integration tests: the demo dataset in a real PostGIS, served
// by a real `csdi serve`, read by the clients GIS analysts use (GDAL's OAPIF
// driver, OWSLib) and by hand-written CQL2, and every answer checked against
// PostgreSQL answering the same question over the same table.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/testenv"
)

// analystBuildings is the size of the buildings layer: above analystMaxLimit,
// so clients must page and downloads must ignore the page limit.
const (
	analystBuildings = 3000
	analystMaxLimit  = 1000
)

// analyst is the served demo and a connection to the database behind it.
type analyst struct {
	s  *liveServer
	db *pgx.Conn
}

func TestAnalystClients(t *testing.T) {
	dbURL := testenv.DatabaseURL(t)
	ctx := context.Background()
	env := func(string) string { return "" }
	if err := run(ctx, []string{"demo", "-database", dbURL, "-buildings", strconv.Itoa(analystBuildings)}, io.Discard, io.Discard, env); err != nil {
		t.Fatalf("demo: %v", err)
	}
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	// The demo has no missing values; an analyst's data has. Every 13th
	// building's year is unknown, for IS NULL and for NULLs in comparisons.
	if _, err := db.Exec(ctx, "UPDATE buildings SET year_built = NULL WHERE id % 13 = 0"); err != nil {
		t.Fatal(err)
	}
	a := &analyst{
		s:  startServe(t, map[string]string{"CSDI_DATABASE_URL": dbURL, "CSDI_PRIVACY_KEY": testPrivacyKey, "CSDI_MAX_LIMIT": strconv.Itoa(analystMaxLimit)}),
		db: db,
	}
	t.Run("conformance", a.testConformance)
	t.Run("GDAL", a.testGDAL)
	t.Run("downloads", a.testDownloads)
	t.Run("OWSLib", a.testOWSLib)
	t.Run("CQL2", a.testCQL2)
	t.Run("sortby and properties", a.testSortbyProperties)
}

// needTool skips without the tool, or fails where make test promised it.
func needTool(t *testing.T, name string, probe ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CSDI_TEST_REQUIRE_DATABASE") != "" {
			t.Fatalf("%s is not installed although make test installs it: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	if len(probe) > 0 {
		if out, err := exec.Command(name, probe...).CombinedOutput(); err != nil {
			if os.Getenv("CSDI_TEST_REQUIRE_DATABASE") != "" {
				t.Fatalf("%s %v: %v\n%s", name, probe, err, out)
			}
			t.Skipf("%s %v: %v", name, probe, err)
		}
	}
}

// count is PostgreSQL's number of rows of table matching where.
func (a *analyst) count(t *testing.T, table, where string, args ...any) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM " + pgx.Identifier{table}.Sanitize() + " WHERE " + where
	if err := a.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// ids is PostgreSQL's sorted ids of table matching where.
func (a *analyst) ids(t *testing.T, table, where string, args ...any) []int64 {
	t.Helper()
	q := "SELECT id FROM " + pgx.Identifier{table}.Sanitize() + " WHERE " + where + " ORDER BY id"
	rows, err := a.db.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return ids
}

// items GETs a collection's items with q and decodes the GeoJSON; it fails
// the test on anything but a 200.
func (a *analyst) items(t *testing.T, layer string, q url.Values) featureCollection {
	t.Helper()
	path := "/collections/" + layer + "/items?" + q.Encode()
	resp, body := a.s.get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	var fc featureCollection
	if err := json.Unmarshal(body, &fc); err != nil {
		t.Fatalf("GET %s: not GeoJSON: %v", path, err)
	}
	fc.contentCrs = resp.Header.Get("Content-Crs")
	return fc
}

type featureCollection struct {
	NumberMatched  int `json:"numberMatched"`
	NumberReturned int `json:"numberReturned"`
	Features       []struct {
		ID         json.Number     `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
	contentCrs string
}

func (fc featureCollection) ids(t *testing.T) []int64 {
	t.Helper()
	out := make([]int64, len(fc.Features))
	for i, f := range fc.Features {
		n, err := f.ID.Int64()
		if err != nil {
			t.Fatalf("feature id %q is not an integer", f.ID)
		}
		out[i] = n
	}
	return out
}

// Conformance classes the analysts' clients look for before they send a
// filter or a crs (GDAL, OWSLib and QGIS read /conformance).
var analystConformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
}

func (a *analyst) testConformance(t *testing.T) {
	var doc struct{ ConformsTo []string }
	resp, body := a.s.get(t, "/conformance?f=json")
	if resp.StatusCode != 200 || json.Unmarshal(body, &doc) != nil {
		t.Fatalf("/conformance: %d %s", resp.StatusCode, body)
	}
	for _, c := range analystConformance {
		if !slices.Contains(doc.ConformsTo, c) {
			t.Errorf("/conformance does not declare %s", c)
		}
	}
}

// ---------------------------------------------------------------- GDAL

var featureCountRE = regexp.MustCompile(`(?m)^Feature Count: (\d+)$`)

// ogrCount runs ogrinfo -so with args and returns the one feature count.
func ogrCount(t *testing.T, args ...string) int {
	t.Helper()
	n, _ := ogrInfo(t, nil, args...)
	return n
}

// ogrInfo runs ogrinfo -ro -so with args and the extra environment env,
// and returns the one feature count and all it printed (with CPL_DEBUG=ON,
// the URLs it fetched).
func ogrInfo(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("ogrinfo", append([]string{"-ro", "-so"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo %v: %v\n%s", args, err, out)
	}
	m := featureCountRE.FindAllSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("ogrinfo %v: %d feature counts in\n%s", args, len(m), out)
	}
	n, _ := strconv.Atoi(string(m[0][1]))
	return n, string(out)
}

func (a *analyst) testGDAL(t *testing.T) {
	needTool(t, "ogrinfo", "--version")
	needTool(t, "ogr2ogr", "--version")
	src := "OAPIF:" + a.s.base
	publicLayers := []string{"buildings", "roads", "public_toilets", "clinics", "districts"}

	t.Run("lists every public layer with its count", func(t *testing.T) {
		out, err := exec.Command("ogrinfo", "-ro", "-al", "-so", src).CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo -al: %v\n%s", err, out)
		}
		counts := map[string]int{}
		var current string
		for _, line := range strings.Split(string(out), "\n") {
			if name, ok := strings.CutPrefix(line, "Layer name: "); ok {
				current = strings.TrimSpace(name)
			}
			if m := featureCountRE.FindStringSubmatch(line); m != nil {
				counts[current], _ = strconv.Atoi(m[1])
			}
		}
		for _, l := range publicLayers {
			if want := a.count(t, l, "true"); counts[l] != want {
				t.Errorf("ogrinfo: layer %s has %d features, PostgreSQL %d", l, counts[l], want)
			}
		}
		// The sensitive layer is there as the public sees it: masked, one
		// snapped case per case.
		if want := a.count(t, "elderly_home_care", "true"); counts["elderly_home_care"] != want || len(counts) != len(publicLayers)+1 {
			t.Errorf("ogrinfo lists %v, want %v and elderly_home_care's %d masked cases", counts, publicLayers, want)
		}
	})

	t.Run("-where counts match PostgreSQL", func(t *testing.T) {
		for _, where := range []string{
			"floors > 30",
			"use = 'commercial' AND floors >= 20",
			"district IN ('Sha Tin', 'Eastern') OR height_m < 10",
			"year_built IS NULL",
		} {
			got := ogrCount(t, src, "buildings", "-where", where)
			if want := a.count(t, "buildings", where); got != want {
				t.Errorf("ogrinfo -where %q: %d features, PostgreSQL %d", where, got, want)
			}
		}
	})

	// GDAL 3.6 sends a -where clause to the server only in the draft
	// cql-text dialect (dates as strings), which /api lists; otherwise it
	// pages through everything and filters itself.
	t.Run("-where is evaluated by the server as cql-text", func(t *testing.T) {
		var opened string
		if err := a.db.QueryRow(context.Background(),
			"SELECT opened::text FROM clinics WHERE opened IS NOT NULL ORDER BY id LIMIT 1").Scan(&opened); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ layer, where string }{
			{"buildings", "floors > 40 AND use = 'commercial'"},
			{"buildings", "NOT (name_en LIKE 'A%') AND (year_built IS NULL OR year_built < 1980)"},
			{"clinics", "opened >= '2010-01-01' AND opened < '2016-01-01'"},
			{"clinics", "opened = '" + opened + "' OR district = 'Sha Tin'"},
		} {
			got, out := ogrInfo(t, []string{"CPL_DEBUG=ON"}, src, c.layer, "-where", c.where)
			if !strings.Contains(out, "filter-lang=cql-text") || strings.Contains(out, "on client side") {
				t.Errorf("ogrinfo -where %q did not send the whole filter to the server:\n%s", c.where, debugFetches(out))
			}
			if want := a.count(t, c.layer, c.where); got != want || want == 0 {
				t.Errorf("ogrinfo -where %q on %s: %d features, PostgreSQL %d", c.where, c.layer, got, want)
			}
		}
	})

	t.Run("-spat counts match PostGIS", func(t *testing.T) {
		for _, box := range [][4]float64{
			{114.16, 22.30, 114.18, 22.32},
			{114.10, 22.25, 114.25, 22.40}, // more than one page
		} {
			args := []string{src, "buildings", "-spat"}
			for _, v := range box {
				args = append(args, strconv.FormatFloat(v, 'f', -1, 64))
			}
			got := ogrCount(t, args...)
			want := a.count(t, "buildings", "ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope($1, $2, $3, $4, 4326))", box[0], box[1], box[2], box[3])
			if got != want || want == 0 {
				t.Errorf("ogrinfo -spat %v: %d features, PostGIS %d", box, got, want)
			}
		}
	})

	t.Run("ogr2ogr -t_srs EPSG:2326 agrees with the server and PostGIS", func(t *testing.T) {
		const n = 8
		dst := filepath.Join(t.TempDir(), "clinics_2326.geojson")
		out, err := exec.Command("ogr2ogr", "-f", "GeoJSON", "-lco", "RFC7946=NO", "-t_srs", "EPSG:2326",
			"-preserve_fid", "-limit", strconv.Itoa(n), dst, src, "clinics").CombinedOutput()
		if err != nil {
			t.Fatalf("ogr2ogr: %v\n%s", err, out)
		}
		raw, err := os.ReadFile(dst)
		if err != nil {
			t.Fatal(err)
		}
		var gdal struct {
			CRS      struct{ Properties struct{ Name string } }
			Features []struct {
				ID       int64
				Geometry struct{ Coordinates []float64 }
			}
		}
		if err := json.Unmarshal(raw, &gdal); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(gdal.CRS.Properties.Name, "2326") || len(gdal.Features) != n {
			t.Fatalf("ogr2ogr wrote %d features in %q, want %d in EPSG:2326", len(gdal.Features), gdal.CRS.Properties.Name, n)
		}
		// The server's own EPSG:2326 output is northing first, the axis
		// order EPSG gives HK1980 Grid; GDAL writes easting first.
		fc := a.items(t, "clinics", url.Values{"crs": {"EPSG:2326"}, "limit": {strconv.Itoa(analystMaxLimit)}})
		if fc.contentCrs != "<http://www.opengis.net/def/crs/EPSG/0/2326>" {
			t.Errorf("Content-Crs %q", fc.contentCrs)
		}
		server := map[int64][2]float64{} // id → easting, northing
		for i, f := range fc.Features {
			var g struct{ Coordinates []float64 }
			if err := json.Unmarshal(f.Geometry, &g); err != nil || len(g.Coordinates) != 2 {
				t.Fatalf("clinic %s geometry %s", f.ID, f.Geometry)
			}
			server[fc.ids(t)[i]] = [2]float64{g.Coordinates[1], g.Coordinates[0]}
		}
		for _, f := range gdal.Features {
			var e, nn float64
			if err := a.db.QueryRow(context.Background(),
				"SELECT ST_X(ST_Transform(geom, 2326)), ST_Y(ST_Transform(geom, 2326)) FROM clinics WHERE id = $1", f.ID).Scan(&e, &nn); err != nil {
				t.Fatalf("clinic %d: %v", f.ID, err)
			}
			pg := [2]float64{e, nn}
			gd := [2]float64{f.Geometry.Coordinates[0], f.Geometry.Coordinates[1]}
			sv, ok := server[f.ID]
			if !ok {
				t.Fatalf("clinic %d not in the server's EPSG:2326 answer", f.ID)
			}
			// The server prints centimetres.
			if d := dist(sv, pg); d > 0.01 {
				t.Errorf("clinic %d: server's crs=EPSG:2326 (N,E swapped back) %v is %.3f m from PostGIS %v", f.ID, sv, d, pg)
			}
			if d := dist(gd, sv); d > 1 {
				t.Errorf("clinic %d: GDAL's -t_srs EPSG:2326 %v is %.3f m from the server's %v", f.ID, gd, d, sv)
			}
			if d := dist(gd, pg); d > 1 {
				t.Errorf("clinic %d: GDAL's -t_srs EPSG:2326 %v is %.3f m from PostGIS %v", f.ID, gd, d, pg)
			}
		}
	})
}

func dist(p, q [2]float64) float64 { return math.Hypot(p[0]-q[0], p[1]-q[1]) }

// debugFetches keeps the lines of GDAL's debug output that say what it
// fetched and how it filtered, for a failure message.
func debugFetches(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if len(keep) < 12 && (strings.Contains(line, "Fetch(") || strings.HasPrefix(line, "OAPIF:") || strings.HasPrefix(line, "ERROR")) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// ----------------------------------------------------------- downloads

var extentRE = regexp.MustCompile(`(?m)^Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)$`)

func (a *analyst) download(t *testing.T, layer string, q url.Values) []byte {
	t.Helper()
	path := "/collections/" + layer + "/items?" + q.Encode()
	resp, body := a.s.get(t, path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

func (a *analyst) testDownloads(t *testing.T) {
	t.Run("GeoPackage with a filter in EPSG:2326 opens in GDAL", func(t *testing.T) {
		needTool(t, "ogrinfo", "--version")
		const filter, where = "floors > 30 AND use <> 'residential'", "floors > 30 AND use <> 'residential'"
		body := a.download(t, "buildings", url.Values{"f": {"gpkg"}, "filter": {filter}, "crs": {"EPSG:2326"}})
		path := filepath.Join(t.TempDir(), "tall.gpkg")
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("ogrinfo", "-ro", "-so", path, "buildings").CombinedOutput()
		if err != nil {
			t.Fatalf("ogrinfo on the download: %v\n%s", err, out)
		}
		want := a.count(t, "buildings", where)
		if m := featureCountRE.FindSubmatch(out); m == nil || string(m[1]) != strconv.Itoa(want) {
			t.Errorf("GeoPackage: want Feature Count %d (PostgreSQL), got\n%s", want, out)
		}
		if !bytes.Contains(out, []byte(`ID["EPSG",2326]`)) {
			t.Errorf("GeoPackage layer is not in EPSG:2326:\n%s", out)
		}
		// The extent GDAL reads is easting/northing and equals PostGIS's.
		var x0, y0, x1, y1 float64
		if err := a.db.QueryRow(context.Background(), "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM buildings WHERE "+where+") s").Scan(&x0, &y0, &x1, &y1); err != nil {
			t.Fatal(err)
		}
		m := extentRE.FindSubmatch(out)
		if m == nil {
			t.Fatalf("no extent in\n%s", out)
		}
		for i, want := range []float64{x0, y0, x1, y1} {
			got, _ := strconv.ParseFloat(string(m[i+1]), 64)
			if math.Abs(got-want) > 0.05 {
				t.Errorf("GeoPackage extent %s, PostGIS (%.2f, %.2f) - (%.2f, %.2f)", m[0], x0, y0, x1, y1)
				break
			}
		}
	})

	t.Run("GeoPackage of a whole layer ignores the page limit", func(t *testing.T) {
		needTool(t, "ogrinfo", "--version")
		body := a.download(t, "buildings", url.Values{"f": {"gpkg"}})
		path := filepath.Join(t.TempDir(), "all.gpkg")
		if err := os.WriteFile(path, body, 0o600); err != nil {
			t.Fatal(err)
		}
		if got := ogrCount(t, path, "buildings"); got != analystBuildings {
			t.Errorf("whole-layer GeoPackage has %d features, want %d (max limit is %d)", got, analystBuildings, analystMaxLimit)
		}
	})

	t.Run("CSV in EPSG:2326", func(t *testing.T) {
		q := url.Values{"f": {"csv"}, "crs": {"EPSG:2326"}}
		body := a.download(t, "buildings", q)
		if !bytes.HasPrefix(body, []byte("\uFEFF")) {
			t.Fatalf("CSV does not start with a UTF-8 BOM: %q", body[:min(len(body), 20)])
		}
		recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		wantHeader := []string{"id", "name_en", "name_zh", "floors", "height_m", "year_built", "use", "district", "geometry_wkt"}
		if !slices.Equal(recs[0], wantHeader) {
			t.Fatalf("CSV header %q, want %q", recs[0], wantHeader)
		}
		matched := a.items(t, "buildings", url.Values{"crs": {"EPSG:2326"}, "limit": {"1"}}).NumberMatched
		if rows := len(recs) - 1; rows != matched || rows != analystBuildings {
			t.Errorf("CSV has %d rows, numberMatched %d, want %d", rows, matched, analystBuildings)
		}
		type pgRow struct {
			nameZh, yearBuilt string
			e, n              float64
		}
		rows, err := a.db.Query(context.Background(), `SELECT id, name_zh, coalesce(year_built::text, ''),
			ST_X(ST_PointN(ST_ExteriorRing(geom), 1)), ST_Y(ST_PointN(ST_ExteriorRing(geom), 1)) FROM buildings`)
		if err != nil {
			t.Fatal(err)
		}
		pg := map[string]pgRow{}
		for rows.Next() {
			var id int64
			var r pgRow
			if err := rows.Scan(&id, &r.nameZh, &r.yearBuilt, &r.e, &r.n); err != nil {
				t.Fatal(err)
			}
			pg[strconv.FormatInt(id, 10)] = r
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
		bad := 0
		for _, rec := range recs[1:] {
			want, ok := pg[rec[0]]
			var e, n float64
			_, scanErr := fmt.Sscanf(rec[8], "POLYGON((%g %g", &e, &n)
			switch {
			case !ok:
				t.Errorf("CSV row id %q is not in PostgreSQL", rec[0])
			case rec[2] != want.nameZh:
				t.Errorf("CSV id %s name_zh %q, PostgreSQL %q", rec[0], rec[2], want.nameZh)
			case rec[5] != want.yearBuilt:
				t.Errorf("CSV id %s year_built %q, PostgreSQL %q", rec[0], rec[5], want.yearBuilt)
			case scanErr != nil:
				t.Errorf("CSV id %s geometry_wkt %.60q", rec[0], rec[8])
			case dist([2]float64{e, n}, [2]float64{want.e, want.n}) > 0.01:
				t.Errorf("CSV id %s first vertex (%v %v), PostGIS (easting, northing) (%v %v)", rec[0], e, n, want.e, want.n)
			default:
				continue
			}
			if bad++; bad > 5 {
				t.Fatal("too many bad rows")
			}
		}
	})
}

// ------------------------------------------------------------- OWSLib

type owslibReport struct {
	ConformsTo         []string
	Collections        []string
	FeatureCollections []string
	CollectionTitle    string
	Queryables         []string
	Queries            map[string]struct {
		NumberMatched  *int
		NumberReturned *int
		Features       int
		IDs            []int64
		Types          []string
		Positions      [][]float64 // each feature's first coordinate pair
		Error          string
		URL            string
	}
}

const hk80URI = "http://www.opengis.net/def/crs/EPSG/0/2326"

// hk80Box is a box over Kowloon in HK1980 Grid, in EPSG:2326's axis order
// (minN, minE, maxN, maxE), and the same as a PostGIS envelope.
var (
	hk80Box      = []float64{816000, 833000, 822000, 838000}
	hk80Envelope = "ST_Intersects(ST_Transform(geom, 2326), ST_MakeEnvelope(833000, 816000, 838000, 822000, 2326))"
)

func (a *analyst) testOWSLib(t *testing.T) {
	const python = "/usr/bin/python3" // Debian's python3-owslib is importable only by it
	needTool(t, python, "-c", "import owslib.ogcapi.features")
	bbox := []float64{114.15, 22.27, 114.19, 22.31}
	const filter, where = "floors > 30 AND use = 'commercial'", "floors > 30 AND use = 'commercial'"
	spec, _ := json.Marshal(map[string]any{
		"collection": "buildings",
		"queries": map[string]any{
			"bbox":   map[string]any{"bbox": bbox, "limit": analystMaxLimit},
			"filter": map[string]any{"filter": filter, "limit": analystMaxLimit},
			"both":   map[string]any{"filter": filter, "bbox": bbox, "limit": analystMaxLimit},
			"limit":  map[string]any{"limit": 7},
			"offset": map[string]any{"limit": 5, "offset": 5},
			"crs":    map[string]any{"collection": "clinics", "crs": hk80URI, "limit": analystMaxLimit},
			"bbox-crs": map[string]any{"collection": "clinics", "crs": hk80URI, "limit": analystMaxLimit,
				"bbox": hk80Box, "bbox-crs": hk80URI},
		},
	})
	cmd := exec.Command(python, filepath.Join("testdata", "owslib_client.py"), a.s.base, string(spec))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("OWSLib script: %v\n%s", err, stderr.Bytes())
	}
	var r owslibReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("OWSLib script printed %q: %v", out, err)
	}
	for _, c := range analystConformance[:6] { // Parts 1–3, which OWSLib's users look for
		if !slices.Contains(r.ConformsTo, c) {
			t.Errorf("OWSLib: conformance lacks %s", c)
		}
	}
	for _, l := range []string{"buildings", "roads", "public_toilets", "clinics", "districts"} {
		if !slices.Contains(r.Collections, l) || !slices.Contains(r.FeatureCollections, l) {
			t.Errorf("OWSLib: %s missing from collections %v / feature collections %v", l, r.Collections, r.FeatureCollections)
		}
	}
	if !slices.Contains(r.Collections, "elderly_home_care") || r.CollectionTitle == "" {
		t.Errorf("OWSLib: collections %v, buildings title %q", r.Collections, r.CollectionTitle)
	}
	for _, q := range []string{"geometry", "floors", "height_m", "name_zh", "use", "year_built"} {
		if !slices.Contains(r.Queryables, q) {
			t.Errorf("OWSLib: queryables %v lack %s", r.Queryables, q)
		}
	}
	inBox := "ST_Intersects(ST_Transform(geom, 4326), ST_MakeEnvelope(114.15, 22.27, 114.19, 22.31, 4326))"
	for name, where := range map[string]string{
		"bbox":   inBox,
		"filter": where,
		"both":   inBox + " AND " + where,
	} {
		got := r.Queries[name]
		want := a.ids(t, "buildings", where)
		switch {
		case got.Error != "":
			t.Errorf("OWSLib %s (%s): %s", name, got.URL, got.Error)
		case got.NumberMatched == nil || *got.NumberMatched != len(want) || len(want) == 0:
			t.Errorf("OWSLib %s (%s): numberMatched %v, PostGIS %d", name, got.URL, got.NumberMatched, len(want))
		case len(want) <= analystMaxLimit && !slices.Equal(sorted(got.IDs), want):
			t.Errorf("OWSLib %s: ids differ from PostGIS's (%d vs %d)", name, len(got.IDs), len(want))
		case !slices.Equal(got.Types, []string{"Polygon"}):
			t.Errorf("OWSLib %s: geometry types %v", name, got.Types)
		}
	}
	for name, where := range map[string]string{"crs": "true", "bbox-crs": hk80Envelope} {
		q := r.Queries[name]
		if q.Error != "" || !strings.Contains(q.URL, "crs=") {
			t.Errorf("OWSLib %s (%s): %s", name, q.URL, q.Error)
			continue
		}
		if want := a.ids(t, "clinics", where); len(want) == 0 || !slices.Equal(sorted(q.IDs), want) {
			t.Errorf("OWSLib %s (%s): ids %v, PostGIS %v", name, q.URL, sorted(q.IDs), want)
		}
		a.checkHK80Positions(t, "OWSLib "+name, q.IDs, q.Positions)
	}
	lim, off := r.Queries["limit"], r.Queries["offset"]
	if lim.Error != "" || off.Error != "" {
		t.Fatalf("OWSLib limit/offset: %s %s", lim.Error, off.Error)
	}
	if lim.Features != 7 || lim.NumberReturned == nil || *lim.NumberReturned != 7 || lim.NumberMatched == nil || *lim.NumberMatched != analystBuildings {
		t.Errorf("OWSLib limit=7: %d features, numberReturned %v, numberMatched %v", lim.Features, lim.NumberReturned, lim.NumberMatched)
	}
	if off.Features != 5 || len(lim.IDs) != 7 || !slices.Equal(off.IDs[:2], lim.IDs[5:7]) {
		t.Errorf("OWSLib limit=5&offset=5 gave ids %v, limit=7 gave %v: pages do not line up", off.IDs, lim.IDs)
	}
}

// checkHK80Positions checks points a client got with crs=EPSG:2326: each
// is northing first and within 1 m of PostGIS's ST_Transform of the clinic.
func (a *analyst) checkHK80Positions(t *testing.T, what string, ids []int64, positions [][]float64) {
	t.Helper()
	if len(positions) != len(ids) {
		t.Fatalf("%s: %d positions for %d features", what, len(positions), len(ids))
	}
	rows, err := a.db.Query(context.Background(),
		"SELECT id, ST_X(ST_Transform(geom, 2326)), ST_Y(ST_Transform(geom, 2326)) FROM clinics WHERE id = ANY($1)", ids)
	if err != nil {
		t.Fatal(err)
	}
	pg := map[int64][2]float64{} // easting, northing
	for rows.Next() {
		var id int64
		var e, n float64
		if err := rows.Scan(&id, &e, &n); err != nil {
			t.Fatal(err)
		}
		pg[id] = [2]float64{e, n}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		p := positions[i]
		want, ok := pg[id]
		if !ok || len(p) != 2 {
			t.Fatalf("%s: clinic %d at %v, PostGIS %v", what, id, p, want)
		}
		got := [2]float64{p[1], p[0]} // northing, easting → easting, northing
		if d := dist(got, want); d > 1 {
			t.Errorf("%s: clinic %d (N, E) = %v is %.3f m from PostGIS's (E, N) %v", what, id, p, d, want)
		}
	}
}

func sorted(xs []int64) []int64 {
	ys := slices.Clone(xs)
	slices.Sort(ys)
	return ys
}

// --------------------------------------------------------------- CQL2

// cql2Case is one filter in its encodings and the SQL that selects the same
// rows from the same table.
type cql2Case struct {
	name, layer string
	text, json  string // json may be empty
	crs         string // filter-crs, empty for CRS84
	sql         string
}

func (a *analyst) cql2Cases(t *testing.T) []cql2Case {
	// Boundaries of the temporal cases are real opening dates, so that
	// whether a bound is included is visible in the count.
	var d1, d2 string
	if err := a.db.QueryRow(context.Background(), `SELECT
		(SELECT opened::text FROM clinics ORDER BY opened, id OFFSET 60 LIMIT 1),
		(SELECT opened::text FROM clinics ORDER BY opened, id OFFSET 180 LIMIT 1)`).Scan(&d1, &d2); err != nil {
		t.Fatal(err)
	}
	const (
		tri      = "POLYGON((114.16 22.30, 114.20 22.30, 114.18 22.34, 114.16 22.30))"
		triJSON  = `{"type":"Polygon","coordinates":[[[114.16,22.30],[114.20,22.30],[114.18,22.34],[114.16,22.30]]]}`
		square   = "POLYGON((114.15 22.27, 114.19 22.27, 114.19 22.31, 114.15 22.31, 114.15 22.27))"
		in4326   = "ST_Transform(geom, 4326)"
		lineWKT  = "LINESTRING(114.15 22.28, 114.20 22.33)"
		pointWKT = "POINT(114.17 22.32)"
	)
	return []cql2Case{
		// comparison and logic
		{"comparison", "buildings", "floors > 30",
			`{"op":">","args":[{"property":"floors"},30]}`, "", "floors > 30"},
		{"and", "buildings", "use = 'commercial' AND floors >= 20",
			`{"op":"and","args":[{"op":"=","args":[{"property":"use"},"commercial"]},{"op":">=","args":[{"property":"floors"},20]}]}`, "",
			"use = 'commercial' AND floors >= 20"},
		{"or not", "buildings", "NOT (use = 'residential') OR floors > 60", "", "", "NOT (use = 'residential') OR floors > 60"},
		{"not equal and float", "buildings", "district <> 'Sha Tin' AND height_m < 12.5", "", "", "district <> 'Sha Tin' AND height_m < 12.5"},
		{"comparison with null values", "buildings", "year_built < 1970", "", "", "year_built < 1970"},
		{"boolean", "public_toilets", "accessible = true AND district = 'Eastern'", "", "", "accessible = true AND district = 'Eastern'"},
		{"integers on lines", "roads", "lanes >= 3 AND speed_limit_kmh > 50", "", "", "lanes >= 3 AND speed_limit_kmh > 50"},
		{"Chinese equality", "districts", "name_zh = '沙田區' OR population > 500000", "", "", "name_zh = '沙田區' OR population > 500000"},
		// advanced comparison
		{"like", "buildings", "name_en LIKE '%Court%'",
			`{"op":"like","args":[{"property":"name_en"},"%Court%"]}`, "", "name_en LIKE '%Court%'"},
		{"like Chinese suffix", "buildings", "name_zh LIKE '%大廈'", "", "", "name_zh LIKE '%大廈'"},
		{"like one Chinese character", "buildings", "name_zh LIKE '_華%'", "", "", "name_zh LIKE '_華%'"},
		{"in", "buildings", "district IN ('Kwun Tong', 'Sha Tin', 'Eastern')",
			`{"op":"in","args":[{"property":"district"},["Kwun Tong","Sha Tin","Eastern"]]}`, "", "district IN ('Kwun Tong', 'Sha Tin', 'Eastern')"},
		{"not in", "buildings", "use NOT IN ('residential', 'mixed')", "", "", "use NOT IN ('residential', 'mixed')"},
		{"between", "buildings", "year_built BETWEEN 1980 AND 1990",
			`{"op":"between","args":[{"property":"year_built"},1980,1990]}`, "", "year_built BETWEEN 1980 AND 1990"},
		{"is null", "buildings", "year_built IS NULL",
			`{"op":"isNull","args":[{"property":"year_built"}]}`, "", "year_built IS NULL"},
		{"is not null", "buildings", "year_built IS NOT NULL AND floors < 5", "", "", "year_built IS NOT NULL AND floors < 5"},
		{"casei", "buildings", "CASEI(district) = casei('SHA TIN')",
			`{"op":"=","args":[{"op":"casei","args":[{"property":"district"}]},{"op":"casei","args":["SHA TIN"]}]}`, "", "lower(district) = 'sha tin'"},
		{"casei like", "buildings", "CASEI(name_en) LIKE CASEI('%TOWER%')", "", "", "lower(name_en) LIKE '%tower%'"},
		// arithmetic
		{"arithmetic ratio", "buildings", "height_m / floors > 3.2",
			`{"op":">","args":[{"op":"/","args":[{"property":"height_m"},{"property":"floors"}]},3.2]}`, "", "height_m / floors > 3.2"},
		{"arithmetic sum", "buildings", "floors * 3 + 5 < height_m", "", "", "floors * 3 + 5 < height_m"},
		// spatial, CRS84
		{"s_intersects polygon", "buildings", "S_INTERSECTS(geometry, " + tri + ")",
			`{"op":"s_intersects","args":[{"property":"geometry"},` + triJSON + `]}`, "",
			"ST_Intersects(" + in4326 + ", ST_GeomFromText('" + tri + "', 4326))"},
		{"s_within", "buildings", "S_WITHIN(geometry, " + square + ")", "", "",
			"ST_Within(" + in4326 + ", ST_GeomFromText('" + square + "', 4326))"},
		{"bbox", "buildings", "S_INTERSECTS(geometry, BBOX(114.15, 22.27, 114.19, 22.31))",
			`{"op":"s_intersects","args":[{"property":"geometry"},{"bbox":[114.15,22.27,114.19,22.31]}]}`, "",
			"ST_Intersects(" + in4326 + ", ST_MakeEnvelope(114.15, 22.27, 114.19, 22.31, 4326))"},
		{"s_intersects line", "buildings", "S_INTERSECTS(geometry, " + lineWKT + ")", "", "",
			"ST_Intersects(" + in4326 + ", ST_GeomFromText('" + lineWKT + "', 4326))"},
		{"s_intersects point", "districts", "S_INTERSECTS(geometry, " + pointWKT + ")", "", "",
			"ST_Intersects(" + in4326 + ", ST_GeomFromText('" + pointWKT + "', 4326))"},
		{"spatial and attribute", "buildings", "S_INTERSECTS(geometry, " + tri + ") AND floors > 20", "", "",
			"ST_Intersects(" + in4326 + ", ST_GeomFromText('" + tri + "', 4326)) AND floors > 20"},
		// spatial, other filter-crs
		{"bbox in EPSG:3857", "buildings", "S_INTERSECTS(geometry, BBOX(12707000, 2545000, 12711500, 2549500))", "",
			"http://www.opengis.net/def/crs/EPSG/0/3857",
			"ST_Intersects(ST_Transform(geom, 3857), ST_MakeEnvelope(12707000, 2545000, 12711500, 2549500, 3857))"},
		{"polygon in EPSG:2326 (northing, easting)", "buildings",
			"S_INTERSECTS(geometry, POLYGON((818000 835000, 818000 838000, 821000 838000, 818000 835000)))", "",
			"http://www.opengis.net/def/crs/EPSG/0/2326",
			"ST_Intersects(geom, ST_GeomFromText('POLYGON((835000 818000, 838000 818000, 838000 821000, 835000 818000))', 2326))"},
		// temporal
		{"t_after", "clinics", "T_AFTER(opened, DATE('" + d1 + "'))",
			`{"op":"t_after","args":[{"property":"opened"},{"date":"` + d1 + `"}]}`, "", "opened > '" + d1 + "'"},
		{"t_before", "clinics", "T_BEFORE(opened, DATE('" + d1 + "'))", "", "", "opened < '" + d1 + "'"},
		// T_DURING relates intervals; an instant property enters as a
		// degenerate interval.
		{"t_during", "clinics", "T_DURING(INTERVAL(opened, opened), INTERVAL('" + d1 + "', '" + d2 + "'))",
			`{"op":"t_during","args":[{"interval":[{"property":"opened"},{"property":"opened"}]},{"interval":["` + d1 + `","` + d2 + `"]}]}`, "",
			"opened > '" + d1 + "' AND opened < '" + d2 + "'"},
		{"t_intersects open interval", "clinics", "T_INTERSECTS(opened, INTERVAL('" + d2 + "', '..'))", "", "", "opened >= '" + d2 + "'"},
		{"date comparison", "clinics", "opened >= DATE('" + d1 + "') AND clinic_type = 'general'", "", "",
			"opened >= '" + d1 + "' AND clinic_type = 'general'"},
	}
}

func (a *analyst) testCQL2(t *testing.T) {
	for _, c := range a.cql2Cases(t) {
		t.Run(c.name, func(t *testing.T) {
			want := a.ids(t, c.layer, c.sql)
			total := a.count(t, c.layer, "true")
			if len(want) == 0 || len(want) == total {
				t.Fatalf("the SQL %q selects %d of %d rows: the case cannot tell a right filter from a wrong one", c.sql, len(want), total)
			}
			encodings := map[string]string{"cql2-text": c.text}
			if c.json != "" {
				encodings["cql2-json"] = c.json
			}
			for lang, filter := range encodings {
				q := url.Values{"filter": {filter}, "filter-lang": {lang}, "limit": {strconv.Itoa(analystMaxLimit)}, "skipGeometry": {"true"}}
				if lang == "cql2-text" {
					q.Del("filter-lang") // the default
				}
				if c.crs != "" {
					q.Set("filter-crs", c.crs)
				}
				fc := a.items(t, c.layer, q)
				if fc.NumberMatched != len(want) {
					t.Errorf("%s %s: numberMatched %d, PostgreSQL (%s) %d", lang, filter, fc.NumberMatched, c.sql, len(want))
					continue
				}
				if len(want) <= analystMaxLimit {
					if got := sorted(fc.ids(t)); !slices.Equal(got, want) {
						t.Errorf("%s %s: the features differ from PostgreSQL's (%s)", lang, filter, c.sql)
					}
				}
			}
		})
	}
	t.Run("bad filters are 400 problems", func(t *testing.T) {
		for _, q := range []url.Values{
			{"filter": {"floors >"}},
			{"filter": {"nope = 1"}},
			{"filter": {"S_INTERSECTS(geometry, POINT(114.1))"}},
			{"filter": {"floors = 'ten' AND"}},
			{"filter": {`{"op":">","args":[{"property":"floors"}]}`}, "filter-lang": {"cql2-json"}},
			{"filter": {"floors > 3"}, "filter-lang": {"cql2-xml"}},
			{"filter": {"floors > 3"}, "filter-crs": {"EPSG:99999"}},
		} {
			path := "/collections/buildings/items?" + q.Encode()
			resp, body := a.s.get(t, path)
			if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s: %d %s, want a 400 problem", path, resp.StatusCode, body)
			}
		}
	})
}

// ------------------------------------------------ sortby and properties

func (a *analyst) testSortbyProperties(t *testing.T) {
	fc := a.items(t, "buildings", url.Values{
		"sortby": {"-floors,+name_en"}, "properties": {"floors,name_en"}, "limit": {"50"}, "district": {"Sha Tin"},
	})
	// Compared as (floors, name_en) pairs: ids of equal pairs may come in
	// either order.
	rows, err := a.db.Query(context.Background(), "SELECT floors || ' ' || name_en FROM buildings WHERE district = 'Sha Tin' ORDER BY floors DESC, name_en COLLATE \"C\" LIMIT 50")
	if err != nil {
		t.Fatal(err)
	}
	want, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fc.Features {
		if len(f.Properties) != 2 || f.Properties["floors"] == nil || f.Properties["name_en"] == nil {
			t.Fatalf("properties=floors,name_en: feature %s has %v", f.ID, f.Properties)
		}
		got = append(got, fmt.Sprintf("%v %v", f.Properties["floors"], f.Properties["name_en"]))
	}
	if !slices.Equal(got, want) {
		t.Errorf("sortby=-floors,+name_en:\n got %q\nwant %q", got, want)
	}
}
