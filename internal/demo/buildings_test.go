package demo

import (
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
)

func TestPlacesLieInTheirDistricts(t *testing.T) {
	for _, pl := range places {
		if got := districtAt(pl.centre); got != pl.district {
			t.Errorf("%s lies in %s, want %s", pl.name.En, districts[got].name.En, districts[pl.district].name.En)
		}
		if !onLand(pl.centre) {
			t.Errorf("%s's centre %v is in the sea", pl.name.En, pl.centre)
		}
	}
}

func TestWaterMask(t *testing.T) {
	sea := map[string]orb.Point{
		"mid-harbour off Central":        {835000, 816900},
		"mid-harbour off North Point":    {839000, 817600},
		"Rambler Channel":                {830400, 823500},
		"Tolo Harbour":                   {840000, 832000},
		"Junk Bay":                       {844500, 816000},
		"the harbour west of Sheung Wan": {831500, 817300},
	}
	land := map[string]orb.Point{
		"Central": {834300, 815900}, "Tsim Sha Tsui": {835800, 817850}, "Mong Kok": {835550, 820100},
		"Causeway Bay": {837000, 815700}, "Sha Tin": {837400, 827000}, "Tseung Kwan O": {845000, 819100},
	}
	for name, p := range sea {
		if onLand(p) {
			t.Errorf("%s %v counts as land", name, p)
		}
	}
	for name, p := range land {
		if !onLand(p) {
			t.Errorf("%s %v counts as sea", name, p)
		}
	}
}

func TestBuildingsAreInTheUrbanAreas(t *testing.T) {
	recs := collect(t, BuildingsID, Options{})
	near := 0
	for _, rec := range recs {
		c := centroid(rec.Geometry.(orb.Polygon)[0])
		for _, pl := range places {
			if math.Hypot(c[0]-pl.centre[0], c[1]-pl.centre[1]) <= 3000 {
				near++
				break
			}
		}
	}
	if share := float64(near) / float64(len(recs)); share < 0.9 {
		t.Errorf("%.1f%% of buildings lie within 3 km of an urban centre, want at least 90%%", 100*share)
	}
}

func TestBuildingsAreNotInTheSea(t *testing.T) {
	for _, rec := range collect(t, BuildingsID, Options{}) {
		for _, p := range rec.Geometry.(orb.Polygon)[0] {
			for _, w := range water {
				if w.bound.Contains(p) && inRing(w.ring, p) {
					t.Fatalf("building %v has a vertex %v in %s", rec.ID, p, w.name)
				}
			}
		}
	}
}

func TestBuildingShapes(t *testing.T) {
	for _, rec := range collect(t, BuildingsID, Options{}) {
		ring := rec.Geometry.(orb.Polygon)[0]
		if n := len(ring); n != 5 && n != 7 {
			t.Fatalf("building %v: %d points: neither a rectangle nor an L", rec.ID, n)
		}
		longest := 0.0
		for i := 1; i < len(ring); i++ {
			longest = math.Max(longest, math.Hypot(ring[i][0]-ring[i-1][0], ring[i][1]-ring[i-1][1]))
		}
		if longest < minSide-0.05 || longest > maxSide+0.05 {
			t.Fatalf("building %v: longest side %.2f m, want %v-%v", rec.ID, longest, minSide, maxSide)
		}
		if area := signedArea(ring); area < 0.5*minSide*minSide || area > maxSide*maxSide {
			t.Fatalf("building %v: area %.1f m²", rec.ID, area)
		}
	}
}

func TestBuildingAttributes(t *testing.T) {
	l := demoLayer(t, BuildingsID)
	col := func(name string) int { return l.FieldIndex(name) }
	names := map[string]int{}
	for i, d := range districts {
		names[d.name.En] = i
	}
	uses := map[string]int{}
	for _, rec := range collect(t, BuildingsID, Options{}) {
		p := rec.Props
		floors, height, year := p[col("floors")].(int64), p[col("height_m")].(float64), p[col("year_built")].(int64)
		if floors < 1 || floors > 80 || height < 2.5*float64(floors) || height > 4*float64(floors)+10 {
			t.Fatalf("building %v: %d floors, %.1f m", rec.ID, floors, height)
		}
		if year < 1950 || year > 2024 {
			t.Fatalf("building %v: built %d", rec.ID, year)
		}
		use := p[col("use")].(string)
		if !slices.Contains(useNames[:], use) {
			t.Fatalf("building %v: use %q", rec.ID, use)
		}
		uses[use]++
		d, ok := names[p[col("district")].(string)]
		if !ok {
			t.Fatalf("building %v: district %q", rec.ID, p[col("district")])
		}
		if got := districtAt(centroid(rec.Geometry.(orb.Polygon)[0])); got != d {
			t.Fatalf("building %v says %s but stands in %s", rec.ID, districts[d].name.En, districts[got].name.En)
		}
		if en, zh := p[col("name_en")].(string), p[col("name_zh")].(string); !isASCII(en) || isASCII(zh) {
			t.Fatalf("building %v: names %q %q", rec.ID, en, zh)
		}
	}
	for _, u := range useNames {
		if uses[u] == 0 {
			t.Errorf("no %s buildings", u)
		}
	}
}

func isASCII(s string) bool {
	for _, c := range s {
		if c > 127 {
			return false
		}
	}
	return true
}

func BenchmarkBuildings(b *testing.B) {
	for b.Loop() {
		n := 0
		for _, err := range Records(BuildingsID, Options{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n < defaultBuildings {
			b.Fatalf("%d buildings", n)
		}
	}
	b.ReportMetric(float64(defaultBuildings), "buildings/op")
}

// centroid is the vertex average of an open ring: good enough to say which
// district a small footprint belongs to.
func centroid(ring []orb.Point) orb.Point {
	var c orb.Point
	for _, p := range ring {
		c[0] += p[0]
		c[1] += p[1]
	}
	n := float64(len(ring))
	return orb.Point{c[0] / n, c[1] / n}
}
