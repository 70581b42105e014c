package features

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// manyPoints is a layer big enough that a page is flushed several times.
func manyPoints(t *testing.T, n int) *testCatalog {
	l := &layer.Layer{ID: "many", Source: layer.Source{Table: "many", SRID: 4326},
		Fields: []layer.Field{{Name: "label", Type: layer.String}}}
	rs := make([]store.Record, n)
	for i := range rs {
		rs[i] = store.Record{ID: int64(i), Geometry: orb.Point{114 + float64(i)*1e-5, 22.3},
			Props: []any{"point number " + strconv.Itoa(i)}}
	}
	c := &testCatalog{}
	c.add(t, l, rs)
	return c
}

func TestLargePageIsStreamed(t *testing.T) {
	c := manyPoints(t, 3000)
	mux := http.NewServeMux()
	NewHandler(c, testOptions()).Register(mux)
	r := get(t, mux, "/collections/many/items?limit=3000")
	if len(r.Body) < 3*flushSize {
		t.Fatalf("body of %d bytes is too small to test flushing", len(r.Body))
	}
	fc := decode(t, r)
	if n := len(fc["features"].([]any)); n != 3000 {
		t.Errorf("%d features", n)
	}
}

// TestPageLength checks that a page the buffer holds whole is sent with
// its length, and a larger one is streamed without.
func TestPageLength(t *testing.T) {
	c := manyPoints(t, 3000)
	mux := http.NewServeMux()
	NewHandler(c, testOptions()).Register(mux)
	small := get(t, mux, "/collections/many/items?limit=10")
	if got := small.Header.Get("Content-Length"); got != strconv.Itoa(len(small.Body)) {
		t.Errorf("page of %d bytes has Content-Length %q", len(small.Body), got)
	}
	large := get(t, mux, "/collections/many/items?limit=3000")
	if got := large.Header.Get("Content-Length"); got != "" {
		t.Errorf("streamed page of %d bytes has Content-Length %q", len(large.Body), got)
	}
}

// failingWriter fails every write after the first, as a connection the
// client has closed does.
type failingWriter struct {
	header http.Header
	writes int
	status int
}

func (w *failingWriter) Header() http.Header { return w.header }
func (w *failingWriter) WriteHeader(s int)   { w.status = s }
func (w *failingWriter) Write(p []byte) (int, error) {
	w.writes++
	if w.writes > 1 {
		return 0, errors.New("broken pipe")
	}
	return len(p), nil
}

func TestClientGoneIsNotAServerError(t *testing.T) {
	c := manyPoints(t, 3000)
	h := NewHandler(c, testOptions())
	req := httptest.NewRequest("GET", "/collections/many/items?limit=3000", nil)
	req.SetPathValue("collectionId", "many")
	w := &failingWriter{header: http.Header{}}
	if err := h.items(w, req); err != nil {
		t.Errorf("items returned %v", err)
	}
	if w.writes != 2 {
		t.Errorf("%d writes; the stream should stop at the first failure", w.writes)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w = &failingWriter{header: http.Header{}}
	if err := h.items(w, req.WithContext(ctx)); err != nil {
		t.Errorf("items returned %v for a cancelled request", err)
	}
	if w.writes != 0 {
		t.Errorf("%d writes for a cancelled request", w.writes)
	}
}

func TestCollectionLinksHook(t *testing.T) {
	c := newTestCatalog(t)
	opts := testOptions()
	opts.CollectionLinks = func(base string, l *layer.Layer) []httpx.Link {
		return []httpx.Link{{Href: base + "/collections/" + l.ID + "/tiles", Rel: "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"}}
	}
	mux := http.NewServeMux()
	NewHandler(c, opts).Register(mux)
	doc := decode(t, get(t, mux, "/collections/roads"))
	if got := linkHref(doc, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"); got != testBase+"/collections/roads/tiles" {
		t.Errorf("tiles link %q", got)
	}
}
