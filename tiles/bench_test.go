package tiles

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// cityBuildings is the size of the synthetic city.
const cityBuildings = 100_000

var (
	citiesMu sync.Mutex
	cities   = map[string]*cache.Snapshot{}
)

// city is a synthetic Kowloon: cityBuildings small rotated rectangles
// (8–40 m by 8–30 m) scattered normally (σ 2.5 km, cut at 5 km) around Mong
// Kok, so the centre is about as dense as the real one (~2,500 a km²), with
// the attributes a buildings layer has. Built once per layer id.
func city(b testing.TB, id string) *cache.Snapshot {
	citiesMu.Lock()
	defer citiesMu.Unlock()
	if s, ok := cities[id]; ok {
		return s
	}
	l := newLayer(id,
		layer.Field{Name: "name", Type: layer.String},
		layer.Field{Name: "use", Type: layer.String},
		layer.Field{Name: "floors", Type: layer.Integer},
		layer.Field{Name: "height", Type: layer.Number},
		layer.Field{Name: "completed", Type: layer.Date},
	)
	uses := []string{"residential", "commercial", "composite", "industrial", "government", "school", "hospital", "other"}
	rng := rand.New(rand.NewPCG(2326, 3857))
	const metresPerDegree = 111_320.0
	cosLat := math.Cos(mongKokLat * math.Pi / 180)
	normal := func() float64 { return math.Max(-5000, math.Min(5000, rng.NormFloat64()*2500)) }
	records := make([]store.Record, cityBuildings)
	for i := range records {
		cx, cy := normal(), normal()
		w, h := 8+rng.Float64()*32, 8+rng.Float64()*22
		sin, cos := math.Sincos(rng.Float64() * math.Pi)
		ring := make(orb.Ring, 0, 5)
		for _, c := range [][2]float64{{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}, {-w / 2, -h / 2}} {
			x, y := cx+c[0]*cos-c[1]*sin, cy+c[0]*sin+c[1]*cos
			ring = append(ring, orb.Point{mongKokLon + x/(metresPerDegree*cosLat), mongKokLat + y/metresPerDegree})
		}
		floors := 1 + rng.IntN(60)
		records[i] = store.Record{
			ID:       int64(i + 1),
			Geometry: orb.Polygon{ring},
			Props: []any{
				fmt.Sprintf("Block %d", rng.IntN(30_000)), uses[rng.IntN(len(uses))],
				int64(floors), float64(floors)*3.2 + rng.Float64(),
				time.Date(1950+rng.IntN(75), time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC),
			},
		}
	}
	s := build(b, l, records...)
	cities[id] = s
	return s
}

// BenchmarkEncodeDense encodes the busiest tile of the city at z13–z16
// with the default rules and budget: the z13 and z14 tiles exceed 500 KB
// at level 0, so their time includes the stricter re-encodings.
func BenchmarkEncodeDense(b *testing.B) { benchDense(b, WebMercatorQuad, Options{}) }

// BenchmarkEncodeDenseNoBudget is BenchmarkEncodeDense without the budget:
// one encoding a tile, the pipeline's own speed.
func BenchmarkEncodeDenseNoBudget(b *testing.B) {
	benchDense(b, WebMercatorQuad, Options{MaxTileBytes: -1})
}

// BenchmarkEncodeDenseHK1980 is BenchmarkEncodeDenseNoBudget in the HK1980
// Grid matrix set: every vertex goes world → lon/lat → HK1980 Grid.
func BenchmarkEncodeDenseHK1980(b *testing.B) { benchDense(b, HK1980Grid, Options{MaxTileBytes: -1}) }

func benchDense(b *testing.B, s *TileMatrixSet, opts Options) {
	snap := city(b, "buildings")
	snaps := []*cache.Snapshot{snap}
	e, n := mustFrom(b)(mongKokLon, mongKokLat)
	for z := 13; z <= 16; z++ {
		t := tileAt(mongKokLon, mongKokLat, z)
		if !s.isMercator() {
			t = s.TileAt(z, orb.Point{e, n})
		}
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) {
			data, err := EncodeTile(context.Background(), s, t, snaps, opts)
			if err != nil {
				b.Fatal(err)
			}
			features := len(decodeTile(b, data, DefaultBuffer)[0].Features)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := EncodeTile(context.Background(), s, t, snaps, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data)), "bytes/tile")
			b.ReportMetric(float64(len(httpx.Gzip(data))), "gzbytes/tile")
			b.ReportMetric(float64(features), "features/tile")
		})
	}
}

// BenchmarkEncodeLayers compares encoding two dense layers of one tile one
// after the other and concurrently.
func BenchmarkEncodeLayers(b *testing.B) {
	snaps := []*cache.Snapshot{city(b, "buildings"), city(b, "buildings2")}
	t := tileAt(mongKokLon, mongKokLat, 14)
	for _, concurrent := range []bool{false, true} {
		b.Run(map[bool]string{false: "sequential", true: "concurrent"}[concurrent], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encode(context.Background(), WebMercatorQuad, t, snaps, Options{}, concurrent); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWorldVersusLonLat measures why the cache stores world
// coordinates: it projects the features of the dense z14 and z16 tiles as
// the encoder does (a scale and a shift from world coordinates) and as it
// would from lon/lat (Web Mercator per vertex first), and times the whole
// encode to put the difference in proportion. Metrics are ns per tile. The
// z16 tile's geometry stays in the CPU cache across iterations, so its
// ratio is the arithmetic alone; z14's is diluted by memory stalls.
func BenchmarkWorldVersusLonLat(b *testing.B) {
	snap := city(b, "buildings")
	for _, z := range []int{14, 16} {
		b.Run(fmt.Sprintf("z%d", z), func(b *testing.B) { worldVersusLonLat(b, snap, tileAt(mongKokLon, mongKokLat, z)) })
	}
}

func worldVersusLonLat(b *testing.B, snap *cache.Snapshot, t Tile) {
	proj := newProjection(t, DefaultExtent)
	box := orb.Bound{Min: orb.Point{-DefaultBuffer, -DefaultBuffer}, Max: orb.Point{DefaultExtent + DefaultBuffer, DefaultExtent + DefaultBuffer}}
	var world, lonLat []orb.Polygon
	snap.Search(orb.Bound{Min: proj.world(box.Min), Max: proj.world(box.Max)}, func(f *cache.Feature) bool {
		p := f.Geom.(orb.Polygon)
		world = append(world, p)
		ll := orb.Clone(p).(orb.Polygon)
		for _, r := range ll {
			for i, q := range r {
				r[i][0], r[i][1] = crs.WorldToLonLat(q[0], q[1])
			}
		}
		lonLat = append(lonLat, ll)
		return true
	})
	var (
		s                           shapes
		worldNs, lonLatNs, encodeNs time.Duration
	)
	snaps := []*cache.Snapshot{snap}
	for b.Loop() {
		start := time.Now()
		for _, p := range world {
			s.reset()
			s.add(p, proj)
		}
		worldNs += time.Since(start)

		start = time.Now()
		for _, p := range lonLat {
			s.reset()
			s.polygons.projectLonLat(p, proj)
		}
		lonLatNs += time.Since(start)

		start = time.Now()
		if _, err := Encode(context.Background(), t.Z, t.X, t.Y, snaps, Options{}); err != nil {
			b.Fatal(err)
		}
		encodeNs += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(float64(worldNs)/n, "world-ns/tile")
	b.ReportMetric(float64(lonLatNs)/n, "lonlat-ns/tile")
	b.ReportMetric(float64(lonLatNs)/float64(worldNs), "lonlat/world-projection")
	b.ReportMetric(float64(encodeNs)/n, "encode-ns/tile")
	b.ReportMetric(float64(encodeNs-worldNs+lonLatNs)/float64(encodeNs), "lonlat/world-encode")
}

// projectLonLat is shape.projectPolygon for a cache that kept lon/lat.
func (s *shape) projectLonLat(poly orb.Polygon, p projection) {
	for i, r := range poly {
		kind := pathInterior
		if i == 0 {
			kind = pathExterior
		}
		start := len(s.pts)
		for _, q := range r {
			wx, wy := crs.LonLatToWorld(q[0], q[1])
			s.pts = append(s.pts, p.point(orb.Point{wx, wy}))
		}
		s.paths = append(s.paths, path{start: start, end: len(s.pts), kind: kind})
	}
}
