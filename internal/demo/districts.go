package demo

import (
	"iter"
	"sync"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// The 18 districts, in the order the Government lists them.
const (
	centralWestern = iota
	wanChai
	eastern
	southern
	yauTsimMong
	shamShuiPo
	kowloonCity
	wongTaiSin
	kwunTong
	kwaiTsing
	tsuenWan
	tuenMun
	yuenLong
	north
	taiPo
	saiKung
	shaTin
	islands
)

// district is one of Hong Kong's 18 districts. Its polygon is its cell of a
// power diagram (a Voronoi diagram whose sites have a reach) clipped to the
// territory: cells are convex, so they never overlap, they tile the
// territory, and "which district is this point in" is a cheap argmin that
// agrees with the polygons exactly.
type district struct {
	name  layer.Text
	site  orb.Point
	reach float64 // metres; a larger reach pushes the cell's edges outwards
	// landKm2 is the district's land area, not its polygon's: the polygons
	// include the sea the district faces.
	landKm2    float64
	population int64 // 2021 census, rounded
}

// The sites and reaches were tuned so that every place lies at least one
// spread inside its own district's cell.
var districts = [18]district{
	centralWestern: {layer.Text{En: "Central and Western", Zh: "中西區"}, orb.Point{833766, 815648}, 596, 12.5, 235_950},
	wanChai:        {layer.Text{En: "Wan Chai", Zh: "灣仔區"}, orb.Point{836679, 814382}, 926, 9.8, 166_700},
	eastern:        {layer.Text{En: "Eastern", Zh: "東區"}, orb.Point{841994, 816041}, 4259, 18.6, 529_600},
	southern:       {layer.Text{En: "Southern", Zh: "南區"}, orb.Point{834362, 810051}, 4457, 38.9, 263_300},
	yauTsimMong:    {layer.Text{En: "Yau Tsim Mong", Zh: "油尖旺區"}, orb.Point{834098, 818607}, 1889, 7.0, 310_650},
	shamShuiPo:     {layer.Text{En: "Sham Shui Po", Zh: "深水埗區"}, orb.Point{833581, 820625}, 211, 9.4, 431_100},
	kowloonCity:    {layer.Text{En: "Kowloon City", Zh: "九龍城區"}, orb.Point{837520, 819887}, 115, 10.0, 410_650},
	wongTaiSin:     {layer.Text{En: "Wong Tai Sin", Zh: "黃大仙區"}, orb.Point{839310, 822608}, 1092, 9.3, 406_800},
	kwunTong:       {layer.Text{En: "Kwun Tong", Zh: "觀塘區"}, orb.Point{842186, 818625}, 4138, 11.3, 673_150},
	kwaiTsing:      {layer.Text{En: "Kwai Tsing", Zh: "葵青區"}, orb.Point{828993, 822541}, 809, 23.3, 495_800},
	tsuenWan:       {layer.Text{En: "Tsuen Wan", Zh: "荃灣區"}, orb.Point{825322, 827048}, 3938, 61.7, 320_100},
	tuenMun:        {layer.Text{En: "Tuen Mun", Zh: "屯門區"}, orb.Point{812239, 829814}, 1138, 82.9, 506_900},
	yuenLong:       {layer.Text{En: "Yuen Long", Zh: "元朗區"}, orb.Point{818896, 836023}, 3110, 138.5, 668_100},
	north:          {layer.Text{En: "North", Zh: "北區"}, orb.Point{836082, 843007}, 563, 136.6, 309_650},
	taiPo:          {layer.Text{En: "Tai Po", Zh: "大埔區"}, orb.Point{840883, 835388}, 2928, 136.2, 316_450},
	saiKung:        {layer.Text{En: "Sai Kung", Zh: "西貢區"}, orb.Point{852013, 821495}, 9821, 129.7, 489_050},
	shaTin:         {layer.Text{En: "Sha Tin", Zh: "沙田區"}, orb.Point{839614, 828267}, 4610, 69.3, 692_800},
	islands:        {layer.Text{En: "Islands", Zh: "離島區"}, orb.Point{814249, 810193}, 0, 175.1, 185_300},
}

// districtAt returns the index of the district whose polygon contains p.
func districtAt(p orb.Point) int {
	best, bestPower := 0, 0.0
	for i := range districts {
		if pw := power(p, districts[i].site, districts[i].reach*districts[i].reach); i == 0 || pw < bestPower {
			best, bestPower = i, pw
		}
	}
	return best
}

// power is the power distance of p from a site with a reach: the squared
// distance less the squared reach.
func power(p, site orb.Point, reachSq float64) float64 {
	dx, dy := p[0]-site[0], p[1]-site[1]
	return dx*dx + dy*dy - reachSq
}

// districtPolygons are the districts' polygons, computed once: they depend
// on nothing but the table above.
var districtPolygons = sync.OnceValue(func() [18]orb.Polygon {
	var out [18]orb.Polygon
	for i := range districts {
		out[i] = orb.Polygon{closeRing(districtCell(i))}
	}
	return out
})

// districtCell clips the territory to the half-planes where district i's
// power distance is no greater than each other district's. Working relative
// to site i keeps the arithmetic small.
func districtCell(i int) []orb.Point {
	o := districts[i].site
	cell := make([]orb.Point, len(territory))
	for k, p := range territory {
		cell[k] = orb.Point{p[0] - o[0], p[1] - o[1]}
	}
	ri := districts[i].reach
	for j := range districts {
		if j == i {
			continue
		}
		q := orb.Point{districts[j].site[0] - o[0], districts[j].site[1] - o[1]}
		rj := districts[j].reach
		// |x|^2 - ri^2 <= |x-q|^2 - rj^2  <=>  2 q.x <= |q|^2 - rj^2 + ri^2
		cell = clipHalfPlane(cell, 2*q[0], 2*q[1], q[0]*q[0]+q[1]*q[1]-rj*rj+ri*ri)
	}
	for k := range cell {
		cell[k] = orb.Point{cell[k][0] + o[0], cell[k][1] + o[1]}
	}
	return cell
}

// districtRecords yields the 18 districts. They do not depend on the seed.
func districtRecords() iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		polygons := districtPolygons()
		for i, d := range districts {
			props := []any{d.name.En, d.name.Zh, d.landKm2, d.population}
			if !yield(store.Record{ID: int64(i + 1), Geometry: polygons[i].Clone(), Props: props}, nil) {
				return
			}
		}
	}
}
