package crs_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/csdi-hk/csdi/internal/crs"
)

func TestUnsupported(t *testing.T) {
	for _, srid := range []int{0, -1, 27700, 900913} {
		t.Run(fmt.Sprintf("EPSG:%d", srid), func(t *testing.T) {
			if crs.Supported(srid) {
				t.Fatalf("Supported(%d) = true", srid)
			}
			for _, get := range []struct {
				name string
				fn   func(int) (crs.Transform, error)
			}{{"ToLonLat", crs.ToLonLat}, {"FromLonLat", crs.FromLonLat}} {
				name := get.name
				tr, err := get.fn(srid)
				var unsupported crs.UnsupportedError
				if !errors.As(err, &unsupported) || unsupported.SRID != srid {
					t.Errorf("%s(%d) error = %v, want UnsupportedError{%d}", name, srid, err, srid)
				}
				if tr != nil {
					t.Errorf("%s(%d) returned a transform with its error", name, srid)
				}
			}
		})
	}
}

func TestSupported(t *testing.T) {
	for _, srid := range []int{4326, 3857, 2326, 4490} {
		if !crs.Supported(srid) {
			t.Errorf("Supported(%d) = false", srid)
		}
	}
}

// TestWebMercator checks EPSG:3857 against values from
// `cs2cs -f %.6f EPSG:4326 EPSG:3857`.
func TestWebMercator(t *testing.T) {
	to, err := crs.FromLonLat(3857)
	if err != nil {
		t.Fatal(err)
	}
	from, err := crs.ToLonLat(3857)
	if err != nil {
		t.Fatal(err)
	}
	const edge = 20037508.342789
	tests := []struct {
		name     string
		lon, lat float64
		x, y     float64
	}{
		{"origin", 0, 0, 0, 0},
		{"hong kong", 114.2, 22.3, 12712685.848592, 2547582.133414},
		{"sydney", 151.2093, -33.8688, 16832542.279207, -4011198.647308},
		{"greenwich", -0.0015, 51.4779, -166.979236, 6706268.068461},
		{"world corner", 180, 85.05112877980659, edge, edge},
		{"beyond the square is clamped", -180, -89, -edge, -edge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, y := to(tc.lon, tc.lat)
			if math.Abs(x-tc.x) > 1e-6 || math.Abs(y-tc.y) > 1e-6 {
				t.Errorf("FromLonLat(%v, %v) = %.6f, %.6f, want %.6f, %.6f", tc.lon, tc.lat, x, y, tc.x, tc.y)
			}
			lon, lat := from(x, y)
			wantLat := math.Max(-85.05112877980659, tc.lat)
			if math.Abs(lon-tc.lon) > 1e-12 || math.Abs(lat-wantLat) > 1e-12 {
				t.Errorf("ToLonLat(%v, %v) = %v, %v, want %v, %v", x, y, lon, lat, tc.lon, wantLat)
			}
		})
	}
}

func TestWorld(t *testing.T) {
	const maxLat = 85.05112877980659
	tests := []struct {
		name     string
		lon, lat float64
		x, y     float64
	}{
		{"centre", 0, 0, 0.5, 0.5},
		{"north west", -180, maxLat, 0, 0},
		{"south east", 180, -maxLat, 1, 1},
		{"clamped north", 90, 89.9, 0.75, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x, y := crs.LonLatToWorld(tc.lon, tc.lat)
			if math.Abs(x-tc.x) > 1e-12 || math.Abs(y-tc.y) > 1e-12 {
				t.Errorf("LonLatToWorld(%v, %v) = %v, %v, want %v, %v", tc.lon, tc.lat, x, y, tc.x, tc.y)
			}
		})
	}
}

// TestWorldRoundTrip walks the whole Web Mercator square.
func TestWorldRoundTrip(t *testing.T) {
	for lon := -180.0; lon <= 180; lon += 7.5 {
		for lat := -85.0; lat <= 85; lat += 2.5 {
			x, y := crs.LonLatToWorld(lon, lat)
			if x < 0 || x > 1 || y < 0 || y > 1 {
				t.Fatalf("LonLatToWorld(%v, %v) = %v, %v, outside [0, 1]", lon, lat, x, y)
			}
			gotLon, gotLat := crs.WorldToLonLat(x, y)
			if math.Abs(gotLon-lon) > 1e-9 || math.Abs(gotLat-lat) > 1e-9 {
				t.Fatalf("round trip of %v, %v gave %v, %v", lon, lat, gotLon, gotLat)
			}
		}
	}
}

// TestCGCS2000 checks EPSG:4490 passes through as PROJ's null shift does.
func TestCGCS2000(t *testing.T) {
	to, err := crs.ToLonLat(4490)
	if err != nil {
		t.Fatal(err)
	}
	if lon, lat := to(114.2, 22.3); lon != 114.2 || lat != 22.3 {
		t.Errorf("ToLonLat(4490)(114.2, 22.3) = %v, %v", lon, lat)
	}
}
