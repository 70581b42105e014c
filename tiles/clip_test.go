package tiles

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

var clipBox = orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{4160, 4160}}

// randomRing is a star-shaped ring around a random centre that often
// crosses the box.
func randomRing(rng *rand.Rand) orb.Ring {
	cx, cy := rng.Float64()*6000-1000, rng.Float64()*6000-1000
	n := 3 + rng.IntN(20)
	var r orb.Ring
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		d := 100 + rng.Float64()*3000
		r = append(r, orb.Point{cx + d*math.Cos(a), cy + d*math.Sin(a)})
	}
	return append(r, r[0])
}

// TestClipRingMatchesOrb compares the clipped area with orb/clip's on
// random rings: both are Sutherland-Hodgman, so the areas agree.
func TestClipRingMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	c := clipper{box: clipBox}
	for i := range 2000 {
		ring := randomRing(rng)
		in := slices.Clone(ring)
		got := c.ring(ring)
		if !slices.Equal(in, ring) {
			t.Fatal("ring clipping changed its input")
		}
		want := clip.Ring(clipBox, slices.Clone(ring))
		if len(got) > 0 && got[0] != got[len(got)-1] {
			t.Fatalf("ring %d: result not closed", i)
		}
		ga, wa := math.Abs(planar.Area(orb.Ring(got))), math.Abs(planar.Area(want))
		if math.Abs(ga-wa) > 1e-6*math.Max(1, wa) {
			t.Fatalf("ring %d: area %v, orb/clip %v\nring %v", i, ga, wa, ring)
		}
		for _, p := range got {
			if !clipBox.Contains(p) {
				t.Fatalf("ring %d: point %v outside the box", i, p)
			}
		}
	}
}

// TestClipLineMatchesOrb compares the clipped length and part count with
// orb/clip's on random lines.
func TestClipLineMatchesOrb(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := clipper{box: clipBox}
	var dst shape
	for i := range 2000 {
		line := orb.LineString(randomRing(rng))
		line = line[:len(line)-1-rng.IntN(2)]
		dst.reset()
		c.line(line, &dst)
		want := clip.LineString(clipBox, line)
		var gotLen, wantLen float64
		for _, p := range dst.paths {
			gotLen += planar.Length(orb.LineString(dst.at(p)))
		}
		for _, l := range want {
			wantLen += planar.Length(l)
		}
		if math.Abs(gotLen-wantLen) > 1e-6*math.Max(1, wantLen) {
			t.Fatalf("line %d: length %v, orb/clip %v", i, gotLen, wantLen)
		}
		if len(dst.paths) != len(want) {
			t.Fatalf("line %d: %d parts, orb/clip %d", i, len(dst.paths), len(want))
		}
	}
}

func TestClipSegment(t *testing.T) {
	box := orb.Bound{Max: orb.Point{10, 10}}
	tests := []struct {
		a, b, from, to orb.Point
		visible        bool
	}{
		{orb.Point{1, 1}, orb.Point{9, 9}, orb.Point{1, 1}, orb.Point{9, 9}, true},
		{orb.Point{-5, 5}, orb.Point{15, 5}, orb.Point{0, 5}, orb.Point{10, 5}, true},
		{orb.Point{5, -5}, orb.Point{5, 5}, orb.Point{5, 0}, orb.Point{5, 5}, true},
		{orb.Point{-5, -5}, orb.Point{-1, 20}, orb.Point{}, orb.Point{}, false},
		{orb.Point{11, 0}, orb.Point{11, 10}, orb.Point{}, orb.Point{}, false},
		{orb.Point{-3, 8}, orb.Point{3, 14}, orb.Point{}, orb.Point{}, false}, // passes the corner outside
		{orb.Point{3, 3}, orb.Point{3, 3}, orb.Point{3, 3}, orb.Point{3, 3}, true},
	}
	for _, tc := range tests {
		from, to, visible := clipSegment(tc.a, tc.b, box)
		if visible != tc.visible || (visible && (dist(from, tc.from) > 1e-9 || dist(to, tc.to) > 1e-9)) {
			t.Errorf("clipSegment(%v, %v) = %v, %v, %v; want %v, %v, %v", tc.a, tc.b, from, to, visible, tc.from, tc.to, tc.visible)
		}
	}
}
