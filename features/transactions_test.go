package features

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/csdi-hk/csdi/features/internal/writetest"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// memEditor is an in-memory store.Editor: each Edit works on a copy of
// the layer's rows and keeps it only when fn succeeds, as a transaction
// would. It refuses what a database would (a NULL in a required column,
// a duplicate key) and judges geometry validity with simplefeatures.
type memEditor struct {
	mu     sync.Mutex
	layers map[string]*memLayer
	seq    int64
	// fail, when set, is returned by the next Edit (a store outage).
	fail error
}

type memLayer struct {
	l      *layer.Layer
	rows   map[string]store.Record
	nextID int64
}

func newMemEditor(layers []*layer.Layer) *memEditor {
	e := &memEditor{layers: map[string]*memLayer{}}
	for _, l := range layers {
		e.layers[l.ID] = &memLayer{l: l, rows: map[string]store.Record{}, nextID: 1}
	}
	return e
}

func (e *memEditor) Edit(ctx context.Context, l *layer.Layer, actor string, fn func(store.Tx) error) (store.Commit, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.fail; err != nil {
		e.fail = nil
		return store.Commit{}, err
	}
	ml, ok := e.layers[l.ID]
	if !ok {
		return store.Commit{}, store.ErrReadOnly
	}
	tx := &memTx{l: ml.l, rows: make(map[string]store.Record, len(ml.rows)), nextID: ml.nextID}
	for k, r := range ml.rows {
		tx.rows[k] = r
	}
	if err := fn(tx); err != nil {
		return store.Commit{}, err
	}
	ml.rows, ml.nextID = tx.rows, tx.nextID
	if tx.changes == 0 {
		return store.Commit{}, nil
	}
	e.seq += tx.changes
	return store.Commit{Seq: e.seq, Changes: tx.changes}, nil
}

func (e *memEditor) CreateLayer(ctx context.Context, l *layer.Layer) (layer.Layer, error) {
	return layer.Layer{}, errors.New("not supported")
}

// records lists a layer's rows in id order, fresh copies for the cache.
func (e *memEditor) records(id string) []store.Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []store.Record
	for _, r := range e.layers[id].rows {
		out = append(out, cloneRecord(r))
	}
	slices.SortFunc(out, func(a, b store.Record) int { return cmp.Compare(idText(a.ID), idText(b.ID)) })
	return out
}

func cloneRecord(r store.Record) store.Record {
	if r.Geometry != nil {
		r.Geometry = orb.Clone(r.Geometry)
	}
	r.Props = slices.Clone(r.Props)
	return r
}

type memTx struct {
	l       *layer.Layer
	rows    map[string]store.Record
	nextID  int64
	changes int64
}

// The store keys rows by the id's text, so an id given as a number or as
// its digits finds the same row, as a typed key column would.
func (tx *memTx) Get(ctx context.Context, id any) (store.Record, bool, error) {
	r, ok := tx.rows[idText(id)]
	return cloneRecord(r), ok, nil
}

func (tx *memTx) check(r store.Record) error {
	if len(r.Props) != len(tx.l.Fields) {
		return fmt.Errorf("record has %d values for %d columns", len(r.Props), len(tx.l.Fields))
	}
	for i, f := range tx.l.Fields {
		if f.Required && r.Props[i] == nil {
			return &store.ValueError{ID: r.ID, Field: f.Name, Reason: "null value violates not-null constraint"}
		}
	}
	if ps := ingest.Check(tx.l, 0, r); len(ps) > 0 {
		return &store.ValueError{ID: r.ID, Field: ps[0].Field, Reason: ps[0].Reason}
	}
	return nil
}

func (tx *memTx) Insert(ctx context.Context, r store.Record) (any, error) {
	if r.ID == nil {
		r.ID = tx.nextID
		tx.nextID++
	}
	if _, dup := tx.rows[idText(r.ID)]; dup {
		return nil, store.ErrConflict
	}
	if err := tx.check(r); err != nil {
		return nil, err
	}
	tx.rows[idText(r.ID)] = cloneRecord(r)
	tx.changes++
	return r.ID, nil
}

func (tx *memTx) Replace(ctx context.Context, r store.Record) error {
	cur, ok := tx.rows[idText(r.ID)]
	if !ok {
		return store.ErrNotFound
	}
	if err := tx.check(r); err != nil {
		return err
	}
	r.ID = cur.ID // the key keeps its type
	tx.rows[idText(r.ID)] = cloneRecord(r)
	tx.changes++
	return nil
}

func (tx *memTx) Delete(ctx context.Context, id any) error {
	if _, ok := tx.rows[idText(id)]; !ok {
		return store.ErrNotFound
	}
	delete(tx.rows, idText(id))
	tx.changes++
	return nil
}

func (tx *memTx) DeleteAll(ctx context.Context) (int64, error) {
	n := int64(len(tx.rows))
	tx.rows = map[string]store.Record{}
	tx.changes += n
	return n, nil
}

func (tx *memTx) Copy(ctx context.Context, records iter.Seq2[store.Record, error], upsert bool) (int64, error) {
	var n int64
	for r, err := range records {
		if err != nil {
			return n, err
		}
		if _, exists := tx.rows[idText(r.ID)]; exists && upsert {
			err = tx.Replace(ctx, r)
		} else {
			_, err = tx.Insert(ctx, r)
		}
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Invalid judges geometries as simplefeatures' constructors do (rings
// that cross themselves, and the like), standing in for ST_IsValid.
func (tx *memTx) Invalid(ctx context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error) {
	var bad []store.InvalidGeometry
	for i, g := range gs {
		b, err := wkb.Marshal(g)
		if err != nil {
			return nil, err
		}
		if _, err := geom.UnmarshalWKB(b); err != nil {
			bad = append(bad, store.InvalidGeometry{Index: i, Reason: err.Error()})
		}
	}
	return bad, nil
}

// liveCatalog serves snapshots that sync rebuilds from the editor: the
// role the change-log syncer plays in the server.
type liveCatalog struct {
	mu     sync.Mutex
	layers []*layer.Layer
	snaps  map[string]*cache.Snapshot
	ed     *memEditor
	synced int64 // the highest seq sync was asked for
}

func (c *liveCatalog) Snapshot(id string) (*cache.Snapshot, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.snaps[id]
	return s, ok
}

func (c *liveCatalog) Layers() []*layer.Layer { return c.layers }

func (c *liveCatalog) sync(ctx context.Context, seq int64) error {
	snaps := map[string]*cache.Snapshot{}
	for _, l := range c.layers {
		s, err := cache.Build(l, seq2(c.ed.records(l.ID)))
		if err != nil {
			return err
		}
		snaps[l.ID] = s
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snaps = snaps
	c.synced = max(c.synced, seq)
	return nil
}

func seq2(records []store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	}
}

const testKey = "test-admin-key"

// newWriteServer serves the write-test layers (and any others) over an
// in-memory editor, writes on.
func newWriteServer(t testing.TB, configure func(*WriteOptions), extra ...*layer.Layer) (http.Handler, *liveCatalog) {
	t.Helper()
	var layers []*layer.Layer
	for _, l := range writetest.Layers() {
		layers = append(layers, &l)
	}
	layers = append(layers, extra...)
	cat := &liveCatalog{layers: layers, ed: newMemEditor(layers)}
	if err := cat.sync(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	wo := &WriteOptions{Editor: cat.ed, Authorize: auth.AdminKey(testKey), MaxBodyBytes: 64 << 10, Synced: cat.sync}
	if configure != nil {
		configure(wo)
	}
	opts := testOptions()
	opts.Writes = wo
	mux := http.NewServeMux()
	NewHandler(cat, opts).Register(mux)
	return mux, cat
}

func TestWriteScenarios(t *testing.T) {
	h, _ := newWriteServer(t, nil)
	writetest.Run(t, writetest.Env{Handler: h, Key: testKey, MaxBodyBytes: 64 << 10})
}

func TestWriteScenariosRequiringIfMatch(t *testing.T) {
	h, _ := newWriteServer(t, func(o *WriteOptions) { o.RequireIfMatch = true })
	writetest.Run(t, writetest.Env{Handler: h, Key: testKey, MaxBodyBytes: 64 << 10, RequireIfMatch: true})
}

// send makes one write request with the test key.
func send(t testing.TB, h http.Handler, method, path, body string, headers ...string) response {
	t.Helper()
	req := httptest.NewRequest(method, testBase+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", mediaGeoJSON)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

const aSite = `{"type":"Feature","id":"S1","geometry":{"type":"Point","coordinates":[114.17,22.3]},"properties":{"name":"x"}}`

func TestReadOnlyServerRefusesWrites(t *testing.T) {
	mux, _ := newTestMux(t) // no Writes
	for _, m := range []string{"POST /collections/buildings/items", "PUT /collections/buildings/items/1",
		"PATCH /collections/buildings/items/1", "DELETE /collections/buildings/items/1"} {
		method, path, _ := strings.Cut(m, " ")
		r := send(t, mux, method, path, aSite)
		if r.Status != 405 || r.Header.Get("Allow") != "GET, HEAD" || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d, Allow %q, %s", m, r.Status, r.Header.Get("Allow"), r.Body)
		}
	}
	doc := decode(t, get(t, mux, "/conformance"))
	if strings.Contains(jsonText(doc), "ogcapi-features-4") {
		t.Error("a read-only server declares Part 4")
	}
	api := openAPIDocument(t, mux)
	if strings.Contains(jsonText(api["paths"]), `"post"`) {
		t.Error("a read-only server documents POST")
	}
}

func TestWritesDisabledWithoutAdminKey(t *testing.T) {
	h, _ := newWriteServer(t, func(o *WriteOptions) { o.Authorize = auth.AdminKey("") })
	r := send(t, h, "POST", "/collections/"+writetest.Sites+"/items", aSite)
	if r.Status != 403 || !strings.Contains(string(r.Body), "CSDI_ADMIN_KEY") {
		t.Errorf("%d %s", r.Status, r.Body)
	}
}

func TestReadOnlyLayer(t *testing.T) {
	odd := &layer.Layer{ID: "odd_srid", Source: layer.Source{Table: "odd", SRID: 27700}, GeometryType: layer.Point,
		Fields: []layer.Field{{Name: "name", Type: layer.String}}}
	h, _ := newWriteServer(t, nil, odd)
	r := send(t, h, "POST", "/collections/odd_srid/items", aSite)
	if r.Status != 405 || !strings.Contains(string(r.Body), "EPSG:27700") || r.Header.Get("Allow") == "" {
		t.Errorf("%d %s", r.Status, r.Body)
	}
	r = send(t, h, "OPTIONS", "/collections/odd_srid/items", "")
	if r.Status != 204 || strings.Contains(r.Header.Get("Allow"), "POST") {
		t.Errorf("OPTIONS on a read-only layer: %d Allow %q", r.Status, r.Header.Get("Allow"))
	}
}

func TestOptionsListsMethods(t *testing.T) {
	h, _ := newWriteServer(t, nil)
	r := send(t, h, "OPTIONS", "/collections/"+writetest.Parcels+"/items", "")
	if r.Status != 204 || r.Header.Get("Allow") != "GET, HEAD, POST, OPTIONS" {
		t.Errorf("items: %d Allow %q", r.Status, r.Header.Get("Allow"))
	}
	r = send(t, h, "OPTIONS", "/collections/"+writetest.Parcels+"/items/1", "")
	if r.Status != 204 || !strings.Contains(r.Header.Get("Allow"), "PATCH") || r.Header.Get("Accept-Patch") != mediaMergePatch {
		t.Errorf("item: %d Allow %q Accept-Patch %q", r.Status, r.Header.Get("Allow"), r.Header.Get("Accept-Patch"))
	}
}

func TestStoreErrorsAnswered(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		header string
	}{
		{"outage", fmt.Errorf("begin: %w", &netTimeout{}), 503, "Retry-After"},
		{"deadline", fmt.Errorf("commit: %w", context.DeadlineExceeded), 503, "Retry-After"},
		{"refused", fmt.Errorf("connect: %w", syscall.ECONNREFUSED), 503, "Retry-After"},
		{"cut off", fmt.Errorf("commit: %w", io.ErrUnexpectedEOF), 503, "Retry-After"},
		{"admin shutdown", fmt.Errorf("insert: %w", sqlState("57P01")), 503, "Retry-After"},
		{"starting up", fmt.Errorf("connect: %w", sqlState("57P03")), 503, "Retry-After"},
		{"connection exception", sqlState("08006"), 503, "Retry-After"},
		{"too many connections", sqlState("53300"), 503, "Retry-After"},
		{"closed before use", fmt.Errorf("begin: %w", safeToRetry{}), 503, "Retry-After"},
		{"a missing table", fmt.Errorf("insert: %w", sqlState("42P01")), 500, ""},
		{"read-only table", fmt.Errorf("edit: %w", store.ErrReadOnly), 405, "Allow"},
		{"a value the store refuses", &store.ValueError{ID: "S1", Field: "name", Reason: "value too long"}, 400, ""},
		{"a bug", errors.New("pq: syntax error at or near"), 500, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, cat := newWriteServer(t, nil)
			cat.ed.fail = tc.err
			r := send(t, h, "POST", "/collections/"+writetest.Sites+"/items", aSite)
			if r.Status != tc.status || (tc.header != "" && r.Header.Get(tc.header) == "") {
				t.Fatalf("%d %v %s", r.Status, r.Header, r.Body)
			}
			if strings.Contains(string(r.Body), "pq:") {
				t.Error("a store's error text reached the client")
			}
		})
	}
}

// sqlState is a driver error carrying a SQLSTATE, as pgx's PgError does.
type sqlState string

func (e sqlState) Error() string    { return "pq: server error (SQLSTATE " + string(e) + ")" }
func (e sqlState) SQLState() string { return string(e) }

// safeToRetry is an error raised before anything reached the server, as
// pgx's "conn closed" is.
type safeToRetry struct{}

func (safeToRetry) Error() string     { return "pq: conn closed" }
func (safeToRetry) SafeToRetry() bool { return true }

type netTimeout struct{}

func (*netTimeout) Error() string   { return "dial tcp 127.0.0.1:5432: i/o timeout" }
func (*netTimeout) Timeout() bool   { return true }
func (*netTimeout) Temporary() bool { return true }

func TestValueErrorNamesTheFeature(t *testing.T) {
	// A store can refuse a value the decoder let through (a check
	// constraint, say): the 400 names which feature of the request.
	h, cat := newWriteServer(t, nil)
	cat.ed.layers[writetest.Sites].l = &layer.Layer{ID: writetest.Sites, Source: layer.Source{SRID: 4326},
		Fields: []layer.Field{{Name: "name", Type: layer.String, Required: true}, {Name: "kind", Type: layer.String, Required: true}}}
	body := `{"type":"FeatureCollection","features":[` + aSite + `,` + strings.ReplaceAll(aSite, "S1", "S2") + `]}`
	r := send(t, h, "POST", "/collections/"+writetest.Sites+"/items", body)
	if r.Status != 400 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var doc struct {
		Detail          string
		InvalidFeatures []ingest.Problem
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || len(doc.InvalidFeatures) != 1 ||
		doc.InvalidFeatures[0].Index != 0 || doc.InvalidFeatures[0].Field != "kind" || doc.InvalidFeatures[0].ID != "S1" {
		t.Errorf("%v %s", err, r.Body)
	}
	if len(cat.ed.records(writetest.Sites)) != 0 {
		t.Error("a refused request wrote")
	}
}

func TestInvalidFeaturesListIsCapped(t *testing.T) {
	h, _ := newWriteServer(t, func(o *WriteOptions) { o.MaxBodyBytes = 1 << 20 })
	var fs []string
	for i := range maxListedProblems + 5 {
		fs = append(fs, fmt.Sprintf(`{"type":"Feature","id":"s%d","geometry":null,"properties":{"nope":1}}`, i))
	}
	r := send(t, h, "POST", "/collections/"+writetest.Sites+"/items", `{"type":"FeatureCollection","features":[`+strings.Join(fs, ",")+`]}`)
	var doc struct {
		Detail          string
		InvalidFeatures []ingest.Problem
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || r.Status != 400 || len(doc.InvalidFeatures) != maxListedProblems ||
		!strings.Contains(doc.Detail, fmt.Sprintf("%d problems in %d of %d features", maxListedProblems+5, maxListedProblems+5, maxListedProblems+5)) {
		t.Errorf("%d %v %q (%d listed)", r.Status, err, doc.Detail, len(doc.InvalidFeatures))
	}
}

func TestSlowSyncStillSucceeds(t *testing.T) {
	waited := make(chan time.Duration, 1)
	h, _ := newWriteServer(t, func(o *WriteOptions) {
		o.SyncTimeout = 20 * time.Millisecond
		o.Synced = func(ctx context.Context, seq int64) error {
			start := time.Now()
			<-ctx.Done()
			waited <- time.Since(start)
			return ctx.Err()
		}
	})
	r := send(t, h, "POST", "/collections/"+writetest.Sites+"/items", aSite)
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if d := <-waited; d > time.Second {
		t.Errorf("waited %v for the cache", d)
	}
}

func TestWriteConformanceAndOpenAPI(t *testing.T) {
	h, _ := newWriteServer(t, nil)
	doc := decode(t, get(t, h, "/conformance"))
	got := jsonText(doc["conformsTo"])
	for _, c := range Part4Classes {
		if !strings.Contains(got, c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
	api := openAPIDocument(t, h)
	paths := api["paths"].(map[string]any)
	items := paths["/collections/"+writetest.Parcels+"/items"].(map[string]any)
	item := paths["/collections/"+writetest.Parcels+"/items/{featureId}"].(map[string]any)
	post, _ := items["post"].(map[string]any)
	if post == nil || items["get"] == nil || item["put"] == nil || item["patch"] == nil || item["delete"] == nil {
		t.Fatalf("write operations missing: items %v, item %v", keys(items), keys(item))
	}
	body := jsonText(post["requestBody"])
	for _, want := range []string{mediaGeoJSON, `"required":["name"]`, `"additionalProperties":false`, "FeatureCollection"} {
		if !strings.Contains(body, want) {
			t.Errorf("POST requestBody lacks %s: %s", want, body)
		}
	}
	if !strings.Contains(jsonText(item["patch"]), mediaMergePatch) {
		t.Error("PATCH does not document merge-patch+json")
	}
	if !strings.Contains(jsonText(item["put"].(map[string]any)["responses"]), `"412"`) {
		t.Error("PUT does not document 412")
	}
	// The structural checks of every path (refs resolve, ids unique) run
	// on this document too.
	walk(api, func(ref string) {
		if _, ok := resolvePointer(api, ref); !ok {
			t.Errorf("$ref %q does not resolve", ref)
		}
	})
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestItemETag(t *testing.T) {
	mux, c := newTestMux(t)
	r := get(t, mux, "/collections/buildings/items/1")
	etag := r.Header.Get("ETag")
	f, _ := c.snaps["buildings"].Get("1")
	if r.Status != 200 || etag != cache.ETag(f) {
		t.Fatalf("%d ETag %q", r.Status, etag)
	}
	if other := get(t, mux, "/collections/buildings/items/1?crs=EPSG:2326").Header.Get("ETag"); other != etag {
		t.Errorf("the version differs by CRS: %s vs %s", other, etag)
	}
	if r := get(t, mux, "/collections/buildings/items/1", "If-None-Match", `"other", `+etag); r.Status != 304 || len(r.Body) != 0 {
		t.Errorf("If-None-Match: %d", r.Status)
	}
	if r := get(t, mux, "/collections/buildings/items/1", "If-None-Match", "W/"+etag); r.Status != 304 {
		t.Errorf("a weak If-None-Match: %d", r.Status)
	}
	if r := get(t, mux, "/collections/buildings/items/1", "If-None-Match", `"other"`); r.Status != 200 {
		t.Errorf("a stale If-None-Match: %d", r.Status)
	}
}

func TestETagLists(t *testing.T) {
	cases := []struct {
		list, etag string
		weak, want bool
	}{
		{`"a"`, `"a"`, false, true},
		{`"b", "a"`, `"a"`, false, true},
		{`"x,y", "a"`, `"a"`, false, true},
		{`"x,y"`, `"y"`, false, false},
		{`W/"a"`, `"a"`, false, false},
		{`W/"a"`, `"a"`, true, true},
		{`*`, `"a"`, false, true},
		{`*`, ``, false, true},
		{``, `"a"`, false, false},
		{`"a"`, ``, false, false},
		{`a`, `"a"`, false, false},
	}
	for _, tc := range cases {
		if got := etagMatches(tc.list, tc.etag, tc.weak); got != tc.want {
			t.Errorf("etagMatches(%q, %q, %v) = %v", tc.list, tc.etag, tc.weak, got)
		}
	}
}

func TestMergeValue(t *testing.T) {
	// RFC 7396 appendix A, the cases that apply to objects.
	cases := []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	}
	for _, tc := range cases {
		var target, patch any
		_ = json.Unmarshal([]byte(tc.target), &target)
		_ = json.Unmarshal([]byte(tc.patch), &patch)
		got, _ := json.Marshal(mergeValue(target, patch))
		if string(got) != tc.want {
			t.Errorf("merge %s with %s = %s, want %s", tc.target, tc.patch, got, tc.want)
		}
	}
}

// FuzzWrite sends arbitrary bodies as a POST and as a PATCH of an existing
// feature, in each Content-Crs. Whatever comes in, the answer is never a
// 5xx, and a refused write changes nothing.
func FuzzWrite(f *testing.F) {
	for _, seed := range []string{
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[114.15,22.28],[114.151,22.28],[114.151,22.281],[114.15,22.28]]]},"properties":{"name":"x","floors":2}}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,"properties":{"name":"a"}},{"type":"Feature","geometry":null,"properties":{}}]}`,
		`{"properties":{"floors":null,"extra":{"a":{"b":null}}},"geometry":{"type":"Polygon","coordinates":[[[818100,836100],[818100,836150],[818150,836150],[818100,836100]]]}}`,
		`{"id":1,"type":"Point"}`, `[]`, `null`, `{"properties":[]}`, `{"geometry":{"type":"GeometryCollection","geometries":[]}}`,
	} {
		f.Add([]byte(seed), uint8(0))
	}
	h, cat := newWriteServer(f, nil)
	first := send(f, h, "POST", "/collections/"+writetest.Parcels+"/items",
		`{"type":"Feature","geometry":null,"properties":{"name":"fuzzed","extra":{"a":{"b":1}}}}`)
	if first.Status != 201 {
		f.Fatalf("%d %s", first.Status, first.Body)
	}
	path := first.Header.Get("Location")[len(testBase):]
	f.Fuzz(func(t *testing.T, body []byte, crsIndex uint8) {
		c := supportedCRS[int(crsIndex)%len(supportedCRS)]
		before := len(cat.ed.records(writetest.Parcels))
		r := send(t, h, "POST", "/collections/"+writetest.Parcels+"/items", string(body), "Content-Crs", contentCRS(c))
		if r.Status >= 500 {
			t.Fatalf("POST %q: %d %s", body, r.Status, r.Body)
		}
		if r.Status >= 400 && len(cat.ed.records(writetest.Parcels)) != before {
			t.Fatalf("POST %q was refused (%d) but wrote", body, r.Status)
		}
		r = send(t, h, "PATCH", path, string(body), "Content-Type", mediaMergePatch, "Content-Crs", contentCRS(c))
		if r.Status >= 500 {
			t.Fatalf("PATCH %q: %d %s", body, r.Status, r.Body)
		}
	})
}

// viewsOf is a Views that shows some layers of a catalogue and counts the
// views chosen: a read of a sensitive layer's full view is audited when
// its view is chosen, so a write, which reads nothing, must choose none.
type viewsOf struct {
	cat    *liveCatalog
	hidden string
	chosen int
}

func (v *viewsOf) Layers(r *http.Request) []*layer.Layer {
	var ls []*layer.Layer
	for _, l := range v.cat.Layers() {
		if l.ID != v.hidden {
			ls = append(ls, l)
		}
	}
	return ls
}

func (v *viewsOf) Snapshot(r *http.Request, id string) (*cache.Snapshot, bool) {
	v.chosen++
	if id == v.hidden {
		return nil, false
	}
	return v.cat.Snapshot(id)
}

func TestWritesChooseNoView(t *testing.T) {
	cat := &liveCatalog{}
	for _, l := range writetest.Layers() {
		cat.layers = append(cat.layers, &l)
	}
	cat.ed = newMemEditor(cat.layers)
	if err := cat.sync(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	views := &viewsOf{cat: cat, hidden: writetest.Parcels}
	opts := testOptions()
	opts.Views = views
	opts.Writes = &WriteOptions{Editor: cat.ed, Authorize: auth.AdminKey(testKey), MaxBodyBytes: 64 << 10, Synced: cat.sync}
	mux := http.NewServeMux()
	NewHandler(cat, opts).Register(mux)

	if res := send(t, mux, "POST", "/collections/"+writetest.Sites+"/items", aSite); res.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", res.Status, res.Body)
	}
	if res := send(t, mux, "DELETE", "/collections/"+writetest.Sites+"/items/S1", ""); res.Status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", res.Status, res.Body)
	}
	if views.chosen != 0 {
		t.Errorf("two writes chose %d views: each would be audited as a read", views.chosen)
	}
	// A layer the caller may not see still does not exist for writes.
	if res := send(t, mux, "POST", "/collections/"+writetest.Parcels+"/items", aSite); res.Status != http.StatusNotFound {
		t.Errorf("POST to a hidden layer: %d, want 404", res.Status)
	}
}
