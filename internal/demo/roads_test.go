package demo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestRoadAttributes(t *testing.T) {
	l := demoLayer(t, RoadsID)
	classes := map[string]int{}
	for _, rec := range collect(t, RoadsID, Options{}) {
		class := rec.Props[l.FieldIndex("road_class")].(string)
		lanes := rec.Props[l.FieldIndex("lanes")].(int64)
		speed := rec.Props[l.FieldIndex("speed_limit_kmh")].(int64)
		classes[class]++
		ok := lanes >= 1 && lanes <= 8 && speed >= 30 && speed <= 110 && speed%10 == 0
		switch class {
		case expressway:
			ok = ok && lanes >= 4 && speed >= 70
		case mainRoad:
			ok = ok && lanes >= 2
		case localRoad:
			ok = ok && lanes <= 2 && speed <= 50
		default:
			ok = false
		}
		if !ok {
			t.Fatalf("road %v: class %q, %d lanes, %d km/h", rec.ID, class, lanes, speed)
		}
	}
	for _, c := range []string{expressway, mainRoad, localRoad} {
		if classes[c] == 0 {
			t.Errorf("no %s roads", c)
		}
	}
}

func TestNathanRoadIsThere(t *testing.T) {
	for _, rec := range collect(t, RoadsID, Options{}) {
		if rec.Props[0] == "Nathan Road" && rec.Props[1] == "彌敦道" {
			return
		}
	}
	t.Error("no Nathan Road")
}

// TestRoadsMissTheBuildings checks that no road, trunk or local, runs
// through a building.
func TestRoadsMissTheBuildings(t *testing.T) {
	opts := Options{Buildings: 20_000, Seed: 11}
	const cell = 100.0
	key := func(x, y float64) [2]int { return [2]int{int(math.Floor(x / cell)), int(math.Floor(y / cell))} }
	grid := map[[2]int][]orb.Ring{}
	for _, rec := range collect(t, BuildingsID, opts) {
		ring := rec.Geometry.(orb.Polygon)[0]
		b := ring.Bound()
		lo, hi := key(b.Min[0], b.Min[1]), key(b.Max[0], b.Max[1])
		for x := lo[0]; x <= hi[0]; x++ {
			for y := lo[1]; y <= hi[1]; y++ {
				grid[[2]int{x, y}] = append(grid[[2]int{x, y}], ring)
			}
		}
	}
	for _, rec := range collect(t, RoadsID, opts) {
		line := rec.Geometry.(orb.LineString)
		for i := 1; i < len(line); i++ {
			a, b := line[i-1], line[i]
			sb := orb.MultiPoint{a, b}.Bound()
			lo, hi := key(sb.Min[0], sb.Min[1]), key(sb.Max[0], sb.Max[1])
			for x := lo[0]; x <= hi[0]; x++ {
				for y := lo[1]; y <= hi[1]; y++ {
					for _, ring := range grid[[2]int{x, y}] {
						if !ring.Bound().Intersects(sb) {
							continue
						}
						for j := 1; j < len(ring); j++ {
							if segmentsMeet(a, b, ring[j-1], ring[j]) {
								t.Fatalf("road %v (%v) crosses a building at %v", rec.ID, rec.Props[0], ring[0])
							}
						}
					}
				}
			}
		}
	}
}
