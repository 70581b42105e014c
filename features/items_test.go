package features

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestItemsSelection(t *testing.T) {
	mux, _ := newTestMux(t)
	blocks := []string{"10", "11", "12", "13", "14", "15", "16", "17", "18", "19",
		"20", "21", "22", "23", "24", "25", "26", "27", "28", "29"}
	tests := []struct {
		name    string
		target  string
		ids     []string
		matched int
	}{
		{"first page", "/collections/buildings/items", []string{"1", "2", "3", "4", "5", "10", "11", "12", "13", "14"}, 25},
		{"offset", "/collections/buildings/items?offset=20", []string{"25", "26", "27", "28", "29"}, 25},
		{"past the end", "/collections/buildings/items?offset=100", nil, 25},
		{"limit", "/collections/buildings/items?limit=2&offset=1", []string{"2", "3"}, 25},
		{"huge limit is clamped", "/collections/buildings/items?limit=99999999999999999999999", nil, 25},

		{"bbox over the grid", "/collections/buildings/items?bbox=114.159,22.319,114.166,22.325&limit=100", blocks, 20},
		{"6-number bbox", "/collections/buildings/items?bbox=114.159,22.319,-5,114.166,22.325,5&limit=100", blocks, 20},
		{"bbox in a triangle's empty corner", "/collections/buildings/items?bbox=" + bboxInCorner, nil, 0},
		{"bbox over a triangle's edge", "/collections/buildings/items?bbox=114.1725,22.3205,114.1735,22.3215", []string{"2"}, 1},
		{"bbox in a hole", "/collections/buildings/items?bbox=" + bboxInHole, nil, 0},
		{"bbox inside a polygon", "/collections/buildings/items?bbox=114.1752,22.3202,114.1758,22.3208", []string{"3"}, 1},
		{"bbox around a hole", "/collections/buildings/items?bbox=114.1755,22.3205,114.1775,22.3225", []string{"3"}, 1},
		{"bbox touching an edge", "/collections/buildings/items?bbox=114.171,22.3202,114.1712,22.3204", []string{"1"}, 1},
		{"bbox drops null geometry", "/collections/buildings/items?bbox=-180,-90,180,90&limit=3", []string{"1", "2", "3"}, 24},

		{"bbox off a diagonal road", "/collections/roads/items?bbox=114.18,22.30,114.20,22.32", nil, 0},
		{"bbox on the roads' crossing", "/collections/roads/items?bbox=114.14,22.34,114.16,22.36", []string{"1", "2"}, 2},
		{"antimeridian", "/collections/roads/items?bbox=179,5,-179,15", []string{"3", "4"}, 2},
		{"east of the antimeridian", "/collections/roads/items?bbox=179,5,179.95,15", []string{"3"}, 1},
		{"multipoint and collection", "/collections/places/items?bbox=114.1695,22.3195,114.2,22.39", []string{"KLN-MK", "NT-ST"}, 2},

		{"string", "/collections/buildings/items?name=Block&limit=3", []string{"10", "11", "12"}, 20},
		{"integer", "/collections/buildings/items?floors=2", []string{"12", "16", "20", "24", "28"}, 5},
		{"number", "/collections/buildings/items?height=120.5", []string{"1"}, 1},
		{"integer-valued number", "/collections/buildings/items?height=10", []string{"2", "20"}, 2},
		{"boolean", "/collections/buildings/items?listed=true&limit=3", []string{"1", "10", "12"}, 11},
		{"date", "/collections/buildings/items?built=1980-06-15", []string{"3"}, 1},
		{"date-time", "/collections/buildings/items?updated=2024-02-03T12:05:06%2B08:00&limit=1", []string{"1"}, 24},
		{"attributes and bbox", "/collections/buildings/items?name=Block&floors=1&bbox=114.159,22.319,114.166,22.3215",
			[]string{"11", "15", "19"}, 3},
		{"chinese attribute", "/collections/places/items?" + url.Values{"名稱": {"旺角"}}.Encode(), []string{"KLN-MK"}, 1},
		{"no match", "/collections/places/items?district=nowhere", nil, 0},
		{"string ids in order", "/collections/places/items", []string{"HK-CEN", "KLN-MK", "NOWHERE", "NT-ST", "a b/c?"}, 5},

		{"instant", "/collections/events/items?datetime=2024-02-15T12:30:00Z", []string{"2"}, 1},
		{"instant with offset", "/collections/events/items?datetime=2024-04-01T08:00:00%2B08:00", []string{"4"}, 1},
		{"date", "/collections/events/items?datetime=2024-03-31", []string{"3"}, 1},
		{"closed interval of dates", "/collections/events/items?datetime=2024-02-01/2024-03-31", []string{"2", "3"}, 2},
		{"open start", "/collections/events/items?datetime=../2024-02-15T12:30:00Z", []string{"1", "2"}, 2},
		{"empty start", "/collections/events/items?datetime=/2024-01-01", []string{"1"}, 1},
		{"open end", "/collections/events/items?datetime=2024-04-01T00:00:00Z/..", []string{"4", "5"}, 2},
		{"open both ends drops no-time", "/collections/events/items?datetime=../..", []string{"1", "2", "3", "4", "5"}, 5},
		{"datetime and attribute", "/collections/events/items?datetime=2024-01-01/2024-12-31&kind=fire", []string{"1", "3", "5"}, 3},
		{"datetime and bbox", "/collections/events/items?datetime=2024-01-01/2024-12-31&bbox=114.185,22.3,114.25,22.4&limit=2",
			[]string{"3", "4"}, 3},
		{"date field, date", "/collections/plans/items?datetime=2024-01-01", []string{"2"}, 1},
		{"date field, instant within the day", "/collections/plans/items?datetime=2023-12-31T12:00:00Z", []string{"1"}, 1},
		{"date field, interval", "/collections/plans/items?datetime=2023-12-31T23:00:00Z/2024-01-01T00:00:00Z", []string{"1", "2"}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, mux, tc.target)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			fc := decode(t, r)
			ids := featureIDs(t, fc)
			if tc.ids != nil && !slices.Equal(ids, tc.ids) || tc.ids == nil && tc.name != "huge limit is clamped" && len(ids) != 0 {
				t.Errorf("ids %v, want %v", ids, tc.ids)
			}
			if got := int(fc["numberMatched"].(float64)); got != tc.matched {
				t.Errorf("numberMatched %d, want %d", got, tc.matched)
			}
			if got := int(fc["numberReturned"].(float64)); got != len(ids) {
				t.Errorf("numberReturned %d for %d features", got, len(ids))
			}
		})
	}
}

func TestItemsIDsAreTyped(t *testing.T) {
	mux, _ := newTestMux(t)
	num := string(get(t, mux, "/collections/buildings/items?limit=1").Body)
	str := string(get(t, mux, "/collections/places/items?limit=1").Body)
	if !strings.Contains(num, `"id":1,`) || !strings.Contains(str, `"id":"HK-CEN",`) {
		t.Errorf("numeric id not a number or string id not a string:\n%s\n%s", num, str)
	}
	null := string(get(t, mux, "/collections/buildings/items/4").Body)
	if !strings.Contains(null, `"geometry":null`) {
		t.Errorf("feature without geometry: %s", null)
	}
}

// Following next links visits every match once, in id order, and the
// links keep every other parameter.
func TestPagingLinks(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct {
		name    string
		first   string
		pages   int
		matched int
	}{
		{"all", "/collections/buildings/items?limit=4", 7, 25},
		{"bbox", "/collections/buildings/items?bbox=114.159,22.319,114.166,22.325&limit=6", 4, 20},
		{"filter", "/collections/buildings/items?name=Block&limit=5&listed=false", 2, 10},
		{"datetime", "/collections/events/items?datetime=../..&limit=2", 3, 5},
		{"exact pages", "/collections/buildings/items?limit=5", 5, 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, _ := url.Parse(tc.first)
			keep := first.Query()
			keep.Del("offset")
			var all []string
			next, pages, prevOffset := tc.first, 0, -1
			for next != "" {
				r := get(t, mux, strings.TrimPrefix(next, testBase))
				fc := decode(t, r)
				pages++
				if int(fc["numberMatched"].(float64)) != tc.matched {
					t.Fatalf("page %d: numberMatched %v", pages, fc["numberMatched"])
				}
				all = append(all, featureIDs(t, fc)...)
				u, _ := url.Parse(linkHref(fc, "self"))
				offset := u.Query().Get("offset")
				if pages > 1 && linkHref(fc, "prev") == "" {
					t.Errorf("page %d has no prev link", pages)
				}
				if pages == 1 && linkHref(fc, "prev") != "" {
					t.Errorf("first page has a prev link")
				}
				if prevOffset >= 0 {
					p, _ := url.Parse(linkHref(fc, "prev"))
					want := ""
					if prevOffset > 0 {
						want = strconv.Itoa(prevOffset)
					}
					if got := p.Query().Get("offset"); got != want {
						t.Errorf("prev offset %q, want %d", got, prevOffset)
					}
				}
				prevOffset, _ = strconv.Atoi(offset)
				next = linkHref(fc, "next")
				if next != "" {
					nu, _ := url.Parse(next)
					nq := nu.Query()
					nq.Del("offset")
					if nq.Encode() != keep.Encode() {
						t.Errorf("next link %s lost parameters of %s", next, tc.first)
					}
				}
				if pages > 100 {
					t.Fatal("paging does not end")
				}
			}
			if pages != tc.pages || len(all) != tc.matched {
				t.Errorf("%d pages with %d features, want %d and %d", pages, len(all), tc.pages, tc.matched)
			}
			if !slices.IsSortedFunc(all, compareIDText) || len(slices.Compact(slices.Clone(all))) != len(all) {
				t.Errorf("pages are not in id order without repeats: %v", all)
			}
		})
	}
}

func TestPrevLinkPastTheEnd(t *testing.T) {
	mux, _ := newTestMux(t)
	fc := decode(t, get(t, mux, "/collections/buildings/items?offset=100&limit=10"))
	if linkHref(fc, "next") != "" {
		t.Error("next link past the end")
	}
	if got, want := linkHref(fc, "prev"), testBase+"/collections/buildings/items?limit=10&offset=15"; got != want {
		t.Errorf("prev %q, want %q", got, want)
	}
}

func TestLimitIsClampedToMaximum(t *testing.T) {
	c := newTestCatalog(t)
	opts := testOptions()
	opts.DefaultLimit, opts.MaxLimit = 3, 7
	mux := http.NewServeMux()
	NewHandler(c, opts).Register(mux)
	for target, want := range map[string]int{
		"/collections/buildings/items":            3,
		"/collections/buildings/items?limit=1000": 7,
		"/collections/buildings/items?limit=5":    5,
	} {
		fc := decode(t, get(t, mux, target))
		if got := int(fc["numberReturned"].(float64)); got != want {
			t.Errorf("%s: %d features, want %d", target, got, want)
		}
	}
}

// compareIDText orders id texts as the cache orders ids: numbers first.
func compareIDText(a, b string) int {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return na - nb
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	return strings.Compare(a, b)
}
