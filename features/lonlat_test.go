package features

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// The series agrees with the exact inverse projection to far below the
// precision written out, over the whole world.
func TestLonLatSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var worst float64
	for range 200000 {
		y0 := rng.Float64()
		h := rng.Float64() * seriesMaxHalfSpan
		x := rng.Float64()
		b := orb.Bound{Min: orb.Point{x, y0 - h}, Max: orb.Point{x, y0 + h}}
		var s lonLatSeries
		s.reset(b)
		if !s.local {
			t.Fatalf("bound %v not served by the series", b)
		}
		y := y0 - h + rng.Float64()*2*h
		lon, lat := s.lonLat(x, y)
		wantLon, wantLat := crs.WorldToLonLat(x, y)
		if math.Abs(lon-wantLon) > 1e-12 {
			t.Fatalf("lon %v, want %v", lon, wantLon)
		}
		worst = max(worst, math.Abs(lat-wantLat))
	}
	if worst > 1e-11 {
		t.Errorf("largest latitude error %g degrees", worst)
	}
	t.Logf("largest latitude error %g degrees", worst)

	var s lonLatSeries
	s.reset(orb.Bound{Min: orb.Point{0, 0.1}, Max: orb.Point{1, 0.9}})
	if s.local {
		t.Error("a tall feature uses the series")
	}
	if lon, lat := s.lonLat(0.75, 0.25); lon != 90 || math.Abs(lat-66.51326044311186) > 1e-12 {
		t.Errorf("exact path gives %v %v", lon, lat)
	}
}
