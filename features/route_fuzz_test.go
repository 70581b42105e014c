package features

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// FuzzItemsRoute sends fuzzed query strings, collection ids and feature ids
// through the whole features mux: the items and single-feature requests,
// filters, sorting and all. Whatever comes in, the answer is never a 5xx,
// every error is a problem document, and every JSON answer is valid JSON; a
// FeatureCollection's numberReturned is the number of features it holds.
func FuzzItemsRoute(f *testing.F) {
	for _, tc := range badRequests {
		path, raw, _ := strings.Cut(tc.target, "?")
		c, _ := strings.CutPrefix(path, "/collections/")
		c, _, _ = strings.Cut(c, "/")
		f.Add(c, "1", raw)
	}
	for _, seed := range [][3]string{
		{"buildings", "1", ""},
		{"buildings", "2", "f=json&properties=name"},
		{"buildings", "999", "f=html"},
		{"buildings", "1", "filter=floors%20%3E%2010%20AND%20name%20LIKE%20%27S%25%27&sortby=-floors&limit=2"},
		{"buildings", "1", "filter=%7B%22op%22%3A%22%3D%22%2C%22args%22%3A%5B%7B%22property%22%3A%22floors%22%7D%2C22%5D%7D&filter-lang=cql2-json"},
		{"buildings", "1", "bbox=114.1,22.2,114.3,22.4&bbox-crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FOGC%2F1.3%2FCRS84"},
		{"events", "1", "datetime=2024-01-01T00:00:00Z/..&limit=1&offset=1"},
		{"places", "x", "crs=http%3A%2F%2Fwww.opengis.net%2Fdef%2Fcrs%2FEPSG%2F0%2F2326"},
		{"plans", "1", "skipGeometry=true&sortby=%2Bname,-name"},
		{"nope", "1", "%zz"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	var (
		once sync.Once
		mux  *http.ServeMux
	)
	f.Fuzz(func(t *testing.T, collection, featureID, raw string) {
		once.Do(func() { mux, _ = newTestMux(t) })
		base := "/collections/" + url.PathEscape(collection) + "/items"
		items := serveItems(t, mux, base, raw)
		serveItems(t, mux, base+"/"+url.PathEscape(featureID), raw)
		if items.Code != http.StatusOK || !strings.Contains(items.Header().Get("Content-Type"), "json") {
			return
		}
		var fc struct {
			Features       []json.RawMessage `json:"features"`
			NumberReturned *int              `json:"numberReturned"`
		}
		if err := json.Unmarshal(items.Body.Bytes(), &fc); err != nil {
			t.Fatalf("GET %s?%s: %v", base, raw, err)
		}
		if fc.NumberReturned != nil && *fc.NumberReturned != len(fc.Features) {
			t.Fatalf("GET %s?%s: numberReturned %d with %d features", base, raw, *fc.NumberReturned, len(fc.Features))
		}
	})
}

// serveItems gets path with the raw query set as is (a request line could
// not carry every fuzzed byte) and checks what every answer must be. A path
// no route matches gets the bare mux's own 404, which the server replaces.
func serveItems(t *testing.T, mux *http.ServeMux, path, raw string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, testBase+path, nil)
	r.URL.RawQuery = raw
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	if w.Code >= 500 {
		t.Fatalf("GET %s?%s: %d %s", path, raw, w.Code, w.Body.String())
	}
	if _, pattern := mux.Handler(r); pattern == "" {
		return w
	}
	ct := w.Header().Get("Content-Type")
	if w.Code >= 400 && ct != "application/problem+json" {
		t.Fatalf("GET %s?%s: %d with Content-Type %q, not a problem document", path, raw, w.Code, ct)
	}
	if strings.Contains(ct, "json") && !json.Valid(w.Body.Bytes()) {
		t.Fatalf("GET %s?%s: %d %s is not valid JSON: %.300s", path, raw, w.Code, ct, w.Body.String())
	}
	return w
}
