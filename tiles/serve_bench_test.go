package tiles

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/demo"
)

// benchLayers is the layer list of the map viewers' load run in
// internal/bench/cmd/benchreport: the public demo layers in one tile.
const benchLayers = "buildings,roads,public_toilets,clinics,districts"

// coldSample is the benchreport's sample of tiles timed beside ST_AsMVT
// (the first 8 of each zoom of its URL list, in list order), over the same
// demo dataset (seed 1).
var coldSample = []Tile{
	{14, 13389, 7150}, {15, 26779, 14303}, {10, 836, 446}, {13, 6693, 3576}, {11, 1672, 892}, {13, 6694, 3574},
	{10, 837, 446}, {15, 26774, 14302}, {13, 6695, 3572}, {12, 3344, 1786}, {14, 13378, 7145}, {14, 13386, 7152},
	{15, 26781, 14288}, {13, 6691, 3576}, {14, 13388, 7142}, {10, 836, 447}, {16, 53552, 28600}, {16, 53546, 28606},
	{12, 3347, 1787}, {13, 6688, 3575}, {15, 26785, 14302}, {16, 53561, 28604}, {14, 13379, 7141}, {15, 26776, 14302},
	{12, 3347, 1788}, {15, 26781, 14289}, {11, 1672, 893}, {13, 6695, 3575}, {15, 26779, 14298}, {15, 26774, 14305},
	{14, 13379, 7146}, {11, 1673, 894}, {11, 1673, 893}, {12, 3345, 1785}, {13, 6690, 3571}, {12, 3346, 1785},
	{14, 13388, 7150}, {16, 53550, 28569}, {12, 3346, 1786}, {16, 53557, 28581}, {16, 53563, 28581}, {13, 6693, 3573},
	{16, 53545, 28589}, {11, 1674, 893}, {14, 13381, 7142}, {16, 53513, 28605}, {11, 1672, 894}, {12, 3346, 1787},
	{12, 3347, 1786}, {11, 1673, 892}, {11, 1675, 892},
}

var (
	benchDemoOnce sync.Once
	benchDemo     catalog
	benchDemoErr  error
)

// benchCatalog is the benchreport's demo dataset (seed 1), built once.
func benchCatalog(b testing.TB) catalog {
	b.Helper()
	benchDemoOnce.Do(func() {
		benchDemo = catalog{}
		for _, l := range demo.Layers() {
			s, err := cache.Build(&l, demo.Records(l.ID, demo.Options{Seed: 1}))
			if err != nil {
				benchDemoErr = err
				return
			}
			benchDemo[l.ID] = s
		}
	})
	if benchDemoErr != nil {
		b.Fatal(benchDemoErr)
	}
	return benchDemo
}

// BenchmarkServeCold serves the benchreport's cold sample through the
// whole tile route (router, tile cache miss, encoding, response) with
// Accept-Encoding: identity, each tile a miss: every iteration starts with
// a fresh handler and so an empty tile cache. Per zoom, and all of them;
// the metric is the time per tile.
func BenchmarkServeCold(b *testing.B) {
	c := benchCatalog(b)
	byZoom := map[int][]Tile{}
	for _, t := range coldSample {
		byZoom[t.Z] = append(byZoom[t.Z], t)
	}
	run := func(b *testing.B, ts []Tile) {
		urls := make([]string, len(ts))
		for i, t := range ts {
			urls[i] = fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", benchLayers, t.Z, t.X, t.Y)
		}
		var bytes int
		b.ReportAllocs()
		for b.Loop() {
			mux := http.NewServeMux()
			NewHandler(c, Options{}).Register(mux)
			bytes = 0
			for _, u := range urls {
				r := httptest.NewRequest(http.MethodGet, u, nil)
				r.Header.Set("Accept-Encoding", "identity")
				w := httptest.NewRecorder()
				mux.ServeHTTP(w, r)
				if w.Code != http.StatusOK && w.Code != http.StatusNoContent {
					b.Fatalf("%s: %d %s", u, w.Code, w.Body)
				}
				bytes += w.Body.Len()
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(urls)), "ns/tile")
		b.ReportMetric(float64(bytes)/float64(len(urls)), "bytes/tile")
	}
	for z := 10; z <= 16; z++ {
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) { run(b, byZoom[z]) })
	}
	b.Run("all", func(b *testing.B) { run(b, coldSample) })
}

// BenchmarkServeColdSpread serves a different tile each time, cycling
// through every tile with buildings at z12–z16 around the city's busiest
// districts (a new handler, so an empty tile cache, at each pass), so
// that, as in a server, the features a tile needs are seldom still in the
// CPU's caches from the tile before. The metric is the time per tile.
func BenchmarkServeColdSpread(b *testing.B) {
	c := benchCatalog(b)
	var urls []string
	for z := 12; z <= 16; z++ {
		seen := map[Tile]bool{}
		c["buildings"].Search(Tile{}.Bound(), func(f *cache.Feature) bool {
			if f.ID.Num%97 != 0 {
				return true
			}
			t := WebMercatorQuad.TileAt(z, WebMercatorQuad.worldToGrid(f.Bound.Center()))
			if !seen[t] {
				seen[t] = true
				urls = append(urls, fmt.Sprintf("/tiles/%s/%d/%d/%d.mvt", benchLayers, t.Z, t.X, t.Y))
			}
			return true
		})
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(urls), func(i, j int) { urls[i], urls[j] = urls[j], urls[i] })
	var mux *http.ServeMux
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i%len(urls) == 0 {
			mux = http.NewServeMux()
			NewHandler(c, Options{}).Register(mux)
		}
		r := httptest.NewRequest(http.MethodGet, urls[i%len(urls)], nil)
		r.Header.Set("Accept-Encoding", "identity")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		if w.Code != http.StatusOK && w.Code != http.StatusNoContent {
			b.Fatalf("%s: %d %s", urls[i%len(urls)], w.Code, w.Body)
		}
		i++
	}
	b.ReportMetric(float64(len(urls)), "tiles")
}
