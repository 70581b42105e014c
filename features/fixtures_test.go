package features

import (
	"encoding/json"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// testClock is the fixed time of every timeStamp in tests.
var testClock = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

// testCatalog is a Catalog of snapshots built in memory.
type testCatalog struct {
	layers []*layer.Layer
	snaps  map[string]*cache.Snapshot
}

func (c *testCatalog) Snapshot(id string) (*cache.Snapshot, bool) {
	s, ok := c.snaps[id]
	return s, ok
}

func (c *testCatalog) Layers() []*layer.Layer { return c.layers }

func (c *testCatalog) add(t testing.TB, l *layer.Layer, records []store.Record) {
	t.Helper()
	s, err := cache.Build(l, seq(records))
	if err != nil {
		t.Fatalf("build %s: %v", l.ID, err)
	}
	if c.snaps == nil {
		c.snaps = map[string]*cache.Snapshot{}
	}
	c.layers = append(c.layers, l)
	c.snaps[l.ID] = s
}

func seq(records []store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func square(lon, lat, size float64) orb.Polygon {
	return orb.Polygon{{{lon, lat}, {lon + size, lat}, {lon + size, lat + size}, {lon, lat + size}, {lon, lat}}}
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Layers of the test catalogue.
var (
	buildingsLayer = layer.Layer{
		ID:           "buildings",
		Title:        layer.Text{En: "Buildings", Zh: "建築物"},
		Description:  layer.Text{En: "Building footprints", Zh: "建築物輪廓"},
		Department:   "LandsD",
		Keywords:     []string{"building", "footprint"},
		License:      "Open Government Licence",
		Source:       layer.Source{Table: "buildings", SRID: 4326},
		GeometryType: layer.Polygon,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String, Title: layer.Text{En: "Name", Zh: "名稱"}},
			{Name: "height", Type: layer.Number},
			{Name: "floors", Type: layer.Integer},
			{Name: "listed", Type: layer.Boolean},
			{Name: "built", Type: layer.Date},
			{Name: "tags", Type: layer.Array},
			{Name: "extra", Type: layer.JSON},
			{Name: "updated", Type: layer.DateTime},
			{Name: "limit", Type: layer.Integer}, // shadowed by the limit parameter
		},
	}
	eventsLayer = layer.Layer{
		ID:           "events",
		Title:        layer.Text{En: "Incidents", Zh: "事故"},
		Source:       layer.Source{Table: "events", SRID: 4326, TimeColumn: "observed"},
		GeometryType: layer.Point,
		Fields: []layer.Field{
			{Name: "kind", Type: layer.String},
			{Name: "observed", Type: layer.DateTime},
		},
	}
	placesLayer = layer.Layer{
		ID:           "places",
		Title:        layer.Text{Zh: "地方"},
		Description:  layer.Text{Zh: "香港地方名稱"},
		Source:       layer.Source{Table: "places", SRID: 4326, IDColumn: "code"},
		GeometryType: layer.AnyGeometry,
		Fields: []layer.Field{
			{Name: "名稱", Type: layer.String, Title: layer.Text{En: "Name", Zh: "名稱"}},
			{Name: "district", Type: layer.String},
		},
	}
	roadsLayer = layer.Layer{
		ID:           "roads",
		Title:        layer.Text{En: "Roads", Zh: "道路"},
		Source:       layer.Source{Table: "roads", SRID: 4326},
		GeometryType: layer.LineString,
		Fields:       []layer.Field{{Name: "route", Type: layer.String}},
	}
	plansLayer = layer.Layer{
		ID:           "plans",
		Title:        layer.Text{En: "Plans", Zh: "規劃"},
		Source:       layer.Source{Table: "plans", SRID: 4326, TimeColumn: "approved"},
		GeometryType: layer.Polygon,
		Fields:       []layer.Field{{Name: "approved", Type: layer.Date}},
	}
)

// Geometries are made afresh for every build: cache.Build transforms a
// record's geometry in place.

// triangle's bound has an empty north-east corner: bboxInCorner is there.
func triangle() orb.Polygon {
	return orb.Polygon{{{114.172, 22.320}, {114.174, 22.320}, {114.172, 22.322}, {114.172, 22.320}}}
}

// withHole is a square with a square hole; bboxInHole is inside the hole.
func withHole() orb.Polygon {
	return orb.Polygon{
		{{114.175, 22.320}, {114.178, 22.320}, {114.178, 22.323}, {114.175, 22.323}, {114.175, 22.320}},
		{{114.176, 22.321}, {114.177, 22.321}, {114.177, 22.322}, {114.176, 22.322}, {114.176, 22.321}},
	}
}

const (
	bboxInCorner = "114.1734,22.3214,114.174,22.322"
	bboxInHole   = "114.1762,22.3212,114.1768,22.3218"
)

func buildingRecords() []store.Record {
	props := func(name string, height float64, floors int64, listed bool, built string) []any {
		return []any{name, height, floors, listed, day(built), []any{"a", int64(1)},
			json.RawMessage(`{"k":[1,2]}`), instant("2024-02-03T04:05:06Z"), int64(7)}
	}
	rs := []store.Record{
		{ID: int64(1), Geometry: square(114.170, 22.320, 0.001), Props: props("Tower A", 120.5, 30, true, "1999-12-31")},
		{ID: int64(2), Geometry: triangle(), Props: props("Triangle", 10, 3, false, "2001-01-01")},
		{ID: int64(3), Geometry: withHole(), Props: props("Courtyard", 20, 5, false, "1980-06-15")},
		{ID: int64(4), Geometry: nil, Props: props("Nowhere", 0, 0, false, "2000-01-01")},
		{ID: int64(5), Geometry: square(114.1705, 22.3205, 0.0002),
			Props: []any{"中環大廈 \"quoted\"\n\u2028<b>&", nil, nil, nil, nil, nil, nil, nil, nil}},
	}
	// A grid of 20 small buildings west of the others, for paging.
	for i := range 20 {
		lon := 114.160 + float64(i%5)*0.001
		lat := 22.320 + float64(i/5)*0.001
		rs = append(rs, store.Record{ID: int64(10 + i), Geometry: square(lon, lat, 0.0005),
			Props: props("Block", float64(i), int64(i%4), i%2 == 0, "2010-01-01")})
	}
	return rs
}

func eventRecords() []store.Record {
	pt := func(lon, lat float64) orb.Point { return orb.Point{lon, lat} }
	return []store.Record{
		{ID: int64(1), Geometry: pt(114.17, 22.30), Props: []any{"fire", instant("2024-01-01T00:00:00Z")}},
		{ID: int64(2), Geometry: pt(114.18, 22.31), Props: []any{"flood", instant("2024-02-15T12:30:00Z")}},
		{ID: int64(3), Geometry: pt(114.19, 22.32), Props: []any{"fire", instant("2024-03-31T23:59:59Z")}},
		{ID: int64(4), Geometry: pt(114.20, 22.33), Props: []any{"landslide", instant("2024-04-01T08:00:00+08:00")}},
		{ID: int64(5), Geometry: pt(114.21, 22.34), Props: []any{"fire", instant("2024-06-30T12:00:00Z")}},
		{ID: int64(6), Geometry: pt(114.22, 22.35), Props: []any{"unknown", nil}},
	}
}

func placeRecords() []store.Record {
	return []store.Record{
		{ID: "HK-CEN", Geometry: orb.Point{114.158, 22.282}, Props: []any{"中環", "中西區"}},
		{ID: "KLN-MK", Geometry: orb.MultiPoint{{114.169, 22.319}, {114.170, 22.320}}, Props: []any{"旺角", "油尖旺區"}},
		{ID: "NT-ST", Geometry: orb.Collection{orb.Point{114.188, 22.383}, orb.LineString{{114.18, 22.38}, {114.19, 22.39}}},
			Props: []any{"沙田", "沙田區"}},
		{ID: "NOWHERE", Geometry: nil, Props: []any{"無", nil}},
		{ID: "a b/c?", Geometry: orb.Point{114.1, 22.3}, Props: []any{"奇怪編號", nil}},
	}
}

func roadRecords() []store.Record {
	return []store.Record{
		// A diagonal whose bound covers bboxOffRoad, which it misses.
		{ID: int64(1), Geometry: orb.LineString{{114.10, 22.30}, {114.20, 22.40}}, Props: []any{"Diagonal Road"}},
		{ID: int64(2), Geometry: orb.MultiLineString{{{114.10, 22.35}, {114.20, 22.35}}, {{114.15, 22.30}, {114.15, 22.40}}},
			Props: []any{"Cross Streets"}},
		// Crosses the antimeridian's neighbourhood, east side.
		{ID: int64(3), Geometry: orb.LineString{{179.5, 10}, {179.9, 10.5}}, Props: []any{"Date Line East"}},
		{ID: int64(4), Geometry: orb.LineString{{-179.9, 10}, {-179.5, 10.5}}, Props: []any{"Date Line West"}},
	}
}

func planRecords() []store.Record {
	return []store.Record{
		{ID: int64(1), Geometry: square(114.10, 22.30, 0.01), Props: []any{day("2023-12-31")}},
		{ID: int64(2), Geometry: square(114.11, 22.30, 0.01), Props: []any{day("2024-01-01")}},
		{ID: int64(3), Geometry: square(114.12, 22.30, 0.01), Props: []any{day("2024-01-02")}},
	}
}

// newTestCatalog builds every test layer.
func newTestCatalog(t testing.TB) *testCatalog {
	t.Helper()
	c := &testCatalog{}
	for _, l := range []struct {
		l  layer.Layer
		rs []store.Record
	}{
		{buildingsLayer, buildingRecords()},
		{eventsLayer, eventRecords()},
		{placesLayer, placeRecords()},
		{roadsLayer, roadRecords()},
		{plansLayer, planRecords()},
	} {
		ly := l.l
		c.add(t, &ly, l.rs)
	}
	return c
}

func testOptions() Options {
	return Options{
		Title:       layer.Text{En: "CSDI test", Zh: "測試平台"},
		Description: layer.Text{En: "Layers for tests", Zh: "測試圖層"},
		Version:     "test",
		Now:         func() time.Time { return testClock },
		ExtraPaths:  tilePaths(),
	}
}

// tilePaths describe the tiles package's endpoints as the server passes
// them in; the test mux answers them with a stub.
func tilePaths() map[string]any {
	param := func(name string) map[string]any {
		return map[string]any{"name": name, "in": "path", "required": true, "schema": map[string]any{"type": "string"}}
	}
	get := func(summary string, params ...string) map[string]any {
		ps := make([]any, len(params))
		for i, p := range params {
			ps[i] = param(p)
		}
		return map[string]any{"get": map[string]any{
			"summary": summary, "operationId": summary, "parameters": ps,
			"responses": map[string]any{
				"200": map[string]any{"description": "A tile.", "content": map[string]any{
					"application/vnd.mapbox-vector-tile": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}},
				"404": map[string]any{"$ref": "#/components/responses/NotFound"},
			},
		}}
	}
	return map[string]any{
		"/collections/{collectionId}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}": get("collectionTile",
			"collectionId", "tileMatrix", "tileRow", "tileCol"),
		"/tiles/{layers}/{z}/{x}/{y}.mvt": get("xyzTile", "layers", "z", "x", "y"),
	}
}

// newTestMux serves the test catalogue, with stubs for the tile paths.
func newTestMux(t testing.TB) (*http.ServeMux, *testCatalog) {
	t.Helper()
	c := newTestCatalog(t)
	mux := http.NewServeMux()
	NewHandler(c, testOptions()).Register(mux)
	stub := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	mux.HandleFunc("GET /collections/{collectionId}/tiles/WebMercatorQuad/{z}/{y}/{x}", stub)
	mux.HandleFunc("GET /tiles/", stub)
	return mux, c
}

// testBase is the host of every test request, so links are stable.
const testBase = "http://csdi.test"

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func get(t testing.TB, h http.Handler, target string, header ...string) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, testBase+target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Result().Body)
	return response{Status: rec.Code, Header: rec.Header(), Body: body}
}

// decode parses a JSON body into a generic value.
func decode(t testing.TB, r response) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, r.Body)
	}
	return v
}

// featureIDs lists the ids of a FeatureCollection's features as text.
func featureIDs(t testing.TB, fc map[string]any) []string {
	t.Helper()
	var ids []string
	for _, f := range fc["features"].([]any) {
		ids = append(ids, jsonText(f.(map[string]any)["id"]))
	}
	return ids
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

func linkHref(doc map[string]any, rel string) string {
	links, _ := doc["links"].([]any)
	for _, l := range links {
		m := l.(map[string]any)
		if m["rel"] == rel {
			return m["href"].(string)
		}
	}
	return ""
}
