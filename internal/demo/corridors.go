package demo

import (
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Road classes.
const (
	expressway = "expressway"
	mainRoad   = "main"
	localRoad  = "local"
)

// corridor is a named road between urban areas, given by hand-placed
// waypoints; the generator adds the bends between them.
type corridor struct {
	name      layer.Text
	class     string
	lanes     int
	speed     int // km/h
	waypoints []orb.Point
}

// corridors are the trunk roads joining the places, following (loosely)
// their real routes.
var corridors = []corridor{
	// Expressways.
	{layer.Text{En: "Tuen Mun Road", Zh: "屯門公路"}, expressway, 6, 80, []orb.Point{
		{815900, 827300}, {817800, 826300}, {820500, 825700}, {823500, 825200}, {826800, 825200}, {829200, 825900}}},
	{layer.Text{En: "Tolo Highway", Zh: "吐露港公路"}, expressway, 8, 100, []orb.Point{
		{837600, 827600}, {838100, 829500}, {837700, 831300}, {837000, 833000}, {836100, 834300}}},
	{layer.Text{En: "Fanling Highway", Zh: "粉嶺公路"}, expressway, 6, 100, []orb.Point{
		{836100, 834300}, {834500, 836300}, {833300, 838000}, {832300, 839300}, {831300, 840100}}},
	{layer.Text{En: "San Tin Highway", Zh: "新田公路"}, expressway, 6, 100, []orb.Point{
		{831300, 840100}, {828500, 840700}, {825500, 840200}, {823000, 838300}}},
	{layer.Text{En: "Yuen Long Highway", Zh: "元朗公路"}, expressway, 6, 80, []orb.Point{
		{823000, 838300}, {821800, 835500}, {820700, 833500}, {818900, 831800}, {817300, 830200}, {816100, 829100}}},
	{layer.Text{En: "Tsing Sha Highway", Zh: "青沙公路"}, expressway, 6, 80, []orb.Point{
		{828500, 822700}, {830200, 820600}, {831800, 820000}, {833300, 820600}, {833300, 822200}, {834800, 824000}, {836300, 825800}}},
	{layer.Text{En: "North Lantau Highway", Zh: "北大嶼山公路"}, expressway, 6, 110, []orb.Point{
		{812300, 817300}, {815500, 817700}, {818500, 818300}, {821500, 819300}, {824500, 820800}, {826000, 821400}, {827200, 822100}, {828500, 822700}}},
	{layer.Text{En: "Island Eastern Corridor", Zh: "東區走廊"}, expressway, 6, 70, []orb.Point{
		{836500, 816350}, {837500, 816500}, {838700, 817100}, {840200, 817000}, {841500, 816550}, {842300, 815500}}},
	{layer.Text{En: "West Kowloon Highway", Zh: "西九龍公路"}, expressway, 6, 80, []orb.Point{
		{834600, 817800}, {834200, 819200}, {833600, 820500}, {833200, 821700}, {832200, 823000}, {831400, 824400}}},
	{layer.Text{En: "Tate's Cairn Highway", Zh: "大老山公路"}, expressway, 4, 80, []orb.Point{
		{839600, 822300}, {840000, 824300}, {839500, 826300}, {838600, 827400}}},
	{layer.Text{En: "Tuen Mun–Chek Lap Kok Link", Zh: "屯門至赤鱲角連接路"}, expressway, 4, 80, []orb.Point{
		{814800, 826600}, {814200, 822500}, {813800, 819500}, {813000, 818000}}},
	{layer.Text{En: "Cross-Harbour Tunnel", Zh: "海底隧道"}, expressway, 4, 70, []orb.Point{
		{836700, 815900}, {836900, 817000}, {837100, 818300}}},
	{layer.Text{En: "Western Harbour Crossing", Zh: "西區海底隧道"}, expressway, 6, 80, []orb.Point{
		{833200, 816400}, {833700, 817600}, {834300, 818700}}},
	{layer.Text{En: "Eastern Harbour Crossing", Zh: "東區海底隧道"}, expressway, 4, 70, []orb.Point{
		{840200, 816800}, {841200, 817600}, {841500, 818600}}},
	// Main roads.
	{layer.Text{En: "Nathan Road", Zh: "彌敦道"}, mainRoad, 6, 50, []orb.Point{
		{835550, 817450}, {835600, 818300}, {835600, 819200}, {835500, 820100}, {835250, 821000}}},
	{layer.Text{En: "Castle Peak Road", Zh: "青山公路"}, mainRoad, 4, 50, []orb.Point{
		{834900, 821300}, {834000, 822000}, {833200, 822500}, {831600, 824400}, {829800, 825800}}},
	{layer.Text{En: "Castle Peak Road – Yuen Long", Zh: "青山公路－元朗段"}, mainRoad, 4, 70, []orb.Point{
		{816000, 828500}, {817300, 830500}, {818800, 832300}, {820400, 833800}, {823500, 834500}, {826500, 835500}, {829000, 837500}, {831200, 839800}}},
	{layer.Text{En: "Tai Po Road", Zh: "大埔道"}, mainRoad, 4, 70, []orb.Point{
		{834900, 821400}, {835600, 822800}, {835700, 824300}, {836300, 825700}, {837300, 826800}, {837700, 828500}, {837400, 831000}, {835800, 834300}}},
	{layer.Text{En: "Prince Edward Road", Zh: "太子道"}, mainRoad, 6, 50, []orb.Point{
		{834900, 820700}, {835600, 820600}, {836900, 821100}, {837800, 821100}, {838900, 822200}}},
	{layer.Text{En: "Kwun Tong Road", Zh: "觀塘道"}, mainRoad, 6, 50, []orb.Point{
		{839000, 821300}, {839900, 820600}, {840800, 819800}, {841800, 818900}, {842600, 818300}}},
	{layer.Text{En: "Lung Cheung Road", Zh: "龍翔道"}, mainRoad, 6, 70, []orb.Point{
		{834200, 823000}, {836000, 822700}, {837500, 822900}, {838800, 822700}}},
	{layer.Text{En: "Des Voeux Road", Zh: "德輔道"}, mainRoad, 4, 50, []orb.Point{
		{831400, 815950}, {833000, 816300}, {834300, 816150}}},
	{layer.Text{En: "Queen's Road Central", Zh: "皇后大道中"}, mainRoad, 2, 50, []orb.Point{
		{833000, 816200}, {834300, 815950}, {835000, 815800}}},
	{layer.Text{En: "Hennessy Road", Zh: "軒尼詩道"}, mainRoad, 4, 50, []orb.Point{
		{835000, 815800}, {835900, 815650}, {837000, 815700}}},
	{layer.Text{En: "King's Road", Zh: "英皇道"}, mainRoad, 4, 50, []orb.Point{
		{837000, 815700}, {838600, 816550}, {839900, 816300}, {841000, 815800}}},
	{layer.Text{En: "Chai Wan Road", Zh: "柴灣道"}, mainRoad, 4, 50, []orb.Point{
		{841000, 815800}, {841700, 815400}, {842400, 814300}}},
	{layer.Text{En: "Wong Chuk Hang Road", Zh: "黃竹坑道"}, mainRoad, 4, 70, []orb.Point{
		{836700, 815000}, {836200, 813700}, {835300, 812500}, {834100, 812250}}},
	{layer.Text{En: "Pok Fu Lam Road", Zh: "薄扶林道"}, mainRoad, 2, 50, []orb.Point{
		{832500, 816000}, {832300, 814700}, {832200, 813300}, {833400, 812300}}},
	{layer.Text{En: "Ma On Shan Road", Zh: "馬鞍山路"}, mainRoad, 4, 70, []orb.Point{
		{838400, 827300}, {840300, 828300}, {841300, 829900}, {841900, 831700}, {842300, 833000}}},
	{layer.Text{En: "Clear Water Bay Road", Zh: "清水灣道"}, mainRoad, 2, 50, []orb.Point{
		{839000, 822800}, {840800, 822900}, {842500, 822300}}},
	{layer.Text{En: "Hiram's Highway", Zh: "西貢公路"}, mainRoad, 2, 50, []orb.Point{
		{842500, 822300}, {844000, 823500}, {845800, 826700}}},
	{layer.Text{En: "Tseung Kwan O Road", Zh: "將軍澳道"}, mainRoad, 4, 70, []orb.Point{
		{841200, 820200}, {843000, 820000}, {844600, 819300}, {845200, 818200}}},
	{layer.Text{En: "Tin Fuk Road", Zh: "天福路"}, mainRoad, 4, 50, []orb.Point{
		{818300, 836600}, {818400, 835200}, {819200, 833900}}},
	{layer.Text{En: "Jockey Club Road", Zh: "馬會道"}, mainRoad, 2, 50, []orb.Point{
		{831300, 840200}, {832400, 839200}}},
	{layer.Text{En: "Tat Tung Road", Zh: "達東路"}, mainRoad, 4, 50, []orb.Point{
		{812300, 817300}, {812100, 816500}, {811700, 816000}}},
}
