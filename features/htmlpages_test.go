package features

import (
	"context"
	"html"
	"io"
	"iter"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// newDownloadsMux is the test mux with GeoPackage downloads offered; the
// writer is never run, only its links are looked at.
func newDownloadsMux(t testing.TB) *http.ServeMux {
	t.Helper()
	opts := testOptions()
	opts.GeoPackage = func(context.Context, io.Writer, *layer.Layer, iter.Seq2[store.Record, error]) (int64, error) {
		return 0, nil
	}
	mux := http.NewServeMux()
	NewHandler(newTestCatalog(t), opts).Register(mux)
	return mux
}

var anchorRE = regexp.MustCompile(`<a href="([^"]*)"[^>]*>([^<]*)</a>`)

// anchors maps the text of each link in the first element of a page that
// starts with start to its unescaped href.
func anchors(t *testing.T, body, start string) map[string]string {
	t.Helper()
	_, rest, ok := strings.Cut(body, start)
	if !ok {
		t.Fatalf("page lacks %s", start)
	}
	block, _, _ := strings.Cut(rest, "\n")
	out := map[string]string{}
	for _, m := range anchorRE.FindAllStringSubmatch(block, -1) {
		out[html.UnescapeString(m[2])] = html.UnescapeString(m[1])
	}
	return out
}

// queryOf parses a link and checks its path.
func queryOf(t *testing.T, link, wantPath string) url.Values {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	if u.Path != wantPath {
		t.Errorf("link %q goes to %s, want %s", link, u.Path, wantPath)
	}
	return u.Query()
}

func TestCollectionPageFindsAndDownloads(t *testing.T) {
	mux := newDownloadsMux(t)
	tests := []struct {
		lang, heading, queryables string
		hidden                    string // the language the form carries on
	}{
		{"en", "<h2>Find features</h2>", "http://csdi.test/collections/buildings/queryables", ""},
		{"zh", "<h2>搜尋要素</h2>", "http://csdi.test/collections/buildings/queryables?lang=zh",
			`<input type="hidden" name="lang" value="zh">`},
	}
	for _, tc := range tests {
		t.Run(tc.lang, func(t *testing.T) {
			target := "/collections/buildings?f=html"
			if tc.lang != "en" {
				target += "&lang=" + tc.lang
			}
			r := get(t, mux, target)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			body := string(r.Body)
			for _, want := range []string{
				tc.heading,
				`<form class="query" method="get" action="http://csdi.test/collections/buildings/items">`,
				`<input type="hidden" name="f" value="html">` + tc.hidden + "\n",
				`<textarea id="filter" name="filter" rows="2" required`,
				`<a href="` + tc.queryables + `">` + uiText("queryables", tc.lang) + `</a>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			links := anchors(t, body, `<p class="downloads">`+uiText("download", tc.lang))
			for label, f := range map[string]string{"GeoJSON": "json", "CSV": "csv", "GeoPackage": "gpkg"} {
				q := queryOf(t, links[label], "/collections/buildings/items")
				if q.Get("f") != f || len(q) != 1 {
					t.Errorf("%s link %q, want only f=%s", label, links[label], f)
				}
			}
		})
	}
}

// The collection page's form asks the items page; what it sends is
// answered, and the answer shows the filter in use.
func TestCollectionFormQuery(t *testing.T) {
	mux := newDownloadsMux(t)
	q := url.Values{"f": {"html"}, "lang": {"zh"}, "filter": {"floors > 20"}}
	r := get(t, mux, "/collections/buildings/items?"+q.Encode())
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if want := `使用中的篩選條件: <code>floors &gt; 20</code>`; !strings.Contains(string(r.Body), want) {
		t.Errorf("page lacks %s", want)
	}
}

func TestItemsPageShowsQuery(t *testing.T) {
	mux := newDownloadsMux(t)
	const filter = "floors >= 1 AND name = 'Block'"
	q := url.Values{"f": {"html"}, "lang": {"zh-HK"}, "filter": {filter}, "sortby": {"-floors"}, "limit": {"5"}}
	r := get(t, mux, "/collections/buildings/items?"+q.Encode())
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	body := string(r.Body)
	if got := r.Header.Get("Content-Language"); got != "zh-Hant-HK" {
		t.Errorf("Content-Language %q, want zh-Hant-HK", got)
	}
	for _, want := range []string{
		// The filter in use, shown and in the form to edit.
		`<p class="filter">使用中的篩選條件: <code>floors &gt;= 1 AND name = &#39;Block&#39;</code></p>`,
		`>floors &gt;= 1 AND name = &#39;Block&#39;</textarea>`,
		// The sort: in the form, and marked on its column.
		`<label>排序 <input name="sortby" value="-floors"`,
		`>floors</a> ▼</th>`,
		// The pager: 15 blocks have a floor or more.
		`<span>第 1 至 5 項，共 15 項</span>`,
		`rel="next">下一頁 →</a>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Blocks 3, 7, 11, 15 and 19 (ids 13…29) have the most floors, 3.
	var ids []string
	for _, m := range regexp.MustCompile(`<tr><td><a href="[^"]*">([^<]*)</a>`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	if got := strings.Join(ids, ","); got != "13,17,21,25,29" {
		t.Errorf("rows %s, want 13,17,21,25,29", got)
	}

	t.Run("pager", func(t *testing.T) {
		next := regexp.MustCompile(`<a href="([^"]*)" rel="next">`).FindStringSubmatch(body)
		if next == nil {
			t.Fatal("no next link")
		}
		nq := queryOf(t, html.UnescapeString(next[1]), "/collections/buildings/items")
		if nq.Get("filter") != filter || nq.Get("sortby") != "-floors" || nq.Get("offset") != "5" || nq.Get("f") != "html" {
			t.Errorf("next link %s loses the query", nq.Encode())
		}
		// The floors column re-sorts ascending, keeping the filter.
		cols := anchors(t, body, "<tr><th>")
		cq := queryOf(t, cols["floors"], "/collections/buildings/items")
		if cq.Get("sortby") != "floors" || cq.Get("filter") != filter {
			t.Errorf("floors header link %s", cq.Encode())
		}
	})

	t.Run("downloads", func(t *testing.T) {
		links := anchors(t, body, `<p class="downloads">下載`)
		for label, f := range map[string]string{
			allDownloads[0].title.Zh: "csv",
			allDownloads[1].title.Zh: "gpkg",
		} {
			dq := queryOf(t, links[label], "/collections/buildings/items")
			if dq.Get("f") != f || dq.Get("filter") != filter || dq.Get("sortby") != "-floors" {
				t.Errorf("%s link %s does not carry the query", f, dq.Encode())
			}
			if dq.Has("limit") || dq.Has("offset") {
				t.Errorf("%s link %s is paged; a download is the whole result", f, dq.Encode())
			}
		}
	})
}

// A form sends its blank fields too ("filter=&sortby=&bbox="): for a
// person's page they mean "not set", and the page is answered; an API
// client's blank value is still refused.
func TestItemsPageIgnoresBlankFields(t *testing.T) {
	mux := newDownloadsMux(t)
	blank := "filter=&filter-lang=&sortby=&bbox=&limit=&offset=&crs=&datetime="
	r := get(t, mux, "/collections/buildings/items?f=html&"+blank)
	if r.Status != http.StatusOK {
		t.Fatalf("a form with blank fields: %d %s", r.Status, r.Body)
	}
	for _, link := range anchors(t, string(r.Body), `<p class="downloads">`) {
		if strings.Contains(link, "filter=&") || strings.HasSuffix(link, "filter=") {
			t.Errorf("download link %q carries the blank filter", link)
		}
	}
	if r := get(t, mux, "/collections/buildings/items?f=json&bbox="); r.Status != http.StatusBadRequest {
		t.Errorf("GeoJSON with a blank bbox: %d, want 400", r.Status)
	}
}
