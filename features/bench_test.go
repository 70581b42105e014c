package features

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// denseBuildings is a synthetic district: n footprints of 7 vertices on a
// jittered ~20 m grid around lon 114.17, lat 22.32.
func denseBuildings(b *testing.B, n int) *cache.Snapshot {
	b.Helper()
	l := &layer.Layer{
		ID: "dense", Title: layer.Text{En: "Dense buildings"},
		Source:       layer.Source{Table: "dense", SRID: 4326},
		GeometryType: layer.Polygon,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String}, {Name: "height", Type: layer.Number},
			{Name: "floors", Type: layer.Integer}, {Name: "built", Type: layer.Date},
		},
	}
	rng := rand.New(rand.NewPCG(7, 11))
	const step = 0.00019 // degrees, about 20 m
	side := 1
	for side*side < n {
		side++
	}
	records := make([]store.Record, 0, n)
	for i := range n {
		lon := 114.17 - float64(side)*step/2 + float64(i%side)*step + rng.Float64()*step*0.2
		lat := 22.32 - float64(side)*step/2 + float64(i/side)*step + rng.Float64()*step*0.2
		w, h := step*(0.4+rng.Float64()*0.3), step*(0.4+rng.Float64()*0.3)
		ring := orb.Ring{{lon, lat}, {lon + w, lat}, {lon + w, lat + h/2}, {lon + w*0.7, lat + h/2},
			{lon + w*0.7, lat + h}, {lon, lat + h}, {lon, lat}}
		records = append(records, store.Record{
			ID: int64(i + 1), Geometry: orb.Polygon{ring},
			Props: []any{"Building " + string(rune('A'+i%26)), 3.5 * float64(1+i%40), int64(1 + i%40), day("2001-02-03")},
		})
	}
	s, err := cache.Build(l, seq(records))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// discard is a ResponseWriter that keeps nothing, so the benchmark measures
// the handler, not a recorder's buffer.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// benchBBox is about 250 m square in the middle of the district: some 150
// buildings, of which a page of 100 is returned.
const benchBBox = "114.1688,22.3188,114.1712,22.3212"

func BenchmarkItemsBBox(b *testing.B) {
	benchItems(b, denseBuildings(b, 100_000), "/collections/dense/items?limit=100&bbox="+benchBBox)
}

// benchItems serves target from a handler over snapshot s as the only
// collection, once to check and measure it, then b.N times into a
// discarding writer; it reports the matches and bytes of the answer.
func benchItems(b *testing.B, s *cache.Snapshot, target string) {
	c := &testCatalog{layers: []*layer.Layer{s.Layer()}, snaps: map[string]*cache.Snapshot{s.Layer().ID: s}}
	mux := http.NewServeMux()
	NewHandler(c, Options{}).Register(mux)
	req := httptest.NewRequest("GET", "http://csdi.test"+target, nil)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != 200 {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	fc := decode(b, response{Body: rec.Body.Bytes()})
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		mux.ServeHTTP(w, req)
	}
	b.ReportMetric(fc["numberMatched"].(float64), "matched")
	b.ReportMetric(float64(rec.Body.Len()), "bytes")
}

// BenchmarkItemsBBoxStages splits the same request into its stages.
func BenchmarkItemsBBoxStages(b *testing.B) {
	s := denseBuildings(b, 100_000)
	q, _ := url.ParseQuery("limit=100&bbox=" + benchBBox)
	iq, err := parseItemsValues(q, s.Layer(), 10, 10000)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("select", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			selectPage(s, iq)
		}
	})
	p := selectPage(s, iq)
	b.Run("encode", func(b *testing.B) {
		enc := newGeoJSON(s.Layer())
		b.ReportAllocs()
		for b.Loop() {
			st := newStream(b.Context(), &discard{})
			enc.writeCollection(st, p, nil, testClock)
			_ = st.close()
		}
	})
}

// BenchmarkItemsPage is an unfiltered page deep in the layer: served from
// the id index without a scan.
func BenchmarkItemsPage(b *testing.B) {
	benchItems(b, denseBuildings(b, 100_000), "/collections/dense/items?limit=100&offset=90000")
}

func BenchmarkAppendCoord(b *testing.B) {
	vals := make([]float64, 1024)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range vals {
		vals[i] = 114 + rng.Float64()
	}
	buf := make([]byte, 0, 64)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		buf = appendCoord(buf[:0], vals[i&1023])
	}
}

// demoBuildings is the demo dataset's buildings layer at the size of
// make bench's CQL2 figures (seed 7), built once per test binary.
var demoBuildings = sync.OnceValues(func() (*cache.Snapshot, error) {
	for _, l := range demo.Layers() {
		if l.ID == demo.BuildingsID {
			return cache.Build(&l, demo.Records(l.ID, demo.Options{Buildings: 500_000, Seed: 7}))
		}
	}
	panic("demo has no buildings layer")
})

// benchFilter serves one filtered page of the demo buildings through the
// whole items handler, as make bench's CQL2 figures do over HTTP.
func benchFilter(b *testing.B, filter string) {
	s, err := demoBuildings()
	if err != nil {
		b.Fatal(err)
	}
	benchItems(b, s, "/collections/"+s.Layer().ID+"/items?limit=100&filter="+url.QueryEscape(filter))
}

// BenchmarkFilterAttribute is make bench's attribute filter: served from
// the floors index (877 candidates of 500,000).
func BenchmarkFilterAttribute(b *testing.B) {
	benchFilter(b, "floors > 60 AND use = 'commercial'")
}

// BenchmarkFilterSpatial is make bench's spatial filter: a 250 m polygon
// in Mong Kok.
func BenchmarkFilterSpatial(b *testing.B) {
	benchFilter(b, "S_INTERSECTS(geometry, POLYGON((114.1680 22.3185, 114.1700 22.3178, 114.1712 22.3200, 114.1690 22.3210, 114.1680 22.3185)))")
}

// BenchmarkPropertyParam is a Part 1 property filter on the demo
// buildings (use=commercial: 56,966 of 500,000), selected through the
// attribute index as planned and, for scale, by a scan of the layer.
func BenchmarkPropertyParam(b *testing.B) {
	s, err := demoBuildings()
	if err != nil {
		b.Fatal(err)
	}
	q, _ := url.ParseQuery("limit=100&use=commercial")
	iq, err := parseItemsValues(q, s.Layer(), 10, 10000)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range []struct {
		name string
		plan plan
	}{{"index", planQuery(s, iq)}, {"scan", plan{access: scanIDs}}} {
		b.Run(p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				selectPlanned(s, iq, p.plan)
			}
			b.ReportMetric(float64(selectPlanned(s, iq, p.plan).Matched), "matched")
		})
	}
}
