package demo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

// The HK1980 Grid extent every demo coordinate must fall in.
const (
	minEasting, maxEasting   = 800_000.0, 870_000.0
	minNorthing, maxNorthing = 799_000.0, 848_000.0
)

func TestCoordinatesWithinTerritory(t *testing.T) {
	for _, l := range Layers() {
		for _, rec := range collect(t, l.ID, Options{}) {
			bad := 0
			eachPoint(rec.Geometry, func(p orb.Point) {
				if p[0] < minEasting || p[0] > maxEasting || p[1] < minNorthing || p[1] > maxNorthing || p != p {
					bad++
				}
			})
			if bad > 0 {
				t.Fatalf("%s id %v: %d vertices outside E %v-%v, N %v-%v", l.ID, rec.ID, bad,
					minEasting, maxEasting, minNorthing, maxNorthing)
			}
		}
	}
}

// checkRing reports what is wrong with an exterior ring, or "".
func checkRing(ring orb.Ring) string {
	switch {
	case len(ring) < 4:
		return "fewer than 4 points"
	case ring[0] != ring[len(ring)-1]:
		return "not closed"
	case signedArea(ring) <= 0:
		return "not counter-clockwise"
	case selfIntersects(ring):
		return "self-intersecting"
	}
	return ""
}

// selfIntersects compares every pair of the ring's edges: edges that are
// not neighbours must not meet at all, and neighbours meet only at their
// shared vertex.
func selfIntersects(ring orb.Ring) bool {
	n := len(ring) - 1 // edges
	for i := range n {
		for j := i + 1; j < n; j++ {
			a, b, c, d := ring[i], ring[i+1], ring[j], ring[j+1]
			neighbours := j == i+1 || (i == 0 && j == n-1)
			if !neighbours {
				if segmentsMeet(a, b, c, d) {
					return true
				}
				continue
			}
			// Neighbours share one vertex; they overlap only when
			// collinear and folding back onto each other.
			shared, p, q := b, a, d
			if i == 0 && j == n-1 {
				shared, p, q = a, b, c
			}
			if orient(shared, p, q) == 0 && dot(p, shared, q) > 0 {
				return true
			}
		}
	}
	return false
}

func orient(a, b, c orb.Point) float64 {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// dot is (p-o)·(q-o).
func dot(p, o, q orb.Point) float64 {
	return (p[0]-o[0])*(q[0]-o[0]) + (p[1]-o[1])*(q[1]-o[1])
}

// segmentsMeet reports whether closed segments ab and cd share any point.
func segmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	on := func(p, q, r orb.Point) bool { // r on segment pq, given collinear
		return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
			math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
	}
	return (o1 == 0 && on(a, b, c)) || (o2 == 0 && on(a, b, d)) ||
		(o3 == 0 && on(c, d, a)) || (o4 == 0 && on(c, d, b))
}

func TestSelfIntersectionCheck(t *testing.T) {
	cases := []struct {
		name string
		ring orb.Ring
		want string
	}{
		{"square", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, ""},
		{"clockwise", orb.Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}, {0, 0}}, "not counter-clockwise"},
		{"bow tie", orb.Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}, {0, 0}}, "not counter-clockwise"},
		{"ccw bow tie", orb.Ring{{0, 0}, {2, 0}, {2, 2}, {1, -1}, {0, 2}, {0, 0}}, "self-intersecting"},
		{"spike", orb.Ring{{0, 0}, {2, 0}, {1, 0}, {1, 1}, {0, 0}}, "self-intersecting"},
		{"touching", orb.Ring{{0, 0}, {4, 0}, {4, 4}, {2, 0}, {0, 4}, {0, 0}}, "self-intersecting"},
		{"open", orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, "not closed"},
		{"short", orb.Ring{{0, 0}, {1, 0}, {0, 0}}, "fewer than 4 points"},
	}
	for _, c := range cases {
		if got := checkRing(c.ring); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestPolygonsAreValid(t *testing.T) {
	for _, id := range []string{BuildingsID, DistrictsID} {
		for _, rec := range collect(t, id, Options{}) {
			pg := rec.Geometry.(orb.Polygon)
			if len(pg) != 1 {
				t.Fatalf("%s id %v: %d rings, want 1", id, rec.ID, len(pg))
			}
			if problem := checkRing(pg[0]); problem != "" {
				t.Fatalf("%s id %v: ring %s: %v", id, rec.ID, problem, pg[0])
			}
		}
	}
}

func TestLinesAreValid(t *testing.T) {
	for _, rec := range collect(t, RoadsID, Options{}) {
		line := rec.Geometry.(orb.LineString)
		if len(line) < 2 {
			t.Fatalf("road %v: %d points", rec.ID, len(line))
		}
		for i := 1; i < len(line); i++ {
			if line[i] == line[i-1] {
				t.Fatalf("road %v: repeated vertex %v", rec.ID, line[i])
			}
		}
	}
}

// TestBuildingsDoNotOverlap tests every pair of footprints whose boxes meet:
// no edges may cross and neither may hold a vertex of the other.
func TestBuildingsDoNotOverlap(t *testing.T) {
	recs := collect(t, BuildingsID, Options{Buildings: 20_000, Seed: 5})
	const cell = 100.0
	grid := map[[2]int][]int{}
	bounds := make([]orb.Bound, len(recs))
	for i, rec := range recs {
		b := rec.Geometry.Bound()
		bounds[i] = b
		for x := int(math.Floor(b.Min[0] / cell)); x <= int(math.Floor(b.Max[0]/cell)); x++ {
			for y := int(math.Floor(b.Min[1] / cell)); y <= int(math.Floor(b.Max[1]/cell)); y++ {
				grid[[2]int{x, y}] = append(grid[[2]int{x, y}], i)
			}
		}
	}
	checked := map[[2]int]bool{}
	for _, ids := range grid {
		for a := range ids {
			for b := a + 1; b < len(ids); b++ {
				i, j := ids[a], ids[b]
				if checked[[2]int{i, j}] || !bounds[i].Intersects(bounds[j]) {
					continue
				}
				checked[[2]int{i, j}] = true
				ri, rj := recs[i].Geometry.(orb.Polygon)[0], recs[j].Geometry.(orb.Polygon)[0]
				if ringsMeet(ri, rj) {
					t.Fatalf("buildings %v and %v overlap: %v %v", recs[i].ID, recs[j].ID, ri, rj)
				}
			}
		}
	}
	if len(checked) == 0 {
		t.Fatal("no neighbouring buildings to compare: the test checks nothing")
	}
}

func ringsMeet(a, b orb.Ring) bool {
	for i := 0; i+1 < len(a); i++ {
		for j := 0; j+1 < len(b); j++ {
			if segmentsMeet(a[i], a[i+1], b[j], b[j+1]) {
				return true
			}
		}
	}
	return inRing(a, b[0]) || inRing(b, a[0])
}

// TestDistrictsTileTheTerritory checks that the districts neither overlap
// nor leave gaps: their areas add up to the territory's, and every sample
// point lies in exactly one district, the one districtAt names.
func TestDistrictsTileTheTerritory(t *testing.T) {
	recs := collect(t, DistrictsID, Options{})
	sum := 0.0
	for _, rec := range recs {
		sum += signedArea(rec.Geometry.(orb.Polygon)[0])
	}
	whole := signedArea(territory)
	if math.Abs(sum-whole) > whole*1e-6 {
		t.Errorf("districts cover %.0f m², the territory %.0f m²", sum, whole)
	}
	for e := minEasting + 137.25; e < maxEasting; e += 499.5 {
		for n := minNorthing + 211.75; n < maxNorthing; n += 499.5 {
			p := orb.Point{e, n}
			if !inRing(territory, p) {
				continue
			}
			var in []int
			for i, rec := range recs {
				if inRing(rec.Geometry.(orb.Polygon)[0], p) {
					in = append(in, i)
				}
			}
			if len(in) != 1 || in[0] != districtAt(p) {
				t.Fatalf("point %v lies in districts %v; districtAt says %d", p, in, districtAt(p))
			}
		}
	}
}
