package features

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// planLayer is a synthetic layer for comparing the planned items pipeline
// with a plain scan: small value sets so that filters, ties and NULLs are
// common, features with and without geometry.
func planLayer(t testing.TB, n int) *cache.Snapshot {
	t.Helper()
	l := &layer.Layer{ID: "plan", Source: layer.Source{Table: "plan", SRID: 4326}, GeometryType: layer.AnyGeometry,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String}, {Name: "floors", Type: layer.Integer},
			{Name: "height", Type: layer.Number}, {Name: "listed", Type: layer.Boolean},
			{Name: "built", Type: layer.Date},
		}}
	rng := rand.New(rand.NewPCG(5, 8))
	names := []string{"Alpha", "Alps", "Beta", "Tower A", "Tower B", "中環", "tower c"}
	recs := make([]store.Record, n)
	for i := range recs {
		props := []any{names[rng.IntN(len(names))], int64(rng.IntN(30)), float64(rng.IntN(200)) / 2, rng.IntN(5) == 0,
			day(fmt.Sprintf("20%02d-0%d-01", 10+rng.IntN(10), 1+rng.IntN(9)))}
		for k := range props {
			if rng.IntN(10) == 0 {
				props[k] = nil
			}
		}
		recs[i] = store.Record{ID: int64(rng.IntN(1 << 40)), Props: props}
		lon, lat := 114.1+rng.Float64()*0.1, 22.3+rng.Float64()*0.1
		switch rng.IntN(4) {
		case 0:
			recs[i].Geometry = orb.Point{lon, lat}
		case 1:
			recs[i].Geometry = square(lon, lat, 0.002)
		case 2:
			recs[i].Geometry = orb.LineString{{lon, lat}, {lon + 0.003, lat + 0.001}}
		}
	}
	s, err := cache.Build(l, seq(recs))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomFilter draws a conjunction of terms an index can serve and terms
// it cannot.
func randomFilter(rng *rand.Rand) string {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	term := func() string {
		switch rng.IntN(12) {
		case 0:
			return "floors " + pick("=", "<", "<=", ">", ">=") + " " + pick("3", "10", "28", "12.5", "-1")
		case 1:
			return "height BETWEEN " + pick("10", "20.5") + " AND " + pick("12", "30", "99.5")
		case 2:
			return "floors IN (" + pick("1", "2, 3", "29, 3, 3") + ")"
		case 3:
			return "name " + pick("=", "<", ">=") + " " + pick("'Alps'", "'Tower A'", "'中環'", "'zzz'")
		case 4:
			return "name LIKE " + pick("'Al%'", "'Tower%'", "'%a'", "'Tower _'")
		case 5:
			return pick("listed = true", "listed = false", "NOT (listed = true)")
		case 6:
			return "built " + pick("<", ">=") + " DATE('" + pick("2012-03-01", "2018-01-01") + "')"
		case 7:
			return pick("floors IS NOT NULL", "name IS NULL")
		case 8:
			return "(floors < 3 OR height > 90)"
		case 9:
			return "CASEI(name) = CASEI('tower c')"
		case 10:
			return "S_INTERSECTS(geometry, BBOX(114.12, 22.31, 114.16, 22.37))"
		}
		return "floors <> " + pick("3", "4")
	}
	parts := make([]string, 1+rng.IntN(3))
	for i := range parts {
		parts[i] = term()
	}
	return strings.Join(parts, " AND ")
}

// referencePage is what any plan must answer: every feature in id order,
// those that pass, in the sortby order, the requested page.
func referencePage(s *cache.Snapshot, iq *itemsQuery) page {
	var all []*cache.Feature
	s.Ascend(0, func(f *cache.Feature) bool {
		if iq.inBBox(f) && iq.match(f) {
			all = append(all, f)
		}
		return true
	})
	if len(iq.SortBy) > 0 {
		sortFeatures(all, iq.SortBy)
	}
	return pageOf(all, iq)
}

func pageIDs(fs []*cache.Feature) []string {
	ids := make([]string, len(fs))
	for i, f := range fs {
		ids[i] = f.ID.String()
	}
	return ids
}

// TestPlannedMatchesScan compares pages and downloads through whichever
// plan the query gets with a scan of the whole layer.
func TestPlannedMatchesScan(t *testing.T) {
	s := planLayer(t, 4000)
	rng := rand.New(rand.NewPCG(1, 9))
	used := map[access]int{}
	for range 800 {
		q := url.Values{"filter": {randomFilter(rng)}}
		if rng.IntN(4) == 0 {
			q.Set("bbox", "114.13,22.32,114.15,22.39")
		}
		if rng.IntN(4) == 0 {
			q.Set("sortby", []string{"-floors,name", "height", "-built"}[rng.IntN(3)])
		}
		q.Set("limit", fmt.Sprint([]int{1, 10, 100, 5000}[rng.IntN(4)]))
		q.Set("offset", fmt.Sprint([]int{0, 0, 3, 50}[rng.IntN(4)]))
		iq, err := parseItemsValues(q, s.Layer(), 10, 10000)
		if err != nil {
			t.Fatal(err)
		}
		if err := (&Handler{}).parseFilter(q, s.Layer(), iq); err != nil {
			t.Fatalf("%s: %v", q.Get("filter"), err)
		}
		used[planQuery(s, iq).access]++
		got, want := selectPage(s, iq), referencePage(s, iq)
		if got.Matched != want.Matched || !slices.Equal(pageIDs(got.Features), pageIDs(want.Features)) {
			t.Fatalf("%s: plan %v gives %d matched %v, a scan %d %v", q.Encode(), planQuery(s, iq).access,
				got.Matched, pageIDs(got.Features), want.Matched, pageIDs(want.Features))
		}
		iq.Limit = math.MaxInt
		var streamed []*cache.Feature
		eachMatch(s, iq, func(f *cache.Feature) bool { streamed = append(streamed, f); return true })
		if all := referencePage(s, iq); !slices.Equal(pageIDs(streamed), pageIDs(all.Features)) {
			t.Fatalf("%s: download gives %d features, a scan %d", q.Encode(), len(streamed), len(all.Features))
		}
	}
	for _, a := range []access{scanIDs, searchRTree, rangeIndex} {
		if used[a] < 40 {
			t.Errorf("plan %v used %d times of 800: the test does not exercise it", a, used[a])
		}
	}
}

func TestFirstByID(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for range 200 {
		n := rng.IntN(50)
		fs := make([]*cache.Feature, n)
		for i := range fs {
			fs[i] = &cache.Feature{ID: cache.NumID(int64(rng.IntN(1000)))}
		}
		want := slices.Clone(fs)
		slices.SortFunc(want, compareIDs)
		k := rng.IntN(60) - 5
		got := firstByID(slices.Clone(fs), k)
		if k < 0 {
			k = 0
		}
		want = want[:min(k, n)]
		for i := range want {
			if got[i].ID != want[i].ID {
				t.Fatalf("firstByID(%d of %d) = %v, want %v", k, n, pageIDs(got), pageIDs(want))
			}
		}
		if len(got) != len(want) {
			t.Fatalf("firstByID(%d of %d) gave %d", k, n, len(got))
		}
	}
}

// randomParams draws property parameters (OGC API Features Part 1's
// equality filters) over planLayer's fields, values that are there and
// values that are not, sometimes with a CQL2 filter beside them.
func randomParams(rng *rand.Rand) url.Values {
	pick := func(s ...string) string { return s[rng.IntN(len(s))] }
	q := url.Values{}
	for range 1 + rng.IntN(2) {
		switch rng.IntN(5) {
		case 0:
			q.Set("name", pick("Alps", "Tower A", "中環", "zzz", "tower c"))
		case 1:
			q.Set("floors", pick("0", "3", "29", "31", " 7"))
		case 2:
			q.Set("height", pick("10", "12.5", "0.5", "99.5", "1e1"))
		case 3:
			q.Set("listed", pick("true", "false", "TRUE"))
		case 4:
			q.Set("built", pick("2012-03-01", "2018-01-01", "2015-05-01"))
		}
	}
	if rng.IntN(3) == 0 {
		q.Set("filter", randomFilter(rng))
	}
	return q
}

// TestPropertyParamsMatchScan checks that property parameters, now served
// from the attribute indexes, give what a scan of the whole layer gives.
func TestPropertyParamsMatchScan(t *testing.T) {
	s := planLayer(t, 4000)
	rng := rand.New(rand.NewPCG(3, 7))
	used := map[access]int{}
	for range 600 {
		q := randomParams(rng)
		if rng.IntN(4) == 0 {
			q.Set("bbox", "114.13,22.32,114.15,22.39")
		}
		if rng.IntN(5) == 0 {
			q.Set("sortby", []string{"-floors,name", "height"}[rng.IntN(2)])
		}
		q.Set("limit", fmt.Sprint([]int{1, 10, 100, 5000}[rng.IntN(4)]))
		q.Set("offset", fmt.Sprint([]int{0, 0, 3, 50}[rng.IntN(4)]))
		iq, err := parseItemsValues(q, s.Layer(), 10, 10000)
		if err != nil {
			t.Fatalf("%s: %v", q.Encode(), err)
		}
		if err := (&Handler{}).parseFilter(q, s.Layer(), iq); err != nil {
			t.Fatalf("%s: %v", q.Encode(), err)
		}
		p := planQuery(s, iq)
		used[p.access]++
		got, want := selectPage(s, iq), referencePage(s, iq)
		if got.Matched != want.Matched || !slices.Equal(pageIDs(got.Features), pageIDs(want.Features)) {
			t.Fatalf("%s: plan %v gives %d matched %v, a scan %d %v", q.Encode(), p.access,
				got.Matched, pageIDs(got.Features), want.Matched, pageIDs(want.Features))
		}
	}
	if used[rangeIndex] < 200 {
		t.Errorf("an attribute index served %d of 600 queries: property parameters do not use it", used[rangeIndex])
	}
}

// TestPropertyParamNumbers checks equality across stored number types:
// an integer field holding a float, a number field holding an integer,
// and an integer beyond 2^53, whose neighbours share its index key.
func TestPropertyParamNumbers(t *testing.T) {
	l := &layer.Layer{ID: "nums", Source: layer.Source{Table: "nums", SRID: 4326}, GeometryType: layer.Point,
		Fields: []layer.Field{{Name: "n", Type: layer.Integer}, {Name: "x", Type: layer.Number}}}
	const big = 1<<53 + 1
	values := [][]any{
		{int64(3), 3.0}, {3.0, int64(3)}, {int64(big), 2.5}, {int64(big - 1), 2.5}, {int64(big + 1), nil},
		{nil, -0.0}, {int64(4), 0.0},
	}
	var recs []store.Record
	for i := range 400 {
		props := []any{int64(100 + i), float64(100 + i)} // filler, so that the index is worth using
		if i%10 == 0 {
			props = values[i/10%len(values)]
		}
		recs = append(recs, store.Record{ID: int64(i + 1), Geometry: orb.Point{114, 22}, Props: props})
	}
	s, err := cache.Build(l, seq(recs))
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"n=3", "x=3", "n=9007199254740993", "n=9007199254740992", "x=0", "x=2.5", "n=4&x=0"} {
		q, _ := url.ParseQuery(raw + "&limit=100")
		iq, err := parseItemsValues(q, l, 10, 10000)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if p := planQuery(s, iq); p.access != rangeIndex {
			t.Errorf("%s: plan %v, want the attribute index", raw, p.access)
		}
		got, want := selectPage(s, iq), referencePage(s, iq)
		if got.Matched != want.Matched || !slices.Equal(pageIDs(got.Features), pageIDs(want.Features)) {
			t.Errorf("%s: index gives %d %v, a scan %d %v", raw, got.Matched, pageIDs(got.Features), want.Matched, pageIDs(want.Features))
		}
	}
}
