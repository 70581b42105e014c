package main

// The privacy leakage suite (issue 6). A real csdi serve over the demo in
// PostGIS is attacked, as the public and as callers of other departments
// or without the step-up level, on every path to the sensitive layer: tiny
// bboxes, CQL2 and sortby on hidden attributes, spatial filters at true
// positions, ids, downloads, HTML, schemas, history, tiles at the highest
// zooms, counts, ETags and extents around edits, a restricted layer, writes
// and tokens. Each answer is compared with what the masking policy allows,
// computed here from the true rows in PostgreSQL (each case snapped to the
// centre of its 250 m cell in EPSG:2326, its HKID partial, its age banded,
// its date cut to the month), never with an empty answer; and most checks
// are also pointed at the full view, which they must catch, so that none
// passes for want of looking. leakage_http_test.go adds conditional
// requests, HEAD, Cache-Control and the HK1980Grid and dataset tiles;
// leakage_rules_test.go the aggregate, displace and centroid rules.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/testenv"
)

const (
	leakLayer      = demo.ElderlyHomeCareID
	leakCell       = 250.0 // the policy's snap:250
	leakMinZoom    = 12    // the policy's min_zoom
	leakRestricted = "clinic_inspections"
	leakEPSG2326   = "http://www.opengis.net/def/crs/EPSG/0/2326"
	leakAuditKey   = "the leakage suite's audit key.32"
	leakAdminKey   = "csdi_leakage-suite-admin-key-0123456789abcdef"
	leakAudience   = "csdi"
	swd            = "Social Welfare Department"
	td             = "Transport Department"
	dh             = "Department of Health"
)

// leakAuthConfig is the server's authentication: the suite's API keys and
// its identity provider.
const leakAuthConfig = `auth:
  api_keys:
%s
  oidc:
    - issuer: %q
      audience: ` + leakAudience + `
      jwks_url: %q
      acr_values: [low, substantial, high]
`

// leakLayers are the layers: the demo's masking policy restated with a
// min_zoom and a step-up level, and a restricted layer over the clinics
// table for the Department of Health and the Lands Department.
const leakLayers = `layers:
  - id: ` + leakLayer + `
    source: {table: ` + leakLayer + `}
    masking:
      attributes: {hkid: partial, name: drop, address: drop, age: "generalise:10", case_opened: "generalise:month", district: keep, care_level: keep}
      others: drop
      geometry: "snap:250"
      min_zoom: 12
      min_acr: substantial
  - id: ` + leakRestricted + `
    source: {table: clinics}
    access: {level: restricted, departments: [Lands Department]}
`

// leakCaller is one way of asking: a name and the request's headers.
type leakCaller struct {
	name string
	hdr  []string
}

// leakSuite is the server under attack, the identity provider its tokens
// come from, and the callers.
type leakSuite struct {
	*liveServer
	db  string
	idp *leakIDP
	// outsiders get the masked view; the first three are the ones every
	// attack is run as, the rest only where it is cheap.
	outsiders []leakCaller
	// insider reads the full view: an analyst of the owning department
	// authenticated at the step-up level. editor writes as its editor.
	insider, editor leakCaller
	apiKeys         map[string]string
}

func TestLeakageMaskedLayer(t *testing.T) {
	s := newLeakSuite(t)
	started := time.Now()
	t.Run("the masked view is exactly what the policy allows", s.testWholeView)
	t.Run("tiny bboxes around true positions", s.testTinyBBoxes)
	t.Run("filters and sorting on hidden attributes", s.testFilters)
	t.Run("item ids", s.testIDs)
	t.Run("downloads and pages", s.testDownloads)
	t.Run("schemas", s.testSchemas)
	t.Run("history", s.testHistory)
	t.Run("tiles", s.testTiles)
	t.Run("HK1980Grid and dataset tiles", s.testGridTiles)
	t.Run("HTTP", func(t *testing.T) { s.testHTTP(t, s.snapPairs(t)) })
	t.Run("restricted layer", s.testRestricted)
	t.Run("writes of the wrong department", s.testWritesRefused)
	t.Run("edits", s.testEdits)
	t.Run("tokens", s.testTokens)
	t.Run("rotated key", s.testRotation)
	t.Run("audit trail", s.testAudit)
	t.Logf("suite ran in %v after the server started", time.Since(started).Round(time.Millisecond))
}

func newLeakSuite(t *testing.T) *leakSuite {
	t.Helper()
	return newLeakSuiteWith(t, leakLayers)
}

// newLeakSuiteWith starts the server over the demo with the suite's
// callers and the layers given (YAML, "layers:" and its list).
func newLeakSuiteWith(t *testing.T, layers string) *leakSuite {
	t.Helper()
	dbURL := testenv.DatabaseURL(t)
	noEnv := func(string) string { return "" }
	if err := run(context.Background(), []string{"demo", "-database", dbURL, "-buildings", "2000"}, io.Discard, io.Discard, noEnv); err != nil {
		t.Fatalf("demo: %v", err)
	}
	idp := newLeakIDP(t)
	s := &leakSuite{db: dbURL, idp: idp, apiKeys: map[string]string{}}
	var keys strings.Builder
	for _, k := range []struct{ name, dept, role string }{
		{"td-analyst", td, "analyst"},
		{"td-editor", td, "editor"},
		{"swd-analyst", swd, "analyst"},
		{"swd-viewer", swd, "viewer"},
		{"swd-editor", swd, "editor"},
		{"dh-viewer", dh, "viewer"},
		{"lands-viewer", "Lands Department", "viewer"},
	} {
		key, hash, err := auth.NewAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		s.apiKeys[k.name] = key
		fmt.Fprintf(&keys, "    - {name: %s, department: %s, roles: [%s], hash: %q}\n", k.name, k.dept, k.role, hash)
	}
	cfg := filepath.Join(t.TempDir(), "csdi.yaml")
	body := fmt.Sprintf(leakAuthConfig, strings.TrimSuffix(keys.String(), "\n"), idp.issuer(), idp.issuer()+"/jwks") + layers
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	s.liveServer = startServe(t, map[string]string{
		"CSDI_CONFIG":       cfg,
		"CSDI_DATABASE_URL": dbURL,
		"CSDI_PRIVACY_KEY":  testPrivacyKey,
		"CSDI_AUDIT_KEY":    leakAuditKey,
		"CSDI_ADMIN_KEY":    leakAdminKey,
	})
	key := func(name string) leakCaller {
		return leakCaller{name: name + " (API key)", hdr: []string{"X-API-Key", s.apiKeys[name]}}
	}
	bearer := func(name, sub, dept, role, acr string) leakCaller {
		claims := map[string]any{"sub": sub, "department": dept, "roles": []string{role}}
		if acr != "" {
			claims["acr"] = acr
		}
		return leakCaller{name: name, hdr: []string{"Authorization", "Bearer " + idp.token(t, idp.current(), claims)}}
	}
	s.outsiders = []leakCaller{
		{name: "anonymous"},
		key("td-analyst"),
		bearer("the owning department's analyst below the step-up level (acr low)", "swd-low", swd, "analyst", "low"),
		key("swd-analyst"), // API keys never meet a step-up level
		bearer("the owning department's analyst without acr", "swd-noacr", swd, "analyst", ""),
		bearer("another department's analyst at acr high", "td-high", td, "analyst", "high"),
		key("swd-viewer"),
		{name: "an admin of another department", hdr: []string{"X-API-Key", leakAdminKey}},
	}
	s.insider = bearer("the owning department's analyst at acr high", "swd-case-officer", swd, "analyst", "high")
	s.editor = bearer("the owning department's editor at acr high", "swd-case-editor", swd, "editor", "high")
	return s
}

// attackers are the callers every attack is run as.
func (s *leakSuite) attackers() []leakCaller { return s.outsiders[:3] }

// ---------------------------------------------------------------------
// The truth, from PostgreSQL, and what the policy makes of it.

// leakCase is one true row of the sensitive layer.
type leakCase struct {
	ID                                    int64
	E, N                                  float64 // EPSG:2326
	HKID, Name, Address, District, Opened string
	Age, Care                             int64
}

// leakRow is a masked feature as the policy defines it: what may be known.
type leakRow struct {
	E, N                        float64 // the cell centre, EPSG:2326
	HKID, Age, District, Opened string
	Care                        int64
}

func (r leakRow) key() string {
	return fmt.Sprintf("%.0f,%.0f|%s|%s|%s|%s|%d", r.E, r.N, r.HKID, r.Age, r.District, r.Opened, r.Care)
}

// leakTruth is the layer's rows now, with their masked forms.
type leakTruth struct {
	cases  []leakCase
	masked []leakRow // masked[i] is cases[i] masked
	// The true values scan looks for.
	hkids, names, dates map[string]bool
}

func (s *leakSuite) truth(t *testing.T) *leakTruth {
	t.Helper()
	ctx := context.Background()
	conn := s.connect(t)
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT id, ST_X(geom), ST_Y(geom), coalesce(hkid, ''), coalesce(name, ''), coalesce(address, ''),
		coalesce(district, ''), coalesce(case_opened::text, ''), coalesce(age, 0), coalesce(care_level, 0)
		FROM `+leakLayer+` ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	tr := &leakTruth{hkids: map[string]bool{}, names: map[string]bool{}, dates: map[string]bool{}}
	for rows.Next() {
		var c leakCase
		if err := rows.Scan(&c.ID, &c.E, &c.N, &c.HKID, &c.Name, &c.Address, &c.District, &c.Opened, &c.Age, &c.Care); err != nil {
			t.Fatal(err)
		}
		tr.cases = append(tr.cases, c)
		tr.masked = append(tr.masked, c.masked())
		tr.hkids[c.HKID] = true
		tr.dates[c.Opened] = true
		for _, run := range cjkRun.FindAllString(c.Name, -1) {
			tr.names[run] = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(tr.cases) < 1000 {
		t.Fatalf("%d cases in the demo, want the demo's 2400", len(tr.cases))
	}
	return tr
}

func (c leakCase) masked() leakRow {
	lo := c.Age / 10 * 10
	opened := c.Opened
	if len(opened) >= 7 {
		opened = opened[:7]
	}
	return leakRow{E: cellCentre(c.E), N: cellCentre(c.N), HKID: partialHKID(c.HKID),
		Age: fmt.Sprintf("%d–%d", lo, lo+9), District: c.District, Opened: opened, Care: c.Care}
}

func cellCentre(v float64) float64 { return math.Floor(v/leakCell)*leakCell + leakCell/2 }

var hkidRE = regexp.MustCompile(`^([A-Z]{1,2})([0-9]{6})\(([0-9A])\)$`)

// partialHKID is the policy's partial rule for the demo's HKIDs:
// A123456(7) → A123***(*).
func partialHKID(s string) string {
	m := hkidRE.FindStringSubmatch(s)
	if m == nil {
		return "***"
	}
	return m[1] + m[2][:3] + "***(*)"
}

// multiset counts rows by key.
func leakMultiset(rows []leakRow) map[string]int {
	m := make(map[string]int, len(rows))
	for _, r := range rows {
		m[r.key()]++
	}
	return m
}

// count is how many masked rows keep says yes to.
func (tr *leakTruth) count(keep func(leakRow) bool) int {
	n := 0
	for _, r := range tr.masked {
		if keep(r) {
			n++
		}
	}
	return n
}

var (
	cjkRun      = regexp.MustCompile(`\p{Han}+`)
	fullHKID    = regexp.MustCompile(`[A-Z]{1,2}[0-9]{6}\(?[0-9A]\)?`)
	addressLike = regexp.MustCompile(`Flat [0-9]+[A-Z], [0-9]+/F`)
	dateLike    = regexp.MustCompile(`\b20[0-9]{2}-[01][0-9]-[0-3][0-9]\b`)
)

// scan lists the true values of the layer found in body: full HKIDs,
// Chinese names, addresses and exact dates.
func (tr *leakTruth) scan(body []byte) []string {
	var found []string
	for _, m := range fullHKID.FindAll(body, -1) {
		if tr.hkids[string(m)] {
			found = append(found, "HKID "+string(m))
		}
	}
	for _, m := range cjkRun.FindAll(body, -1) {
		if tr.names[string(m)] {
			found = append(found, "name "+string(m))
		}
	}
	if m := addressLike.Find(body); m != nil {
		found = append(found, "address "+string(m))
	}
	for _, loc := range dateLike.FindAllIndex(body, -1) {
		d := string(body[loc[0]:loc[1]])
		if tr.dates[d] && (loc[1] == len(body) || body[loc[1]] != 'T') {
			found = append(found, "date "+d)
		}
	}
	if len(found) > 5 {
		found = append(found[:5], fmt.Sprintf("and %d more", len(found)-5))
	}
	return found
}

// lonLat is a point of EPSG:2326 in CRS84, as the server transforms it.
func lonLat(t *testing.T, e, n float64) (float64, float64) {
	t.Helper()
	f, err := crs.ToLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	return f(e, n)
}

// targets are a few cases to aim at: each alone in its masked form, and
// at least 40 m from its cell's centre and edges, so that a 10 m box
// around it holds no masked point, and a move of 20 m keeps it in its cell.
func (tr *leakTruth) targets(t *testing.T, n int) []leakCase {
	t.Helper()
	ms := leakMultiset(tr.masked)
	var out []leakCase
	for i, c := range tr.cases {
		de, dn := math.Abs(c.E-cellCentre(c.E)), math.Abs(c.N-cellCentre(c.N))
		if ms[tr.masked[i].key()] == 1 && de > 40 && dn > 40 && de < leakCell/2-40 && dn < leakCell/2-40 && hkidRE.MatchString(c.HKID) {
			out = append(out, c)
			if len(out) == n {
				return out
			}
		}
	}
	t.Fatalf("only %d cases fit as targets", len(out))
	return nil
}

// ---------------------------------------------------------------------
// Asking the server.

func (s *leakSuite) as(t *testing.T, c leakCaller, path string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	return s.get(t, path, append(slices.Clone(c.hdr), hdr...)...)
}

// leakFeature is a served feature.
type leakFeature struct {
	ID         any            `json:"id"`
	Geometry   *leakGeometry  `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type leakGeometry struct {
	Type        string    `json:"type"`
	Coordinates []float64 `json:"coordinates"`
}

type leakCollection struct {
	NumberMatched int           `json:"numberMatched"`
	Features      []leakFeature `json:"features"`
}

// items GETs a feature collection; status is the HTTP status.
func (s *leakSuite) items(t *testing.T, c leakCaller, path string) (int, leakCollection, []byte) {
	t.Helper()
	resp, body := s.as(t, c, path)
	var fc leakCollection
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &fc); err != nil {
			t.Fatalf("%s: GET %s: not a feature collection: %v", c.name, path, err)
		}
	}
	return resp.StatusCode, fc, body
}

// row reads a feature served in EPSG:2326 (northing first) as a masked row.
func (f leakFeature) row() leakRow {
	var r leakRow
	if f.Geometry != nil && len(f.Geometry.Coordinates) == 2 {
		// Centimetres: the served precision, and a true position stays apart.
		r.N, r.E = math.Round(f.Geometry.Coordinates[0]*100)/100, math.Round(f.Geometry.Coordinates[1]*100)/100
	}
	str := func(k string) string {
		if v, ok := f.Properties[k]; ok && v != nil {
			return fmt.Sprint(v)
		}
		return ""
	}
	r.HKID, r.Age, r.District, r.Opened = str("hkid"), str("age"), str("district"), str("case_opened")
	if v, ok := f.Properties["care_level"].(float64); ok {
		r.Care = int64(v)
	}
	return r
}

// allRows is the whole layer as c reads it, in EPSG:2326.
func (s *leakSuite) allRows(t *testing.T, c leakCaller) ([]leakRow, []leakFeature) {
	t.Helper()
	return s.allRowsOf(t, c, leakLayer)
}

// allRowsOf is the whole of a point layer as c reads it, in EPSG:2326.
func (s *leakSuite) allRowsOf(t *testing.T, c leakCaller, layer string) ([]leakRow, []leakFeature) {
	t.Helper()
	status, fc, body := s.items(t, c, "/collections/"+layer+"/items?limit=10000&crs="+url.QueryEscape(leakEPSG2326))
	if status != 200 {
		t.Fatalf("%s: the layer's items: %d %.300s", c.name, status, body)
	}
	rows := make([]leakRow, len(fc.Features))
	for i, f := range fc.Features {
		rows[i] = f.row()
	}
	return rows, fc.Features
}

// diffMultisets describes how got differs from want, briefly.
func diffMultisets(got, want map[string]int) string {
	var extra, missing []string
	for k, n := range got {
		if want[k] < n {
			extra = append(extra, k)
		}
	}
	for k, n := range want {
		if got[k] < n {
			missing = append(missing, k)
		}
	}
	if len(extra) == 0 && len(missing) == 0 {
		return ""
	}
	sort.Strings(extra)
	sort.Strings(missing)
	return fmt.Sprintf("%d served rows the policy does not give (e.g. %v), %d policy rows not served (e.g. %v)",
		len(extra), head(extra, 3), len(missing), head(missing, 3))
}

func head(xs []string, n int) []string {
	if len(xs) > n {
		return xs[:n]
	}
	return xs
}

// ---------------------------------------------------------------------
// The attacks.

// The whole masked view, row for row, is the policy applied to the true
// rows: every outsider reads exactly that, and the full view is not it.
func (s *leakSuite) testWholeView(t *testing.T) {
	tr := s.truth(t)
	want := leakMultiset(tr.masked)
	for _, c := range s.outsiders {
		rows, _ := s.allRows(t, c)
		if d := diffMultisets(leakMultiset(rows), want); d != "" {
			t.Errorf("%s: %s", c.name, d)
		}
	}
	rows, _ := s.allRows(t, s.insider)
	if diffMultisets(leakMultiset(rows), want) == "" {
		t.Error("the full view reads as the masked one: the comparison cannot fail")
	}
}

// A box of 1 m or 10 m around a true position, in CRS84 or in EPSG:2326,
// matches exactly the masked points in it (none, for these targets), and a
// box around the cell centre matches the cell's masked points.
func (s *leakSuite) testTinyBBoxes(t *testing.T) {
	tr := s.truth(t)
	base := "/collections/" + leakLayer + "/items?limit=100&bbox="
	type box struct {
		label      string
		e, n, size float64
	}
	var boxes []box
	for _, c := range tr.targets(t, 3) {
		for _, size := range []float64{1, 10} {
			boxes = append(boxes, box{fmt.Sprintf("%g m around case %d", size, c.ID), c.E, c.N, size})
		}
		boxes = append(boxes, box{fmt.Sprintf("1 m around case %d's cell centre", c.ID), cellCentre(c.E), cellCentre(c.N), 1})
	}
	for _, b := range boxes {
		// The policy's answer, in EPSG:2326.
		want2326 := tr.count(func(r leakRow) bool {
			return math.Abs(r.E-b.e) <= b.size/2 && math.Abs(r.N-b.n) <= b.size/2
		})
		q2326 := fmt.Sprintf("%.3f,%.3f,%.3f,%.3f&bbox-crs=%s", b.n-b.size/2, b.e-b.size/2, b.n+b.size/2, b.e+b.size/2, url.QueryEscape(leakEPSG2326))
		// And in CRS84: the masked points' own CRS84 positions in a box of
		// about the same size.
		lon, lat := lonLat(t, b.e, b.n)
		dLon, dLat := b.size/2/(111320*math.Cos(lat*math.Pi/180)), b.size/2/110574
		wantCRS84 := tr.count(func(r leakRow) bool {
			x, y := lonLat(t, r.E, r.N)
			return math.Abs(x-lon) <= dLon && math.Abs(y-lat) <= dLat
		})
		qCRS84 := fmt.Sprintf("%.9f,%.9f,%.9f,%.9f", lon-dLon, lat-dLat, lon+dLon, lat+dLat)
		for _, q := range []struct {
			query string
			want  int
		}{{q2326, want2326}, {qCRS84, wantCRS84}} {
			for _, c := range s.attackers() {
				status, fc, body := s.items(t, c, base+q.query)
				if status != 200 || fc.NumberMatched != q.want || len(fc.Features) != q.want {
					t.Errorf("%s, %s, bbox=%s: %d, numberMatched %d with %d features, want %d (the masked points there): %.200s",
						c.name, b.label, q.query, status, fc.NumberMatched, len(fc.Features), q.want, body)
				}
			}
			if strings.Contains(b.label, "around case") {
				if _, fc, _ := s.items(t, s.insider, base+q.query); fc.NumberMatched == q.want {
					t.Errorf("the full view matches %d in %s too: the check cannot fail", q.want, b.label)
				}
			}
		}
		if strings.Contains(b.label, "cell centre") && want2326 == 0 {
			t.Errorf("%s: the policy puts no point at the cell centre: the targets are wrong", b.label)
		}
	}
}

// likeMatch is CQL2's LIKE with % and _.
func likeMatch(pattern, s string) bool {
	re := "^" + strings.NewReplacer("%", ".*", "_", ".").Replace(regexp.QuoteMeta(pattern)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// CQL2 (text and JSON), query-parameter filters and sortby are evaluated
// on the masked view: a hidden attribute is unknown, a partly hidden one
// matches only its masked value, and a spatial filter at a true position
// finds only masked points.
func (s *leakSuite) testFilters(t *testing.T) {
	tr := s.truth(t)
	c0 := tr.targets(t, 1)[0]
	m0 := c0.masked()
	// A page of 300 is scanned for true values; numberMatched counts all.
	items := "/collections/" + leakLayer + "/items?limit=300&"
	all := "/collections/" + leakLayer + "/items?limit=10000&"
	lon, lat := lonLat(t, c0.E, c0.N)
	clon, clat := lonLat(t, m0.E, m0.N)
	square := func(lon, lat, metres float64) string { // a CRS84 WKT polygon around lon, lat
		dx, dy := metres/2/(111320*math.Cos(lat*math.Pi/180)), metres/2/110574
		return fmt.Sprintf("POLYGON((%[1]f %[2]f,%[3]f %[2]f,%[3]f %[4]f,%[1]f %[4]f,%[1]f %[2]f))", lon-dx, lat-dy, lon+dx, lat+dy)
	}
	inSquare := func(lon, lat, metres float64) func(leakRow) bool {
		dx, dy := metres/2/(111320*math.Cos(lat*math.Pi/180)), metres/2/110574
		return func(r leakRow) bool {
			x, y := lonLat(t, r.E, r.N)
			return math.Abs(x-lon) < dx && math.Abs(y-lat) < dy
		}
	}
	hkid := func(pattern string) func(leakRow) bool {
		return func(r leakRow) bool { return likeMatch(pattern, r.HKID) }
	}
	jsonFilter := func(v any) string {
		b, _ := json.Marshal(v)
		return "filter-lang=cql2-json&filter=" + url.QueryEscape(string(b))
	}
	text := func(f string) string { return "filter=" + url.QueryEscape(f) }
	always := func(leakRow) bool { return true }
	cases := []struct {
		query string
		want  func(leakRow) bool // nil: refused, 400
		leaky bool               // the full view answers otherwise: a check that can fail
	}{
		{text("hkid = '" + c0.HKID + "'"), hkid(c0.HKID), true},
		{text("hkid = '" + m0.HKID + "'"), hkid(m0.HKID), false},
		{text("hkid LIKE '" + c0.HKID[:len(c0.HKID)-6] + "%'"), hkid(c0.HKID[:len(c0.HKID)-6] + "%"), false},
		{text("hkid LIKE '" + c0.HKID[:len(c0.HKID)-5] + "%'"), hkid(c0.HKID[:len(c0.HKID)-5] + "%"), true},
		{text("hkid LIKE '%" + c0.HKID[len(c0.HKID)-4:] + "'"), hkid("%" + c0.HKID[len(c0.HKID)-4:]), true},
		{text("hkid LIKE 'A123%'"), hkid("A123%"), false},
		{text("hkid = 'A123456(7)'"), hkid("A123456(7)"), false},
		{jsonFilter(map[string]any{"op": "=", "args": []any{map[string]any{"property": "hkid"}, c0.HKID}}), hkid(c0.HKID), true},
		{jsonFilter(map[string]any{"op": "like", "args": []any{map[string]any{"property": "hkid"}, c0.HKID[:len(c0.HKID)-4] + "%"}}), hkid(c0.HKID[:len(c0.HKID)-4] + "%"), true},
		{text("name = '" + c0.Name + "'"), nil, true},
		{text("name LIKE '%'"), nil, true},
		{text("address LIKE 'Flat%'"), nil, true},
		{jsonFilter(map[string]any{"op": "=", "args": []any{map[string]any{"property": "name"}, c0.Name}}), nil, true},
		{text("age = " + strconv.FormatInt(c0.Age, 10)), nil, true},
		{text("age = '" + m0.Age + "'"), func(r leakRow) bool { return r.Age == m0.Age }, false},
		{text("case_opened = '" + c0.Opened + "'"), func(r leakRow) bool { return r.Opened == c0.Opened }, true},
		{text("case_opened = '" + m0.Opened + "'"), func(r leakRow) bool { return r.Opened == m0.Opened }, false},
		{text(fmt.Sprintf("S_INTERSECTS(geometry, POINT(%f %f))", lon, lat)), func(r leakRow) bool { return false }, false},
		{text("S_INTERSECTS(geometry, " + square(lon, lat, 10) + ")"), inSquare(lon, lat, 10), true},
		{text("S_WITHIN(geometry, " + square(lon, lat, 20) + ")"), inSquare(lon, lat, 20), true},
		{text("S_DISJOINT(geometry, " + square(lon, lat, 20) + ")"), func(r leakRow) bool { return !inSquare(lon, lat, 20)(r) }, true},
		{text("S_INTERSECTS(geometry, " + square(clon, clat, 2) + ")"), inSquare(clon, clat, 2), false},
		{text("district = '" + c0.District + "' AND S_INTERSECTS(geometry, " + square(lon, lat, 30) + ")"),
			func(r leakRow) bool { return r.District == c0.District && inSquare(lon, lat, 30)(r) }, true},
		{jsonFilter(map[string]any{"op": "s_intersects", "args": []any{map[string]any{"property": "geometry"},
			map[string]any{"type": "Point", "coordinates": []float64{lon, lat}}}}), func(leakRow) bool { return false }, false},
		{"hkid=" + url.QueryEscape(c0.HKID), hkid(c0.HKID), true},
		{"hkid=" + url.QueryEscape(m0.HKID), hkid(m0.HKID), false},
		{"case_opened=" + c0.Opened, func(r leakRow) bool { return r.Opened == c0.Opened }, true},
		{"district=" + url.QueryEscape(c0.District), func(r leakRow) bool { return r.District == c0.District }, false},
		// The masked view has no time (its date is a month); here the full
		// view has none either (the store does not name its time column).
		{"datetime=" + c0.Opened, nil, false},
		{"datetime=" + c0.Opened + "T00:00:00Z/" + c0.Opened + "T23:59:59Z", nil, false},
		{"name=" + url.QueryEscape(c0.Name), nil, true},
		{"address=x", nil, true},
		{"sortby=name", nil, true},
		{"sortby=-address", nil, true},
		{"properties=name,address", nil, true},
		{"filter=" + url.QueryEscape("hkid IS NOT NULL") + "&sortby=age", always, false},
	}
	for _, tc := range cases {
		want := -1
		if tc.want != nil {
			want = tr.count(tc.want)
		}
		for _, c := range s.attackers() {
			status, fc, body := s.items(t, c, items+tc.query)
			switch {
			case want < 0 && status != 400:
				t.Errorf("%s: ?%s: %d, want 400: the attribute is not in the masked view: %.200s", c.name, tc.query, status, body)
			case want >= 0 && (status != 200 || fc.NumberMatched != want):
				t.Errorf("%s: ?%s: %d, numberMatched %d, want %d (the masked view's answer): %.200s", c.name, tc.query, status, fc.NumberMatched, want, body)
			}
			// The links echo the query: what the caller sent is no leak.
			if found := tr.scan(without(body, c0.HKID, c0.Opened, c0.Name)); len(found) > 0 {
				t.Errorf("%s: ?%s serves true values: %v", c.name, tc.query, found)
			}
		}
		if tc.leaky {
			status, fc, _ := s.items(t, s.insider, items+tc.query)
			if (want < 0 && status == 400) || (want >= 0 && status == 200 && fc.NumberMatched == want) {
				t.Errorf("?%s: the full view answers as the masked one (%d, %d): the check cannot fail", tc.query, status, fc.NumberMatched)
			}
		}
	}

	// sortby orders by the masked values only: ties are broken as they are
	// for any order, never by the hidden part (the HKID's last digits, the
	// day of the month, the exact age).
	for _, key := range []string{"hkid", "-hkid", "case_opened", "-age"} {
		for _, c := range s.attackers() {
			_, fc, body := s.items(t, c, all+"sortby="+key+"&crs="+url.QueryEscape(leakEPSG2326))
			if len(fc.Features) != len(tr.cases) {
				t.Fatalf("%s: sortby=%s: %d features: %.200s", c.name, key, len(fc.Features), body)
			}
			if err := checkMaskedOrder(fc.Features, key); err != nil {
				t.Errorf("%s: sortby=%s: %v", c.name, key, err)
			}
		}
	}
	_, fc, _ := s.items(t, s.insider, all+"sortby=hkid")
	if checkMaskedOrder(fc.Features, "hkid") == nil {
		t.Error("the full view's sortby=hkid passes the masked-order check: it cannot fail")
	}
}

// without is body less every occurrence of the values.
func without(body []byte, values ...string) []byte {
	for _, v := range values {
		body = bytes.ReplaceAll(body, []byte(v), nil)
	}
	return body
}

// checkMaskedOrder checks that features sorted by key (a property, "-" for
// descending) are in the order of their masked values, ties by id: the
// order a sort on the masked view gives, with nothing of the hidden values.
func checkMaskedOrder(fs []leakFeature, key string) error {
	prop, desc := strings.TrimPrefix(key, "-"), strings.HasPrefix(key, "-")
	// The value's masked form: what a sort on the masked view may use
	// (a full view's values are masked here, so that the check catches a
	// sort on them).
	val := func(f leakFeature) string {
		switch v := f.Properties[prop].(type) {
		case float64:
			lo := int64(v) / 10 * 10
			return fmt.Sprintf("%d–%d", lo, lo+9)
		case string:
			if hkidRE.MatchString(v) {
				return partialHKID(v)
			}
			if prop == "case_opened" && len(v) > 7 {
				return v[:7]
			}
			return v
		}
		return fmt.Sprint(f.Properties[prop])
	}
	for i := 1; i < len(fs); i++ {
		a, b := val(fs[i-1]), val(fs[i])
		if desc {
			a, b = b, a
		}
		switch {
		case a > b:
			return fmt.Errorf("position %d: %q before %q: not sorted by the masked value", i, val(fs[i-1]), val(fs[i]))
		case a == b && fmt.Sprint(fs[i-1].ID) > fmt.Sprint(fs[i].ID):
			return fmt.Errorf("position %d: ties of %q ordered %v before %v: not by id, so by something hidden", i, a, fs[i-1].ID, fs[i].ID)
		}
	}
	return nil
}

// Real ids name nothing in the masked view; masked ids are pseudonyms, in
// an order unrelated to the real one, and each leads back to its feature.
func (s *leakSuite) testIDs(t *testing.T) {
	tr := s.truth(t)
	real := map[string]bool{}
	for _, c := range tr.cases {
		real[strconv.FormatInt(c.ID, 10)] = true
	}
	probe := []int64{1, 2, 3, tr.cases[len(tr.cases)-1].ID}
	for _, c := range tr.targets(t, 4) {
		probe = append(probe, c.ID)
	}
	for _, c := range s.attackers() {
		for _, id := range probe {
			path := fmt.Sprintf("/collections/%s/items/%d", leakLayer, id)
			if resp, body := s.as(t, c, path); resp.StatusCode != 404 {
				t.Errorf("%s: GET %s (a real id): %d %.200s, want 404", c.name, path, resp.StatusCode, body)
			}
		}
	}
	if resp, _ := s.as(t, s.insider, fmt.Sprintf("/collections/%s/items/%d", leakLayer, probe[0])); resp.StatusCode != 200 {
		t.Errorf("the full view does not have real id %d: %d", probe[0], resp.StatusCode)
	}

	// The masked listing's order against the real ids: matched by each
	// masked row that only one case has, the rank correlation is near 0.
	byKey := map[string][]int64{}
	for i, r := range tr.masked {
		byKey[r.key()] = append(byKey[r.key()], tr.cases[i].ID)
	}
	rho := func(rows []leakRow) (float64, int) {
		var xs, ys []float64
		for pos, r := range rows {
			if ids := byKey[r.key()]; len(ids) == 1 {
				xs, ys = append(xs, float64(pos)), append(ys, float64(ids[0]))
			}
		}
		return spearman(xs, ys), len(xs)
	}
	for _, c := range s.attackers() {
		rows, fs := s.allRows(t, c)
		for _, f := range fs {
			id, ok := f.ID.(string)
			if !ok || real[id] || real[strings.TrimLeft(id, "p_")] {
				t.Errorf("%s: masked feature id %v (%T) is, or looks like, a real id", c.name, f.ID, f.ID)
				break
			}
		}
		if r, n := rho(rows); n < len(rows)/2 || math.Abs(r) > 0.1 {
			t.Errorf("%s: the masked order correlates with the real ids: ρ = %.3f over %d features", c.name, r, n)
		}
		// Round trips.
		for _, f := range fs[:5] {
			path := "/collections/" + leakLayer + "/items/" + url.PathEscape(fmt.Sprint(f.ID)) + "?crs=" + url.QueryEscape(leakEPSG2326)
			resp, body := s.as(t, c, path)
			var got leakFeature
			if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || fmt.Sprint(got.ID) != fmt.Sprint(f.ID) || got.row() != f.row() {
				t.Errorf("%s: GET %s: %d %.300s, want the listed feature %v", c.name, path, resp.StatusCode, body, f.row())
			}
			if resp, _ := s.as(t, s.insider, path); resp.StatusCode != 404 {
				t.Errorf("the full view answers the masked id %v: %d", f.ID, resp.StatusCode)
			}
		}
	}
	// Real ids in their own order, masked for matching, are caught.
	if r, _ := rho(tr.masked); r < 0.99 {
		t.Errorf("the real order correlates only %.3f with itself: the check cannot fail", r)
	}
}

// spearman is the rank correlation of xs and ys (no ties in ys).
func spearman(xs, ys []float64) float64 {
	n := len(xs)
	if n < 3 {
		return 0
	}
	rank := func(v []float64) []float64 {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
		r := make([]float64, n)
		for pos, i := range idx {
			r[i] = float64(pos)
		}
		return r
	}
	rx, ry := rank(xs), rank(ys)
	var d2 float64
	for i := range rx {
		d2 += (rx[i] - ry[i]) * (rx[i] - ry[i])
	}
	return 1 - 6*d2/(float64(n)*(float64(n)*float64(n)-1))
}

// Every download format and the HTML pages carry the masked view and
// nothing else.
func (s *leakSuite) testDownloads(t *testing.T) {
	tr := s.truth(t)
	want := leakMultiset(tr.masked)
	crsQ := "&crs=" + url.QueryEscape(leakEPSG2326)
	for _, c := range s.attackers() {
		rows, header, body := s.csvRows(t, c, leakLayer)
		if d := diffMultisets(leakMultiset(rows), want); d != "" {
			t.Errorf("%s: CSV: %s", c.name, d)
		}
		for _, h := range header {
			if h == "name" || h == "address" {
				t.Errorf("%s: the CSV has the hidden column %q", c.name, h)
			}
		}
		if found := tr.scan(body); len(found) > 0 {
			t.Errorf("%s: the CSV serves %v", c.name, found)
		}

		rows, cols, body := s.geoPackageRows(t, c, crsQ)
		if d := diffMultisets(leakMultiset(rows), want); d != "" {
			t.Errorf("%s: GeoPackage: %s", c.name, d)
		}
		if _, ok := cols["name"]; ok {
			t.Errorf("%s: the GeoPackage has the hidden column name", c.name)
		}
		if _, ok := cols["address"]; ok {
			t.Errorf("%s: the GeoPackage has the hidden column address", c.name)
		}
		if found := tr.scan(body); len(found) > 0 {
			t.Errorf("%s: the GeoPackage holds %v", c.name, found)
		}

		for _, p := range []string{
			"/collections/" + leakLayer + "/items?f=html&limit=300",
			"/collections/" + leakLayer + "?f=html",
			"/collections/" + leakLayer + "/queryables?f=html",
			"/collections?f=html",
		} {
			resp, body := s.as(t, c, p)
			if resp.StatusCode != 200 {
				t.Errorf("%s: GET %s: %d", c.name, p, resp.StatusCode)
			}
			if found := tr.scan(body); len(found) > 0 {
				t.Errorf("%s: GET %s serves %v", c.name, p, found)
			}
		}
		_, body = s.as(t, c, "/collections/"+leakLayer+"/items?f=html&limit=300")
		if !bytes.Contains(body, []byte(tr.masked[0].HKID[:4])) {
			t.Errorf("%s: the HTML page shows no masked HKID: is it the layer's page?", c.name)
		}
	}
	// The same checks on the full view find it.
	rows, _, body := s.csvRows(t, s.insider, leakLayer)
	if diffMultisets(leakMultiset(rows), want) == "" || len(tr.scan(body)) == 0 {
		t.Error("the full view's CSV passes the masked checks: they cannot fail")
	}
	if rows, _, body := s.geoPackageRows(t, s.insider, crsQ); diffMultisets(leakMultiset(rows), want) == "" || len(tr.scan(body)) == 0 {
		t.Error("the full view's GeoPackage passes the masked checks: they cannot fail")
	}
	_, body = s.as(t, s.insider, "/collections/"+leakLayer+"/items?f=html&limit=300")
	if len(tr.scan(body)) == 0 {
		t.Error("the full view's HTML shows no true value: the scan cannot fail")
	}
}

// csvRows downloads a point layer as CSV in EPSG:2326 and reads its rows,
// header and bytes.
func (s *leakSuite) csvRows(t *testing.T, c leakCaller, layer string) ([]leakRow, []string, []byte) {
	t.Helper()
	header, recs, body := s.csvRecords(t, c, layer)
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	var rows []leakRow
	for _, rec := range recs {
		var r leakRow
		var e, n float64
		if _, err := fmt.Sscanf(rec[col["geometry_wkt"]], "POINT(%g %g)", &e, &n); err != nil {
			t.Fatalf("%s: CSV geometry %q: %v", c.name, rec[col["geometry_wkt"]], err)
		}
		r.E, r.N = e, n
		get := func(k string) string {
			if i, ok := col[k]; ok {
				return rec[i]
			}
			return ""
		}
		r.HKID, r.Age, r.District, r.Opened = get("hkid"), get("age"), get("district"), get("case_opened")
		r.Care, _ = strconv.ParseInt(get("care_level"), 10, 64)
		rows = append(rows, r)
	}
	return rows, header, body
}

// csvRecords downloads a layer as CSV in EPSG:2326: its header, records
// and bytes.
func (s *leakSuite) csvRecords(t *testing.T, c leakCaller, layer string) ([]string, [][]string, []byte) {
	t.Helper()
	resp, body := s.as(t, c, "/collections/"+layer+"/items?f=csv&crs="+url.QueryEscape(leakEPSG2326))
	if resp.StatusCode != 200 {
		t.Fatalf("%s: CSV of %s: %d %.200s", c.name, layer, resp.StatusCode, body)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) < 1 {
		t.Fatalf("%s: CSV of %s: %v", c.name, layer, err)
	}
	return recs[0], recs[1:], body
}

// geoPackageRows downloads the layer as a GeoPackage and reads it back
// with the embedded store's reader.
func (s *leakSuite) geoPackageRows(t *testing.T, c leakCaller, query string) (rows []leakRow, columns map[string]int, raw []byte) {
	t.Helper()
	return s.geoPackageRowsOf(t, c, leakLayer, query)
}

// geoPackageRowsOf downloads a point layer as a GeoPackage and reads it
// back with the embedded store's reader.
func (s *leakSuite) geoPackageRowsOf(t *testing.T, c leakCaller, layer, query string) (rows []leakRow, columns map[string]int, raw []byte) {
	t.Helper()
	col, recs, body := s.geoPackageRecords(t, c, layer, query)
	for _, rec := range recs {
		var r leakRow
		if p, ok := rec.Geometry.(orb.Point); ok {
			r.E, r.N = p[0], p[1]
		}
		str := func(k string) string {
			if i, ok := col[k]; ok && rec.Props[i] != nil {
				return fmt.Sprint(rec.Props[i])
			}
			return ""
		}
		r.HKID, r.Age, r.District, r.Opened = str("hkid"), str("age"), str("district"), str("case_opened")
		r.Care, _ = strconv.ParseInt(str("care_level"), 10, 64)
		rows = append(rows, r)
	}
	return rows, col, body
}

// geoPackageRecords downloads a layer as a GeoPackage and reads its
// records back with the embedded store's reader: the columns by name,
// the records, the bytes.
func (s *leakSuite) geoPackageRecords(t *testing.T, c leakCaller, layer, query string) (map[string]int, []store.Record, []byte) {
	t.Helper()
	resp, body := s.as(t, c, "/collections/"+layer+"/items?f=gpkg"+query)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: GeoPackage: %d %.200s", c.name, resp.StatusCode, body)
	}
	path := filepath.Join(t.TempDir(), "download.gpkg")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := gpkg.Open(path, gpkg.Options{})
	if err != nil {
		t.Fatalf("%s: open the GeoPackage: %v", c.name, err)
	}
	defer st.Close()
	ctx := context.Background()
	layers, err := st.Layers(ctx)
	if err != nil || len(layers) != 1 {
		t.Fatalf("%s: the GeoPackage's layers: %v %v", c.name, layers, err)
	}
	l := layers[0]
	col := map[string]int{}
	for i, f := range l.Fields {
		col[f.Name] = i
	}
	var recs []store.Record
	err = st.Load(ctx, &l, func(rec store.Record) error {
		rec.Props = slices.Clone(rec.Props)
		recs = append(recs, rec)
		return nil
	})
	if err != nil {
		t.Fatalf("%s: read the GeoPackage: %v", c.name, err)
	}
	return col, recs, body
}

// The layer's schemas — queryables, the OpenAPI document, the collection,
// TileJSON and the style — name only the masked attributes.
func (s *leakSuite) testSchemas(t *testing.T) {
	tr := s.truth(t)
	maskedAttrs := []string{"age", "care_level", "case_opened", "district", "hkid"}
	for _, c := range s.outsiders {
		resp, body := s.as(t, c, "/collections/"+leakLayer+"/queryables")
		var q struct{ Properties map[string]any }
		if resp.StatusCode != 200 || json.Unmarshal(body, &q) != nil {
			t.Fatalf("%s: queryables: %d", c.name, resp.StatusCode)
		}
		var got []string
		for k := range q.Properties {
			if k != "geometry" {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, maskedAttrs) {
			t.Errorf("%s: queryables %v, want the masked view's %v", c.name, got, maskedAttrs)
		}

		resp, body = s.as(t, c, "/api")
		var api struct {
			Paths map[string]map[string]struct {
				Parameters []struct {
					Name string `json:"name"`
					In   string `json:"in"`
				} `json:"parameters"`
			} `json:"paths"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(body, &api) != nil {
			t.Fatalf("%s: /api: %d", c.name, resp.StatusCode)
		}
		var params []string
		for _, p := range api.Paths["/collections/"+leakLayer+"/items"]["get"].Parameters {
			if p.Name != "" && p.In == "query" && slices.Contains([]string{"hkid", "name", "age", "address", "district", "case_opened", "care_level"}, p.Name) {
				params = append(params, p.Name)
			}
		}
		sort.Strings(params)
		if !slices.Equal(params, maskedAttrs) {
			t.Errorf("%s: /api gives the layer's items the attribute parameters %v, want the masked view's %v", c.name, params, maskedAttrs)
		}
		for _, p := range []string{
			"/api",
			"/collections/" + leakLayer,
			"/collections/" + leakLayer + "/queryables",
			"/collections/" + leakLayer + "/tiles/WebMercatorQuad/tilejson.json",
			"/tiles/" + leakLayer + "/tilejson.json",
			"/styles/" + leakLayer,
		} {
			resp, body := s.as(t, c, p)
			if resp.StatusCode != 200 {
				t.Errorf("%s: GET %s: %d", c.name, p, resp.StatusCode)
			}
			// The Chinese titles of the dropped attributes name them.
			for _, hidden := range []string{"姓名", "地址", `"address"`, `"get","name"`, `"name":"name"`} {
				if p != "/api" && bytes.Contains(body, []byte(hidden)) {
					t.Errorf("%s: GET %s names a dropped attribute (%s)", c.name, p, hidden)
				}
			}
			if found := tr.scan(body); len(found) > 0 {
				t.Errorf("%s: GET %s serves %v", c.name, p, found)
			}
		}
		_, body = s.as(t, c, "/collections/"+leakLayer+"/tiles/WebMercatorQuad/tilejson.json")
		var tj struct {
			VectorLayers []struct {
				Fields map[string]any `json:"fields"`
			} `json:"vector_layers"`
		}
		if json.Unmarshal(body, &tj) != nil || len(tj.VectorLayers) != 1 {
			t.Errorf("%s: TileJSON: %.200s", c.name, body)
		} else if _, ok := tj.VectorLayers[0].Fields["name"]; ok {
			t.Errorf("%s: TileJSON lists the dropped name: %v", c.name, tj.VectorLayers[0].Fields)
		}
	}
	_, body := s.as(t, s.insider, "/collections/"+leakLayer+"/queryables")
	if !bytes.Contains(body, []byte(`"address"`)) {
		t.Error("the full view's queryables lack address: the check cannot fail")
	}
}

// Past versions of a sensitive layer are served to no one: they would
// bypass the masked view.
func (s *leakSuite) testHistory(t *testing.T) {
	tr := s.truth(t)
	_, fs := s.allRows(t, s.outsiders[0])
	ids := []string{"1", strconv.FormatInt(tr.targets(t, 1)[0].ID, 10), fmt.Sprint(fs[0].ID)}
	for _, c := range append(slices.Clone(s.attackers()), s.insider) {
		for _, id := range ids {
			for _, p := range []string{
				"/collections/" + leakLayer + "/items/" + url.PathEscape(id) + "/versions",
				"/collections/" + leakLayer + "/items/" + url.PathEscape(id) + "?version=1",
				"/collections/" + leakLayer + "/items/" + url.PathEscape(id) + "?version=999999",
			} {
				resp, body := s.as(t, c, p)
				if resp.StatusCode != 404 && resp.StatusCode != 400 {
					t.Errorf("%s: GET %s: %d %.200s, want 404 (or 400)", c.name, p, resp.StatusCode, body)
				}
				if found := tr.scan(body); len(found) > 0 {
					t.Errorf("%s: GET %s serves %v", c.name, p, found)
				}
			}
		}
	}
	// History works elsewhere, so the refusal above is the layer's own.
	if resp, body := s.get(t, "/collections/public_toilets/items/1/versions"); resp.StatusCode != 200 {
		t.Errorf("a public layer's versions: %d %.200s", resp.StatusCode, body)
	}
}

// ---------------------------------------------------------------------
// Tiles.

// leakTile is a tile address.
type leakTile struct{ z, x, y int }

func tileOf(t *testing.T, e, n float64, z int) leakTile {
	lon, lat := lonLat(t, e, n)
	wx, wy := crs.LonLatToWorld(lon, lat)
	scale := math.Exp2(float64(z))
	return leakTile{z, int(wx * scale), int(wy * scale)}
}

func (tl leakTile) path() string {
	return fmt.Sprintf("/collections/%s/tiles/WebMercatorQuad/%d/%d/%d", leakLayer, tl.z, tl.y, tl.x)
}

// pixel is where EPSG:2326 point e, n falls in tile tl, in tile units.
func (tl leakTile) pixel(t *testing.T, e, n float64, extent float64) (float64, float64) {
	lon, lat := lonLat(t, e, n)
	wx, wy := crs.LonLatToWorld(lon, lat)
	scale := math.Exp2(float64(tl.z))
	return (wx*scale - float64(tl.x)) * extent, (wy*scale - float64(tl.y)) * extent
}

// tileLayer fetches a tile as c and decodes its layer of the sensitive
// layer (nil when the tile is empty).
func (s *leakSuite) tileLayer(t *testing.T, c leakCaller, path string) (*mvt.Layer, []byte, *http.Response) {
	t.Helper()
	return s.tileLayerNamed(t, c, path, leakLayer)
}

// tileLayerNamed fetches a tile as c and decodes its layer name (nil when
// the tile is empty or lacks it).
func (s *leakSuite) tileLayerNamed(t *testing.T, c leakCaller, path, name string) (*mvt.Layer, []byte, *http.Response) {
	t.Helper()
	resp, body := s.as(t, c, path)
	switch resp.StatusCode {
	case 204:
		return nil, body, resp
	case 200:
	default:
		t.Fatalf("%s: GET %s: %d %.200s", c.name, path, resp.StatusCode, body)
	}
	data := body
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		ls, err := mvt.UnmarshalGzipped(data)
		if err != nil {
			t.Fatalf("%s: GET %s: %v", c.name, path, err)
		}
		return findLayer(ls, name), body, resp
	}
	ls, err := mvt.Unmarshal(data)
	if err != nil {
		t.Fatalf("%s: GET %s: not an MVT: %v", c.name, path, err)
	}
	return findLayer(ls, name), body, resp
}

func findLayer(ls mvt.Layers, name string) *mvt.Layer {
	for _, l := range ls {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// leakTileAt is a tile of either matrix set: where a grid point falls in
// it, in tile units.
type leakTileAt interface {
	pixel(t *testing.T, e, n, extent float64) (float64, float64)
}

// tileProblems lists what in layer l of tile tl the policy does not show:
// points away from every masked position, masked points of the tile's
// interior missing, hidden attributes, or true values.
func tileProblems(t *testing.T, tr *leakTruth, tl leakTileAt, l *mvt.Layer, raw []byte) []string {
	var out []string
	if found := tr.scan(raw); len(found) > 0 {
		out = append(out, fmt.Sprintf("true values %v", found))
	}
	if l == nil {
		l = &mvt.Layer{Extent: 4096}
	}
	extent := float64(l.Extent)
	// The masked points near the tile, in tile units.
	type px struct{ x, y float64 }
	var near []px
	seen := map[[2]float64]bool{}
	for _, r := range tr.masked {
		if seen[[2]float64{r.E, r.N}] {
			continue
		}
		seen[[2]float64{r.E, r.N}] = true
		x, y := tl.pixel(t, r.E, r.N, extent)
		if x > -extent && x < 2*extent && y > -extent && y < 2*extent {
			near = append(near, px{x, y})
		}
	}
	found := make([]bool, len(near))
	for _, f := range l.Features {
		for k := range f.Properties {
			if !slices.Contains([]string{"hkid", "age", "district", "case_opened", "care_level"}, k) {
				out = append(out, fmt.Sprintf("attribute %q", k))
			}
		}
		if v, ok := f.Properties["hkid"].(string); ok && !strings.HasSuffix(v, "***(*)") {
			out = append(out, fmt.Sprintf("hkid %q", v))
		}
		var pts []orb.Point
		switch g := f.Geometry.(type) {
		case orb.Point:
			pts = []orb.Point{g}
		case orb.MultiPoint:
			pts = g
		default:
			out = append(out, fmt.Sprintf("a %T", f.Geometry))
		}
		for _, p := range pts {
			ok := false
			for i, q := range near {
				if math.Abs(p[0]-q.x) <= 1.01 && math.Abs(p[1]-q.y) <= 1.01 {
					ok, found[i] = true, true
				}
			}
			if !ok {
				out = append(out, fmt.Sprintf("a point at %v, no masked position", p))
			}
		}
	}
	for i, q := range near {
		if !found[i] && q.x >= 1 && q.x < extent-1 && q.y >= 1 && q.y < extent-1 {
			out = append(out, fmt.Sprintf("no point at the masked position %v", q))
		}
	}
	if len(out) > 5 {
		out = append(out[:5], fmt.Sprintf("and %d more", len(out)-5))
	}
	return out
}

// Tiles over true positions at z16–z20 show only masked points and masked
// attributes; below the policy's min_zoom, nothing.
func (s *leakSuite) testTiles(t *testing.T) {
	tr := s.truth(t)
	targets := tr.targets(t, 3)
	for _, c0 := range targets {
		m0 := c0.masked()
		for z := 16; z <= 20; z++ {
			for _, tl := range []leakTile{tileOf(t, c0.E, c0.N, z), tileOf(t, m0.E, m0.N, z)} {
				for _, c := range s.attackers() {
					l, raw, _ := s.tileLayer(t, c, tl.path())
					if p := tileProblems(t, tr, tl, l, raw); len(p) > 0 {
						t.Errorf("%s: tile %v over case %d: %v", c.name, tl, c0.ID, p)
					}
				}
				// The dataset endpoint, with another layer beside it.
				path := fmt.Sprintf("/tiles/buildings,%s/%d/%d/%d.mvt", leakLayer, tl.z, tl.x, tl.y)
				l, raw, _ := s.tileLayer(t, s.outsiders[1], path)
				if p := tileProblems(t, tr, tl, l, raw); len(p) > 0 {
					t.Errorf("%s: %s over case %d: %v", s.outsiders[1].name, path, c0.ID, p)
				}
			}
		}
		// The full view's tile over the true position is caught.
		tl := tileOf(t, c0.E, c0.N, 20)
		l, raw, _ := s.tileLayer(t, s.insider, tl.path())
		if len(tileProblems(t, tr, tl, l, raw)) == 0 {
			t.Errorf("the full view's tile %v over case %d passes the masked checks: they cannot fail", tl, c0.ID)
		}
	}

	// min_zoom: below it the masked layer is not in tiles at all, at
	// either endpoint; the full view is (its own minimum is 0).
	busy := tr.cases[0]
	for _, z := range []int{leakMinZoom - 2, leakMinZoom - 1} {
		tl := tileOf(t, busy.E, busy.N, z)
		for _, c := range s.attackers() {
			for _, p := range []string{tl.path(), fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", leakLayer, tl.z, tl.x, tl.y)} {
				if l, _, resp := s.tileLayer(t, c, p); l != nil && len(l.Features) > 0 {
					t.Errorf("%s: GET %s below the masked min_zoom %d: %d, %d features", c.name, p, leakMinZoom, resp.StatusCode, len(l.Features))
				}
			}
		}
		if l, _, _ := s.tileLayer(t, s.insider, tl.path()); l == nil || len(l.Features) == 0 {
			t.Errorf("the full view's tile %v is empty: the min_zoom check cannot fail", tl)
		}
	}
	tl := tileOf(t, busy.E, busy.N, leakMinZoom)
	if l, _, _ := s.tileLayer(t, s.outsiders[0], tl.path()); l == nil || len(l.Features) == 0 {
		t.Errorf("the masked tile %v at min_zoom is empty", tl)
	}
	// TileJSON tells clients the same.
	for _, p := range []string{"/collections/" + leakLayer + "/tiles/WebMercatorQuad/tilejson.json", "/tiles/" + leakLayer + "/tilejson.json"} {
		_, body := s.as(t, s.outsiders[0], p)
		var tj struct {
			VectorLayers []struct {
				ID      string  `json:"id"`
				MinZoom float64 `json:"minzoom"`
			} `json:"vector_layers"`
		}
		if err := json.Unmarshal(body, &tj); err != nil || len(tj.VectorLayers) != 1 || tj.VectorLayers[0].MinZoom < leakMinZoom {
			t.Errorf("GET %s: the masked layer's minzoom is not the policy's %d: %.400s", p, leakMinZoom, body)
		}
	}
}

// ---------------------------------------------------------------------
// The restricted layer and writes.

// A restricted layer is absent everywhere for those it is not for, and
// every path to it answers 404 — exactly as for a layer that does not
// exist.
func (s *leakSuite) testRestricted(t *testing.T) {
	// The owning department's and a named department's viewers.
	readers := []leakCaller{
		{name: "dh-viewer (API key)", hdr: []string{"X-API-Key", s.apiKeys["dh-viewer"]}},
		{name: "lands-viewer (API key)", hdr: []string{"X-API-Key", s.apiKeys["lands-viewer"]}},
	}
	paths := []string{
		"/collections/%s",
		"/collections/%s?f=html",
		"/collections/%s/items",
		"/collections/%s/items?f=csv",
		"/collections/%s/items?f=gpkg",
		"/collections/%s/items?f=html",
		"/collections/%s/items/1",
		"/collections/%s/items/1/versions",
		"/collections/%s/items/1?version=1",
		"/collections/%s/queryables",
		"/collections/%s/tiles",
		"/collections/%s/tiles/WebMercatorQuad",
		"/collections/%s/tiles/WebMercatorQuad/tilejson.json",
		"/collections/%s/tiles/WebMercatorQuad/14/7150/13389",
		"/tiles/%s/tilejson.json",
		"/tiles/%s/14/13389/7150.mvt",
		"/tiles/buildings,%s/14/13389/7150.mvt",
		"/tiles/buildings,%s/tilejson.json",
		"/styles/%s",
	}
	for _, c := range []leakCaller{s.outsiders[0], s.outsiders[1], s.insider} {
		for _, p := range paths {
			real, ghost := fmt.Sprintf(p, leakRestricted), fmt.Sprintf(p, "no_such_layer")
			resp, body := s.as(t, c, real)
			gresp, gbody := s.as(t, c, ghost)
			if resp.StatusCode != 404 || gresp.StatusCode != 404 {
				t.Errorf("%s: GET %s: %d (a missing layer: %d), want 404 like a layer that does not exist: %.200s", c.name, real, resp.StatusCode, gresp.StatusCode, body)
			}
			if same := bytes.ReplaceAll(body, []byte(leakRestricted), []byte("no_such_layer")); !bytes.Equal(same, gbody) {
				t.Errorf("%s: GET %s answers otherwise than for a layer that does not exist:\n%s\n%s", c.name, real, body, gbody)
			}
			if bytes.Contains(body, []byte("Clinic")) || bytes.Contains(body, []byte("restricted")) {
				t.Errorf("%s: GET %s says something of the layer: %.300s", c.name, real, body)
			}
		}
		for _, p := range []string{"/", "/collections", "/collections?f=html", "/api", "/tiles", "/tiles/WebMercatorQuad", "/styles", "/map",
			"/tiles/buildings,roads,districts,public_toilets," + leakLayer + "/tilejson.json"} {
			resp, body := s.as(t, c, p)
			if resp.StatusCode != 200 {
				t.Errorf("%s: GET %s: %d", c.name, p, resp.StatusCode)
			}
			if bytes.Contains(body, []byte(leakRestricted)) {
				t.Errorf("%s: GET %s names the restricted layer", c.name, p)
			}
		}
	}
	// Its departments read it.
	for _, c := range readers {
		for _, p := range paths {
			p = fmt.Sprintf(p, leakRestricted)
			if strings.Contains(p, "version") {
				continue
			}
			resp, body := s.as(t, c, p)
			if resp.StatusCode != 200 && !(resp.StatusCode == 204 && strings.Contains(p, "/14/")) {
				t.Errorf("%s: GET %s: %d %.200s, want 200", c.name, p, resp.StatusCode, body)
			}
		}
		for _, p := range []string{"/collections", "/api", "/styles"} {
			if _, body := s.as(t, c, p); !bytes.Contains(body, []byte(leakRestricted)) {
				t.Errorf("%s: GET %s does not list the restricted layer its department may see", c.name, p)
			}
		}
	}
}

// Every write path refuses the wrong department (403), the anonymous (401)
// and, on a layer they may not see, answers 404; nothing is written.
func (s *leakSuite) testWritesRefused(t *testing.T) {
	before := s.tableDigest(t)
	feature := `{"type":"Feature","geometry":{"type":"Point","coordinates":[114.17,22.31]},"properties":{"district":"Eastern"}}`
	collection := `{"type":"FeatureCollection","features":[` + feature + `]}`
	type write struct{ method, path, ctype, body string }
	writes := func(layer string) []write {
		items := "/collections/" + layer + "/items"
		return []write{
			{"POST", items, "application/geo+json", feature},
			{"PUT", items + "/1", "application/geo+json", feature},
			{"PUT", items + "/999999", "application/geo+json", feature},
			{"PATCH", items + "/1", "application/merge-patch+json", `{"properties":{"district":"Eastern"}}`},
			{"PATCH", items + "/999999", "application/merge-patch+json", `{"properties":{"district":"Eastern"}}`},
			{"DELETE", items + "/1", "", ""},
			{"DELETE", items + "/999999", "", ""},
			{"POST", "/collections/" + layer + "/import?mode=append", "application/geo+json", collection},
		}
	}
	key := func(name string) leakCaller {
		return leakCaller{name: name, hdr: []string{"X-API-Key", s.apiKeys[name]}}
	}
	for _, tc := range []struct {
		layer string
		who   leakCaller
		want  int
	}{
		{leakLayer, s.outsiders[0], 401},
		{leakLayer, key("td-editor"), 403},
		{leakLayer, key("swd-viewer"), 403},
		{leakLayer, s.insider, 403}, // an analyst, not an editor
		{leakLayer, s.outsiders[2], 403},
		{leakRestricted, s.outsiders[0], 404},
		{leakRestricted, key("td-editor"), 404},
		{leakRestricted, key("swd-editor"), 404},
		{leakRestricted, key("dh-viewer"), 403},
	} {
		for _, w := range writes(tc.layer) {
			req, _ := http.NewRequest(w.method, s.base+w.path, strings.NewReader(w.body))
			if w.ctype != "" {
				req.Header.Set("Content-Type", w.ctype)
			}
			for i := 0; i+1 < len(tc.who.hdr); i += 2 {
				req.Header.Set(tc.who.hdr[i], tc.who.hdr[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s: %s %s: %d %.200s, want %d", tc.who.name, w.method, w.path, resp.StatusCode, body, tc.want)
			}
			if tc.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: %s %s: 401 without a Bearer challenge", tc.who.name, w.method, w.path)
			}
			if tc.want == 404 && bytes.Contains(body, []byte("Clinic")) {
				t.Errorf("%s: %s %s: the 404 describes the layer: %s", tc.who.name, w.method, w.path, body)
			}
		}
	}
	if after := s.tableDigest(t); after != before {
		t.Errorf("refused writes changed the tables: %v → %v", before, after)
	}
}

// tableDigest sums up the two tables the writes aim at.
func (s *leakSuite) tableDigest(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	conn := s.connect(t)
	defer conn.Close(ctx)
	var a, b string
	if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY id)) FROM `+leakLayer+` t),
		(SELECT count(*) || ':' || md5(string_agg(t::text, ',' ORDER BY t::text)) FROM clinics t)`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	return a + " " + b
}

// ---------------------------------------------------------------------
// Edits.

// leakObservation is everything an outsider can see that an edit might
// move.
type leakObservation struct {
	matched     map[string]int    // numberMatched per query
	etags       map[string]string // per path
	tiles       map[string][]byte // per path
	extent      string
	tileJSON    []string
	maskedRow   leakRow
	maskedFound bool
}

// observe records what c sees of the cells given, of feature id, and of
// the tiles over the positions given.
func (s *leakSuite) observe(t *testing.T, c leakCaller, id string, cells [][2]float64, positions [][2]float64) leakObservation {
	t.Helper()
	o := leakObservation{matched: map[string]int{}, etags: map[string]string{}, tiles: map[string][]byte{}}
	for _, cell := range cells {
		q := fmt.Sprintf("/collections/%s/items?bbox=%.1f,%.1f,%.1f,%.1f&bbox-crs=%s", leakLayer,
			cell[1]-leakCell/2+1, cell[0]-leakCell/2+1, cell[1]+leakCell/2-1, cell[0]+leakCell/2-1, url.QueryEscape(leakEPSG2326))
		_, fc, _ := s.items(t, c, q)
		o.matched[q] = fc.NumberMatched
	}
	_, fc, _ := s.items(t, c, "/collections/"+leakLayer+"/items?limit=1")
	o.matched["all"] = fc.NumberMatched
	item := "/collections/" + leakLayer + "/items/" + url.PathEscape(id)
	resp, body := s.as(t, c, item+"?crs="+url.QueryEscape(leakEPSG2326))
	o.etags[item] = resp.Header.Get("ETag")
	var f leakFeature
	if resp.StatusCode == 200 && json.Unmarshal(body, &f) == nil {
		o.maskedRow, o.maskedFound = f.row(), true
	}
	for _, pos := range positions {
		for z := 16; z <= 20; z++ {
			tl := tileOf(t, pos[0], pos[1], z)
			resp, raw := s.as(t, c, tl.path())
			o.tiles[tl.path()] = raw
			o.etags[tl.path()] = fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("ETag"))
		}
	}
	jsonOf := func(path string) map[string]any {
		resp, body := s.as(t, c, path)
		var v map[string]any
		if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil {
			t.Fatalf("%s: GET %s: %d %.200s", c.name, path, resp.StatusCode, body)
		}
		return v
	}
	b, _ := json.Marshal(jsonOf("/collections/" + leakLayer)["extent"])
	o.extent = string(b)
	for _, p := range []string{"/collections/" + leakLayer + "/tiles/WebMercatorQuad/tilejson.json", "/tiles/" + leakLayer + "/tilejson.json"} {
		b, _ := json.Marshal(jsonOf(p)["bounds"])
		o.tileJSON = append(o.tileJSON, string(b))
	}
	return o
}

// diff lists how b differs from a.
func (a leakObservation) diff(b leakObservation) []string {
	var out []string
	for k, v := range a.matched {
		if b.matched[k] != v {
			out = append(out, fmt.Sprintf("numberMatched of %s: %d → %d", k, v, b.matched[k]))
		}
	}
	for k, v := range a.etags {
		if b.etags[k] != v {
			out = append(out, fmt.Sprintf("ETag of %s: %s → %s", k, v, b.etags[k]))
		}
	}
	for k, v := range a.tiles {
		if !bytes.Equal(b.tiles[k], v) {
			out = append(out, fmt.Sprintf("the bytes of tile %s", k))
		}
	}
	if a.extent != b.extent {
		out = append(out, fmt.Sprintf("the extent: %s → %s", a.extent, b.extent))
	}
	if !slices.Equal(a.tileJSON, b.tileJSON) {
		out = append(out, fmt.Sprintf("TileJSON bounds: %v → %v", a.tileJSON, b.tileJSON))
	}
	if a.maskedRow != b.maskedRow {
		out = append(out, fmt.Sprintf("the masked feature: %v → %v", a.maskedRow, b.maskedRow))
	}
	return out
}

// patch sends a JSON merge patch of a case as the owning editor.
func (s *leakSuite) patch(t *testing.T, id int64, body string, hdr ...string) {
	t.Helper()
	path := fmt.Sprintf("/collections/%s/items/%d", leakLayer, id)
	req, _ := http.NewRequest("PATCH", s.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	for _, h := range [][]string{s.editor.hdr, hdr} {
		for i := 0; i+1 < len(h); i += 2 {
			req.Header.Set(h[i], h[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 && resp.StatusCode != 204 {
		t.Fatalf("the owning editor's PATCH %s %s: %d %s", path, body, resp.StatusCode, b)
	}
}

// waitFull waits until the full view of case id satisfies ok.
func (s *leakSuite) waitFull(t *testing.T, id int64, what string, ok func(leakFeature) bool) {
	t.Helper()
	s.waitFullOf(t, leakLayer, id, what, ok)
}

// waitFullOf waits until the full view of feature id of a point layer
// satisfies ok.
func (s *leakSuite) waitFullOf(t *testing.T, layer string, id int64, what string, ok func(leakFeature) bool) {
	t.Helper()
	path := fmt.Sprintf("/collections/%s/items/%d?crs=%s", layer, id, url.QueryEscape(leakEPSG2326))
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, body := s.as(t, s.insider, path)
		var f leakFeature
		if resp.StatusCode == 200 && json.Unmarshal(body, &f) == nil && ok(f) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the full view does not show %s within 10 s: %d %.300s", what, resp.StatusCode, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// An edit the policy cannot show — of hidden attributes, of the hidden
// part of masked ones, or a move within the cell — changes nothing an
// outsider sees: counts, ETags, tile bytes, extents, TileJSON bounds. A
// move across cells changes exactly what the policy shows.
func (s *leakSuite) testEdits(t *testing.T) {
	tr := s.truth(t)
	c0 := tr.targets(t, 1)[0]
	m0 := c0.masked()
	// The masked id of c0: its masked row is its own.
	var maskedID string
	_, fs := s.allRows(t, s.outsiders[0])
	for _, f := range fs {
		if f.row() == m0 {
			maskedID = fmt.Sprint(f.ID)
		}
	}
	if maskedID == "" {
		t.Fatalf("case %d's masked feature %v is not served", c0.ID, m0)
	}
	cell := [2]float64{m0.E, m0.N}
	// Within the cell, 20 m towards its centre on both axes.
	step := func(v, centre float64) float64 { return v + math.Copysign(20, centre-v) }
	moved := [2]float64{step(c0.E, m0.E), step(c0.N, m0.N)}
	positions := [][2]float64{{c0.E, c0.N}, moved, cell}
	public := s.outsiders[0]
	before := s.observe(t, public, maskedID, [][2]float64{cell}, positions)
	if !before.maskedFound || before.maskedRow != m0 {
		t.Fatalf("GET of masked id %s: %v, want %v", maskedID, before.maskedRow, m0)
	}
	// The full view, observed the same way, shows each edit: the
	// comparison can fail.
	realID := strconv.FormatInt(c0.ID, 10)
	full := s.observe(t, s.insider, realID, [][2]float64{cell}, positions)
	fullShows := func(t *testing.T, what string) {
		t.Helper()
		now := s.observe(t, s.insider, realID, [][2]float64{cell}, positions)
		if len(full.diff(now)) == 0 {
			t.Errorf("the full view, observed like the masked one, does not show %s: the comparison cannot fail", what)
		}
		full = now
	}

	t.Run("hidden attributes", func(t *testing.T) {
		// The same HKID prefix, age band and month; a new name and address.
		newHKID := c0.HKID[:len(c0.HKID)-6] + "999(" + c0.HKID[len(c0.HKID)-2:len(c0.HKID)-1] + ")"
		newAge := c0.Age/10*10 + (c0.Age%10+5)%10
		newOpened := c0.Opened[:8] + map[bool]string{true: "02", false: "01"}[c0.Opened[8:] == "01"]
		s.patch(t, c0.ID, fmt.Sprintf(`{"properties":{"name":"Edited Person 改名人","address":"Flat 9Z, 99/F, Nowhere House","hkid":%q,"age":%d,"case_opened":%q}}`,
			newHKID, newAge, newOpened))
		s.waitFull(t, c0.ID, "the edited name", func(f leakFeature) bool { return f.Properties["name"] == "Edited Person 改名人" })
		tr := s.truth(t)
		if d := diffMultisets(leakMultiset(mustRows(s, t)), leakMultiset(tr.masked)); d != "" {
			t.Errorf("after the edit: %s", d)
		}
		if d := before.diff(s.observe(t, public, maskedID, [][2]float64{cell}, positions)); len(d) > 0 {
			t.Errorf("an edit of hidden values shows: %v", d)
		}
		fullShows(t, "the edit")
		for _, q := range []string{"hkid = '" + newHKID + "'", "name = 'Edited Person 改名人'"} {
			if status, fc, _ := s.items(t, s.outsiders[0], "/collections/"+leakLayer+"/items?filter="+url.QueryEscape(q)); status == 200 && fc.NumberMatched != 0 {
				t.Errorf("filter %s finds the edited case: %d", q, fc.NumberMatched)
			}
		}
	})

	t.Run("move within the cell", func(t *testing.T) {
		s.patch(t, c0.ID, fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%f,%f]}}`, moved[1], moved[0]),
			"Content-Crs", "<"+leakEPSG2326+">")
		s.waitFull(t, c0.ID, "the move", func(f leakFeature) bool {
			r := f.row()
			return math.Abs(r.E-moved[0]) < 0.01 && math.Abs(r.N-moved[1]) < 0.01
		})
		tr := s.truth(t)
		if d := diffMultisets(leakMultiset(mustRows(s, t)), leakMultiset(tr.masked)); d != "" {
			t.Errorf("after the move: %s", d)
		}
		// Two true positions in the same cell: the same tiles, byte for byte.
		if d := before.diff(s.observe(t, public, maskedID, [][2]float64{cell}, positions)); len(d) > 0 {
			t.Errorf("a move within the cell shows: %v", d)
		}
		fullShows(t, "the move")
	})

	t.Run("move across cells", func(t *testing.T) {
		to := [2]float64{c0.E + 2*leakCell, c0.N}
		toCell := [2]float64{cellCentre(to[0]), cellCentre(to[1])}
		pre := s.observe(t, public, maskedID, [][2]float64{cell, toCell}, nil)
		s.patch(t, c0.ID, fmt.Sprintf(`{"geometry":{"type":"Point","coordinates":[%f,%f]}}`, to[1], to[0]),
			"Content-Crs", "<"+leakEPSG2326+">")
		s.waitFull(t, c0.ID, "the move", func(f leakFeature) bool { return math.Abs(f.row().E-to[0]) < 0.01 })
		tr := s.truth(t)
		if d := diffMultisets(leakMultiset(mustRows(s, t)), leakMultiset(tr.masked)); d != "" {
			t.Errorf("after the move: %s", d)
		}
		post := s.observe(t, public, maskedID, [][2]float64{cell, toCell}, nil)
		for q, n := range pre.matched {
			want := n
			switch {
			case strings.Contains(q, fmt.Sprintf("%.1f,%.1f,", cell[1]-leakCell/2+1, cell[0]-leakCell/2+1)):
				want = n - 1
			case strings.Contains(q, fmt.Sprintf("%.1f,%.1f,", toCell[1]-leakCell/2+1, toCell[0]-leakCell/2+1)):
				want = n + 1
			}
			if post.matched[q] != want {
				t.Errorf("numberMatched of %s: %d → %d, want %d", q, n, post.matched[q], want)
			}
		}
		wantRow := m0
		wantRow.E, wantRow.N = toCell[0], toCell[1]
		for i, c := range tr.cases {
			if c.ID == c0.ID {
				wantRow = tr.masked[i]
			}
		}
		if !post.maskedFound || post.maskedRow != wantRow || wantRow.E != toCell[0] {
			t.Errorf("the moved case under its masked id %s: %v, want %v", maskedID, post.maskedRow, wantRow)
		}
	})
}

// mustRows is the whole layer as the public reads it.
func mustRows(s *leakSuite, t *testing.T) []leakRow {
	t.Helper()
	rows, _ := s.allRows(t, s.outsiders[0])
	return rows
}

// ---------------------------------------------------------------------
// Tokens.

// leakIDP is an identity provider on loopback: a JWKS whose keys the test
// rotates, and tokens signed with them.
type leakIDP struct {
	srv       *httptest.Server
	mu        sync.Mutex
	keys      []leakKey // published
	active    leakKey   // signs new tokens
	lastFetch time.Time
	fetches   int
}

type leakKey struct {
	kid string
	key *rsa.PrivateKey
}

func newLeakKey(t *testing.T, kid string) leakKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return leakKey{kid, k}
}

func newLeakIDP(t *testing.T) *leakIDP {
	p := &leakIDP{}
	p.active = newLeakKey(t, "key-1")
	p.keys = []leakKey{p.active}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/jwks" {
			http.NotFound(w, r)
			return
		}
		p.mu.Lock()
		p.lastFetch, p.fetches = time.Now(), p.fetches+1
		var jwks []map[string]any
		for _, k := range p.keys {
			jwks = append(jwks, map[string]any{"kty": "RSA", "kid": k.kid, "use": "sig", "alg": "RS256",
				"n": b64url(k.key.N.Bytes()), "e": b64url(big.NewInt(int64(k.key.E)).Bytes())})
		}
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": jwks})
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *leakIDP) issuer() string { return p.srv.URL }

func (p *leakIDP) current() leakKey {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.active
}

// rotate publishes only k and signs with it from now on.
func (p *leakIDP) rotate(k leakKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys, p.active = []leakKey{k}, k
}

func b64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// token signs claims (over a valid default: this issuer and audience, an
// hour to live) with k, RS256.
func (p *leakIDP) token(t *testing.T, k leakKey, claims map[string]any) string {
	t.Helper()
	now := time.Now()
	all := map[string]any{"iss": p.issuer(), "aud": leakAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	for name, v := range claims {
		if v == nil {
			delete(all, name)
		} else {
			all[name] = v
		}
	}
	hdr, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": k.kid})
	body, _ := json.Marshal(all)
	input := b64url(hdr) + "." + b64url(body)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64url(sig)
}

// fullHKIDInJSON finds unmasked HKIDs in a GeoJSON body.
var fullHKIDInJSON = regexp.MustCompile(`"hkid":"[A-Z]{1,2}[0-9]{6}\([0-9A]\)"`)

// Tokens: the owning department's analyst at the step-up level reads in
// full; without it, or of another department, masked; a token that fails
// any check is a 401 with a challenge, never the public view.
func (s *leakSuite) testTokens(t *testing.T) {
	items := "/collections/" + leakLayer + "/items?limit=20"
	analyst := func(acr any) map[string]any {
		return map[string]any{"sub": "swd-officer", "department": swd, "roles": []string{"analyst"}, "acr": acr}
	}
	bearer := func(k leakKey, claims map[string]any) []string {
		return []string{"Authorization", "Bearer " + s.idp.token(t, k, claims)}
	}
	key := s.idp.current()
	for _, tc := range []struct {
		name   string
		claims map[string]any
		full   bool
		stepUp bool // masked, and told that logging in at min_acr lifts it
	}{
		{"acr high", analyst("high"), true, false},
		{"acr substantial (the policy's min_acr)", analyst("substantial"), true, false},
		{"acr low", analyst("low"), false, true},
		{"no acr", analyst(nil), false, true},
		{"an acr the provider does not order", analyst("platinum"), false, true},
		{"another department at acr high", map[string]any{"sub": "td-officer", "department": td, "roles": []string{"analyst"}, "acr": "high"}, false, false},
		{"a viewer of the owning department at acr high", map[string]any{"sub": "swd-clerk", "department": swd, "roles": []string{"viewer"}, "acr": "high"}, false, false},
	} {
		resp, body := s.get(t, items, bearer(key, tc.claims)...)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %.200s", tc.name, resp.StatusCode, body)
			continue
		}
		if got := fullHKIDInJSON.Match(body); got != tc.full {
			t.Errorf("%s: full HKIDs = %v, want %v: %.200s", tc.name, got, tc.full, body)
		}
		if !tc.full && !bytes.Contains(body, []byte(`***(*)"`)) {
			t.Errorf("%s: not the masked view either: %.200s", tc.name, body)
		}
		// Below the step-up level the masked view comes with RFC 9470's
		// challenge naming the level; no one else is told of a full view.
		challenge := resp.Header.Get("WWW-Authenticate")
		wantChallenge := `error="insufficient_user_authentication"`
		if tc.stepUp && (!strings.Contains(challenge, wantChallenge) || !strings.Contains(challenge, `acr_values="substantial"`)) {
			t.Errorf("%s: WWW-Authenticate %q, want a step-up challenge to acr substantial", tc.name, challenge)
		}
		if !tc.stepUp && challenge != "" {
			t.Errorf("%s: WWW-Authenticate %q on a 200, want none", tc.name, challenge)
		}
	}

	wrongKey := newLeakKey(t, key.kid) // the published kid, another key
	hdr, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT"})
	claims, _ := json.Marshal(map[string]any{"iss": s.idp.issuer(), "aud": leakAudience, "sub": "x", "department": swd,
		"roles": []string{"analyst"}, "acr": "high", "exp": time.Now().Add(time.Hour).Unix()})
	refused := []struct {
		name string
		hdr  []string
	}{
		{"an expired token", bearer(key, merge(analyst("high"), map[string]any{"exp": time.Now().Add(-10 * time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()}))},
		{"a token for another audience", bearer(key, merge(analyst("high"), map[string]any{"aud": "another-service"}))},
		{"a token of another issuer", bearer(key, merge(analyst("high"), map[string]any{"iss": "https://login.example.org"}))},
		{"a token without expiry", bearer(key, merge(analyst("high"), map[string]any{"exp": nil}))},
		{"a token signed with the wrong key", bearer(wrongKey, analyst("high"))},
		{"an unsigned token", []string{"Authorization", "Bearer " + b64url(hdr) + "." + b64url(claims) + "."}},
		{"a tampered token", []string{"Authorization", tamper(bearer(key, analyst("low"))[1])}},
		{"a malformed token", []string{"Authorization", "Bearer not.a.token"}},
	}
	for _, tc := range refused {
		for _, p := range []string{items, "/collections", "/collections/" + leakLayer + "/tiles/WebMercatorQuad/16/28603/53558", "/api"} {
			resp, body := s.get(t, p, tc.hdr...)
			if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: GET %s: %d, WWW-Authenticate %q, want 401 with a Bearer challenge: %.200s",
					tc.name, p, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
		}
	}
}

func merge(a, b map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// tamper raises a signed token's acr from low to high, keeping the
// signature.
func tamper(authz string) string {
	tok := strings.TrimPrefix(authz, "Bearer ")
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = b64url(bytes.Replace(raw, []byte(`"acr":"low"`), []byte(`"acr":"high"`), 1))
	return "Bearer " + strings.Join(parts, ".")
}

// After the provider rotates its key, tokens of the new key are accepted
// once the server refetches the JWKS (it does so for an unknown kid at
// most every auth.RefetchInterval), and tokens of the old key are refused:
// 401, never the public view.
func (s *leakSuite) testRotation(t *testing.T) {
	items := "/collections/" + leakLayer + "/items?limit=20"
	claims := map[string]any{"sub": "swd-officer", "department": swd, "roles": []string{"analyst"}, "acr": "high"}
	old := s.idp.current()
	oldToken := []string{"Authorization", "Bearer " + s.idp.token(t, old, claims)}
	newKey := newLeakKey(t, "key-2")
	s.idp.rotate(newKey)
	newToken := []string{"Authorization", "Bearer " + s.idp.token(t, newKey, claims)}

	// Until the server may fetch again, the new kid is unknown: refused.
	s.idp.mu.Lock()
	due := s.idp.lastFetch.Add(auth.RefetchInterval + time.Second)
	s.idp.mu.Unlock()
	if time.Now().Before(due.Add(-2 * time.Second)) {
		resp, _ := s.get(t, items, newToken...)
		if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("a token of the new key before the JWKS is refetched: %d %q, want 401", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
	}
	t.Logf("waiting %v for the server's next JWKS fetch", time.Until(due).Round(time.Second))
	time.Sleep(time.Until(due))
	resp, body := s.get(t, items, newToken...)
	if resp.StatusCode != 200 || !fullHKIDInJSON.Match(body) {
		t.Errorf("a token of the rotated key: %d %.200s, want the full view", resp.StatusCode, body)
	}
	resp, body = s.get(t, items, oldToken...)
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("a token of the retired key: %d %q %.200s, want 401", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	// Later requests of the suite use the new key.
	s.insider.hdr = newToken
}

// ---------------------------------------------------------------------
// Audit.

// The audit trail holds the full reads and the writes — and nothing of
// the masked reads or the refused writes — and verifies.
func (s *leakSuite) testAudit(t *testing.T) {
	env := map[string]string{"CSDI_DATABASE_URL": s.db, "CSDI_AUDIT_KEY": leakAuditKey}
	out, _, err := csdiAudit(env, "list", "-json")
	if err != nil {
		t.Fatalf("csdi audit list: %v", err)
	}
	var reads, writes, counted int
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e jsonEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if e.Action == "read-unmasked" && e.Features > 0 {
			counted++
		}
		switch {
		case e.Action == "read-unmasked" && e.Layer == leakLayer && e.Actor == swd+"/swd-case-officer" && e.ACR == "high":
			reads++
		case e.Action == "read-unmasked" && e.Layer == leakLayer && e.Actor == swd+"/swd-officer" && (e.ACR == "high" || e.ACR == "substantial"):
			reads++
		case e.Action == "read-unmasked" && e.Layer == leakLayer && e.Actor == swd+"/swd-case-editor":
			// The editor's own reads of the layer.
		case e.Action == "write" && e.Layer == leakLayer && e.Actor == swd+"/swd-case-editor" && e.Features == 1:
			writes++
		default:
			t.Errorf("an audit entry of no served full read or write of the suite: %s", line)
		}
	}
	if counted == 0 {
		t.Errorf("no full read in the audit trail says how many features it served:\n%s", out)
	}
	if reads == 0 || writes != 3 {
		t.Errorf("the audit trail has %d full reads and %d writes, want some and the 3 edits:\n%s", reads, writes, out)
	}
	out, _, err = csdiAudit(env, "verify")
	if err != nil || !strings.Contains(out, "intact") {
		t.Errorf("csdi audit verify: %v\n%s", err, out)
	}
}
