// Package writetest is the contract every OGC API Features Part 4 server
// set-up passes, whatever store is behind it: the features handler over an
// in-memory editor in features' own tests, over PostGIS or the embedded
// GeoPackage in end-to-end tests. It speaks only HTTP, so the same
// scenarios prove each store's editor, its change log and the cache
// syncer together: a write must be visible to the writer's next read.
package writetest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Layers are the collections the scenarios write to; create them (empty)
// in the store under test and serve them. Parcels are stored in HK1980
// Grid (EPSG:2326) and named by the server; sites are stored in WGS 84 and
// named by their senders.
func Layers() []layer.Layer {
	return []layer.Layer{
		{
			ID: Parcels, Title: layer.Text{En: "Write test parcels", Zh: "寫入測試地段"},
			Source:       layer.Source{Table: Parcels, IDColumn: "id", GeometryColumn: "geom", SRID: 2326},
			GeometryType: layer.Polygon, MaxZoom: layer.DefaultMaxZoom,
			Fields: []layer.Field{
				{Name: "name", Type: layer.String, Required: true},
				{Name: "floors", Type: layer.Integer},
				{Name: "height", Type: layer.Number},
				{Name: "open", Type: layer.Boolean},
				{Name: "opened", Type: layer.Date},
				{Name: "surveyed", Type: layer.DateTime},
				{Name: "extra", Type: layer.JSON},
				{Name: "tags", Type: layer.Array},
			},
		},
		{
			ID: Sites, Title: layer.Text{En: "Write test sites", Zh: "寫入測試地點"},
			Source:       layer.Source{Table: Sites, IDColumn: "code", GeometryColumn: "geom", SRID: 4326},
			GeometryType: layer.Point, IDs: "client", MaxZoom: layer.DefaultMaxZoom,
			Fields: []layer.Field{
				{Name: "name", Type: layer.String},
				{Name: "kind", Type: layer.String},
			},
		},
	}
}

// The collections' ids.
const (
	Parcels = "wt_parcels"
	Sites   = "wt_sites"
)

// Env is a server under test.
type Env struct {
	Handler http.Handler // serves Layers with writes on
	Key     string       // the admin key writes need
	// MaxBodyBytes is the server's body limit; zero skips the 413 test.
	MaxBodyBytes int64
	// RequireIfMatch is whether the server refuses unconditional writes.
	RequireIfMatch bool
}

// Run runs every scenario against env. They share the collections, so
// each makes its own features and counts relative to what was there.
func Run(t *testing.T, env Env) {
	c := &client{t: t, env: env}
	t.Run("create one in HK1980 Grid", c.createOneHK80)
	t.Run("create one in EPSG:4326 latitude first", c.createOne4326)
	t.Run("create many, all or nothing", c.createMany)
	t.Run("invalid features are refused, each named", c.invalidFeatures)
	t.Run("replace with If-Match", c.replace)
	t.Run("merge patch", c.mergePatch)
	t.Run("delete", c.remove)
	t.Run("client ids", c.clientIDs)
	t.Run("authorisation", c.authorisation)
	t.Run("bad requests", c.badRequests)
	t.Run("conditional writes required", c.requireIfMatch)
}

type client struct {
	t   *testing.T
	env Env
}

// Response is an answer to a request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r Response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("status %d, body is not a JSON object: %v\n%s", r.Status, err, r.Body)
	}
	return v
}

// do sends a request with the admin key unless headers set Authorization
// (to "" for none). Headers come in name, value pairs.
func (c *client) do(t *testing.T, method, path, body string, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://csdi.test"+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.env.Key)
	if body != "" {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	w := httptest.NewRecorder()
	c.env.Handler.ServeHTTP(w, req)
	return Response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

// expect fails unless r has the status; a 4xx must be a problem document.
func expect(t *testing.T, r Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if status >= 400 && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("a %d is %q, not a problem document", status, r.Header.Get("Content-Type"))
	}
}

// count is how many features a collection has now.
func (c *client) count(t *testing.T, collection string) int {
	t.Helper()
	r := c.do(t, "GET", "/collections/"+collection+"/items?limit=1", "")
	expect(t, r, 200)
	n, ok := r.json(t)["numberMatched"].(float64)
	if !ok {
		t.Fatalf("no numberMatched: %s", r.Body)
	}
	return int(n)
}

// get reads a feature; ok false on 404.
func (c *client) get(t *testing.T, path string) (map[string]any, string, bool) {
	t.Helper()
	r := c.do(t, "GET", path, "")
	if r.Status == 404 {
		return nil, "", false
	}
	expect(t, r, 200)
	etag := r.Header.Get("ETag")
	if etag == "" || etag[0] != '"' {
		t.Errorf("GET %s: ETag %q is not a strong entity tag", path, etag)
	}
	return r.json(t), etag, true
}

// itemPath is the path a 201's Location names.
func itemPath(t *testing.T, r Response) string {
	t.Helper()
	loc := r.Header.Get("Location")
	i := strings.Index(loc, "/collections/")
	if i < 0 {
		t.Fatalf("Location %q does not name a feature", loc)
	}
	return loc[i:]
}

func props(f map[string]any) map[string]any {
	p, _ := f["properties"].(map[string]any)
	return p
}

// ring returns the first ring of a polygon feature.
func ring(t *testing.T, f map[string]any) [][]float64 {
	t.Helper()
	g, _ := f["geometry"].(map[string]any)
	cs, ok := g["coordinates"].([]any)
	if !ok || len(cs) == 0 {
		t.Fatalf("no polygon: %v", f["geometry"])
	}
	var out [][]float64
	for _, p := range cs[0].([]any) {
		pa := p.([]any)
		out = append(out, []float64{pa[0].(float64), pa[1].(float64)})
	}
	return out
}

// parcel is a parcel Feature with a square of side 50 m at (e, n), its
// coordinates written northing first as EPSG:2326 orders them.
func parcel(name string, e, n float64, extra string) string {
	coords := fmt.Sprintf("[[%g,%g],[%g,%g],[%g,%g],[%g,%g],[%g,%g]]",
		n, e, n, e+50, n+50, e+50, n+50, e, n, e)
	return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[%s]},"properties":{"name":%q%s}}`, coords, name, extra)
}

const hk80 = "<http://www.opengis.net/def/crs/EPSG/0/2326>"

func (c *client) createOneHK80(t *testing.T) {
	before := c.count(t, Parcels)
	r := c.do(t, "POST", "/collections/"+Parcels+"/items",
		parcel("中環 Central", 833000, 816000, `,"floors":12,"height":45.5,"open":true,"opened":"1962-03-02","surveyed":"2024-03-15T16:30:15.25+08:00","extra":{"a":[1,2]},"tags":["x","y"]`),
		"Content-Crs", hk80)
	expect(t, r, 201)
	path := itemPath(t, r)
	created := r.json(t)
	if ids, _ := created["ids"].([]any); len(ids) != 1 {
		t.Errorf("created %s", r.Body)
	}
	f, etag, ok := c.get(t, path+"?crs=EPSG:2326")
	if !ok {
		t.Fatalf("%s is not readable after its 201", path)
	}
	if r.Header.Get("ETag") != "" && r.Header.Get("ETag") != etag {
		t.Errorf("the 201's ETag %s is not the one GET serves, %s", r.Header.Get("ETag"), etag)
	}
	p := props(f)
	want := map[string]any{"name": "中環 Central", "floors": 12.0, "height": 45.5, "open": true, "opened": "1962-03-02"}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %#v, want %#v", k, p[k], v)
		}
	}
	if s, _ := p["surveyed"].(string); !strings.HasPrefix(s, "2024-03-15T08:30:15.25") {
		t.Errorf("surveyed = %v", p["surveyed"])
	}
	// Sent and served in EPSG:2326, northing first: stored exactly.
	got := ring(t, f)
	if got[0][0] != 816000 || got[0][1] != 833000 || got[1][1] != 833050 {
		t.Errorf("ring %v, want northing first from (816000, 833000)", got)
	}
	if after := c.count(t, Parcels); after != before+1 {
		t.Errorf("%d features, want %d", after, before+1)
	}
}

func (c *client) createOne4326(t *testing.T) {
	body := `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[22.28,114.15],[22.28,114.151],[22.281,114.151],[22.28,114.15]]]},"properties":{"name":"lat-lon"}}`
	r := c.do(t, "POST", "/collections/"+Parcels+"/items", body, "Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/4326>")
	expect(t, r, 201)
	f, _, ok := c.get(t, itemPath(t, r))
	if !ok {
		t.Fatal("not readable after its 201")
	}
	// Served in CRS84, longitude first.
	got := ring(t, f)
	if math.Abs(got[0][0]-114.15) > 1e-7 || math.Abs(got[0][1]-22.28) > 1e-7 || math.Abs(got[1][0]-114.151) > 1e-7 {
		t.Errorf("ring %v, want longitude first from (114.15, 22.28)", got)
	}
	// The same position sent longitude first, without Content-Crs, lands
	// on the same spot.
	r = c.do(t, "POST", "/collections/"+Parcels+"/items",
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114.15,22.28],[114.151,22.28],[114.151,22.281],[114.15,22.28]]]},"properties":{"name":"lon-lat"}}`)
	expect(t, r, 201)
	g, _, _ := c.get(t, itemPath(t, r))
	if other := ring(t, g); math.Abs(other[0][0]-got[0][0]) > 1e-9 || math.Abs(other[0][1]-got[0][1]) > 1e-9 {
		t.Errorf("CRS84 %v and EPSG:4326 %v disagree", other[0], got[0])
	}
}

func (c *client) createMany(t *testing.T) {
	before := c.count(t, Parcels)
	bad := fmt.Sprintf(`{"type":"FeatureCollection","features":[%s,%s,%s]}`,
		parcel("good", 834000, 817000, ""),
		parcel("bad type", 834100, 817000, `,"floors":"tall"`),
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[817000,834200],[817000,834250],[817050,834250],[817050,834200]]]},"properties":{"name":"open ring"}}`)
	r := c.do(t, "POST", "/collections/"+Parcels+"/items", bad, "Content-Crs", hk80)
	expect(t, r, 400)
	listed := invalid(t, r)
	if len(listed) != 2 || listed[0]["index"] != 1.0 || listed[0]["field"] != "floors" ||
		listed[1]["index"] != 2.0 || listed[1]["field"] != "geometry" || !strings.Contains(fmt.Sprint(listed[1]["reason"]), "not closed") {
		t.Errorf("invalidFeatures %v", listed)
	}
	if after := c.count(t, Parcels); after != before {
		t.Fatalf("a refused FeatureCollection wrote %d features", after-before)
	}
	good := fmt.Sprintf(`{"type":"FeatureCollection","features":[%s,%s,%s]}`,
		parcel("one", 834000, 817000, ""), parcel("two", 834100, 817000, ""), parcel("three", 834200, 817000, ""))
	r = c.do(t, "POST", "/collections/"+Parcels+"/items", good, "Content-Crs", hk80)
	expect(t, r, 201)
	ids, _ := r.json(t)["ids"].([]any)
	if len(ids) != 3 {
		t.Fatalf("ids %s", r.Body)
	}
	if after := c.count(t, Parcels); after != before+3 {
		t.Errorf("%d features, want %d", after, before+3)
	}
	for i, id := range ids {
		f, _, ok := c.get(t, fmt.Sprintf("/collections/%s/items/%v", Parcels, id))
		if !ok || props(f)["name"] != []string{"one", "two", "three"}[i] {
			t.Errorf("id %v: %v", id, f)
		}
	}
}

// invalid is the invalidFeatures list of a 400.
func invalid(t *testing.T, r Response) []map[string]any {
	t.Helper()
	list, ok := r.json(t)["invalidFeatures"].([]any)
	if !ok {
		t.Fatalf("no invalidFeatures: %s", r.Body)
	}
	out := make([]map[string]any, len(list))
	for i, p := range list {
		out[i] = p.(map[string]any)
	}
	return out
}

func (c *client) invalidFeatures(t *testing.T) {
	before := c.count(t, Parcels)
	cases := []struct {
		name, body, field, reason string
	}{
		{"wrong geometry type", `{"type":"Feature","geometry":{"type":"Point","coordinates":[114.15,22.28]},"properties":{"name":"x"}}`, "geometry", "Point"},
		{"self-intersecting ring", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114.15,22.28],[114.151,22.281],[114.151,22.28],[114.15,22.281],[114.15,22.28]]]},"properties":{"name":"bow tie"}}`, "geometry", "invalid geometry"},
		{"type mismatch", `{"type":"Feature","geometry":null,"properties":{"name":"x","height":"tall"}}`, "height", "number"},
		{"unknown attribute", `{"type":"Feature","geometry":null,"properties":{"name":"x","colour":"red"}}`, "colour", "unknown"},
		{"required attribute missing", `{"type":"Feature","geometry":null,"properties":{"floors":1}}`, "name", "required"},
		{"latitude out of range", `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[22.28,114.15],[22.28,114.151],[22.281,114.151],[22.28,114.15]]]},"properties":{"name":"swapped"}}`, "geometry", "range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do(t, "POST", "/collections/"+Parcels+"/items", tc.body)
			expect(t, r, 400)
			listed := invalid(t, r)
			if len(listed) != 1 || listed[0]["field"] != tc.field || !strings.Contains(fmt.Sprint(listed[0]["reason"]), tc.reason) {
				t.Errorf("invalidFeatures %v, want one on %s saying %q", listed, tc.field, tc.reason)
			}
		})
	}
	if after := c.count(t, Parcels); after != before {
		t.Errorf("refused features wrote %d", after-before)
	}
}

// create posts a parcel and returns its path and version.
func (c *client) create(t *testing.T, name string, e, n float64, extra string) (string, string) {
	t.Helper()
	r := c.do(t, "POST", "/collections/"+Parcels+"/items", parcel(name, e, n, extra), "Content-Crs", hk80)
	expect(t, r, 201)
	path := itemPath(t, r)
	_, etag, ok := c.get(t, path)
	if !ok {
		t.Fatalf("%s not readable after its 201", path)
	}
	return path, etag
}

func (c *client) replace(t *testing.T) {
	path, etag := c.create(t, "before", 835000, 817500, `,"floors":3`)
	r := c.do(t, "PUT", path, parcel("after", 835100, 817600, `,"height":9.5`), "Content-Crs", hk80, "If-Match", etag)
	if r.Status != 200 && r.Status != 204 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
	newTag := r.Header.Get("ETag")
	f, served, _ := c.get(t, path+"?crs=EPSG:2326")
	if newTag == "" || newTag == etag || newTag != served {
		t.Errorf("ETag before %s, from PUT %s, served after %s", etag, newTag, served)
	}
	p := props(f)
	if p["name"] != "after" || p["height"] != 9.5 || p["floors"] != nil {
		t.Errorf("replaced properties %v: a PUT replaces every attribute", p)
	}
	if got := ring(t, f); got[0][0] != 817600 || got[0][1] != 835100 {
		t.Errorf("replaced ring %v", got)
	}
	// The old version is stale now.
	r = c.do(t, "PUT", path, parcel("lost update", 835000, 817500, ""), "Content-Crs", hk80, "If-Match", etag)
	expect(t, r, 412)
	if f, _, _ := c.get(t, path); props(f)["name"] != "after" {
		t.Errorf("a 412 wrote: %v", props(f))
	}
	// A weak tag never matches If-Match.
	r = c.do(t, "PUT", path, parcel("weak", 835000, 817500, ""), "Content-Crs", hk80, "If-Match", "W/"+served)
	expect(t, r, 412)
	// The body's id may repeat the path's, not contradict it.
	r = c.do(t, "PUT", path, strings.Replace(parcel("other id", 835000, 817500, ""), `{"type":"Feature",`, `{"type":"Feature","id":"no-such",`, 1),
		"Content-Crs", hk80, "If-Match", served)
	expect(t, r, 400)
	r = c.do(t, "PUT", "/collections/"+Parcels+"/items/987654321", parcel("nobody", 835000, 817500, ""), "Content-Crs", hk80, "If-Match", served)
	expect(t, r, 404)
}

func (c *client) mergePatch(t *testing.T) {
	path, etag := c.create(t, "patch me", 836000, 818000, `,"floors":7,"height":20,"extra":{"a":1,"b":{"c":2}},"tags":["t"]`)
	before, _, _ := c.get(t, path+"?crs=EPSG:2326")
	patch := func(body string, headers ...string) Response {
		return c.do(t, "PATCH", path, body, append([]string{"Content-Type", "application/merge-patch+json"}, headers...)...)
	}
	r := patch(`{"properties":{"floors":null,"name":"patched","extra":{"b":{"c":null,"d":3}}}}`, "If-Match", etag)
	expect(t, r, 204)
	f, served, _ := c.get(t, path+"?crs=EPSG:2326")
	if r.Header.Get("ETag") != served {
		t.Errorf("PATCH's ETag %s, served %s", r.Header.Get("ETag"), served)
	}
	p := props(f)
	if p["floors"] != nil || p["name"] != "patched" || p["height"] != 20.0 {
		t.Errorf("patched properties %v: null removes floors, name changes, height stays", p)
	}
	if b, _ := json.Marshal(p["extra"]); string(b) != `{"a":1,"b":{"d":3}}` {
		t.Errorf("extra merged to %s, want {\"a\":1,\"b\":{\"d\":3}}", b)
	}
	if fmt.Sprint(ring(t, f)) != fmt.Sprint(ring(t, before)) {
		t.Errorf("a patch without geometry moved it: %v → %v", ring(t, before), ring(t, f))
	}
	// Unknown attribute, a required one unset, a stale version, the
	// wrong media type: refused, nothing written.
	expect(t, patch(`{"properties":{"colour":"red"}}`, "If-Match", served), 400)
	expect(t, patch(`{"properties":{"name":null}}`, "If-Match", served), 400)
	expect(t, patch(`{"properties":{"floors":"many"}}`, "If-Match", served), 400)
	expect(t, patch(`{"id":12345}`, "If-Match", served), 400)
	expect(t, patch(`{"properties":{"name":"stale"}}`, "If-Match", etag), 412)
	r = c.do(t, "PATCH", path, `{"properties":{"name":"json"}}`, "Content-Type", "application/json", "If-Match", served)
	expect(t, r, 415)
	if f, now, _ := c.get(t, path); now != served || props(f)["name"] != "patched" {
		t.Errorf("a refused patch wrote: %v", props(f))
	}
	// A geometry in the patch replaces the geometry, in Content-Crs.
	r = patch(`{"geometry":{"type":"Polygon","coordinates":[[[818100,836100],[818100,836150],[818150,836150],[818100,836100]]]}}`,
		"Content-Crs", hk80, "If-Match", served)
	expect(t, r, 204)
	f, _, _ = c.get(t, path+"?crs=EPSG:2326")
	if got := ring(t, f); len(got) != 4 || got[0][0] != 818100 || got[1][1] != 836150 {
		t.Errorf("patched ring %v", got)
	}
	if props(f)["name"] != "patched" {
		t.Errorf("a geometry patch changed the properties: %v", props(f))
	}
	expect(t, c.do(t, "PATCH", "/collections/"+Parcels+"/items/987654321", `{"properties":{"name":"x"}}`,
		"Content-Type", "application/merge-patch+json", "If-Match", served), 404)
}

func (c *client) remove(t *testing.T) {
	path, etag := c.create(t, "delete me", 837000, 819000, "")
	before := c.count(t, Parcels)
	other, _ := c.create(t, "edited first", 837100, 819000, "")
	_, otherTag, _ := c.get(t, other)
	expect(t, c.do(t, "DELETE", path, "", "If-Match", otherTag), 412)
	r := c.do(t, "DELETE", path, "", "If-Match", etag)
	expect(t, r, 204)
	if _, _, ok := c.get(t, path); ok {
		t.Error("a deleted feature is still served")
	}
	if after := c.count(t, Parcels); after != before {
		t.Errorf("%d features after a create and a delete, want %d", after, before)
	}
	expect(t, c.do(t, "DELETE", path, "", "If-Match", etag), 404)
}

func (c *client) clientIDs(t *testing.T) {
	site := func(id any, name string) string {
		idJSON, _ := json.Marshal(id)
		return fmt.Sprintf(`{"type":"Feature","id":%s,"geometry":{"type":"Point","coordinates":[114.17,22.3]},"properties":{"name":%q}}`, idJSON, name)
	}
	base := "/collections/" + Sites + "/items"
	// Ids unique to this run, so the scenarios can run again on the same
	// collections: sites are only ever added.
	prefix := fmt.Sprintf("KT%d-", c.count(t, Sites))
	id := func(n string) string { return prefix + n }
	r := c.do(t, "POST", base, site(id("001"), "Kwun Tong"))
	expect(t, r, 201)
	if !strings.HasSuffix(r.Header.Get("Location"), "/items/"+id("001")) {
		t.Errorf("Location %q", r.Header.Get("Location"))
	}
	expect(t, c.do(t, "POST", base, site(id("001"), "again")), 409)
	r = c.do(t, "POST", base, `{"type":"Feature","geometry":null,"properties":{"name":"anonymous"}}`)
	expect(t, r, 400)
	if l := invalid(t, r); len(l) != 1 || l[0]["field"] != "id" {
		t.Errorf("invalidFeatures %v", l)
	}
	r = c.do(t, "POST", base, fmt.Sprintf(`{"type":"FeatureCollection","features":[%s,%s]}`, site(id("002"), "a"), site(id("002"), "b")))
	expect(t, r, 400)
	if _, _, ok := c.get(t, base+"/"+id("002")); ok {
		t.Error("a refused collection wrote its first feature")
	}
	// PUT to a new id creates it.
	r = c.do(t, "PUT", base+"/"+id("003"), site(id("003"), "new by PUT"), "If-None-Match", "*")
	expect(t, r, 201)
	f, etag, ok := c.get(t, base+"/"+id("003"))
	if !ok || props(f)["name"] != "new by PUT" || r.Header.Get("ETag") != etag {
		t.Errorf("after PUT-create: %v, ETag %s vs %s", f, r.Header.Get("ETag"), etag)
	}
	// If-None-Match: * refuses to overwrite.
	expect(t, c.do(t, "PUT", base+"/"+id("003"), site(id("003"), "overwrite"), "If-None-Match", "*"), 412)
	r = c.do(t, "PUT", base+"/"+id("003"), site(id("003"), "replaced"), "If-Match", etag)
	if r.Status != 200 && r.Status != 204 {
		t.Fatalf("PUT: %d %s", r.Status, r.Body)
	}
}

func (c *client) authorisation(t *testing.T) {
	before := c.count(t, Parcels)
	body := parcel("no key", 838000, 820000, "")
	r := c.do(t, "POST", "/collections/"+Parcels+"/items", body, "Content-Crs", hk80, "Authorization", "")
	expect(t, r, 401)
	if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
	}
	expect(t, c.do(t, "POST", "/collections/"+Parcels+"/items", body, "Content-Crs", hk80, "Authorization", "Bearer not-"+c.env.Key), 401)
	expect(t, c.do(t, "DELETE", "/collections/"+Parcels+"/items/1", "", "Authorization", ""), 401)
	r = c.do(t, "POST", "/collections/"+Parcels+"/items", body, "Content-Crs", hk80, "Authorization", "", "X-API-Key", c.env.Key)
	expect(t, r, 201)
	if after := c.count(t, Parcels); after != before+1 {
		t.Errorf("%d features, want %d", after, before+1)
	}
}

func (c *client) badRequests(t *testing.T) {
	before := c.count(t, Parcels)
	items := "/collections/" + Parcels + "/items"
	good := parcel("fine", 839000, 821000, "")
	t.Run("invalid JSON", func(t *testing.T) {
		expect(t, c.do(t, "POST", items, `{"type":"Feature","geometry":`), 400)
	})
	t.Run("not a feature", func(t *testing.T) {
		expect(t, c.do(t, "POST", items, `{"type":"Point","coordinates":[1,2]}`), 400)
		expect(t, c.do(t, "POST", items, `[1,2]`), 400)
		expect(t, c.do(t, "POST", items, `{"type":"FeatureCollection","features":[]}`), 400)
	})
	t.Run("wrong media type", func(t *testing.T) {
		expect(t, c.do(t, "POST", items, good, "Content-Type", "text/plain"), 415)
		expect(t, c.do(t, "POST", items, good, "Content-Type", ""), 415)
	})
	t.Run("unsupported Content-Crs", func(t *testing.T) {
		r := c.do(t, "POST", items, good, "Content-Crs", "<http://www.opengis.net/def/crs/EPSG/0/27700>")
		expect(t, r, 400)
		if !strings.Contains(string(r.Body), "EPSG/0/2326") {
			t.Errorf("the 400 does not list the supported CRSs: %s", r.Body)
		}
	})
	t.Run("unknown collection", func(t *testing.T) {
		expect(t, c.do(t, "POST", "/collections/no_such_layer/items", good), 404)
		expect(t, c.do(t, "DELETE", "/collections/no_such_layer/items/1", ""), 404)
	})
	t.Run("body too large", func(t *testing.T) {
		if c.env.MaxBodyBytes == 0 {
			t.Skip("no body limit given")
		}
		pad := strings.Repeat(" ", int(c.env.MaxBodyBytes))
		expect(t, c.do(t, "POST", items, good+pad, "Content-Crs", hk80), 413)
	})
	if after := c.count(t, Parcels); after != before {
		t.Errorf("bad requests wrote %d features", after-before)
	}
}

func (c *client) requireIfMatch(t *testing.T) {
	if !c.env.RequireIfMatch {
		t.Skip("the server does not require If-Match")
	}
	path, etag := c.create(t, "conditional", 840000, 822000, "")
	expect(t, c.do(t, "PUT", path, parcel("unconditional", 840000, 822000, ""), "Content-Crs", hk80), 428)
	expect(t, c.do(t, "PATCH", path, `{"properties":{"name":"x"}}`, "Content-Type", "application/merge-patch+json"), 428)
	expect(t, c.do(t, "DELETE", path, ""), 428)
	if _, now, ok := c.get(t, path); !ok || now != etag {
		t.Error("a 428 wrote")
	}
	// POST creates, so it needs no condition.
	expect(t, c.do(t, "POST", "/collections/"+Parcels+"/items", parcel("unconditional create", 840100, 822000, ""), "Content-Crs", hk80), 201)
}
