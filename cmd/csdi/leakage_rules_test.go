package main

// The leakage suite on the other geometry rules. A second server over the
// demo publishes the home care cases twice more — aggregated into 500 m
// cells shown only from 5 cases, and displaced 50 to 200 m — and the
// buildings reduced to their centroids, and the same attacks are run on
// them: tiny boxes and spatial filters at true positions, counts around
// edits the policy hides, tiles of both matrix sets at z16–z20, downloads,
// conditional requests, HEAD and Cache-Control. The answers are compared
// with the policy applied to the true rows in PostgreSQL, and each check
// is also pointed at the full view, which it must catch.

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	gomaps "maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

const (
	aggLayer  = "care_cells"
	aggCell   = 500.0 // the policy's aggregate:500
	aggK      = 5     // and its k
	dispLayer = "care_displaced"
	dispMin   = 50.0 // the policy's displace:200:min=50
	dispMax   = 200.0
	centLayer = "building_centroids"
)

// leakRuleLayers publish the home care table aggregated and displaced,
// and the buildings as centroids besides their public footprints; the
// Social Welfare Department's analysts at the step-up level read all
// three in full.
const leakRuleLayers = `layers:
  - id: ` + aggLayer + `
    source: {table: ` + leakLayer + `}
    masking:
      others: drop
      geometry: "aggregate:500:k=5"
      min_acr: substantial
  - id: ` + dispLayer + `
    source: {table: ` + leakLayer + `}
    masking:
      attributes: {hkid: partial, name: drop, address: drop, age: "generalise:10", case_opened: "generalise:month", district: keep, care_level: keep}
      others: drop
      geometry: "displace:200:min=50"
      min_zoom: 12
      min_acr: substantial
  - id: buildings
    source: {table: buildings}
  - id: ` + centLayer + `
    source: {table: buildings}
    access: {unmasked: [` + swd + `]}
    masking:
      geometry: centroid
      min_acr: substantial
`

func TestLeakageGeometryRules(t *testing.T) {
	s := newLeakSuiteWith(t, leakRuleLayers)
	started := time.Now()
	t.Run("displace", s.testDisplace)
	t.Run("centroid", s.testCentroid)
	t.Run("aggregate", s.testAggregate)
	t.Logf("rules ran in %v after the server started", time.Since(started).Round(time.Millisecond))
}

// ---------------------------------------------------------------------
// Shared helpers.

// anyFeature is a served feature of any geometry type.
type anyFeature struct {
	ID       any `json:"id"`
	Geometry *struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// anyItems GETs a feature collection of any geometry as c.
func (s *leakSuite) anyItems(t *testing.T, c leakCaller, path string) (int, []anyFeature, int) {
	t.Helper()
	resp, body := s.as(t, c, path)
	var fc struct {
		NumberMatched int          `json:"numberMatched"`
		Features      []anyFeature `json:"features"`
	}
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatalf("%s: GET %s: not a feature collection: %v", c.name, path, err)
		}
	}
	return resp.StatusCode, fc.Features, fc.NumberMatched
}

// connect opens a connection to the suite's database; the caller closes
// it.
func (s *leakSuite) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.db)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// exec runs SQL on the suite's database.
func (s *leakSuite) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn := s.connect(t)
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// waitMatched waits until the full view of layer has n features.
func (s *leakSuite) waitMatched(t *testing.T, layer string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, _, got := s.anyItems(t, s.insider, "/collections/"+layer+"/items?limit=1")
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the full view of %s has %d features after 10 s, want %d", layer, got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var timeStampRE = regexp.MustCompile(`"timeStamp":"[^"]*",?`)

// look records what c sees at paths — status, ETag and the body, less
// the collections' timeStamp — to compare before and after an edit.
func (s *leakSuite) look(t *testing.T, c leakCaller, paths []string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(paths))
	for _, p := range paths {
		resp, body := s.do(t, "GET", c, p)
		sum := sha256.Sum256(timeStampRE.ReplaceAll(body, nil))
		out[p] = fmt.Sprintf("%d %s %x", resp.StatusCode, resp.Header.Get("ETag"), sum[:8])
	}
	return out
}

// lookDiff lists the paths whose answers differ.
func lookDiff(a, b map[string]string) []string {
	var out []string
	for p, v := range a {
		if b[p] != v {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// box2326 is a bbox query of size metres around e, n, in EPSG:2326
// (northing first).
func box2326(e, n, size float64) string {
	return fmt.Sprintf("bbox=%.3f,%.3f,%.3f,%.3f&bbox-crs=%s", n-size/2, e-size/2, n+size/2, e+size/2, url.QueryEscape(leakEPSG2326))
}

// squareWKT is a CRS84 polygon of about metres around grid point e, n,
// and the test of whether a grid point is in it.
func squareWKT(t *testing.T, e, n, metres float64) (string, func(e, n float64) bool) {
	lon, lat := lonLat(t, e, n)
	dx, dy := metres/2/(111320*math.Cos(lat*math.Pi/180)), metres/2/110574
	wkt := fmt.Sprintf("POLYGON((%[1]f %[2]f,%[3]f %[2]f,%[3]f %[4]f,%[1]f %[4]f,%[1]f %[2]f))", lon-dx, lat-dy, lon+dx, lat+dy)
	return wkt, func(pe, pn float64) bool {
		x, y := lonLat(t, pe, pn)
		return math.Abs(x-lon) < dx && math.Abs(y-lat) < dy
	}
}

func pointWKT(t *testing.T, e, n float64) string {
	lon, lat := lonLat(t, e, n)
	return fmt.Sprintf("POINT(%.9f %.9f)", lon, lat)
}

func cql(f string) string { return "filter=" + url.QueryEscape(f) }

// extentOf is the spatial extent of a collection's document, in CRS84.
func (s *leakSuite) extentOf(t *testing.T, c leakCaller, layer string) orb.Bound {
	t.Helper()
	var doc struct {
		Extent struct {
			Spatial struct {
				BBox [][]float64 `json:"bbox"`
			} `json:"spatial"`
		} `json:"extent"`
	}
	resp, body := s.as(t, c, "/collections/"+layer)
	if resp.StatusCode != 200 || json.Unmarshal(body, &doc) != nil || len(doc.Extent.Spatial.BBox) == 0 || len(doc.Extent.Spatial.BBox[0]) != 4 {
		t.Fatalf("%s: the extent of %s: %d %.300s", c.name, layer, resp.StatusCode, body)
	}
	b := doc.Extent.Spatial.BBox[0]
	return orb.Bound{Min: orb.Point{b[0], b[1]}, Max: orb.Point{b[2], b[3]}}
}

// lonLatBound is the CRS84 bound of grid points.
func lonLatBound(t *testing.T, pts [][2]float64) orb.Bound {
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, p := range pts {
		x, y := lonLat(t, p[0], p[1])
		b = b.Extend(orb.Point{x, y})
	}
	return b
}

// checkExtent compares the extent the attackers read with the bound of
// the masked view's points: the full view's extent tells where the
// outermost true features are.
func (s *leakSuite) checkExtent(t *testing.T, layer string, masked [][2]float64) {
	want := lonLatBound(t, masked)
	near := func(b orb.Bound) bool {
		const tol = 1e-6 // degrees, about 0.1 m
		return math.Abs(b.Min[0]-want.Min[0]) < tol && math.Abs(b.Min[1]-want.Min[1]) < tol &&
			math.Abs(b.Max[0]-want.Max[0]) < tol && math.Abs(b.Max[1]-want.Max[1]) < tol
	}
	for _, c := range s.attackers() {
		if got := s.extentOf(t, c, layer); !near(got) {
			t.Errorf("%s: the extent of %s is %v, want the masked view's %v", c.name, layer, got, want)
		}
	}
	if near(s.extentOf(t, s.insider, layer)) {
		t.Errorf("the full view's extent of %s is the masked one's: the check cannot fail", layer)
	}
}

// ---------------------------------------------------------------------
// Displace.

// attrKey is a masked row without its position: what a displaced
// feature shares with the cases it may be.
func attrKey(r leakRow) string {
	r.E, r.N = 0, 0
	return r.key()
}

// cmSet counts rows by their masked attributes and their position to
// the centimetre, the precision every format serves.
func cmSet(rows []leakRow) map[string]int {
	m := make(map[string]int, len(rows))
	for _, r := range rows {
		m[fmt.Sprintf("%.2f,%.2f|%s", math.Round(r.E*100)/100, math.Round(r.N*100)/100, attrKey(r))]++
	}
	return m
}

// maskAttrs is a full-view row with its attributes masked as the policy
// masks them and its position kept: the full view as the displaced
// checks read it, so that they catch it by position.
func maskAttrs(f leakFeature) leakRow {
	r := f.row()
	r.HKID = partialHKID(r.HKID)
	if a, ok := f.Properties["age"].(float64); ok {
		lo := int64(a) / 10 * 10
		r.Age = fmt.Sprintf("%d–%d", lo, lo+9)
	}
	if len(r.Opened) > 7 {
		r.Opened = r.Opened[:7]
	}
	return r
}

// displacedProblems says how served rows differ from the policy: each
// must share its masked attributes with a case of its own, lying between
// dispMin and dispMax from it.
func displacedProblems(tr *leakTruth, rows []leakRow) []string {
	cases := map[string][][2]float64{}
	for i, c := range tr.cases {
		k := attrKey(tr.masked[i])
		cases[k] = append(cases[k], [2]float64{c.E, c.N})
	}
	served := map[string][]leakRow{}
	for _, r := range rows {
		served[attrKey(r)] = append(served[attrKey(r)], r)
	}
	var out []string
	for k, cs := range cases {
		rs := served[k]
		if len(rs) != len(cs) {
			out = append(out, fmt.Sprintf("%d served, %d cases of %s", len(rs), len(cs), k))
			continue
		}
		ring := func(i, j int) bool {
			d := math.Hypot(rs[i].E-cs[j][0], rs[i].N-cs[j][1])
			return d >= dispMin-0.02 && d <= dispMax+0.02
		}
		if n := matching(len(rs), len(cs), ring); n < len(rs) {
			out = append(out, fmt.Sprintf("%s: %d of %d served points %g–%g m from a case", k, n, len(rs), dispMin, dispMax))
		}
	}
	for k, rs := range served {
		if len(cases[k]) == 0 {
			out = append(out, fmt.Sprintf("%d served of %s, no case", len(rs), k))
		}
	}
	sort.Strings(out)
	return head(out, 5)
}

// matching is the size of a maximum matching of n left and m right
// vertices joined where edge says (Kuhn's augmenting paths).
func matching(n, m int, edge func(i, j int) bool) int {
	owner := make([]int, m)
	for j := range owner {
		owner[j] = -1
	}
	var augment func(i int, seen []bool) bool
	augment = func(i int, seen []bool) bool {
		for j := 0; j < m; j++ {
			if !seen[j] && edge(i, j) {
				seen[j] = true
				if owner[j] < 0 || augment(owner[j], seen) {
					owner[j] = i
					return true
				}
			}
		}
		return false
	}
	size := 0
	for i := 0; i < n; i++ {
		if augment(i, make([]bool, m)) {
			size++
		}
	}
	return size
}

// dispTarget is a case and its displaced feature.
type dispTarget struct {
	c      leakCase
	id     string  // the masked id
	at     leakRow // as served
	realID string
}

// dispTargets are n cases whose masked attributes no other case shares
// and with no served point within 60 m of their true position.
func dispTargets(t *testing.T, tr *leakTruth, fs []leakFeature, n int) []dispTarget {
	t.Helper()
	byKey := map[string][]leakFeature{}
	for _, f := range fs {
		byKey[attrKey(f.row())] = append(byKey[attrKey(f.row())], f)
	}
	ms := map[string]int{}
	for _, r := range tr.masked {
		ms[attrKey(r)]++
	}
	var out []dispTarget
	for i, c := range tr.cases {
		k := attrKey(tr.masked[i])
		if ms[k] != 1 || len(byKey[k]) != 1 || !hkidRE.MatchString(c.HKID) || nearestServed(fs, c.E, c.N) < 60 {
			continue
		}
		f := byKey[k][0]
		out = append(out, dispTarget{c: c, id: fmt.Sprint(f.ID), at: f.row(), realID: strconv.FormatInt(c.ID, 10)})
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("only %d cases fit as displace targets", len(out))
	return nil
}

func nearestServed(fs []leakFeature, e, n float64) float64 {
	best := math.Inf(1)
	for _, f := range fs {
		r := f.row()
		best = min(best, math.Hypot(r.E-e, r.N-n))
	}
	return best
}

// withMasked is tr with the policy's positions replaced by rows: for a
// rule the test cannot compute (displace), the served rows once they
// pass displacedProblems.
func (tr *leakTruth) withMasked(rows []leakRow) *leakTruth {
	c := *tr
	c.masked = rows
	return &c
}

// The displaced view: every feature 50–200 m from its case with the
// masked attributes, the same on every path and every request; boxes,
// filters and tiles at true positions find only displaced points; edits
// the policy hides change nothing, and a move is not replayed.
func (s *leakSuite) testDisplace(t *testing.T) {
	tr := s.truth(t)
	rows, fs := s.allRowsOf(t, s.outsiders[0], dispLayer)
	if p := displacedProblems(tr, rows); len(p) > 0 {
		t.Fatalf("the displaced view is not the policy's: %v", p)
	}
	targets := dispTargets(t, tr, fs, 3)
	t.Run("the same view everywhere", func(t *testing.T) { s.testDisplacedView(t, tr, rows, fs) })
	t.Run("boxes and filters at true positions", func(t *testing.T) { s.testDisplacedQueries(t, rows, targets) })
	t.Run("extent", func(t *testing.T) {
		var pts [][2]float64
		for _, r := range rows {
			pts = append(pts, [2]float64{r.E, r.N})
		}
		s.checkExtent(t, dispLayer, pts)
	})
	t.Run("tiles", func(t *testing.T) { s.testDisplacedTiles(t, tr.withMasked(rows), targets) })
	t.Run("HTTP", func(t *testing.T) {
		d := targets[0]
		s.testHTTP(t, leakPairs(t, dispLayer, d.id, d.realID, d.c.E, d.c.N))
	})
	t.Run("edits", func(t *testing.T) { s.testDisplacedEdits(t, targets[0]) })
}

// testDisplacedView reads the displaced view as every outsider, twice,
// by item, as CSV and as GeoPackage: always the same positions, those of
// the policy; the full view read alike is caught.
func (s *leakSuite) testDisplacedView(t *testing.T, tr *leakTruth, rows []leakRow, fs []leakFeature) {
	want := cmSet(rows)
	for _, c := range s.outsiders {
		got, _ := s.allRowsOf(t, c, dispLayer)
		if d := diffMultisets(cmSet(got), want); d != "" {
			t.Errorf("%s: not the anonymous caller's displaced view: %s", c.name, d)
		}
	}
	for _, c := range s.attackers() {
		csvRows, header, body := s.csvRows(t, c, dispLayer)
		if d := diffMultisets(cmSet(csvRows), want); d != "" {
			t.Errorf("%s: CSV: %s", c.name, d)
		}
		if slices.Contains(header, "name") || slices.Contains(header, "address") {
			t.Errorf("%s: the CSV has hidden columns: %v", c.name, header)
		}
		if found := tr.scan(body); len(found) > 0 {
			t.Errorf("%s: the CSV serves %v", c.name, found)
		}
		gpkgRows, _, raw := s.geoPackageRowsOf(t, c, dispLayer, "&crs="+url.QueryEscape(leakEPSG2326))
		if d := diffMultisets(cmSet(gpkgRows), want); d != "" {
			t.Errorf("%s: GeoPackage: %s", c.name, d)
		}
		if found := tr.scan(raw); len(found) > 0 {
			t.Errorf("%s: the GeoPackage holds %v", c.name, found)
		}
	}
	for _, f := range fs[:20] {
		path := "/collections/" + dispLayer + "/items/" + url.PathEscape(fmt.Sprint(f.ID)) + "?crs=" + url.QueryEscape(leakEPSG2326)
		resp, body := s.as(t, s.outsiders[1], path)
		var got leakFeature
		if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.row() != f.row() {
			t.Errorf("GET %s: %d %.200s, want the listed %v", path, resp.StatusCode, body, f.row())
		}
	}
	// The full view, its attributes masked, is caught by position.
	_, full := s.allRowsOf(t, s.insider, dispLayer)
	var fullRows []leakRow
	for _, f := range full {
		fullRows = append(fullRows, maskAttrs(f))
	}
	if len(displacedProblems(tr, fullRows)) == 0 {
		t.Error("the full view passes as displaced: the check cannot fail")
	}
	fullCSV, _, _ := s.csvRows(t, s.insider, dispLayer)
	if diffMultisets(cmSet(fullCSV), want) == "" {
		t.Error("the full view's CSV reads as the displaced one: the check cannot fail")
	}
}

// testDisplacedQueries aims boxes and spatial filters at true positions
// and at displaced ones: each answer counts exactly the displaced points
// in it, and the full view answers otherwise.
func (s *leakSuite) testDisplacedQueries(t *testing.T, rows []leakRow, targets []dispTarget) {
	items := "/collections/" + dispLayer + "/items?limit=100&"
	count := func(in func(e, n float64) bool) int {
		n := 0
		for _, r := range rows {
			if in(r.E, r.N) {
				n++
			}
		}
		return n
	}
	for _, d := range targets {
		type query struct {
			q     string
			want  int
			aimed bool // the full view answers otherwise
		}
		var qs []query
		for _, size := range []float64{1, 10, 40} {
			in := func(e, n float64) bool { return math.Abs(e-d.c.E) <= size/2 && math.Abs(n-d.c.N) <= size/2 }
			qs = append(qs, query{box2326(d.c.E, d.c.N, size), count(in), true})
			sq, inSq := squareWKT(t, d.c.E, d.c.N, size)
			qs = append(qs, query{cql("S_INTERSECTS(geometry, " + sq + ")"), count(inSq), true})
		}
		sq, inSq := squareWKT(t, d.c.E, d.c.N, 40)
		qs = append(qs,
			// Points in CRS84 miss the stored ones by rounding, so the full
			// view finds nothing either: attacks, but they cannot be checked.
			query{cql("S_INTERSECTS(geometry, " + pointWKT(t, d.c.E, d.c.N) + ")"), 0, false},
			query{cql("S_EQUALS(geometry, " + pointWKT(t, d.c.E, d.c.N) + ")"), 0, false},
			query{cql("S_DISJOINT(geometry, " + sq + ")"), len(rows) - count(inSq), true},
			query{box2326(d.at.E, d.at.N, 1), count(func(e, n float64) bool { return math.Abs(e-d.at.E) <= 0.5 && math.Abs(n-d.at.N) <= 0.5 }), false},
		)
		for _, q := range qs {
			for _, c := range s.attackers() {
				status, fs, matched := s.anyItems(t, c, items+q.q)
				if status != 200 || matched != q.want || (q.want <= 100 && len(fs) != q.want) {
					t.Errorf("%s: case %d: ?%s: %d, numberMatched %d (%d features), want %d (the displaced points there)",
						c.name, d.c.ID, q.q, status, matched, len(fs), q.want)
				}
			}
			if q.aimed {
				if _, _, matched := s.anyItems(t, s.insider, items+q.q); matched == q.want {
					t.Errorf("case %d: ?%s: the full view matches %d too: the check cannot fail", d.c.ID, q.q, matched)
				}
			}
		}
	}
}

// testDisplacedTiles checks the tiles of both matrix sets over true and
// displaced positions, alone and in dataset tiles.
func (s *leakSuite) testDisplacedTiles(t *testing.T, tr *leakTruth, targets []dispTarget) {
	for _, d := range targets {
		for _, tl := range tilesOver(t, [2]float64{d.c.E, d.c.N}, [2]float64{d.at.E, d.at.N}) {
			for _, p := range tl.paths(dispLayer) {
				for _, c := range s.attackers() {
					l, raw, _ := s.tileLayerNamed(t, c, p, dispLayer)
					if pr := tileProblems(t, tr, tl, l, raw); len(pr) > 0 {
						t.Errorf("%s: GET %s over case %d: %v", c.name, p, d.c.ID, pr)
					}
				}
			}
		}
		for _, tl := range []leakGridTile{tileOf(t, d.c.E, d.c.N, 20), hkTileOf(d.c.E, d.c.N, 20)} {
			p := tl.paths(dispLayer)[0]
			if l, raw, _ := s.tileLayerNamed(t, s.insider, p, dispLayer); len(tileProblems(t, tr, tl, l, raw)) == 0 {
				t.Errorf("the full view's %s over case %d passes the displaced checks: they cannot fail", p, d.c.ID)
			}
		}
	}
}

// testDisplacedEdits edits a case where the public can see it: hidden
// attributes change nothing; a move gives an offset unrelated to the
// old one, not the old one carried along; moving back restores it.
func (s *leakSuite) testDisplacedEdits(t *testing.T, d dispTarget) {
	item := "/collections/" + dispLayer + "/items/"
	crsQ := "?crs=" + url.QueryEscape(leakEPSG2326)
	paths := func(id string) []string {
		ps := []string{
			item + url.PathEscape(id) + crsQ,
			"/collections/" + dispLayer + "/items?limit=100&" + box2326(d.c.E, d.c.N, 40),
			"/collections/" + dispLayer + "/items?f=csv",
			"/collections/" + dispLayer,
		}
		for _, tl := range tilesOver(t, [2]float64{d.c.E, d.c.N}, [2]float64{d.at.E, d.at.N}) {
			ps = append(ps, tl.paths(dispLayer)[0])
		}
		return ps
	}
	public, insider := s.outsiders[0], s.insider
	before, fullBefore := s.look(t, public, paths(d.id)), s.look(t, insider, paths(d.realID))
	where := func() leakRow {
		_, body := s.as(t, public, item+url.PathEscape(d.id)+crsQ)
		var f leakFeature
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatalf("the displaced case %s: %v %.200s", d.id, err, body)
		}
		return f.row()
	}

	s.exec(t, `UPDATE `+leakLayer+` SET name = 'Edited Person 改名人', address = 'Flat 9Z, 99/F, Nowhere House' WHERE id = $1`, d.c.ID)
	s.waitFullOf(t, dispLayer, d.c.ID, "the edited name", func(f leakFeature) bool { return f.Properties["name"] == "Edited Person 改名人" })
	if diff := lookDiff(before, s.look(t, public, paths(d.id))); len(diff) > 0 {
		t.Errorf("an edit of hidden attributes shows at %v", diff)
	}
	if len(lookDiff(fullBefore, s.look(t, insider, paths(d.realID)))) == 0 {
		t.Error("the full view, looked at alike, does not show the edit: the comparison cannot fail")
	}

	const step = 30.0
	s.exec(t, `UPDATE `+leakLayer+` SET geom = ST_Translate(geom, $2, 0) WHERE id = $1`, d.c.ID, step)
	s.waitFullOf(t, dispLayer, d.c.ID, "the move", func(f leakFeature) bool { return math.Abs(f.row().E-(d.c.E+step)) < 0.01 })
	moved := where()
	if r := math.Hypot(moved.E-(d.c.E+step), moved.N-d.c.N); r < dispMin-0.02 || r > dispMax+0.02 {
		t.Errorf("after a move the case is shown %.2f m from its true position, want %g–%g", r, dispMin, dispMax)
	}
	if math.Hypot(moved.E-d.at.E-step, moved.N-d.at.N) < 1 {
		t.Errorf("the displaced point moved with the case (%v → %v): the old offset, and so the true position, carries over", d.at, moved)
	}
	s.exec(t, `UPDATE `+leakLayer+` SET geom = ST_Translate(geom, $2, 0) WHERE id = $1`, d.c.ID, -step)
	s.waitFullOf(t, dispLayer, d.c.ID, "the move back", func(f leakFeature) bool { return math.Abs(f.row().E-d.c.E) < 0.01 })
	if back := where(); back != d.at {
		t.Errorf("moved back, the case is shown at %v, want where it was, %v", back, d.at)
	}
}

// ---------------------------------------------------------------------
// Centroid.

// building is a true building: its centroid and the vertices of its
// outer ring, in EPSG:2326.
type building struct {
	id     int64
	ce, cn float64
	ring   [][2]float64
}

func (s *leakSuite) buildings(t *testing.T) []building {
	t.Helper()
	ctx := context.Background()
	conn := s.connect(t)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT id, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)),
		ST_AsText(ST_ExteriorRing(ST_GeometryN(geom, 1))) FROM buildings ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []building
	for rows.Next() {
		var b building
		var ring string
		if err := rows.Scan(&b.id, &b.ce, &b.cn, &ring); err != nil {
			t.Fatal(err)
		}
		b.ring = wktPoints(ring)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil || len(out) < 100 {
		t.Fatalf("buildings: %d, %v", len(out), err)
	}
	return out
}

var wktNumber = regexp.MustCompile(`-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?`)

// wktPoints are the coordinate pairs of a WKT text, in order.
func wktPoints(wkt string) [][2]float64 {
	var xs []float64
	for _, m := range wktNumber.FindAllString(wkt, -1) {
		v, _ := strconv.ParseFloat(m, 64)
		xs = append(xs, v)
	}
	var out [][2]float64
	for i := 0; i+1 < len(xs); i += 2 {
		out = append(out, [2]float64{xs[i], xs[i+1]})
	}
	return out
}

// centroidProblems says how served features differ from the centroids:
// each a point within 5 cm of a centroid, one per building.
func centroidProblems(bs []building, fs []anyFeature) []string {
	type cellKey [2]int64
	grid := map[cellKey][]int{}
	for i, b := range bs {
		k := cellKey{int64(b.ce), int64(b.cn)}
		grid[k] = append(grid[k], i)
	}
	used := make([]bool, len(bs))
	var out []string
	for _, f := range fs {
		var p [2]float64 // northing first
		if f.Geometry == nil || f.Geometry.Type != "Point" || json.Unmarshal(f.Geometry.Coordinates, &p) != nil {
			out = append(out, fmt.Sprintf("feature %v is not a point", f.ID))
			continue
		}
		e, n := p[1], p[0]
		found := false
		for dx := int64(-1); dx <= 1 && !found; dx++ {
			for dy := int64(-1); dy <= 1 && !found; dy++ {
				for _, i := range grid[cellKey{int64(e) + dx, int64(n) + dy}] {
					if !used[i] && math.Hypot(bs[i].ce-e, bs[i].cn-n) < 0.05 {
						used[i], found = true, true
						break
					}
				}
			}
		}
		if !found {
			out = append(out, fmt.Sprintf("feature %v at %.2f,%.2f is no building's centroid", f.ID, e, n))
		}
	}
	if len(fs) != len(bs) {
		out = append(out, fmt.Sprintf("%d features, %d buildings", len(fs), len(bs)))
	}
	return head(out, 5)
}

// centTargets are n buildings whose first vertex lies at least 5 m from
// every centroid.
func centTargets(t *testing.T, bs []building, n int) []building {
	t.Helper()
	var out []building
	for _, b := range bs {
		v := b.ring[0]
		ok := true
		for _, o := range bs {
			if math.Hypot(o.ce-v[0], o.cn-v[1]) < 5 {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, b)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatalf("only %d buildings fit as targets", len(out))
	return nil
}

// The centroid view: points at the true centroids and nothing of the
// outlines, whether asked by box or filter at a vertex, along the
// outline, in tiles or in downloads.
func (s *leakSuite) testCentroid(t *testing.T) {
	bs := s.buildings(t)
	all := "/collections/" + centLayer + "/items?limit=10000&crs=" + url.QueryEscape(leakEPSG2326)
	for _, c := range s.attackers() {
		if _, fs, _ := s.anyItems(t, c, all); len(centroidProblems(bs, fs)) > 0 {
			t.Errorf("%s: the centroid view: %v", c.name, centroidProblems(bs, fs))
		}
	}
	_, full, _ := s.anyItems(t, s.insider, all)
	if len(centroidProblems(bs, full)) == 0 {
		t.Error("the full view passes as centroids: the check cannot fail")
	}
	targets := centTargets(t, bs, 3)
	for _, b := range targets {
		v := b.ring[0]
		sq, _ := squareWKT(t, v[0], v[1], 0.5)
		var line []string
		for _, p := range b.ring {
			lon, lat := lonLat(t, p[0], p[1])
			line = append(line, fmt.Sprintf("%.9f %.9f", lon, lat))
		}
		for _, q := range []string{
			box2326(v[0], v[1], 1),
			cql("S_INTERSECTS(geometry, " + sq + ")"),
			cql("S_INTERSECTS(geometry, LINESTRING(" + strings.Join(line, ",") + "))"),
		} {
			path := "/collections/" + centLayer + "/items?" + q
			for _, c := range s.attackers() {
				if status, _, matched := s.anyItems(t, c, path); status != 200 || matched != 0 {
					t.Errorf("%s: building %d: ?%s: %d, numberMatched %d, want 0: no centroid is there", c.name, b.id, q, status, matched)
				}
			}
			if _, _, matched := s.anyItems(t, s.insider, path); matched == 0 {
				t.Errorf("building %d: ?%s: the full view matches nothing either: the check cannot fail", b.id, q)
			}
		}
	}
	t.Run("tiles", func(t *testing.T) { s.testCentroidTiles(t, targets, bs) })
	t.Run("downloads", func(t *testing.T) { s.testCentroidDownloads(t, len(bs)) })
	t.Run("HTTP", func(t *testing.T) {
		b := targets[0]
		_, fs, _ := s.anyItems(t, s.outsiders[0], all+"&"+box2326(b.ce, b.cn, 0.2))
		if len(fs) != 1 {
			t.Fatalf("building %d's centroid: %d features", b.id, len(fs))
		}
		s.testHTTP(t, leakPairs(t, centLayer, fmt.Sprint(fs[0].ID), strconv.FormatInt(b.id, 10), b.ring[0][0], b.ring[0][1]))
	})
}

// pointProblems lists what in layer l of tile tl is not a point at one of
// the positions given.
func pointProblems(t *testing.T, tl leakTileAt, l *mvt.Layer, at [][2]float64) []string {
	if l == nil {
		return nil
	}
	var out []string
	extent := float64(l.Extent)
	for _, f := range l.Features {
		p, ok := f.Geometry.(orb.Point)
		if !ok {
			out = append(out, fmt.Sprintf("a %T", f.Geometry))
			continue
		}
		near := false
		for _, q := range at {
			x, y := tl.pixel(t, q[0], q[1], extent)
			near = near || (math.Abs(p[0]-x) <= 1.01 && math.Abs(p[1]-y) <= 1.01)
		}
		if !near {
			out = append(out, fmt.Sprintf("a point at %v, no centroid", p))
		}
	}
	return head(out, 5)
}

func (s *leakSuite) testCentroidTiles(t *testing.T, targets, bs []building) {
	var at [][2]float64
	for _, b := range bs {
		at = append(at, [2]float64{b.ce, b.cn})
	}
	for _, b := range targets {
		for _, tl := range tilesOver(t, b.ring[0]) {
			for _, p := range tl.paths(centLayer) {
				for _, c := range s.attackers()[:2] {
					l, _, _ := s.tileLayerNamed(t, c, p, centLayer)
					if pr := pointProblems(t, tl, l, at); len(pr) > 0 {
						t.Errorf("%s: GET %s over building %d: %v", c.name, p, b.id, pr)
					}
				}
			}
		}
		tl := hkTileOf(b.ring[0][0], b.ring[0][1], 18)
		if l, _, _ := s.tileLayerNamed(t, s.insider, tl.paths(centLayer)[0], centLayer); len(pointProblems(t, tl, l, at)) == 0 {
			t.Errorf("the full view's tile over building %d passes the centroid checks: they cannot fail", b.id)
		}
	}
}

func (s *leakSuite) testCentroidDownloads(t *testing.T, n int) {
	points := func(c leakCaller) (csvOK, gpkgOK bool) {
		header, recs, _ := s.csvRecords(t, c, centLayer)
		wkt := slices.Index(header, "geometry_wkt")
		csvOK = len(recs) == n && wkt >= 0
		for _, r := range recs {
			csvOK = csvOK && strings.HasPrefix(r[wkt], "POINT(")
		}
		_, gr, _ := s.geoPackageRecords(t, c, centLayer, "")
		gpkgOK = len(gr) == n
		for _, r := range gr {
			_, isPoint := r.Geometry.(orb.Point)
			gpkgOK = gpkgOK && isPoint
		}
		return csvOK, gpkgOK
	}
	for _, c := range s.attackers() {
		if csvOK, gpkgOK := points(c); !csvOK || !gpkgOK {
			t.Errorf("%s: downloads of only the %d centroids: CSV %v, GeoPackage %v", c.name, n, csvOK, gpkgOK)
		}
	}
	if csvOK, gpkgOK := points(s.insider); csvOK || gpkgOK {
		t.Errorf("the full view's downloads pass as centroids (CSV %v, GeoPackage %v): the check cannot fail", csvOK, gpkgOK)
	}
}

// ---------------------------------------------------------------------
// Aggregate.

// aggCellOf is the aggregate cell of a grid point, by column and row.
func aggCellOf(e, n float64) [2]int64 {
	return [2]int64{int64(math.Floor(e / aggCell)), int64(math.Floor(n / aggCell))}
}

func aggCellID(c [2]int64) string {
	return fmt.Sprintf("cell_E%d_N%d", c[0]*int64(aggCell), c[1]*int64(aggCell))
}

// aggCounts are the true number of cases in each cell.
func aggCounts(tr *leakTruth) map[[2]int64]int {
	m := map[[2]int64]int{}
	for _, c := range tr.cases {
		m[aggCellOf(c.E, c.N)]++
	}
	return m
}

var aggIDRE = regexp.MustCompile(`^cell_E(-?[0-9]+)_N(-?[0-9]+)$`)

// aggProblems says how served cells differ from the policy's: each a
// cell of at least k cases with its true count, as its square, and only
// a count; whole asks for every shown cell too.
func aggProblems(counts map[[2]int64]int, fs []anyFeature, whole bool) []string {
	var out []string
	seen := map[[2]int64]bool{}
	for _, f := range fs {
		m := aggIDRE.FindStringSubmatch(fmt.Sprint(f.ID))
		if m == nil {
			out = append(out, fmt.Sprintf("feature %v is no cell", f.ID))
			continue
		}
		e, _ := strconv.ParseFloat(m[1], 64)
		n, _ := strconv.ParseFloat(m[2], 64)
		cell := aggCellOf(e+1, n+1)
		seen[cell] = true
		if p := cellProblem(counts[cell], f); p != "" {
			out = append(out, fmt.Sprintf("%v: %s", f.ID, p))
		}
		if g := f.Geometry; g != nil && !isSquare(g.Type, g.Coordinates, e, n) {
			out = append(out, fmt.Sprintf("%v: geometry %s %.100s is not its square", f.ID, g.Type, g.Coordinates))
		}
	}
	if whole {
		for cell, n := range counts {
			if n >= aggK && !seen[cell] {
				out = append(out, fmt.Sprintf("the cell %s of %d is missing", aggCellID(cell), n))
			}
		}
	}
	sort.Strings(out)
	return head(out, 5)
}

// cellProblem checks a served cell's attributes against its true count.
func cellProblem(truth int, f anyFeature) string {
	count, ok := f.Properties["count"].(float64)
	switch {
	case !ok || len(f.Properties) != 1:
		return fmt.Sprintf("properties %v, want only a count", f.Properties)
	case count < aggK:
		return fmt.Sprintf("a cell of %v, under k = %d", count, aggK)
	case int(count) != truth:
		return fmt.Sprintf("count %v, the cell holds %d", count, truth)
	}
	return ""
}

// isSquare reports whether a GeoJSON polygon in EPSG:2326 (northing
// first) is the cell with south-west corner e, n.
func isSquare(typ string, coords json.RawMessage, e, n float64) bool {
	var rings [][][2]float64
	if typ != "Polygon" || json.Unmarshal(coords, &rings) != nil || len(rings) != 1 || len(rings[0]) != 5 {
		return false
	}
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, p := range rings[0] {
		b = b.Extend(orb.Point{p[1], p[0]})
	}
	near := func(a, b float64) bool { return math.Abs(a-b) < 0.01 }
	return near(b.Min[0], e) && near(b.Min[1], n) && near(b.Max[0], e+aggCell) && near(b.Max[1], n+aggCell)
}

// aggTarget is a case, inside its cell by at least 40 m, and the count
// of that cell.
type aggTarget struct {
	c     leakCase
	cell  [2]int64
	count int
}

// aggTargets are n cases in shown cells and n in suppressed ones.
func aggTargets(t *testing.T, tr *leakTruth, counts map[[2]int64]int, n int) (shown, hidden []aggTarget) {
	t.Helper()
	for _, c := range tr.cases {
		cell := aggCellOf(c.E, c.N)
		de, dn := c.E-float64(cell[0])*aggCell, c.N-float64(cell[1])*aggCell
		if de < 40 || dn < 40 || de > aggCell-40 || dn > aggCell-40 {
			continue
		}
		at := aggTarget{c, cell, counts[cell]}
		if at.count >= aggK && len(shown) < n {
			shown = append(shown, at)
		} else if at.count < aggK && len(hidden) < n {
			hidden = append(hidden, at)
		}
	}
	if len(shown) < n || len(hidden) < n {
		t.Fatalf("%d shown and %d suppressed targets, want %d of each", len(shown), len(hidden), n)
	}
	return shown, hidden
}

// The aggregated view: exactly the cells of at least k cases with their
// counts, whatever the path; a box or filter at a case finds its cell
// only when it is shown; a case added to a cell that stays under k
// changes nothing, and one that brings it to k shows it.
func (s *leakSuite) testAggregate(t *testing.T) {
	tr := s.truth(t)
	counts := aggCounts(tr)
	shown, hidden := aggTargets(t, tr, counts, 2)
	t.Run("the view is the policy's", func(t *testing.T) { s.testAggView(t, counts, shown[0], hidden[0]) })
	t.Run("boxes and filters at true positions", func(t *testing.T) { s.testAggQueries(t, counts, append(shown, hidden...)) })
	t.Run("tiles", func(t *testing.T) { s.testAggTiles(t, tr, counts, append(shown, hidden...)) })
	t.Run("downloads", func(t *testing.T) { s.testAggDownloads(t, counts) })
	t.Run("extent", func(t *testing.T) {
		var corners [][2]float64
		for cell, n := range counts {
			if n >= aggK {
				e, n := float64(cell[0])*aggCell, float64(cell[1])*aggCell
				corners = append(corners, [2]float64{e, n}, [2]float64{e + aggCell, n}, [2]float64{e, n + aggCell}, [2]float64{e + aggCell, n + aggCell})
			}
		}
		s.checkExtent(t, aggLayer, corners)
	})
	t.Run("HTTP", func(t *testing.T) {
		a := shown[0]
		s.testHTTP(t, leakPairs(t, aggLayer, aggCellID(a.cell), strconv.FormatInt(a.c.ID, 10), a.c.E, a.c.N))
	})
	t.Run("edits", func(t *testing.T) { s.testAggEdits(t, tr) })
}

// testAggView reads the whole view as every outsider and asks for cells
// by id: shown ones are served, suppressed and empty ones are not.
func (s *leakSuite) testAggView(t *testing.T, counts map[[2]int64]int, shown, hidden aggTarget) {
	all := "/collections/" + aggLayer + "/items?limit=10000&crs=" + url.QueryEscape(leakEPSG2326)
	for _, c := range s.outsiders {
		_, fs, matched := s.anyItems(t, c, all)
		if p := aggProblems(counts, fs, true); len(p) > 0 || matched != len(fs) {
			t.Errorf("%s: the aggregated view (numberMatched %d of %d): %v", c.name, matched, len(fs), p)
		}
	}
	if _, fs, _ := s.anyItems(t, s.insider, all); len(aggProblems(counts, fs, true)) == 0 {
		t.Error("the full view passes as the aggregated one: the check cannot fail")
	}
	empty := [2]int64{shown.cell[0] + 1000, shown.cell[1]}
	for _, tc := range []struct {
		cell [2]int64
		want int
	}{{shown.cell, 200}, {hidden.cell, 404}, {empty, 404}} {
		path := "/collections/" + aggLayer + "/items/" + aggCellID(tc.cell) + "?crs=" + url.QueryEscape(leakEPSG2326)
		for _, c := range s.attackers() {
			resp, body := s.as(t, c, path)
			var f anyFeature
			switch {
			case resp.StatusCode != tc.want:
				t.Errorf("%s: GET %s (a cell of %d): %d, want %d", c.name, path, counts[tc.cell], resp.StatusCode, tc.want)
			case tc.want == 200 && (json.Unmarshal(body, &f) != nil || len(aggProblems(counts, []anyFeature{f}, false)) > 0):
				t.Errorf("%s: GET %s: %v", c.name, path, aggProblems(counts, []anyFeature{f}, false))
			}
		}
	}
	// The HTML page lists the shown cells and no other.
	for _, c := range s.attackers() {
		_, page := s.as(t, c, "/collections/"+aggLayer+"/items?f=html&limit=1000")
		for cell, n := range counts {
			if in := strings.Contains(string(page), aggCellID(cell)+"<") || strings.Contains(string(page), aggCellID(cell)+`"`); in != (n >= aggK) {
				t.Errorf("%s: the HTML page lists the cell %s of %d: %v", c.name, aggCellID(cell), n, in)
				break
			}
		}
	}
	filters := map[string]int{"count < 5": 0, "count = 1": 0, "count >= 5": 0}
	for _, n := range counts {
		if n >= aggK {
			filters["count >= 5"]++
		}
	}
	for f, want := range filters {
		if _, _, matched := s.anyItems(t, s.outsiders[0], "/collections/"+aggLayer+"/items?limit=1&"+cql(f)); matched != want {
			t.Errorf("?filter=%s: numberMatched %d, want %d", f, matched, want)
		}
	}
}

// aggWant is the cells, of those shown, that a box or filter inside
// the target's cell finds: its own, if shown.
func aggWant(a aggTarget) []string {
	if a.count < aggK {
		return nil
	}
	return []string{aggCellID(a.cell)}
}

func (s *leakSuite) testAggQueries(t *testing.T, counts map[[2]int64]int, targets []aggTarget) {
	items := "/collections/" + aggLayer + "/items?crs=" + url.QueryEscape(leakEPSG2326) + "&"
	for _, a := range targets {
		e0, n0 := float64(a.cell[0])*aggCell, float64(a.cell[1])*aggCell
		sq, _ := squareWKT(t, a.c.E, a.c.N, 10)
		pt := pointWKT(t, a.c.E, a.c.N)
		lon, lat := lonLat(t, a.c.E, a.c.N)
		qs := []string{
			box2326(a.c.E, a.c.N, 1),
			box2326(a.c.E, a.c.N, 10),
			fmt.Sprintf("bbox=%.9f,%.9f,%.9f,%.9f", lon-1e-5, lat-1e-5, lon+1e-5, lat+1e-5),
			box2326(e0+aggCell/2, n0+aggCell/2, aggCell-2), // the cell's inside
			cql("S_INTERSECTS(geometry, " + pt + ")"),
			cql("S_CONTAINS(geometry, " + pt + ")"),
			cql("S_INTERSECTS(geometry, " + sq + ")"),
		}
		for _, q := range qs {
			for _, c := range s.attackers() {
				status, fs, matched := s.anyItems(t, c, items+q)
				var ids []string
				for _, f := range fs {
					ids = append(ids, fmt.Sprint(f.ID))
				}
				if status != 200 || matched != len(aggWant(a)) || !slices.Equal(ids, aggWant(a)) || len(aggProblems(counts, fs, false)) > 0 {
					t.Errorf("%s: case %d in a cell of %d: ?%s: %d, numberMatched %d, %v %v, want %v",
						c.name, a.c.ID, a.count, q, status, matched, ids, aggProblems(counts, fs, false), aggWant(a))
				}
			}
			if _, fs, _ := s.anyItems(t, s.insider, items+q); len(fs) > 0 && len(aggProblems(counts, fs, false)) == 0 {
				t.Errorf("case %d: ?%s: the full view passes as cells: the check cannot fail", a.c.ID, q)
			}
		}
	}
}

// aggTileProblems lists what in layer l of tile tl the policy does not
// show: anything but the squares of shown cells with their counts, or a
// shown cell under the tile's centre missing.
func aggTileProblems(t *testing.T, counts map[[2]int64]int, tl leakGridTile, l *mvt.Layer) []string {
	var out []string
	extent := 4096.0
	var fs []*geojson.Feature
	if l != nil {
		extent, fs = float64(l.Extent), l.Features
	}
	seen := map[[2]int64]bool{}
	for _, f := range fs {
		switch f.Geometry.(type) {
		case orb.Polygon, orb.MultiPolygon:
		default:
			out = append(out, fmt.Sprintf("a %T", f.Geometry))
			continue
		}
		c := f.Geometry.Bound().Center()
		cell := aggCellOf(tl.grid(t, c[0], c[1], extent))
		seen[cell] = true
		props := anyFeature{Properties: map[string]any{}}
		for k, v := range f.Properties {
			if n, ok := v.(int64); ok {
				v = float64(n)
			}
			if n, ok := v.(uint64); ok {
				v = float64(n)
			}
			props.Properties[k] = v
		}
		if p := cellProblem(counts[cell], props); p != "" {
			out = append(out, fmt.Sprintf("%s: %s", aggCellID(cell), p))
		}
	}
	if centre := aggCellOf(tl.grid(t, extent/2, extent/2, extent)); counts[centre] >= aggK && !seen[centre] {
		out = append(out, fmt.Sprintf("the shown cell %s under the tile's centre is missing", aggCellID(centre)))
	}
	return head(out, 5)
}

func (s *leakSuite) testAggTiles(t *testing.T, tr *leakTruth, counts map[[2]int64]int, targets []aggTarget) {
	for _, a := range targets {
		for _, tl := range tilesOver(t, [2]float64{a.c.E, a.c.N}) {
			for _, p := range tl.paths(aggLayer) {
				for _, c := range s.attackers() {
					l, raw, _ := s.tileLayerNamed(t, c, p, aggLayer)
					pr := aggTileProblems(t, counts, tl, l)
					if found := tr.scan(raw); len(found) > 0 {
						pr = append(pr, fmt.Sprintf("true values %v", found))
					}
					if len(pr) > 0 {
						t.Errorf("%s: GET %s over case %d (a cell of %d): %v", c.name, p, a.c.ID, a.count, pr)
					}
				}
			}
		}
		tl := hkTileOf(a.c.E, a.c.N, 20)
		if l, _, _ := s.tileLayerNamed(t, s.insider, tl.paths(aggLayer)[0], aggLayer); len(aggTileProblems(t, counts, tl, l)) == 0 {
			t.Errorf("the full view's tile over case %d passes the cell checks: they cannot fail", a.c.ID)
		}
	}
	// A whole district at z13: every cell in it is shown with its count.
	busy := targets[0].c
	tl := tileOf(t, busy.E, busy.N, 13)
	if l, _, _ := s.tileLayerNamed(t, s.outsiders[0], tl.paths(aggLayer)[0], aggLayer); l == nil || len(aggTileProblems(t, counts, tl, l)) > 0 {
		t.Errorf("the z13 tile over case %d: %v", busy.ID, aggTileProblems(t, counts, tl, l))
	}
}

func (s *leakSuite) testAggDownloads(t *testing.T, counts map[[2]int64]int) {
	// cells reads the CSV and the GeoPackage as served features.
	cells := func(c leakCaller) (csvFs, gpkgFs []anyFeature, header []string) {
		header, recs, _ := s.csvRecords(t, c, aggLayer)
		i := slices.Index(header, "count")
		for _, r := range recs {
			f := anyFeature{ID: r[0], Properties: map[string]any{}}
			if i >= 0 {
				f.Properties["count"], _ = strconv.ParseFloat(r[i], 64)
			}
			csvFs = append(csvFs, f)
		}
		col, gr, _ := s.geoPackageRecords(t, c, aggLayer, "&crs="+url.QueryEscape(leakEPSG2326))
		for _, r := range gr {
			f := anyFeature{ID: r.ID, Properties: map[string]any{}}
			for name, i := range col {
				if v, ok := r.Props[i].(int64); ok {
					f.Properties[name] = float64(v)
				} else {
					f.Properties[name] = r.Props[i]
				}
			}
			gpkgFs = append(gpkgFs, f)
		}
		return csvFs, gpkgFs, header
	}
	for _, c := range s.attackers() {
		csvFs, gpkgFs, header := cells(c)
		if !slices.Equal(header, []string{"id", "count", "geometry_wkt"}) {
			t.Errorf("%s: the CSV's columns %v, want id, count, geometry_wkt", c.name, header)
		}
		if p := aggProblems(counts, csvFs, true); len(p) > 0 {
			t.Errorf("%s: CSV: %v", c.name, p)
		}
		if p := aggProblems(counts, gpkgFs, true); len(p) > 0 {
			t.Errorf("%s: GeoPackage: %v", c.name, p)
		}
	}
	csvFs, gpkgFs, _ := cells(s.insider)
	if len(aggProblems(counts, csvFs, true)) == 0 || len(aggProblems(counts, gpkgFs, true)) == 0 {
		t.Error("the full view's downloads pass as cells: the check cannot fail")
	}
}

// testAggEdits adds a case to a suppressed cell that stays under k —
// nothing the public sees may change — then brings another cell to k,
// which then shows with count k, and takes one away again.
func (s *leakSuite) testAggEdits(t *testing.T, tr *leakTruth) {
	counts := aggCounts(tr)
	var under, below [2]int64 // a cell of at most k-2 cases, and one of k-1
	var haveUnder, haveBelow bool
	byID := func(a, b [2]int64) int { return strings.Compare(aggCellID(a), aggCellID(b)) }
	for _, cell := range slices.SortedFunc(gomaps.Keys(counts), byID) {
		switch n := counts[cell]; {
		case n <= aggK-2 && !haveUnder:
			under, haveUnder = cell, true
		case n == aggK-1 && !haveBelow:
			below, haveBelow = cell, true
		}
	}
	if !haveUnder || !haveBelow {
		t.Fatalf("no cell of under %d cases, or none of %d", aggK-1, aggK-1)
	}
	total := len(tr.cases)
	public := s.outsiders[0]

	at := [2]float64{float64(under[0])*aggCell + 137, float64(under[1])*aggCell + 263}
	paths := s.aggPaths(t, under, at)
	before, fullBefore := s.look(t, public, paths), s.look(t, s.insider, paths)
	s.addCases(t, at, 1)
	total++
	s.waitMatched(t, aggLayer, total)
	if d := lookDiff(before, s.look(t, public, paths)); len(d) > 0 {
		t.Errorf("a case added to a cell of %d (under k = %d) shows at %v", counts[under], aggK, d)
	}
	if len(lookDiff(fullBefore, s.look(t, s.insider, paths))) == 0 {
		t.Error("the full view, looked at alike, does not show the new case: the comparison cannot fail")
	}

	at = [2]float64{float64(below[0])*aggCell + 251, float64(below[1])*aggCell + 149}
	paths = s.aggPaths(t, below, at)
	before = s.look(t, public, paths)
	s.addCases(t, at, 1)
	total++
	s.waitMatched(t, aggLayer, total)
	if len(lookDiff(before, s.look(t, public, paths))) == 0 {
		t.Errorf("the cell %s reached k = %d and nothing shows it", aggCellID(below), aggK)
	}
	s.checkAggView(t, "after a cell reached k")
	s.exec(t, `DELETE FROM `+leakLayer+` WHERE id = (SELECT max(id) FROM `+leakLayer+`)`)
	total--
	s.waitMatched(t, aggLayer, total)
	s.checkAggView(t, "after the cell fell under k again")
	if d := lookDiff(before, s.look(t, public, paths)); len(d) > 0 {
		t.Errorf("back under k, the cell %s still shows at %v", aggCellID(below), d)
	}
}

// aggPaths are what an edit in cell at point at might move: the whole
// view, boxes and filters at the point, the cell by id, the CSV, the
// collection's extent and the tiles over the point.
func (s *leakSuite) aggPaths(t *testing.T, cell [2]int64, at [2]float64) []string {
	items := "/collections/" + aggLayer + "/items?limit=10000&crs=" + url.QueryEscape(leakEPSG2326)
	e0, n0 := float64(cell[0])*aggCell, float64(cell[1])*aggCell
	ps := []string{
		items,
		items + "&" + box2326(at[0], at[1], 1),
		items + "&" + box2326(e0+aggCell/2, n0+aggCell/2, aggCell+100),
		items + "&" + cql("S_INTERSECTS(geometry, "+pointWKT(t, at[0], at[1])+")"),
		"/collections/" + aggLayer + "/items/" + aggCellID(cell),
		"/collections/" + aggLayer + "/items?f=csv",
		"/collections/" + aggLayer,
		"/collections/" + aggLayer + "/tiles/WebMercatorQuad/tilejson.json",
	}
	for _, tl := range tilesOver(t, at) {
		ps = append(ps, tl.paths(aggLayer)...)
	}
	return ps
}

// addCases inserts n cases at grid point at, 1 m apart eastwards.
func (s *leakSuite) addCases(t *testing.T, at [2]float64, n int) {
	t.Helper()
	s.exec(t, `INSERT INTO `+leakLayer+` (id, hkid, name, age, address, district, case_opened, care_level, geom)
		SELECT m.id + g, 'Z' || (900000 + m.id + g) || '(0)', 'Added Person 新個案', 80, 'Flat 1A, 1/F, Added House', 'Eastern',
			DATE '2024-01-15', 1, ST_SetSRID(ST_MakePoint($1 + g - 1, $2), 2326)
		FROM (SELECT max(id) AS id FROM `+leakLayer+`) m, generate_series(1, $3) g`, at[0], at[1], n)
}

// checkAggView compares the public's whole view with the policy over the
// rows now.
func (s *leakSuite) checkAggView(t *testing.T, when string) {
	t.Helper()
	counts := aggCounts(s.truth(t))
	_, fs, _ := s.anyItems(t, s.outsiders[0], "/collections/"+aggLayer+"/items?limit=10000&crs="+url.QueryEscape(leakEPSG2326))
	if p := aggProblems(counts, fs, true); len(p) > 0 {
		t.Errorf("%s: %v", when, p)
	}
}
