package features

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestFilter runs CQL2 filters through the items endpoint: text and JSON
// forms give the same features, alone and with bbox, sortby and paging.
func TestFilter(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct {
		name, text, json string
		extra            string
		ids              []string
		matched          int
	}{
		{"comparison", "floors > 4", `{"op":">","args":[{"property":"floors"},4]}`, "", []string{"1", "3"}, 2},
		{"and/or", "floors = 1 AND (listed = false OR name = 'Triangle')", "", "", []string{"11", "15", "19", "23", "27"}, 5},
		{"like", "name LIKE 'Tri%'", `{"op":"like","args":[{"property":"name"},"Tri%"]}`, "", []string{"2"}, 1},
		{"casei", "CASEI(name) = casei('tower a')", "", "", []string{"1"}, 1},
		{"in", "floors IN (3, 5)", `{"op":"in","args":[{"property":"floors"},[3,5]]}`, "", []string{"2", "3", "13", "17", "21", "25", "29"}, 7},
		{"between", "height BETWEEN 15 AND 19", "", "", []string{"25", "26", "27", "28", "29"}, 5},
		{"is null", "floors IS NULL", `{"op":"isNull","args":[{"property":"floors"}]}`, "", []string{"5"}, 1},
		{"chinese", "name = '中環大廈 \"quoted\"\n\u2028<b>&'", "", "", []string{"5"}, 1},
		{"spatial", "S_INTERSECTS(geometry, POLYGON((114.1725 22.3205, 114.1735 22.3205, 114.1735 22.3215, 114.1725 22.3215, 114.1725 22.3205)))",
			`{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Polygon","coordinates":[[[114.1725,22.3205],[114.1735,22.3205],[114.1735,22.3215],[114.1725,22.3215],[114.1725,22.3205]]]}]}`,
			"", []string{"2"}, 1},
		{"bbox function", "S_INTERSECTS(geometry, BBOX(114.159,22.319,114.166,22.3215)) AND floors = 1", "", "", []string{"11", "15", "19"}, 3},
		{"within", "S_WITHIN(geometry, BBOX(114.1699,22.3199,114.1712,22.3212))", "", "", []string{"1", "5"}, 2},
		{"disjoint", "S_DISJOINT(geometry, BBOX(114.159,22.319,114.166,22.325))", "", "&limit=100", []string{"1", "2", "3", "5"}, 4},
		{"with bbox", "floors = 2", "", "&bbox=114.159,22.319,114.166,22.3215", []string{"12", "16"}, 2},
		{"with sortby", "floors >= 3", "", "&sortby=-floors,name&limit=3", []string{"1", "3", "13"}, 8},
		{"filter-crs 4326 is lat-first", "S_INTERSECTS(geometry, POINT(22.3207 114.1707))", "",
			"&filter-crs=" + url.QueryEscape(epsgPrefix+"4326"), []string{"1", "5"}, 2},
	}
	for _, tc := range tests {
		forms := []string{"filter=" + url.QueryEscape(tc.text)}
		if tc.json != "" {
			forms = append(forms, "filter-lang=cql2-json&filter="+url.QueryEscape(tc.json))
		}
		for _, form := range forms {
			target := "/collections/buildings/items?" + form + tc.extra
			r := get(t, mux, target)
			if r.Status != http.StatusOK {
				t.Errorf("%s: %s: status %d: %s", tc.name, form, r.Status, r.Body)
				continue
			}
			fc := decode(t, r)
			if ids := featureIDs(t, fc); !slices.Equal(ids, tc.ids) {
				t.Errorf("%s: %s: ids %v, want %v", tc.name, form, ids, tc.ids)
			}
			if got := int(fc["numberMatched"].(float64)); got != tc.matched {
				t.Errorf("%s: numberMatched %d, want %d", tc.name, got, tc.matched)
			}
		}
	}
	// Temporal functions on the events layer's datetime.
	r := get(t, mux, "/collections/events/items?filter="+url.QueryEscape("T_INTERSECTS(observed, INTERVAL('2024-02-01T00:00:00Z', '2024-04-01T00:00:00Z')) OR kind = 'unknown'"))
	if r.Status != http.StatusOK {
		t.Fatalf("temporal: status %d: %s", r.Status, r.Body)
	}
	if ids := featureIDs(t, decode(t, r)); !slices.Equal(ids, []string{"2", "3", "4", "6"}) { // 4 is at the interval's closed end
		t.Errorf("temporal: ids %v, want [2 3 4 6]", ids)
	}
}

func TestFilterErrors(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct{ name, query, want string }{
		{"syntax error with position", "filter=" + url.QueryEscape("floors > "), "column"},
		{"type mismatch", "filter=" + url.QueryEscape("floors = 'tall'"), "floors"},
		{"unknown property", "filter=" + url.QueryEscape("colour = 'red'"), "colour"},
		{"json not queryable", "filter=" + url.QueryEscape("extra = 'x'"), "extra"},
		{"bad json", "filter-lang=cql2-json&filter=" + url.QueryEscape(`{"op":"=","args":[`), "filter"},
		{"unknown language", "filter-lang=ecql&filter=a", "cql2-text"},
		{"deep nesting", "filter=" + url.QueryEscape(strings.Repeat("(", 100000)+"floors = 1"+strings.Repeat(")", 100000)), "filter"},
		{"filter-crs without filter", "filter-crs=EPSG:2326", "filter"},
		{"unsupported filter-crs", "filter=floors=1&filter-crs=EPSG:27700", "EPSG/0/2326"},
	}
	for _, tc := range tests {
		r := get(t, mux, "/collections/buildings/items?"+tc.query)
		if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: status %d %s, want a 400 problem: %s", tc.name, r.Status, r.Header.Get("Content-Type"), r.Body)
			continue
		}
		if !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%s: %s does not mention %q", tc.name, r.Body, tc.want)
		}
	}
}

// The filter limits come from the options: a filter over them is a 400
// naming the limit, one within them is served.
func TestFilterLimitsAreConfigurable(t *testing.T) {
	c := newTestCatalog(t)
	opts := testOptions()
	opts.MaxFilterBytes, opts.MaxFilterDepth = 20, 3
	mux := http.NewServeMux()
	NewHandler(c, opts).Register(mux)
	get := func(filter string) int {
		req := httptest.NewRequest("GET", testBase+"/collections/buildings/items?filter="+url.QueryEscape(filter), nil)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		return rec.Code
	}
	if st := get("floors > 4"); st != http.StatusOK {
		t.Errorf("a short filter: %d", st)
	}
	if st := get("floors > 4 AND floors < 1000000"); st != http.StatusBadRequest {
		t.Errorf("a filter over max_filter_bytes: %d, want 400", st)
	}
	if st := get("((((floors > 4))))"); st != http.StatusBadRequest {
		t.Errorf("a filter over max_filter_depth: %d, want 400", st)
	}
}
