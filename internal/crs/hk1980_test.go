package crs_test

import (
	"math"
	"testing"

	"github.com/csdi-hk/csdi/internal/crs"
)

func hk1980(t testing.TB) (to, from crs.Transform) {
	t.Helper()
	to, err := crs.ToLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	from, err = crs.FromLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	return to, from
}

// hk1980Cases are named points across the territory; cs2cs values come from
// `cs2cs -f %.9f EPSG:2326 EPSG:4326`, as in the golden file.
var hk1980Cases = []struct {
	name              string
	easting, northing float64
	lon, lat          float64
}{
	{"grid origin", 836694.05, 819069.80, 114.181009327, 22.310602434},
	{"south west corner", 800000, 800000, 113.825312393, 22.138010288},
	{"north east corner", 870000, 850000, 114.504909981, 22.589581046},
	{"central", 833000, 817000, 114.145161454, 22.291907832},
}

func TestHK1980Cases(t *testing.T) {
	to, from := hk1980(t)
	for _, tc := range hk1980Cases {
		t.Run(tc.name, func(t *testing.T) {
			lon, lat := to(tc.easting, tc.northing)
			if d := groundDistance(lon, lat, tc.lon, tc.lat); d > toleranceSameWay {
				t.Errorf("ToLonLat = %.9f, %.9f, want %.9f, %.9f (%.6f m off)", lon, lat, tc.lon, tc.lat, d)
			}
			e, n := from(lon, lat)
			if d := math.Hypot(e-tc.easting, n-tc.northing); d > maxRoundTrip {
				t.Errorf("round trip gave %.6f, %.6f, %.6f m off", e, n, d)
			}
		})
	}
}

// maxRoundTrip bounds 2326 → 4326 → 2326 in metres. Like PROJ's, the
// round trip is not exact (~0.6 mm at worst in the territory): the Helmert
// is inverted by transposing its linearised rotation, and the height the
// shift introduces (~3 m) is dropped.
const maxRoundTrip = 1e-3

// TestHK1980RoundTrip walks the territory, with a 20 km margin, on a
// 500 m grid.
func TestHK1980RoundTrip(t *testing.T) {
	to, from := hk1980(t)
	worst := 0.0
	for e := 780000.0; e <= 890000; e += 500 {
		for n := 780000.0; n <= 870000; n += 500 {
			lon, lat := to(e, n)
			e2, n2 := from(lon, lat)
			worst = math.Max(worst, math.Hypot(e2-e, n2-n))
		}
	}
	t.Logf("worst round trip %.6f m", worst)
	if !(worst < maxRoundTrip) {
		t.Errorf("worst round trip %.6f m, want < %g m", worst, maxRoundTrip)
	}
}

func TestHK1980NoAllocations(t *testing.T) {
	to, from := hk1980(t)
	var sink float64
	allocs := testing.AllocsPerRun(100, func() {
		lon, lat := to(833000, 817000)
		e, n := from(lon, lat)
		sink += e + n
	})
	if allocs != 0 {
		t.Errorf("%v allocations per round trip, want 0", allocs)
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, tc := range hk1980Cases {
		f.Add(tc.easting, tc.northing)
	}
	to, from := hk1980(f)
	f.Fuzz(func(t *testing.T, e, n float64) {
		// Fold any finite input into the territory with a 20 km margin,
		// leaving in-range seeds as they are.
		if math.IsNaN(e) || math.IsInf(e, 0) || math.IsNaN(n) || math.IsInf(n, 0) {
			t.Skip()
		}
		e = 780000 + math.Mod(math.Abs(e-780000), 110000)
		n = 780000 + math.Mod(math.Abs(n-780000), 90000)
		lon, lat := to(e, n)
		if !(lon > 113.5 && lon < 114.9 && lat > 21.9 && lat < 22.8) {
			t.Fatalf("ToLonLat(%v, %v) = %v, %v, outside Hong Kong", e, n, lon, lat)
		}
		e2, n2 := from(lon, lat)
		if d := math.Hypot(e2-e, n2-n); !(d < maxRoundTrip) {
			t.Fatalf("round trip of %v, %v gave %v, %v, %g m off", e, n, e2, n2, d)
		}
		x, y := crs.LonLatToWorld(lon, lat)
		lon2, lat2 := crs.WorldToLonLat(x, y)
		if d := groundDistance(lon2, lat2, lon, lat); !(d < 1e-6) {
			t.Fatalf("world round trip of %v, %v gave %v, %v", lon, lat, lon2, lat2)
		}
	})
}

// benchPoints are spread over the territory so the benchmarks see varied
// input rather than one cached value.
func benchPoints() [][2]float64 { return spread(1024, 800000, 870000, 800000, 850000) }

var sink float64

func BenchmarkToLonLat2326(b *testing.B) {
	to, _ := hk1980(b)
	pts := benchPoints()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pts[i%len(pts)]
		lon, lat := to(p[0], p[1])
		sink += lon + lat
		i++
	}
}

func BenchmarkFromLonLat2326(b *testing.B) {
	to, from := hk1980(b)
	pts := benchPoints()
	for i, p := range pts {
		pts[i][0], pts[i][1] = to(p[0], p[1])
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := pts[i%len(pts)]
		e, n := from(p[0], p[1])
		sink += e + n
		i++
	}
}
