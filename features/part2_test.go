package features

import (
	"bytes"
	"encoding/csv"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/crs"
)

// TestOutputCRS asks for the events' first point in every supported CRS
// and checks the coordinates against the crs package, in the CRS's own
// axis order, and the Content-Crs header.
func TestOutputCRS(t *testing.T) {
	mux, _ := newTestMux(t)
	lon, lat := 114.17, 22.30 // event 1
	hk, _ := crs.FromLonLat(2326)
	e, n := hk(lon, lat)
	me, mn := crs.FromLonLat(3857)
	mx, my := me(lon, lat)
	tests := []struct {
		crs    string
		header string
		want   [2]float64
		tol    float64
	}{
		{"", crs84, [2]float64{lon, lat}, 1e-9},
		{crs84, crs84, [2]float64{lon, lat}, 1e-9},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", epsgPrefix + "4326", [2]float64{lat, lon}, 1e-9},
		{"[EPSG:4326]", epsgPrefix + "4326", [2]float64{lat, lon}, 1e-9},
		{"EPSG:2326", epsgPrefix + "2326", [2]float64{n, e}, 1e-3},
		{"http://www.opengis.net/def/crs/EPSG/0/2326", epsgPrefix + "2326", [2]float64{n, e}, 1e-3},
		{"urn:ogc:def:crs:EPSG::4490", epsgPrefix + "4490", [2]float64{lat, lon}, 1e-9},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", epsgPrefix + "3857", [2]float64{mx, my}, 1e-3},
	}
	_ = mn
	for _, tc := range tests {
		t.Run(tc.crs, func(t *testing.T) {
			for _, path := range []string{"/collections/events/items?limit=1", "/collections/events/items/1?"} {
				target := path
				if tc.crs != "" {
					target += "&crs=" + url.QueryEscape(tc.crs)
				}
				r := get(t, mux, target)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: status %d: %s", target, r.Status, r.Body)
				}
				if got := r.Header.Get("Content-Crs"); got != "<"+tc.header+">" {
					t.Errorf("%s: Content-Crs %q, want <%s>", target, got, tc.header)
				}
				doc := decode(t, r)
				if fs, ok := doc["features"].([]any); ok {
					doc = fs[0].(map[string]any)
				}
				c := doc["geometry"].(map[string]any)["coordinates"].([]any)
				got := [2]float64{c[0].(float64), c[1].(float64)}
				if math.Abs(got[0]-tc.want[0]) > tc.tol || math.Abs(got[1]-tc.want[1]) > tc.tol {
					t.Errorf("%s: coordinates %v, want %v", target, got, tc.want)
				}
			}
		})
	}
}

// TestBBoxCRS gives the same area as a bbox in each CRS, in its axis
// order, and expects the same features.
func TestBBoxCRS(t *testing.T) {
	mux, _ := newTestMux(t)
	// Events 2 and 3 are at (114.18, 22.31) and (114.19, 22.32).
	lon0, lat0, lon1, lat1 := 114.175, 22.305, 114.195, 22.325
	hk, _ := crs.FromLonLat(2326)
	e0, n0 := hk(lon0, lat0)
	e1, n1 := hk(lon1, lat1)
	merc, _ := crs.FromLonLat(3857)
	x0, y0 := merc(lon0, lat0)
	x1, y1 := merc(lon1, lat1)
	f := func(vs ...float64) string {
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = strconvF(v)
		}
		return strings.Join(parts, ",")
	}
	tests := []struct{ name, bbox, crs string }{
		{"CRS84", f(lon0, lat0, lon1, lat1), ""},
		{"EPSG:4326 is latitude first", f(lat0, lon0, lat1, lon1), epsgPrefix + "4326"},
		{"EPSG:2326 is northing first", f(n0, e0, n1, e1), epsgPrefix + "2326"},
		{"EPSG:3857", f(x0, y0, x1, y1), epsgPrefix + "3857"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := "/collections/events/items?bbox=" + tc.bbox
			if tc.crs != "" {
				target += "&bbox-crs=" + url.QueryEscape(tc.crs)
			}
			r := get(t, mux, target)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			if ids := featureIDs(t, decode(t, r)); !slices.Equal(ids, []string{"2", "3"}) {
				t.Errorf("ids %v, want [2 3]", ids)
			}
		})
	}
	// The wrong axis order for EPSG:4326 is a latitude of 114°: refused.
	r := get(t, mux, "/collections/events/items?bbox="+f(lon0, lat0, lon1, lat1)+"&bbox-crs="+url.QueryEscape(epsgPrefix+"4326"))
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "latitude") {
		t.Errorf("lon-first bbox in EPSG:4326: status %d %s, want 400 about latitude", r.Status, r.Body)
	}
}

func strconvF(v float64) string { return strings.TrimRight(strings.TrimRight(fmtFloat(v), "0"), ".") }

func fmtFloat(v float64) string { return string(appendCoord(nil, v)) }

func TestCRSErrors(t *testing.T) {
	mux, _ := newTestMux(t)
	for _, target := range []string{
		"/collections/events/items?crs=EPSG:27700",
		"/collections/events/items/1?crs=bogus",
		"/collections/events/items?bbox=1,2,3,4&bbox-crs=EPSG:9999",
		"/collections/events/items?bbox-crs=EPSG:4326",
		"/collections/events/items?bbox=820000,830000,810000,840000&bbox-crs=EPSG:2326",
	} {
		r := get(t, mux, target)
		if r.Status != http.StatusBadRequest || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: status %d %s, want a 400 problem", target, r.Status, r.Header.Get("Content-Type"))
		}
		if strings.Contains(target, "crs=EPSG:27700") && !strings.Contains(string(r.Body), epsgPrefix+"2326") {
			t.Errorf("%s: the error does not list the supported CRSs: %s", target, r.Body)
		}
	}
}

func TestCollectionCRSList(t *testing.T) {
	mux, _ := newTestMux(t)
	doc := decode(t, get(t, mux, "/collections/events"))
	list, _ := doc["crs"].([]any)
	var got []string
	for _, c := range list {
		got = append(got, c.(string))
	}
	if !slices.Equal(got, crsURIs()) {
		t.Errorf("crs %v, want %v", got, crsURIs())
	}
	if doc["storageCrs"] != crs84 {
		t.Errorf("storageCrs %v, want %s", doc["storageCrs"], crs84)
	}
}

func TestSortBy(t *testing.T) {
	mux, _ := newTestMux(t)
	tests := []struct {
		target string
		ids    []string
	}{
		// floors: 1→30, 2→3, 3→5, 4→0, 5→NULL, blocks 10+i → i%4.
		{"/collections/buildings/items?sortby=-floors&limit=4", []string{"1", "3", "2", "13"}},
		{"/collections/buildings/items?sortby=floors&limit=3", []string{"4", "10", "14"}},
		{"/collections/buildings/items?sortby=%2Bfloors&limit=3", []string{"4", "10", "14"}},
		{"/collections/buildings/items?sortby=+floors&limit=3", []string{"4", "10", "14"}},
		// NULLs last in both directions.
		{"/collections/buildings/items?sortby=floors&offset=24", []string{"5"}},
		{"/collections/buildings/items?sortby=-floors&offset=24", []string{"5"}},
		{"/collections/buildings/items?sortby=name,-height&limit=3", []string{"29", "28", "27"}},
		{"/collections/events/items?sortby=-observed&limit=2", []string{"5", "4"}},
		{"/collections/events/items?sortby=kind,-observed&bbox=114.16,22.29,114.205,22.34", []string{"3", "1", "2", "4"}},
	}
	for _, tc := range tests {
		r := get(t, mux, tc.target)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.target, r.Status, r.Body)
		}
		if ids := featureIDs(t, decode(t, r)); !slices.Equal(ids, tc.ids) {
			t.Errorf("%s: ids %v, want %v", tc.target, ids, tc.ids)
		}
	}
	for _, target := range []string{"/collections/buildings/items?sortby=colour", "/collections/buildings/items?sortby=extra", "/collections/buildings/items?sortby=-"} {
		r := get(t, mux, target)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, r.Status)
		}
	}
}

func TestPropertiesAndSkipGeometry(t *testing.T) {
	mux, _ := newTestMux(t)
	r := get(t, mux, "/collections/buildings/items?limit=1&properties=floors,name&skipGeometry=true")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	body := string(r.Body)
	if !strings.Contains(body, `"geometry":null,"properties":{"floors":30,"name":"Tower A"}`) {
		t.Errorf("want only floors then name and no geometry: %s", body)
	}
	r = get(t, mux, "/collections/buildings/items/1?properties=")
	if !strings.Contains(string(r.Body), `"properties":{}`) {
		t.Errorf("empty properties: %s", r.Body)
	}
	for _, target := range []string{"/collections/buildings/items?properties=colour", "/collections/buildings/items?skipGeometry=maybe"} {
		if r := get(t, mux, target); r.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, r.Status)
		}
	}
}

func TestCSVDownload(t *testing.T) {
	mux, _ := newTestMux(t)
	r := get(t, mux, "/collections/places/items?f=csv&crs=EPSG:2326")
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if !bytes.HasPrefix(r.Body, []byte("\uFEFF")) {
		t.Errorf("no UTF-8 byte order mark")
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"id", "名稱", "district", "geometry_wkt"}) {
		t.Errorf("header %v", rows[0])
	}
	if len(rows) != 6 || rows[1][0] != "HK-CEN" || rows[1][1] != "中環" {
		t.Fatalf("rows %v", rows)
	}
	// WKT is easting first whatever the CRS's axis order.
	hk, _ := crs.FromLonLat(2326)
	e, n := hk(114.158, 22.282)
	want := "POINT(" + fmtFloat(math.Round(e*1000)/1000) + " " + fmtFloat(math.Round(n*1000)/1000) + ")"
	if rows[1][3] != want {
		t.Errorf("WKT %q, want %q", rows[1][3], want)
	}
	// Downloads ignore the page size maximum, and take sortby and filters.
	r = get(t, mux, "/collections/buildings/items?f=csv&sortby=-floors&skipGeometry=true&properties=floors")
	rows, err = csv.NewReader(bytes.NewReader(r.Body[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 26 || rows[1][0] != "1" || rows[1][1] != "30" || len(rows[1]) != 2 || rows[25][1] != "" {
		t.Errorf("sorted download rows %v", rows)
	}
}
