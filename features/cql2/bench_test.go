package cql2

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func benchMatch(b *testing.B, filter string, feats [][]any, geoms []orb.Geometry) {
	f := mustCompile(b, filter, testSchema)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		k := i % len(feats)
		if f.Match(feats[k], geoms[k]) {
			n++
		}
	}
	_ = n
}

func benchFeatures(n int) ([][]any, []orb.Geometry) {
	r := rand.New(rand.NewPCG(3, 4))
	names := []string{"Smith & Co", "Jones", "Mike's Place", "Brickworks", "香港大廈"}
	feats := make([][]any, n)
	geoms := make([]orb.Geometry, n)
	for i := range feats {
		feats[i] = props("floors", int64(r.IntN(40)), "name", names[r.IntN(len(names))], "height", r.Float64()*100)
		geoms[i] = orb.Point{r.Float64(), r.Float64()}
	}
	return feats, geoms
}

func BenchmarkMatchComparison(b *testing.B) {
	feats, geoms := benchFeatures(1024)
	benchMatch(b, "floors > 10 AND height <= 50.5", feats, geoms)
}

func BenchmarkMatchLike(b *testing.B) {
	feats, geoms := benchFeatures(1024)
	benchMatch(b, "name LIKE '%i_e%'", feats, geoms)
}

// BenchmarkMatchIntersectsPolygon is the common map query: points in a
// 40-vertex polygon, in normalised Web Mercator-like [0,1] coordinates.
func BenchmarkMatchIntersectsPolygon(b *testing.B) {
	feats, geoms := benchFeatures(1024)
	benchMatch(b, "S_INTERSECTS(geom, "+Text(Geometry{G: star(40)})+")", feats, geoms)
}

// BenchmarkMatchIntersectsPolygonExact forces the general DE-9IM path
// (a line against the polygon) for comparison with the point fast path.
func BenchmarkMatchIntersectsPolygonExact(b *testing.B) {
	feats, _ := benchFeatures(64)
	lines := make([]orb.Geometry, len(feats))
	r := rand.New(rand.NewPCG(5, 6))
	for i := range lines {
		lines[i] = orb.LineString{{r.Float64(), r.Float64()}, {r.Float64(), r.Float64()}}
	}
	benchMatch(b, "S_INTERSECTS(geom, "+Text(Geometry{G: star(40)})+")", feats, lines)
}

// star is an n-vertex star-shaped polygon around (0.5, 0.5).
func star(n int) orb.Polygon {
	ring := make(orb.Ring, 0, n+1)
	for i := 0; i < n; i++ {
		rad := 0.2 + 0.2*float64(i%2)
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, orb.Point{0.5 + rad*math.Cos(a), 0.5 + rad*math.Sin(a)})
	}
	return orb.Polygon{append(ring, ring[0])}
}
