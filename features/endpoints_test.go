package features

import (
	"encoding/json"
	"github.com/csdi-hk/csdi/features/cql2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"weak"
)

// Every endpoint answers in JSON and in HTML, chosen by f or by Accept.
func TestEndpointsInBothFormats(t *testing.T) {
	mux, _ := newTestMux(t)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
	paths := []struct {
		path     string
		jsonType string
	}{
		{"/", mediaJSON},
		{"/conformance", mediaJSON},
		{"/api", mediaOpenAPI},
		{"/collections", mediaJSON},
		{"/collections/buildings", mediaJSON},
		{"/collections/events", mediaJSON},
		{"/collections/places", mediaJSON},
		{"/collections/buildings/items", mediaGeoJSON},
		{"/collections/places/items", mediaGeoJSON},
		{"/collections/buildings/items/1", mediaGeoJSON},
		{"/collections/buildings/items/4", mediaGeoJSON}, // no geometry
		{"/collections/places/items/KLN-MK", mediaGeoJSON},
		{"/collections/places/items/NT-ST", mediaGeoJSON},
		{"/collections/places/items/a%20b%2Fc%3F", mediaGeoJSON},
	}
	for _, p := range paths {
		sep := "?"
		if strings.Contains(p.path, "?") {
			sep = "&"
		}
		for _, c := range []struct {
			name   string
			target string
			header []string
			html   bool
		}{
			{"f=json", p.path + sep + "f=json", nil, false},
			{"f=html", p.path + sep + "f=html", nil, true},
			{"no accept", p.path, nil, false},
			{"accept json", p.path, []string{"Accept", "application/json"}, false},
			{"accept any", p.path, []string{"Accept", "*/*"}, false},
			{"accept html", p.path, []string{"Accept", "text/html"}, true},
			{"browser", p.path, []string{"Accept", browser}, true},
			{"f beats accept", p.path + sep + "f=json", []string{"Accept", browser}, false},
		} {
			t.Run(p.path+"/"+c.name, func(t *testing.T) {
				r := get(t, mux, c.target, c.header...)
				if r.Status != http.StatusOK {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
				ct := r.Header.Get("Content-Type")
				if c.html {
					if ct != htmlCharset || !strings.HasPrefix(string(r.Body), "<!DOCTYPE html>") {
						t.Fatalf("want HTML, got %s: %.200s", ct, r.Body)
					}
					return
				}
				if ct != p.jsonType {
					t.Fatalf("Content-Type %q, want %q", ct, p.jsonType)
				}
				if !json.Valid(r.Body) {
					t.Fatalf("invalid JSON: %s", r.Body)
				}
				if !strings.Contains(r.Header.Get("Vary"), "Accept") {
					t.Errorf("Vary %q does not name Accept", r.Header.Get("Vary"))
				}
			})
		}
	}
}

func TestItemsAcceptsGeoJSONFormat(t *testing.T) {
	mux, _ := newTestMux(t)
	for _, path := range []string{"/collections/roads/items?f=geojson", "/collections/roads/items/1?f=geojson"} {
		if r := get(t, mux, path); r.Status != http.StatusOK || r.Header.Get("Content-Type") != mediaGeoJSON {
			t.Errorf("%s: %d %s", path, r.Status, r.Header.Get("Content-Type"))
		}
	}
}

func TestPrefersHTML(t *testing.T) {
	for accept, want := range map[string]bool{
		"":                            false,
		"*/*":                         false,
		"text/html":                   true,
		"TEXT/HTML; charset=utf-8":    true,
		"text/html, */*":              true,
		"application/json, text/html": false,
		"application/geo+json":        false,
		"text/html;q=0.5, */*":        false,
		"text/html;q=0, */*;q=0.1":    false,
		"application/xhtml+xml":       true,
		"application/json;q=0.2, text/html;q=0.9": true,
	} {
		if got := prefersHTML(accept); got != want {
			t.Errorf("prefersHTML(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestLandingLinks(t *testing.T) {
	mux, _ := newTestMux(t)
	doc := decode(t, get(t, mux, "/"))
	want := map[string]string{
		"self":         testBase + "/",
		"alternate":    testBase + "/?f=html",
		"service-desc": testBase + "/api",
		"service-doc":  testBase + "/api?f=html",
		"conformance":  testBase + "/conformance",
		"data":         testBase + "/collections",
	}
	for rel, href := range want {
		if got := linkHref(doc, rel); got != href {
			t.Errorf("%s link %q, want %q", rel, got, href)
		}
	}
	if doc["title"] != "CSDI test" || doc["titleZh"] != "測試平台" {
		t.Errorf("titles %v / %v", doc["title"], doc["titleZh"])
	}
}

func TestConformanceDeclaresWhatIsBuilt(t *testing.T) {
	mux, _ := newTestMux(t)
	doc := decode(t, get(t, mux, "/conformance"))
	var got []string
	for _, c := range doc["conformsTo"].([]any) {
		got = append(got, c.(string))
	}
	want := []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	}
	want = append(want, cql2.ConformanceClasses...)
	if !slices.Equal(got, want) {
		t.Errorf("conformsTo %v\nwant %v", got, want)
	}
}

func TestCollectionDocuments(t *testing.T) {
	mux, _ := newTestMux(t)
	all := decode(t, get(t, mux, "/collections"))
	cs := all["collections"].([]any)
	if len(cs) != 5 {
		t.Fatalf("%d collections, want 5", len(cs))
	}
	tests := []struct {
		id       string
		title    string
		titleZh  string
		bbox     []float64
		interval []string
	}{
		{"buildings", "Buildings", "建築物", []float64{114.16, 22.32, 114.178, 22.3235}, nil},
		{"events", "Incidents", "事故", []float64{114.17, 22.3, 114.22, 22.35},
			[]string{"2024-01-01T00:00:00Z", "2024-06-30T12:00:00Z"}},
		{"places", "地方", "地方", []float64{114.1, 22.282, 114.19, 22.39}, nil},
		{"plans", "Plans", "規劃", []float64{114.1, 22.3, 114.13, 22.31},
			[]string{"2023-12-31T00:00:00Z", "2024-01-02T23:59:59Z"}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			doc := decode(t, get(t, mux, "/collections/"+tc.id))
			if doc["id"] != tc.id || doc["title"] != tc.title || doc["titleZh"] != tc.titleZh {
				t.Errorf("id/title/titleZh = %v/%v/%v", doc["id"], doc["title"], doc["titleZh"])
			}
			if doc["itemType"] != "feature" || jsonText(doc["crs"]) != jsonText(crsURIs()) {
				t.Errorf("itemType %v crs %v", doc["itemType"], doc["crs"])
			}
			ext := doc["extent"].(map[string]any)
			bbox := ext["spatial"].(map[string]any)["bbox"].([]any)[0].([]any)
			for i, v := range tc.bbox {
				if bbox[i].(float64) != v {
					t.Errorf("bbox %v, want %v", bbox, tc.bbox)
					break
				}
			}
			temporal, _ := ext["temporal"].(map[string]any)
			switch {
			case tc.interval == nil && temporal != nil:
				t.Errorf("temporal extent %v on a layer without time", temporal)
			case tc.interval != nil:
				iv := temporal["interval"].([]any)[0].([]any)
				if iv[0] != tc.interval[0] || iv[1] != tc.interval[1] {
					t.Errorf("interval %v, want %v", iv, tc.interval)
				}
			}
			if got := linkHref(doc, "items"); got != testBase+"/collections/"+tc.id+"/items" {
				t.Errorf("items link %q", got)
			}
		})
	}
	b := decode(t, get(t, mux, "/collections/buildings"))
	if b["department"] != "LandsD" || b["license"] != "Open Government Licence" || b["descriptionZh"] != "建築物輪廓" {
		t.Errorf("department/license/descriptionZh: %v %v %v", b["department"], b["license"], b["descriptionZh"])
	}
}

func TestTemporalExtentIsRemembered(t *testing.T) {
	c := newTestCatalog(t)
	h := NewHandler(c, testOptions())
	s, _ := c.Snapshot("events")
	first := h.temporal.of(s)
	if _, ok := h.temporal.m.Load(weak.Make(s)); !ok {
		t.Fatal("time span was not remembered")
	}
	if again := h.temporal.of(s); again != first {
		t.Errorf("second lookup %v differs from %v", again, first)
	}
}

func TestHTMLLanguage(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct {
		name   string
		target string
		header []string
		want   string // a phrase only that language's page has
		lang   string
	}{
		{"default", "/collections?f=html", nil, "Collections", "en"},
		{"param", "/collections?f=html&lang=zh", nil, "數據集", "zh-Hant-HK"},
		{"param region", "/collections?f=html&lang=zh-HK", nil, "數據集", "zh-Hant-HK"},
		{"header", "/collections?f=html", []string{"Accept-Language", "zh-HK,zh;q=0.9,en;q=0.8"}, "數據集", "zh-Hant-HK"},
		{"header english first", "/collections?f=html", []string{"Accept-Language", "en-GB,zh;q=0.5"}, "Collections", "en"},
		{"param beats header", "/collections?f=html&lang=en", []string{"Accept-Language", "zh-HK"}, "Collections", "en"},
		{"other languages", "/collections?f=html", []string{"Accept-Language", "fr,de"}, "Collections", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, mux, tc.target, tc.header...)
			if r.Status != 200 || !strings.Contains(string(r.Body), tc.want) ||
				!strings.Contains(string(r.Body), `<html lang="`+tc.lang+`">`) {
				t.Fatalf("status %d, want %q in lang %s: %.600s", r.Status, tc.want, tc.lang, r.Body)
			}
			if got := r.Header.Get("Content-Language"); got != tc.lang {
				t.Errorf("Content-Language %q, want %q", got, tc.lang)
			}
		})
	}
	// A chosen language is carried on by the page's links.
	r := get(t, mux, "/collections/buildings/items?f=html&lang=zh&limit=2")
	body := string(r.Body)
	for _, want := range []string{
		`href="http://csdi.test/collections/buildings/items/1?lang=zh"`,
		`href="http://csdi.test/collections/buildings/items?f=html&amp;lang=zh&amp;limit=2&amp;offset=2"`,
		`href="http://csdi.test/collections/buildings/items?f=html&amp;lang=en&amp;limit=2"`,
		`第 1 至 2 項，共 25 項`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestHTMLPagesShowData(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct {
		target string
		want   []string
	}{
		{"/?f=html", []string{"CSDI test", "Layers for tests", `href="http://csdi.test/collections"`}},
		{"/api?f=html", []string{"GET /collections/buildings/items", "<code>floors</code>", "integer (int64)",
			"GET /tiles/{layers}/{z}/{x}/{y}.mvt"}},
		{"/conformance?f=html", []string{"conf/oas30"}},
		{"/collections?f=html", []string{"建築物", "Buildings", "LandsD", "<td class=\"num\">25</td>"}},
		{"/collections/buildings?f=html", []string{"建築物輪廓", "Open Government Licence", "<svg class=\"map\"",
			`class="extent"`, "114.16, 22.32, 114.178, 22.3235"}},
		{"/collections/events?f=html", []string{"2024-01-01T00:00:00Z – 2024-06-30T12:00:00Z"}},
		{"/collections/roads/items?f=html", []string{`class="line"`}},
		{"/collections/places/items?f=html", []string{`class="point"`, "中環", "KLN-MK"}},
		{"/collections/buildings/items/5?f=html", []string{"中環大廈 &#34;quoted&#34;", "&lt;b&gt;&amp;", `class="area"`}},
		{"/collections/buildings/items/4?f=html", []string{"Nowhere", "none"}},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			r := get(t, mux, tc.target)
			if r.Status != 200 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(r.Body), w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if strings.Contains(string(r.Body), "<b>&") {
				t.Error("attribute text is not escaped")
			}
		})
	}
}
