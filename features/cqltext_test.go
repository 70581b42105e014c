package features

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// filter-lang=cql-text is cql2-text as GDAL 3.6 writes it: its -where
// clauses, dates as quoted strings (a date with a bare trailing T). Each
// gives the features its cql2-text twin gives.
func TestLegacyCQLText(t *testing.T) {
	mux, _ := newTestMux(t)
	ids := func(t *testing.T, lang, filter string) []string {
		t.Helper()
		q := url.Values{"filter": {filter}, "limit": {"100"}}
		if lang != "" {
			q.Set("filter-lang", lang)
		}
		r := get(t, mux, "/collections/buildings/items?"+q.Encode())
		if r.Status != http.StatusOK {
			t.Fatalf("%s %q: status %d: %s", lang, filter, r.Status, r.Body)
		}
		return featureIDs(t, decode(t, r))
	}
	tests := []struct{ gdal, cql2 string }{
		{"(floors > 4) AND (name = 'Tower A')", "floors > 4 AND name = 'Tower A'"},
		{"(name LIKE 'Tri%') OR (NOT (floors >= 1))", "name LIKE 'Tri%' OR NOT floors >= 1"},
		{"((floors IS NULL))", "floors IS NULL"},
		{"built = '1999-12-31T'", "built = DATE('1999-12-31')"},
		{"built = '1999-12-31'", "built = DATE('1999-12-31')"},
		{"(built > '2000-01-01T') AND (built <= '2010-01-01T')", "built > DATE('2000-01-01') AND built <= DATE('2010-01-01')"},
		{"'2001-01-01T' <> built", "DATE('2001-01-01') <> built"},
		{"updated = '2024-02-03T04:05:06Z'", "updated = TIMESTAMP('2024-02-03T04:05:06Z')"},
		{"updated >= '2024-02-03T04Z'", "updated >= TIMESTAMP('2024-02-03T04:00:00Z')"},
		{"updated < '2024-02-03T04:05Z'", "updated < TIMESTAMP('2024-02-03T04:05:00Z')"},
		{"updated > '2024-02-03'", "updated > DATE('2024-02-03')"},
		{"name = '1999-12-31'", "name = '1999-12-31'"}, // a string property keeps its string
	}
	for _, tc := range tests {
		t.Run(tc.gdal, func(t *testing.T) {
			got, want := ids(t, "cql-text", tc.gdal), ids(t, "", tc.cql2)
			if !slices.Equal(got, want) {
				t.Errorf("cql-text gives %v, cql2-text %q gives %v", got, tc.cql2, want)
			}
		})
	}
	if got := ids(t, "CQL-TEXT", "built = '1999-12-31T'"); !slices.Equal(got, []string{"1"}) {
		t.Errorf("CQL-TEXT: %v, want [1]", got)
	}
}

// Only cql-text reads strings as dates, and only strings that are dates.
func TestLegacyCQLTextErrors(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct{ lang, filter, want string }{
		{"cql-text", "built = 'soon'", `property \"built\" is a date; 'soon'`},
		{"cql-text", "updated < '2024-13-01T00:00:00Z'", `property \"updated\" is a datetime`},
		{"cql-text", "floors = 'tall'", "floors"},
		{"cql-text", "floors >", "column"},
		{"cql2-text", "built = '1999-12-31'", `property \"built\" is a date; '1999-12-31' is a string`},
		{"", "built = '1999-12-31'", `'1999-12-31' is a string`},
		{"cql-json", "built = '1999-12-31'", "cql-text"},
	}
	for _, tc := range tests {
		q := url.Values{"filter": {tc.filter}}
		if tc.lang != "" {
			q.Set("filter-lang", tc.lang)
		}
		r := get(t, mux, "/collections/buildings/items?"+q.Encode())
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s %q: %d %s, want a 400 mentioning %s", tc.lang, tc.filter, r.Status, r.Body, tc.want)
		}
	}
}

// GDAL 3.6 filters on the server only when the items path's filter-lang
// lists cql-text, and only on properties named by a query parameter of
// the path: every queryable a parameter can carry is one. (Arrays are
// left to GDAL: ?tags= cannot compare an array, nor can = in CQL2.)
func TestOpenAPIOffersCQLTextToGDAL(t *testing.T) {
	mux, c := newTestMux(t)
	doc := openAPIDocument(t, mux)
	paths := doc["paths"].(map[string]any)
	for _, l := range c.Layers() {
		path := "/collections/" + l.ID + "/items"
		names := map[string]map[string]any{}
		for _, pv := range paths[path].(map[string]any)["get"].(map[string]any)["parameters"].([]any) {
			p := pv.(map[string]any)
			if ref, ok := p["$ref"].(string); ok {
				r, _ := resolvePointer(doc, ref)
				p = r.(map[string]any)
			}
			if p["in"] == "query" {
				names[p["name"].(string)] = p
			}
		}
		enum, _ := names["filter-lang"]["schema"].(map[string]any)["enum"].([]any)
		if !slices.Equal(enum, []any{"cql2-text", "cql2-json", "cql-text"}) {
			t.Errorf("%s: filter-lang enum %v", path, enum)
		}
		for name, prop := range describeQueryables(l).Properties {
			if name == geometryQueryable || prop.Type == "array" {
				continue
			}
			if _, ok := names[name]; !ok {
				t.Errorf("%s: queryable %s is not a query parameter", path, name)
			}
		}
	}
}
