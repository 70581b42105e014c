package demo

import "github.com/paulmach/orb"

// All coordinates in this package are HK1980 Grid (EPSG:2326) metres:
// x = easting, y = northing. The shapes below are coarse hand-drawn
// approximations, good for a demo and nothing else.

// territory is the Hong Kong SAR boundary, sea areas included: the Shenzhen
// River in the north, then out through Mirs Bay, round the southern waters,
// up past the Soko Islands and through Deep Bay. Counter-clockwise, open.
var territory = []orb.Point{
	{801000, 801000}, {866500, 801000}, {866500, 847000}, {852000, 845500},
	{845500, 844800}, {841300, 845300}, {838000, 846200}, {835000, 844200},
	{832500, 843600}, {829800, 843300}, {826500, 842800}, {822800, 842200},
	{819000, 841000}, {815000, 840200}, {809500, 838300}, {805000, 834000},
	{802500, 826000}, {800800, 815000}, {800800, 803000},
}

// waterBody is a coarse polygon of sea next to an urban area, where no
// building may stand.
type waterBody struct {
	name  string
	ring  []orb.Point
	bound orb.Bound
}

func newWaterBody(name string, ring []orb.Point) waterBody {
	return waterBody{name: name, ring: ring, bound: orb.MultiPoint(ring).Bound()}
}

// water holds the sea next to the generated towns. Victoria Harbour first:
// it is the one the tests name.
var water = []waterBody{
	newWaterBody("Victoria Harbour", []orb.Point{
		// Hong Kong Island's north shore, west to east.
		{829500, 816300}, {831300, 816350}, {833000, 816650}, {834500, 816500},
		{835300, 816300}, {835750, 816050}, {836500, 816250}, {837500, 816450},
		{838700, 817050}, {840200, 816950}, {841500, 816500}, {842400, 816300},
		// Lei Yue Mun, then Kowloon's shore, east to west.
		{842600, 817400}, {841600, 818300}, {840700, 818500}, {840000, 818150},
		{839000, 818700}, {838100, 818700}, {837200, 818250}, {836300, 817600},
		{835450, 817230}, {834600, 817500}, {834000, 818200}, {832800, 818700},
		{830000, 818200},
	}),
	newWaterBody("Kowloon Bay", []orb.Point{
		{840300, 818450}, {840850, 818900}, {839550, 820000}, {839250, 819800},
	}),
	newWaterBody("Rambler Channel", []orb.Point{
		{830000, 821500}, {830800, 821500}, {830900, 824400}, {830500, 825100},
		{829700, 825250}, {826500, 825200}, {826500, 824900}, {829600, 824750},
		{829900, 824400},
	}),
	newWaterBody("Tolo Harbour", []orb.Point{
		{838900, 827400}, {839700, 827600}, {840900, 829000}, {841000, 831000},
		{841200, 833000}, {843000, 835500}, {845000, 838000}, {841000, 837500},
		{838200, 834000}, {837800, 832800}, {837900, 831000}, {838700, 829400},
		{839000, 828300},
	}),
	newWaterBody("Junk Bay", []orb.Point{
		{843400, 817000}, {844400, 817500}, {845200, 817300}, {845500, 816000},
		{845300, 814000}, {843500, 814000},
	}),
	newWaterBody("Castle Peak Bay", []orb.Point{
		{812800, 826400}, {814800, 826600}, {815200, 826300}, {815000, 825000},
		{812800, 825000},
	}),
	newWaterBody("Tung Chung Bay", []orb.Point{
		{808000, 815500}, {810900, 815500}, {811000, 817150}, {816000, 817250},
		{816000, 818000}, {808000, 818000},
	}),
	newWaterBody("Deep Bay", []orb.Point{
		{810000, 833000}, {815500, 833800}, {816000, 836800}, {817500, 840500},
		{810000, 840500},
	}),
	newWaterBody("Port Shelter", []orb.Point{
		{846300, 825000}, {846400, 827500}, {849000, 828500}, {849000, 823000},
		{846500, 823000},
	}),
	newWaterBody("Discovery Bay", []orb.Point{
		{823300, 812000}, {823300, 815000}, {826000, 815000}, {826000, 812000},
	}),
	newWaterBody("East Lamma Channel", []orb.Point{
		{829000, 808500}, {837500, 808500}, {836500, 811300}, {835000, 810950},
		{833000, 810900}, {831600, 812500}, {831300, 814000}, {830500, 815600},
		{829000, 816000},
	}),
}

// inWater reports whether p lies in one of the water bodies.
func inWater(p orb.Point) bool {
	for i := range water {
		if water[i].bound.Contains(p) && inRing(water[i].ring, p) {
			return true
		}
	}
	return false
}

// onLand reports whether p is inside the territory and not in the sea next
// to a town. (Open country counts as land: the generators only build where
// the urban areas are.)
func onLand(p orb.Point) bool {
	return inRing(territory, p) && !inWater(p)
}
