package demo

import (
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// profile is the kind of town a place is: it sets the street grid and the
// mix of buildings.
type profile int

const (
	core       profile = iota // business districts: commercial towers on big plots
	oldUrban                  // tenements and tong lau on a tight street grid
	newTown                   // housing estates and private towers
	industrial                // flatted factories among estates
	lowRise                   // suburbs and island towns
)

// Building uses, in the order style.uses weighs them.
const (
	residential = iota
	commercial
	industrialUse
	government
	mixed
)

var useNames = [...]string{"residential", "commercial", "industrial", "government", "mixed"}

// style is how a profile builds.
type style struct {
	cell, street float64 // metres: one plot's side, a street's width
	cells        int     // plots per block side (at most 4: a block's plots fit in 16 bits)
	single       float64 // share of blocks taken by one large building
	fill         float64 // share of plots built on in the other blocks
	uses         [5]float64
}

var styles = [...]style{
	core:       {cell: 24, street: 14, cells: 3, single: 0.25, fill: 0.9, uses: [5]float64{0.10, 0.60, 0, 0.10, 0.20}},
	oldUrban:   {cell: 18, street: 12, cells: 4, single: 0.05, fill: 0.9, uses: [5]float64{0.40, 0.10, 0.05, 0.05, 0.40}},
	newTown:    {cell: 34, street: 16, cells: 2, single: 0.20, fill: 0.85, uses: [5]float64{0.70, 0.10, 0.03, 0.07, 0.10}},
	industrial: {cell: 30, street: 16, cells: 2, single: 0.20, fill: 0.9, uses: [5]float64{0.25, 0.10, 0.50, 0.05, 0.10}},
	lowRise:    {cell: 22, street: 10, cells: 3, single: 0.02, fill: 0.6, uses: [5]float64{0.85, 0.05, 0, 0.05, 0.05}},
}

// place is an urban area buildings cluster in: a Gaussian-ish spread around
// its centre, elongated along its street grid's bearing.
type place struct {
	name     layer.Text
	district int
	centre   orb.Point
	bearing  float64 // degrees counter-clockwise from grid east
	spreadU  float64 // metres, along the bearing
	spreadV  float64 // metres, across it
	weight   float64 // share of the buildings
	profile  profile
	since    int // year the area's oldest standing buildings date from
}

// places are Hong Kong's urban areas at their approximate HK1980 Grid
// positions.
var places = []place{
	// Hong Kong Island.
	{layer.Text{En: "Central", Zh: "中環"}, centralWestern, orb.Point{834300, 815950}, 10, 550, 260, 3, core, 1950},
	{layer.Text{En: "Admiralty", Zh: "金鐘"}, centralWestern, orb.Point{835000, 815750}, 0, 300, 250, 1, core, 1970},
	{layer.Text{En: "Sheung Wan", Zh: "上環"}, centralWestern, orb.Point{833300, 816150}, 10, 450, 250, 3, oldUrban, 1950},
	{layer.Text{En: "Sai Ying Pun", Zh: "西營盤"}, centralWestern, orb.Point{832400, 816000}, 10, 400, 250, 2, oldUrban, 1950},
	{layer.Text{En: "Kennedy Town", Zh: "堅尼地城"}, centralWestern, orb.Point{831400, 815900}, 5, 400, 280, 2, oldUrban, 1955},
	{layer.Text{En: "Mid-Levels", Zh: "半山"}, centralWestern, orb.Point{833600, 815300}, 15, 700, 220, 2, newTown, 1960},
	{layer.Text{En: "Wan Chai", Zh: "灣仔"}, wanChai, orb.Point{835900, 815600}, 5, 450, 280, 3, oldUrban, 1950},
	{layer.Text{En: "Causeway Bay", Zh: "銅鑼灣"}, wanChai, orb.Point{837000, 815800}, 15, 450, 350, 3, core, 1955},
	{layer.Text{En: "Happy Valley", Zh: "跑馬地"}, wanChai, orb.Point{836800, 814600}, 0, 350, 300, 1.5, newTown, 1955},
	{layer.Text{En: "North Point", Zh: "北角"}, eastern, orb.Point{838600, 816550}, 25, 600, 280, 3, oldUrban, 1950},
	{layer.Text{En: "Quarry Bay", Zh: "鰂魚涌"}, eastern, orb.Point{839900, 816250}, 25, 500, 300, 2.5, newTown, 1975},
	{layer.Text{En: "Shau Kei Wan", Zh: "筲箕灣"}, eastern, orb.Point{841600, 815500}, 35, 500, 350, 2, oldUrban, 1960},
	{layer.Text{En: "Chai Wan", Zh: "柴灣"}, eastern, orb.Point{842400, 814100}, 60, 600, 400, 2.5, newTown, 1965},
	{layer.Text{En: "Aberdeen", Zh: "香港仔"}, southern, orb.Point{834100, 812250}, 20, 500, 300, 2, oldUrban, 1960},
	{layer.Text{En: "Ap Lei Chau", Zh: "鴨脷洲"}, southern, orb.Point{833900, 811450}, 20, 400, 220, 1.5, newTown, 1980},
	{layer.Text{En: "Wong Chuk Hang", Zh: "黃竹坑"}, southern, orb.Point{835300, 812200}, 30, 350, 250, 1, industrial, 1965},
	{layer.Text{En: "Pok Fu Lam", Zh: "薄扶林"}, southern, orb.Point{832200, 813100}, 80, 500, 300, 1, newTown, 1970},
	// Kowloon.
	{layer.Text{En: "Tsim Sha Tsui", Zh: "尖沙咀"}, yauTsimMong, orb.Point{835800, 817850}, 5, 400, 350, 3, core, 1955},
	{layer.Text{En: "Yau Ma Tei", Zh: "油麻地"}, yauTsimMong, orb.Point{835500, 819100}, 5, 350, 450, 3, oldUrban, 1950},
	{layer.Text{En: "Mong Kok", Zh: "旺角"}, yauTsimMong, orb.Point{835550, 820100}, 5, 400, 450, 4, oldUrban, 1950},
	{layer.Text{En: "Tai Kok Tsui", Zh: "大角咀"}, yauTsimMong, orb.Point{834750, 820350}, 15, 300, 300, 1.5, oldUrban, 1955},
	{layer.Text{En: "Sham Shui Po", Zh: "深水埗"}, shamShuiPo, orb.Point{834750, 821250}, 20, 450, 400, 3.5, oldUrban, 1950},
	{layer.Text{En: "Cheung Sha Wan", Zh: "長沙灣"}, shamShuiPo, orb.Point{834000, 822000}, 20, 450, 350, 2.5, industrial, 1960},
	{layer.Text{En: "Shek Kip Mei", Zh: "石硤尾"}, shamShuiPo, orb.Point{835300, 822300}, 20, 350, 300, 1.5, newTown, 1955},
	{layer.Text{En: "Lai Chi Kok", Zh: "荔枝角"}, shamShuiPo, orb.Point{833200, 822300}, 30, 350, 300, 1.5, newTown, 1970},
	{layer.Text{En: "Hung Hom", Zh: "紅磡"}, kowloonCity, orb.Point{837000, 818700}, 30, 400, 300, 2, newTown, 1960},
	{layer.Text{En: "To Kwa Wan", Zh: "土瓜灣"}, kowloonCity, orb.Point{837450, 819800}, 30, 350, 400, 2.5, oldUrban, 1960},
	{layer.Text{En: "Kowloon City", Zh: "九龍城"}, kowloonCity, orb.Point{837800, 821050}, 0, 350, 300, 2, oldUrban, 1960},
	{layer.Text{En: "Kowloon Tong", Zh: "九龍塘"}, kowloonCity, orb.Point{836300, 821950}, 0, 450, 350, 1, lowRise, 1950},
	{layer.Text{En: "Ho Man Tin", Zh: "何文田"}, kowloonCity, orb.Point{836400, 820200}, 0, 350, 350, 1.5, newTown, 1970},
	{layer.Text{En: "Wong Tai Sin", Zh: "黃大仙"}, wongTaiSin, orb.Point{838050, 822550}, 10, 400, 350, 2.5, newTown, 1960},
	{layer.Text{En: "Lok Fu", Zh: "樂富"}, wongTaiSin, orb.Point{837300, 822150}, 10, 350, 300, 1.5, newTown, 1965},
	{layer.Text{En: "San Po Kong", Zh: "新蒲崗"}, wongTaiSin, orb.Point{838700, 821800}, 20, 350, 300, 1.5, industrial, 1965},
	{layer.Text{En: "Tsz Wan Shan", Zh: "慈雲山"}, wongTaiSin, orb.Point{838700, 823350}, 20, 400, 300, 1.5, newTown, 1970},
	{layer.Text{En: "Kowloon Bay", Zh: "九龍灣"}, kwunTong, orb.Point{840100, 820450}, 30, 400, 350, 2, industrial, 1980},
	{layer.Text{En: "Kwun Tong", Zh: "觀塘"}, kwunTong, orb.Point{841400, 819400}, 35, 500, 450, 3, industrial, 1958},
	{layer.Text{En: "Sau Mau Ping", Zh: "秀茂坪"}, kwunTong, orb.Point{841900, 820500}, 35, 450, 350, 2, newTown, 1965},
	{layer.Text{En: "Lam Tin", Zh: "藍田"}, kwunTong, orb.Point{842450, 818900}, 30, 400, 350, 2, newTown, 1975},
	{layer.Text{En: "Yau Tong", Zh: "油塘"}, kwunTong, orb.Point{843050, 817800}, 30, 350, 250, 1, newTown, 1980},
	// New Territories and Lantau.
	{layer.Text{En: "Tsuen Wan", Zh: "荃灣"}, tsuenWan, orb.Point{829700, 826000}, 10, 800, 450, 4, newTown, 1965},
	{layer.Text{En: "Kwai Chung", Zh: "葵涌"}, kwaiTsing, orb.Point{831500, 824700}, 70, 700, 450, 3.5, industrial, 1965},
	{layer.Text{En: "Tsing Yi", Zh: "青衣"}, kwaiTsing, orb.Point{829000, 823900}, 0, 500, 500, 2.5, newTown, 1980},
	{layer.Text{En: "Sha Tin", Zh: "沙田"}, shaTin, orb.Point{837400, 827000}, 30, 700, 450, 3.5, newTown, 1978},
	{layer.Text{En: "Tai Wai", Zh: "大圍"}, shaTin, orb.Point{836450, 825950}, 30, 450, 350, 2, newTown, 1975},
	{layer.Text{En: "Fo Tan", Zh: "火炭"}, shaTin, orb.Point{838300, 828600}, 60, 350, 300, 1.5, industrial, 1980},
	{layer.Text{En: "Ma On Shan", Zh: "馬鞍山"}, shaTin, orb.Point{842000, 831600}, 80, 900, 400, 2.5, newTown, 1990},
	{layer.Text{En: "Tai Po", Zh: "大埔"}, taiPo, orb.Point{835300, 834500}, 20, 800, 500, 3, newTown, 1980},
	{layer.Text{En: "Fanling", Zh: "粉嶺"}, north, orb.Point{832400, 839100}, 30, 550, 450, 2, newTown, 1985},
	{layer.Text{En: "Sheung Shui", Zh: "上水"}, north, orb.Point{831200, 840200}, 30, 500, 400, 2, newTown, 1985},
	{layer.Text{En: "Tuen Mun", Zh: "屯門"}, tuenMun, orb.Point{815700, 828400}, 95, 1300, 700, 5, newTown, 1975},
	{layer.Text{En: "Yuen Long", Zh: "元朗"}, yuenLong, orb.Point{820300, 833900}, 5, 900, 500, 3.5, newTown, 1970},
	{layer.Text{En: "Tin Shui Wai", Zh: "天水圍"}, yuenLong, orb.Point{818400, 836100}, 0, 700, 700, 3, newTown, 1992},
	{layer.Text{En: "Tseung Kwan O", Zh: "將軍澳"}, saiKung, orb.Point{845000, 819100}, 95, 1000, 600, 4, newTown, 1988},
	{layer.Text{En: "Sai Kung", Zh: "西貢"}, saiKung, orb.Point{845900, 826900}, 20, 350, 300, 0.6, lowRise, 1970},
	{layer.Text{En: "Tung Chung", Zh: "東涌"}, islands, orb.Point{812200, 816500}, 15, 700, 350, 2, newTown, 1997},
	{layer.Text{En: "Discovery Bay", Zh: "愉景灣"}, islands, orb.Point{822700, 813500}, 70, 500, 300, 0.8, lowRise, 1985},
}

// ownerAt returns the index of the place whose street grid covers p: the
// place of least power distance, its reach growing with its spread. The
// regions are convex, so a block whose corners share an owner lies wholly in
// that owner's region and never meets another place's blocks.
func ownerAt(p orb.Point) int {
	best, bestPower := 0, 0.0
	for i := range places {
		if pw := power(p, places[i].centre, places[i].reachSq()); i == 0 || pw < bestPower {
			best, bestPower = i, pw
		}
	}
	return best
}

// reachSq is the square of the place's reach: one and a half times its
// geometric-mean spread.
func (p *place) reachSq() float64 {
	return 2.25 * p.spreadU * p.spreadV
}
