package main

// The leakage suite's attacks through HTTP itself rather than through
// queries: conditional requests replaying the full view's ETag, HEAD,
// Cache-Control on full reads, and the tiles of the HK1980 Grid matrix
// set and of the dataset (?collections=). Each runs against any masked
// layer, given the paths that name one thing in its two views.

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/crs"
)

// leakPair is one read of a layer in its two views: masked as the masked
// view names it, full as the full view does (they differ for an item,
// whose masked id is a pseudonym or a cell).
type leakPair struct{ what, masked, full string }

// leakPairs are the reads of layer that carry its data, aimed at grid
// point e, n: items, an item, downloads, HTML and tiles of both matrix
// sets at z18, alone and in dataset tiles.
func leakPairs(t *testing.T, layer, maskedID, realID string, e, n float64) []leakPair {
	t.Helper()
	items := "/collections/" + layer + "/items"
	same := func(what, p string) leakPair { return leakPair{what, p, p} }
	pairs := []leakPair{
		same("items", items+"?limit=50"),
		same("items as HTML", items+"?f=html&limit=50"),
		same("CSV", items+"?f=csv"),
		same("GeoPackage", items+"?f=gpkg"),
		{"an item", items + "/" + maskedID, items + "/" + realID},
		{"an item as HTML", items + "/" + maskedID + "?f=html", items + "/" + realID + "?f=html"},
	}
	for _, tl := range []leakGridTile{tileOf(t, e, n, 18), hkTileOf(e, n, 18)} {
		for _, p := range tl.paths(layer) {
			pairs = append(pairs, same("tile", p))
		}
	}
	return pairs
}

// do sends method path as c, asking for gzip itself so that the
// transport passes bodies and their lengths through untouched.
func (s *leakSuite) do(t *testing.T, method string, c leakCaller, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	for _, h := range [][]string{c.hdr, hdr} {
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, body
}

// testConditional replays the full view's ETag of each pair as the
// attackers: a 304 would confirm that what they asked for is the full
// content, so it must never come, and their own ETags must differ.
func (s *leakSuite) testConditional(t *testing.T, pairs []leakPair) {
	var untagged []string
	for _, p := range pairs {
		full, _ := s.do(t, "GET", s.insider, p.full)
		tag := full.Header.Get("ETag")
		if full.StatusCode != 200 || tag == "" {
			untagged = append(untagged, fmt.Sprintf("%s %d", p.full, full.StatusCode))
			continue
		}
		// The check can fail: the full view's caller gets its 304.
		if r, _ := s.do(t, "GET", s.insider, p.full, "If-None-Match", tag); r.StatusCode != 304 {
			t.Errorf("GET %s with its own ETag as the full view's caller: %d, want 304: the check cannot fail", p.full, r.StatusCode)
		}
		for _, c := range s.attackers() {
			for _, path := range slices.Compact([]string{p.masked, p.full}) {
				for _, inm := range []string{tag, "W/" + tag, `"x", ` + tag} {
					r, _ := s.do(t, "GET", c, path, "If-None-Match", inm)
					if r.StatusCode == 304 {
						t.Errorf("%s: GET %s with If-None-Match %s (the full view's): 304 confirms the full content", c.name, path, inm)
					}
					if r.Header.Get("ETag") == tag {
						t.Errorf("%s: GET %s: ETag %s is the full view's", c.name, path, tag)
					}
				}
			}
		}
	}
	if len(untagged) > 0 {
		t.Logf("no full-view ETag to replay (so nothing for a 304 to confirm): %v", untagged)
	}
}

// headDiff describes how a HEAD's headers differ from those of get, whose
// body was body; "" when they agree. A HEAD may leave out Content-Length.
func headDiff(head, get *http.Response, body []byte) string {
	var out []string
	if head.StatusCode != get.StatusCode {
		out = append(out, fmt.Sprintf("status %d, GET %d", head.StatusCode, get.StatusCode))
	}
	for _, h := range []string{"ETag", "Content-Type", "Content-Encoding", "Content-Crs", "Content-Length"} {
		hv, gv := head.Header.Get(h), get.Header.Get(h)
		if h == "Content-Length" {
			if hv == "" {
				continue
			}
			gv = strconv.Itoa(len(body))
		}
		if hv != gv {
			out = append(out, fmt.Sprintf("%s %q, GET %q", h, hv, gv))
		}
	}
	return strings.Join(out, "; ")
}

// testHEAD asks each pair with HEAD: its headers must be the masked GET's,
// never the full one's.
func (s *leakSuite) testHEAD(t *testing.T, pairs []leakPair) {
	for _, p := range pairs {
		fullGet, fullBody := s.do(t, "GET", s.insider, p.full)
		fullHead, _ := s.do(t, "HEAD", s.insider, p.full)
		// The check can fail: the full view's HEAD is its GET, and not
		// the masked one.
		if d := headDiff(fullHead, fullGet, fullBody); d != "" {
			t.Errorf("HEAD %s as the full view's caller differs from its GET (%s): the check cannot fail", p.full, d)
		}
		for _, c := range s.attackers() {
			get, body := s.do(t, "GET", c, p.masked)
			head, headBody := s.do(t, "HEAD", c, p.masked)
			if len(headBody) > 0 {
				t.Errorf("%s: HEAD %s has a body of %d bytes", c.name, p.masked, len(headBody))
			}
			if head.Header.Get("ETag") == "" && head.Header.Get("Content-Length") == "" {
				continue // the HEAD tells nothing of the content
			}
			if d := headDiff(head, get, body); d != "" {
				t.Errorf("%s: HEAD %s differs from the masked GET: %s", c.name, p.masked, d)
			}
			if headDiff(head, fullGet, fullBody) == "" {
				t.Errorf("%s: HEAD %s answers as the full view's GET %s", c.name, p.masked, p.full)
			}
			if get.Header.Get("ETag") == fullGet.Header.Get("ETag") && len(body) == len(fullBody) {
				t.Errorf("GET %s of the full view has the masked GET's ETag and length: the check cannot fail", p.full)
			}
		}
	}
}

// private reports whether a Cache-Control value keeps a response out of
// shared caches.
func private(cc string) bool {
	for d := range strings.SplitSeq(cc, ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), "=")
		if strings.EqualFold(name, "private") || strings.EqualFold(name, "no-store") {
			return true
		}
	}
	return false
}

// testCacheControl reads the full view of each pair, and an item's
// versions, as the full view's caller, with GET, HEAD and a conditional
// GET: every answer must keep itself out of shared caches, which would
// hand it to the next caller of the same URL.
func (s *leakSuite) testCacheControl(t *testing.T, pairs []leakPair) {
	var bad []string
	check := func(method, path string, hdr ...string) {
		r, _ := s.do(t, method, s.insider, path, hdr...)
		if cc := r.Header.Get("Cache-Control"); !private(cc) {
			bad = append(bad, fmt.Sprintf("%s %s: %d, Cache-Control %q", method, path, r.StatusCode, cc))
		}
	}
	var paths []string
	for _, p := range pairs {
		paths = append(paths, p.full)
		if p.what == "an item" {
			paths = append(paths, p.full+"/versions")
		}
	}
	for _, path := range paths {
		check("GET", path)
		check("HEAD", path)
		r, _ := s.do(t, "GET", s.insider, path)
		if tag := r.Header.Get("ETag"); tag != "" {
			check("GET", path, "If-None-Match", tag)
		}
	}
	for _, b := range bad {
		t.Errorf("a full read that shared caches may keep: %s", b)
	}
}

// ---------------------------------------------------------------------
// Tiles of either matrix set.

// leakGridTile is a tile and the paths that serve it with layer in it.
type leakGridTile interface {
	leakTileAt
	paths(layer string) []string
	// grid is the grid point at x, y in tile units.
	grid(t *testing.T, x, y, extent float64) (e, n float64)
}

// paths are the collection's tile, the dataset tile naming the layer in
// ?collections= beside a public one, and the XYZ layer list.
func (tl leakTile) paths(layer string) []string {
	return []string{
		fmt.Sprintf("/collections/%s/tiles/WebMercatorQuad/%d/%d/%d", layer, tl.z, tl.y, tl.x),
		fmt.Sprintf("/tiles/WebMercatorQuad/%d/%d/%d?collections=buildings,%s", tl.z, tl.y, tl.x, layer),
		fmt.Sprintf("/tiles/buildings,%s/%d/%d/%d.mvt", layer, tl.z, tl.x, tl.y),
	}
}

func (tl leakTile) grid(t *testing.T, x, y, extent float64) (float64, float64) {
	scale := math.Exp2(float64(tl.z))
	lon, lat := crs.WorldToLonLat((float64(tl.x)+x/extent)/scale, (float64(tl.y)+y/extent)/scale)
	f, err := crs.FromLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	return f(lon, lat)
}

// hkTile is a tile of the HK1980Grid matrix set: LandsD's HK80 grid, from
// a top-left origin, halving a 156 543.034 m pixel per level.
type hkTile struct{ z, row, col int }

const (
	hkOriginE, hkOriginN = -4786700.0, 8353100.0
	hkCell0              = 156543.03392800014
)

// span is a tile's width in metres.
func (tl hkTile) span() float64 { return hkCell0 / math.Exp2(float64(tl.z)) * 256 }

func hkTileOf(e, n float64, z int) hkTile {
	tl := hkTile{z: z}
	tl.col = int(math.Floor((e - hkOriginE) / tl.span()))
	tl.row = int(math.Floor((hkOriginN - n) / tl.span()))
	return tl
}

func (tl hkTile) pixel(_ *testing.T, e, n, extent float64) (float64, float64) {
	return ((e-hkOriginE)/tl.span() - float64(tl.col)) * extent, ((hkOriginN-n)/tl.span() - float64(tl.row)) * extent
}

func (tl hkTile) grid(_ *testing.T, x, y, extent float64) (float64, float64) {
	return hkOriginE + (float64(tl.col)+x/extent)*tl.span(), hkOriginN - (float64(tl.row)+y/extent)*tl.span()
}

// paths are the collection's tile and the dataset tile naming the layer
// in ?collections= before a public one.
func (tl hkTile) paths(layer string) []string {
	return []string{
		fmt.Sprintf("/collections/%s/tiles/HK1980Grid/%d/%d/%d", layer, tl.z, tl.row, tl.col),
		fmt.Sprintf("/tiles/HK1980Grid/%d/%d/%d?collections=%s,buildings", tl.z, tl.row, tl.col, layer),
	}
}

// tilesOver are the tiles of both matrix sets at z16–z20 over each grid
// point.
func tilesOver(t *testing.T, points ...[2]float64) []leakGridTile {
	var out []leakGridTile
	for _, p := range points {
		for z := 16; z <= 20; z++ {
			out = append(out, tileOf(t, p[0], p[1], z), hkTileOf(p[0], p[1], z))
		}
	}
	return out
}

// HK1980Grid tiles, and dataset tiles naming the layer in ?collections=,
// over true positions at z16–z20, hold only the masked points; below the
// policy's min_zoom, none.
func (s *leakSuite) testGridTiles(t *testing.T) {
	tr := s.truth(t)
	for _, c0 := range tr.targets(t, 3) {
		m0 := c0.masked()
		for _, tl := range tilesOver(t, [2]float64{c0.E, c0.N}, [2]float64{m0.E, m0.N}) {
			for _, p := range tl.paths(leakLayer) {
				for _, c := range s.attackers() {
					l, raw, _ := s.tileLayer(t, c, p)
					if pr := tileProblems(t, tr, tl, l, raw); len(pr) > 0 {
						t.Errorf("%s: GET %s over case %d: %v", c.name, p, c0.ID, pr)
					}
				}
			}
		}
		// The full view's tiles over the true position are caught.
		tl := hkTileOf(c0.E, c0.N, 20)
		for _, p := range tl.paths(leakLayer) {
			if l, raw, _ := s.tileLayer(t, s.insider, p); len(tileProblems(t, tr, tl, l, raw)) == 0 {
				t.Errorf("the full view's %s over case %d passes the masked checks: they cannot fail", p, c0.ID)
			}
		}
	}
	busy := tr.cases[0]
	for _, z := range []int{leakMinZoom - 2, leakMinZoom - 1} {
		tl := hkTileOf(busy.E, busy.N, z)
		for _, p := range tl.paths(leakLayer) {
			for _, c := range s.attackers() {
				if l, _, _ := s.tileLayer(t, c, p); l != nil && len(l.Features) > 0 {
					t.Errorf("%s: GET %s below the masked min_zoom %d: %d features", c.name, p, leakMinZoom, len(l.Features))
				}
			}
			if l, _, _ := s.tileLayer(t, s.insider, p); l == nil || len(l.Features) == 0 {
				t.Errorf("the full view's %s is empty: the min_zoom check cannot fail", p)
			}
		}
	}
}

// testHTTP runs the attacks through HTTP itself on pairs.
func (s *leakSuite) testHTTP(t *testing.T, pairs []leakPair) {
	t.Run("conditional requests", func(t *testing.T) { s.testConditional(t, pairs) })
	t.Run("HEAD", func(t *testing.T) { s.testHEAD(t, pairs) })
	t.Run("Cache-Control of full reads", func(t *testing.T) { s.testCacheControl(t, pairs) })
}

// snapPairs are the pairs of the snap layer, aimed at a target and its
// masked feature.
func (s *leakSuite) snapPairs(t *testing.T) []leakPair {
	tr := s.truth(t)
	c0 := tr.targets(t, 1)[0]
	m0 := c0.masked()
	_, fs := s.allRows(t, s.outsiders[0])
	for _, f := range fs {
		if f.row() == m0 {
			return leakPairs(t, leakLayer, fmt.Sprint(f.ID), strconv.FormatInt(c0.ID, 10), c0.E, c0.N)
		}
	}
	t.Fatalf("case %d's masked feature %v is not served", c0.ID, m0)
	return nil
}
