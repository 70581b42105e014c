package features

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// badRequests are items queries (on buildings unless the path says
// otherwise) that must be refused with 400 and a message naming the
// problem. They seed FuzzParseQuery too.
var badRequests = []struct {
	name   string
	target string
	detail string
}{
	{"bbox too few", "/collections/buildings/items?bbox=1,2,3", `bbox must be 4 comma-separated numbers minLon,minLat,maxLon,maxLat in CRS84 (or 6, minLon,minLat,minHeight,maxLon,maxLat,maxHeight); got "1,2,3"`},
	{"bbox five", "/collections/buildings/items?bbox=1,2,3,4,5", "bbox must be 4"},
	{"bbox empty", "/collections/buildings/items?bbox=", "bbox must be 4"},
	{"bbox words", "/collections/buildings/items?bbox=a,b,c,d", `"a" is not a finite number`},
	{"bbox NaN", "/collections/buildings/items?bbox=NaN,0,1,1", `"NaN" is not a finite number`},
	{"bbox infinite", "/collections/buildings/items?bbox=0,0,Inf,1", `"Inf" is not a finite number`},
	{"bbox south above north", "/collections/buildings/items?bbox=0,10,1,5", "minimum latitude 10 is north of the maximum 5"},
	{"bbox latitude", "/collections/buildings/items?bbox=0,-91,1,5", "latitude -91 is outside -90..90"},
	{"bbox latitude first", "/collections/buildings/items?bbox=22.3,114.1,22.4,114.2", "latitude 114.1 is outside -90..90"},
	{"bbox longitude", "/collections/buildings/items?bbox=-181,0,1,1", "longitude -181 is outside -180..180"},
	{"bbox twice", "/collections/buildings/items?bbox=0,0,1,1&bbox=0,0,2,2", "bbox is given 2 times"},
	{"limit zero", "/collections/buildings/items?limit=0", `limit must be a whole number from 1 to 10000 (larger ones are reduced to 10000); got "0"`},
	{"limit negative", "/collections/buildings/items?limit=-1", "limit must be a whole number"},
	{"limit fraction", "/collections/buildings/items?limit=1.5", "limit must be a whole number"},
	{"limit word", "/collections/buildings/items?limit=ten", "limit must be a whole number"},
	{"limit empty", "/collections/buildings/items?limit=", "limit must be a whole number"},
	{"offset negative", "/collections/buildings/items?offset=-1", `offset must be a whole number, 0 or more (the number of features to skip); got "-1"`},
	{"offset word", "/collections/buildings/items?offset=x", "offset must be a whole number"},
	{"datetime word", "/collections/events/items?datetime=yesterday", `datetime must be an RFC 3339 date-time (2024-05-01T08:00:00Z), a date (2024-05-01), or an interval start/end of those with .. for an open end (2024-01-01/..); got "yesterday"`},
	{"datetime month 13", "/collections/events/items?datetime=2024-13-01", "datetime must be an RFC 3339"},
	{"datetime no zone", "/collections/events/items?datetime=2024-01-01T00:00:00", "datetime must be an RFC 3339"},
	{"datetime bad start", "/collections/events/items?datetime=soon/..", `the start "soon" is neither`},
	{"datetime bad end", "/collections/events/items?datetime=2024-01-01/later", `the end "later" is neither`},
	{"datetime three parts", "/collections/events/items?datetime=2024-01-01/2024-02-01/2024-03-01", "the end"},
	{"datetime backwards", "/collections/events/items?datetime=2024-02-01/2024-01-01", `datetime interval "2024-02-01/2024-01-01" ends before it starts`},
	{"datetime without time", "/collections/buildings/items?datetime=2024-01-01", `collection "buildings" has no time, so datetime cannot be used with it`},
	{"unknown parameter", "/collections/buildings/items?colour=red", `unknown query parameter "colour"; this endpoint accepts bbox, bbox-crs, crs, datetime, f, filter, filter-crs, filter-lang, lang, limit, offset, properties, skipGeometry, sortby and one parameter per filterable attribute`},
	{"unknown parameters", "/collections/buildings/items?color=x&colour=y", `unknown query parameters "color", "colour"`},
	{"integer attribute", "/collections/buildings/items?floors=three", `attribute "floors" is a whole number (for example 42); got "three"`},
	{"integer attribute fraction", "/collections/buildings/items?floors=1.5", `attribute "floors" is a whole number`},
	{"number attribute", "/collections/buildings/items?height=tall", `attribute "height" is a number`},
	{"number attribute NaN", "/collections/buildings/items?height=NaN", `attribute "height" is a number`},
	{"boolean attribute", "/collections/buildings/items?listed=yes", `attribute "listed" is true or false; got "yes"`},
	{"date attribute", "/collections/buildings/items?built=2020-1-1", `attribute "built" is a date YYYY-MM-DD`},
	{"date-time attribute", "/collections/buildings/items?updated=2020-01-01", `attribute "updated" is an RFC 3339 date-time`},
	{"array attribute", "/collections/buildings/items?tags=a", `attribute "tags" holds array values, which a query parameter cannot be compared with`},
	{"json attribute", "/collections/buildings/items?extra=1", `attribute "extra" holds json values`},
	{"attribute twice", "/collections/buildings/items?name=a&name=b", "name is given 2 times"},
	{"shadowed attribute keeps parameter meaning", "/collections/buildings/items?limit=x", "limit must be a whole number"},
	{"format", "/collections/buildings/items?f=xml", `f must be json, geojson, html, csv or gpkg; got "xml"`},
	{"language", "/collections/buildings/items?lang=fr", `lang must be en (English) or zh (繁體中文); got "fr"`},
	{"bad escape", "/collections/buildings/items?bbox=%zz", "the query string is malformed"},
	{"semicolon", "/collections/buildings/items?limit=1;offset=2", "the query string is malformed"},
}

func TestBadRequests(t *testing.T) {
	mux, _ := newTestMux(t)
	more := []struct {
		name   string
		target string
		detail string
	}{
		{"item unknown parameter", "/collections/buildings/items/1?bbox=0,0,1,1", `unknown query parameter "bbox"`},
		{"item format", "/collections/buildings/items/1?f=csv", "f must be json, geojson or html"},
		{"collections format", "/collections?f=geojson", `f must be json or html; got "geojson"`},
		{"landing language", "/?lang=de", "lang must be en"},
		{"conformance malformed", "/conformance?a=%", "the query string is malformed"},
		{"api format", "/api?f=yaml", "f must be json or html"},
	}
	for _, tc := range append(badRequests, more...) {
		t.Run(tc.name, func(t *testing.T) {
			for _, accept := range []string{"", "text/html"} {
				if accept == "text/html" && strings.Contains(tc.target, "/items?") && strings.HasSuffix(tc.target, "=") {
					continue // a page takes a form's blank field as not set (TestItemsPageIgnoresBlankFields)
				}
				r := get(t, mux, tc.target, "Accept", accept)
				p := problem(t, r, http.StatusBadRequest)
				if !strings.Contains(p.Detail, tc.detail) {
					t.Errorf("detail %q\nwant it to contain %q", p.Detail, tc.detail)
				}
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	mux, _ := newTestMux(t)
	for target, detail := range map[string]string{
		"/collections/nope":                     `there is no collection "nope"`,
		"/collections/nope/items":               `there is no collection "nope"`,
		"/collections/nope/items/1":             `there is no collection "nope"`,
		"/collections/buildings/items/999":      `collection "buildings" has no feature with id "999"`,
		"/collections/buildings/items/Tower":    `has no feature with id "Tower"`,
		"/collections/places/items/hk-cen":      `has no feature with id "hk-cen"`,
		"/collections/buildings/items/1?f=html": "", // found: checked below
	} {
		t.Run(target, func(t *testing.T) {
			r := get(t, mux, target)
			if detail == "" {
				if r.Status != 200 {
					t.Errorf("status %d", r.Status)
				}
				return
			}
			if p := problem(t, r, http.StatusNotFound); !strings.Contains(p.Detail, detail) {
				t.Errorf("detail %q, want %q", p.Detail, detail)
			}
		})
	}
}

func problem(t *testing.T, r response, status int) httpx.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var p httpx.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("problem document: %v", err)
	}
	return p
}
