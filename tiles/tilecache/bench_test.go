package tilecache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb"
)

// BenchmarkGetHit is the hit path: parallel Gets of tiles all cached, as a
// map client panning over a warm area makes them.
func BenchmarkGetHit(b *testing.B) {
	for _, shards := range []int{1, 0} {
		name := fmt.Sprintf("shards=%d", shards)
		if shards == 0 {
			name = fmt.Sprintf("shards=default(%d)", defaultShards())
		}
		b.Run(name, func(b *testing.B) {
			c := New(Options{Shards: shards})
			const n = 4096
			keys := make([]Key, n)
			raw := []byte("tile")
			for i := range keys {
				keys[i] = Key{Tileset: "WebMercatorQuad/roads,buildings/full", Z: 14, X: 13388 + i%64, Y: 7144 + i/64}
				put(b, c, keys[i], []string{"roads", "buildings"}, orb.Bound{}, raw)
			}
			build := constBuild(raw)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 0))
				for pb.Next() {
					k := keys[r.IntN(n)]
					if _, err := c.Get(ctx, k, nil, orb.Bound{}, build); err != nil {
						b.Fatal(err)
					}
				}
			})
			if st := c.Stats(); st.Builds != n {
				b.Fatalf("%d builds: the benchmark missed", st.Builds)
			}
		})
	}
}

// BenchmarkServeHit is a whole cached response: negotiate, Get, Serve.
func BenchmarkServeHit(b *testing.B) {
	c := New(Options{})
	raw := synthTile(b, 30<<10)
	key := Key{Tileset: "t", Z: 14}
	put(b, c, key, []string{"a"}, orb.Bound{}, raw)
	r := httptest.NewRequest(http.MethodGet, "/tiles/a/14/0/0.mvt", nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		e, err := c.Get(r.Context(), key, nil, orb.Bound{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		Serve(w, r, e, Negotiate(r.Header.Get("Accept-Encoding")), "public, max-age=60")
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func BenchmarkNegotiate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Negotiate("gzip, deflate, br, zstd")
	}
}

// BenchmarkEvictTiles is a change evicting around one place from a cache
// holding zooms 0-16 over a city.
func BenchmarkEvictTiles(b *testing.B) {
	c := New(Options{MaxBytes: 1 << 30})
	raw := []byte("tile")
	for z := 0; z <= 16; z++ {
		x0, y0 := tileAt(z, hongKong)
		for dx := -8; dx < 8; dx++ {
			for dy := -8; dy < 8; dy++ {
				x, y := x0+dx, y0+dy
				if x < 0 || y < 0 || x >= 1<<z || y >= 1<<z {
					continue
				}
				put(b, c, Key{Tileset: "roads", Z: z, X: x, Y: y}, []string{"roads"}, tileBound(z, x, y, 64), raw)
			}
		}
	}
	entries := c.Stats().Entries
	change := orb.Bound{Min: hongKong, Max: hongKong}
	b.ReportAllocs()
	for b.Loop() {
		c.EvictTiles("roads", change)
		b.StopTimer()
		for z := 0; z <= 16; z++ { // put them back
			x, y := tileAt(z, hongKong)
			for _, d := range [][2]int{{0, 0}, {-1, 0}, {0, -1}, {-1, -1}, {1, 0}, {0, 1}, {1, 1}, {1, -1}, {-1, 1}} {
				if x+d[0] >= 0 && y+d[1] >= 0 && x+d[0] < 1<<z && y+d[1] < 1<<z {
					put(b, c, Key{Tileset: "roads", Z: z, X: x + d[0], Y: y + d[1]}, []string{"roads"}, tileBound(z, x+d[0], y+d[1], 64), raw)
				}
			}
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(entries), "entries")
}
