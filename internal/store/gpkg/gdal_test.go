package gpkg

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// These tests use GDAL, the reference reader and writer of GeoPackages,
// and skip where it is not installed.

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed", name)
	}
	return p
}

// run runs a command and returns its combined output, failing the test if
// it fails or prints a GDAL warning or error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	for _, bad := range []string{"Warning", "ERROR"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("%s %s printed a %s:\n%s", name, strings.Join(args, " "), bad, out)
		}
	}
	return string(out)
}

// writeFixtures writes the contract's layers to a new GeoPackage and closes it.
func writeFixtures(t *testing.T, path string) {
	t.Helper()
	s, err := Open(path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range storetest.Fixtures() {
		if err := s.WriteLayer(context.Background(), &f.Layer, storetest.Seq(f.Records)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestGDALReadsOurFile(t *testing.T) {
	ogrinfo := needTool(t, "ogrinfo")
	path := filepath.Join(t.TempDir(), "ours.gpkg")
	writeFixtures(t, path)

	t.Run("single file after Close", func(t *testing.T) {
		if _, err := os.Stat(path + "-wal"); err == nil {
			t.Errorf("%s-wal is left behind", path)
		}
	})
	t.Run("header", func(t *testing.T) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// SQLite header: application_id at offset 68, user_version at 60.
		if got := string(b[68:72]); got != "GPKG" {
			t.Errorf("application_id %q, want GPKG", got)
		}
		if got := int(b[60])<<24 | int(b[61])<<16 | int(b[62])<<8 | int(b[63]); got != userVersion {
			t.Errorf("user_version %d, want %d", got, userVersion)
		}
	})
	t.Run("ogrinfo", func(t *testing.T) {
		out := run(t, ogrinfo, "-ro", "-al", "-so", path)
		for _, want := range []string{
			"Layer name: contract_facilities", "Geometry: Point", "Feature Count: 3",
			`ID["EPSG",2326]`, "FID Column = id", "opened_on: Date", "opened_at: DateTime",
			"open: Integer(Boolean)", "floors: Integer64", "height: Real",
			"Layer name: contract_shapes", "Feature Count: 6", "FID Column = fid",
			"Geometry Column = shape", "code: String (0.0) UNIQUE NOT NULL",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("ogrinfo output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("spatial index", func(t *testing.T) {
		for _, q := range []string{
			"SELECT HasSpatialIndex('contract_shapes', 'shape')",
			"SELECT HasSpatialIndex('contract_facilities', 'geom')",
		} {
			if out := run(t, ogrinfo, "-ro", "-q", path, "-sql", q); !strings.Contains(out, "HasSpatialIndex (Integer) = 1") {
				t.Errorf("%s:\n%s", q, out)
			}
		}
		// A bbox filter GDAL answers through the rtree: only the multipolygon's
		// eastern part and the multilinestring reach east of 114.29.
		out := run(t, ogrinfo, "-ro", "-q", path, "contract_shapes", "-spat", "114.29", "22.19", "114.5", "22.5")
		if !strings.Contains(out, "kind (String) = multipolygon") || strings.Contains(out, "kind (String) = line\n") {
			t.Errorf("bbox filter through the index:\n%s", out)
		}
	})
	t.Run("GDAL appends through our triggers", func(t *testing.T) {
		ogr2ogr := needTool(t, "ogr2ogr")
		add := filepath.Join(t.TempDir(), "add.geojson")
		err := os.WriteFile(add, []byte(`{"type":"FeatureCollection",
			"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2326"}},
			"features":[{"type":"Feature","properties":{"name":"Added by GDAL","floors":1},
			"geometry":{"type":"Point","coordinates":[834000,817000]}}]}`), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		run(t, ogr2ogr, "-update", "-append", path, add, "-nln", "contract_facilities")
		s, err := Open(path, Options{Logger: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var check string
		if err := s.db.QueryRow(`SELECT rtreecheck('rtree_contract_facilities_geom')`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("rtreecheck: %q, %v", check, err)
		}
		fx := storetest.Fixtures()[0]
		got := loadAll(t, s, &fx.Layer)
		if len(got) != 4 {
			t.Fatalf("loaded %d records, want 4", len(got))
		}
		compare(t, got[3], store.Record{ID: int64(4), Geometry: orb.Point{834000, 817000},
			Props: []any{"Added by GDAL", int64(1), nil, nil, nil, nil, nil, nil}})
	})
	t.Run("validate_gpkg.py", func(t *testing.T) {
		script := "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
		if _, err := os.Stat(script); err != nil {
			t.Skip("GDAL's validate_gpkg.py is not installed")
		}
		run(t, needTool(t, "python3"), script, path)
	})
}

// gdalSites is a small GeoJSON layer with every type GDAL infers and 3D
// points, so the file ogr2ogr makes from it has ISO WKB Z geometries.
const gdalSites = `{"type":"FeatureCollection","name":"hk_sites","features":[
{"type":"Feature","properties":{"name":"大會堂 City Hall","floors":12,"height":45.5,"open":true,"opened":"2024-03-15","at":"2024-03-15T08:30:15Z","meta":{"k":1}},"geometry":{"type":"Point","coordinates":[114.1605,22.282,12.5]}},
{"type":"Feature","properties":{"name":"Pier","floors":null,"height":-1.25,"open":false,"opened":"2023-12-31","at":"2023-12-31T23:59:59.250Z","meta":null},"geometry":{"type":"Point","coordinates":[114.17,22.29,0]}},
{"type":"Feature","properties":{"name":"Nowhere","floors":3,"height":null,"open":null,"opened":null,"at":null,"meta":null},"geometry":null}
]}`

// gdalShapes are mixed 3D geometries in HK1980 Grid.
const gdalShapes = `{"type":"FeatureCollection","name":"hk_shapes","features":[
{"type":"Feature","properties":{"kind":"line"},"geometry":{"type":"LineString","coordinates":[[833000,816000,5],[833100,816050,6]]}},
{"type":"Feature","properties":{"kind":"block"},"geometry":{"type":"MultiPolygon","coordinates":[[[[833000,816000,1],[833010,816000,1],[833010,816010,1],[833000,816000,1]]]]}}
]}`

func TestReadGDALFile(t *testing.T) {
	ogr2ogr := needTool(t, "ogr2ogr")
	dir := t.TempDir()
	path := filepath.Join(dir, "gdal.gpkg")
	for i, src := range []struct{ json, srs string }{{gdalSites, "EPSG:4326"}, {gdalShapes, "EPSG:2326"}} {
		in := filepath.Join(dir, "in.geojson")
		if err := os.WriteFile(in, []byte(src.json), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"-f", "GPKG", "-a_srs", src.srs, path, in}
		if i > 0 {
			args = append([]string{"-update"}, args...)
		}
		run(t, ogr2ogr, args...)
	}

	s, err := Open(path, Options{Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ls, err := s.Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 {
		t.Fatalf("found %d layers, want 2: %+v", len(ls), ls)
	}
	sites, shapes := ls[1], ls[0] // tables come in name order

	t.Run("types inferred", func(t *testing.T) {
		l := sites
		if l.ID != "hk_sites" || l.Title.En != "hk_sites" || l.GeometryType != layer.Point {
			t.Errorf("layer %q titled %q of %q", l.ID, l.Title.En, l.GeometryType)
		}
		wantSrc := layer.Source{Table: "hk_sites", IDColumn: "fid", GeometryColumn: "geom", SRID: 4326}
		if l.Source != wantSrc {
			t.Errorf("source %+v, want %+v", l.Source, wantSrc)
		}
		want := []layer.Field{
			{Name: "name", Type: layer.String}, {Name: "floors", Type: layer.Integer},
			{Name: "height", Type: layer.Number}, {Name: "open", Type: layer.Boolean},
			{Name: "opened", Type: layer.Date}, {Name: "at", Type: layer.DateTime},
			{Name: "meta", Type: layer.String},
		}
		if len(l.Fields) != len(want) {
			t.Fatalf("fields %+v, want %+v", l.Fields, want)
		}
		for i := range want {
			if l.Fields[i] != want[i] {
				t.Errorf("field %d: %+v, want %+v", i, l.Fields[i], want[i])
			}
		}
		if err := l.Validate(); err != nil {
			t.Error(err)
		}
		if shapes.GeometryType != layer.AnyGeometry || shapes.Source.SRID != 2326 {
			t.Errorf("hk_shapes: %q in EPSG:%d, want Geometry in 2326", shapes.GeometryType, shapes.Source.SRID)
		}
	})

	t.Run("features loaded", func(t *testing.T) {
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
		want := []store.Record{
			{ID: int64(1), Geometry: orb.Point{114.1605, 22.282}, Props: []any{"大會堂 City Hall", int64(12), 45.5, true,
				day(2024, 3, 15), time.Date(2024, 3, 15, 8, 30, 15, 0, time.UTC), "{ \"k\": 1 }"}},
			{ID: int64(2), Geometry: orb.Point{114.17, 22.29}, Props: []any{"Pier", nil, -1.25, false,
				day(2023, 12, 31), time.Date(2023, 12, 31, 23, 59, 59, 250e6, time.UTC), nil}},
			{ID: int64(3), Props: []any{"Nowhere", int64(3), nil, nil, nil, nil, nil}},
		}
		got := loadAll(t, s, &sites)
		if len(got) != len(want) {
			t.Fatalf("loaded %d records, want %d", len(got), len(want))
		}
		for i := range want {
			compare(t, got[i], want[i])
		}
		gotShapes := loadAll(t, s, &shapes)
		wantShapes := []orb.Geometry{
			orb.LineString{{833000, 816000}, {833100, 816050}},
			orb.MultiPolygon{{{{833000, 816000}, {833010, 816000}, {833010, 816010}, {833000, 816000}}}},
		}
		if len(gotShapes) != 2 {
			t.Fatalf("loaded %d shapes, want 2", len(gotShapes))
		}
		for i, g := range wantShapes {
			if !storetest.GeometryEqual(gotShapes[i].Geometry, g, 0) {
				t.Errorf("shape %d: %v, want %v", i, gotShapes[i].Geometry, g)
			}
		}
	})

	t.Run("we write into GDAL's file and GDAL still reads it", func(t *testing.T) {
		ogrinfo := needTool(t, "ogrinfo")
		fx := storetest.Fixtures()[0]
		if err := s.WriteLayer(context.Background(), &fx.Layer, storetest.Seq(fx.Records)); err != nil {
			t.Fatal(err)
		}
		out := run(t, ogrinfo, "-ro", "-so", path, "contract_facilities")
		if !strings.Contains(out, "Feature Count: 3") {
			t.Errorf("ogrinfo:\n%s", out)
		}
	})
}

func loadAll(t *testing.T, s *Store, l *layer.Layer) []store.Record {
	t.Helper()
	var got []store.Record
	if err := s.Load(context.Background(), l, func(r store.Record) error {
		got = append(got, r)
		return nil
	}); err != nil {
		t.Fatalf("Load %s: %v", l.ID, err)
	}
	return got
}

func compare(t *testing.T, got, want store.Record) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("id %v, want %v", got.ID, want.ID)
	}
	if !storetest.GeometryEqual(got.Geometry, want.Geometry, 0) {
		t.Errorf("id %v: geometry %v, want %v", want.ID, got.Geometry, want.Geometry)
	}
	if len(got.Props) != len(want.Props) {
		t.Fatalf("id %v: %d props, want %d", want.ID, len(got.Props), len(want.Props))
	}
	for i := range want.Props {
		if !storetest.ValueEqual(got.Props[i], want.Props[i]) {
			t.Errorf("id %v prop %d: %#v, want %#v", want.ID, i, got.Props[i], want.Props[i])
		}
	}
}
