package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Bilingual word lists. Names are made of an auspicious two-syllable
// Cantonese word, as so many Hong Kong buildings and streets are, and a
// suffix; any likeness to a real building is a coincidence of the style.

// auspicious words, romanised the Hong Kong way.
var auspicious = []layer.Text{
	{En: "Wing On", Zh: "永安"}, {En: "Tai Hing", Zh: "大興"}, {En: "Fook Wah", Zh: "福華"},
	{En: "Kam Fung", Zh: "金豐"}, {En: "Hoi Tat", Zh: "海達"}, {En: "Lok Sing", Zh: "樂昇"},
	{En: "Po Wah", Zh: "寶華"}, {En: "Man Yee", Zh: "文怡"}, {En: "Yan Wo", Zh: "仁和"},
	{En: "Shun Fat", Zh: "順發"}, {En: "Ka Fai", Zh: "嘉輝"}, {En: "Wah Fung", Zh: "華豐"},
	{En: "Kwong Fat", Zh: "廣發"}, {En: "Sun Hing", Zh: "新興"}, {En: "Tak Shing", Zh: "德成"},
	{En: "Chung Hing", Zh: "中興"}, {En: "Yue Tung", Zh: "裕東"}, {En: "On Fai", Zh: "安輝"},
	{En: "Kin Wah", Zh: "建華"}, {En: "Lai Yin", Zh: "麗然"}, {En: "Fu Lok", Zh: "富樂"},
	{En: "Ming Fai", Zh: "明輝"}, {En: "Hoi Ming", Zh: "海明"}, {En: "Sau Wah", Zh: "秀華"},
	{En: "Tin Ma", Zh: "天馬"}, {En: "Kam Wah", Zh: "金華"}, {En: "Wing Lok", Zh: "永樂"},
	{En: "Hang Fat", Zh: "恒發"}, {En: "Tung Fong", Zh: "東方"}, {En: "Nam Fung", Zh: "南豐"},
	{En: "Pak Wo", Zh: "百和"}, {En: "Yau Lee", Zh: "有利"}, {En: "Hong Kwong", Zh: "康光"},
	{En: "Wah Yan", Zh: "華仁"}, {En: "Tsui Lam", Zh: "翠林"}, {En: "Mei Lam", Zh: "美林"},
	{En: "Ching Wah", Zh: "清華"}, {En: "Fung Wong", Zh: "鳳凰"}, {En: "Cheong Hing", Zh: "昌興"},
	{En: "Wai Lok", Zh: "偉樂"}, {En: "Yee Hong", Zh: "怡康"}, {En: "Sun Lee", Zh: "新利"},
	{En: "King Fook", Zh: "景福"}, {En: "Man Wah", Zh: "萬華"}, {En: "Kwai Fung", Zh: "桂豐"},
	{En: "Lung Hing", Zh: "龍興"}, {En: "Tsz Wan", Zh: "慈雲"}, {En: "Shing Tai", Zh: "盛泰"},
	{En: "Yuet Wah", Zh: "悅華"}, {En: "Kwan Lok", Zh: "群樂"}, {En: "Sai On", Zh: "西安"},
	{En: "Chi Fu", Zh: "置富"}, {En: "Hing Wah", Zh: "興華"}, {En: "Fu Yan", Zh: "富欣"},
}

// buildingSuffixes by use, in the order of useNames.
var buildingSuffixes = [...][]layer.Text{
	residential: {
		{En: "Mansion", Zh: "大廈"}, {En: "Court", Zh: "閣"}, {En: "Garden", Zh: "花園"},
		{En: "Building", Zh: "大樓"}, {En: "Terrace", Zh: "台"}, {En: "Villa", Zh: "山莊"},
	},
	commercial: {
		{En: "Centre", Zh: "中心"}, {En: "Plaza", Zh: "廣場"}, {En: "Commercial Building", Zh: "商業大廈"},
		{En: "Tower", Zh: "大廈"}, {En: "House", Zh: "行"},
	},
	industrialUse: {
		{En: "Industrial Building", Zh: "工業大廈"}, {En: "Factory Building", Zh: "工廠大廈"},
		{En: "Industrial Centre", Zh: "工業中心"}, {En: "Godown", Zh: "貨倉"},
	},
	government: {
		{En: "Government Offices", Zh: "政府合署"}, {En: "Municipal Services Building", Zh: "市政大廈"},
		{En: "Community Hall", Zh: "社區會堂"}, {En: "Fire Station", Zh: "消防局"},
		{En: "Police Station", Zh: "警署"}, {En: "Sports Centre", Zh: "體育館"},
		{En: "Public Library", Zh: "公共圖書館"},
	},
	mixed: {
		{En: "Building", Zh: "大廈"}, {En: "House", Zh: "樓"}, {En: "Commercial and Residential Building", Zh: "商住大廈"},
	},
}

// estates are how housing estates name themselves: "Block 3 of X Estate".
var estates = []layer.Text{{En: "Estate", Zh: "邨"}, {En: "Court", Zh: "苑"}}

// buildingName names a building of the given use in place pl. Government
// buildings are named after their place; some residential towers are
// blocks of an estate.
func buildingName(r *rand.Rand, use int, pl *place) layer.Text {
	suffix := pick(r, buildingSuffixes[use])
	if use == government {
		return join(pl.name, suffix)
	}
	word := pick(r, auspicious)
	if use == residential && pl.profile == newTown && chance(r, 0.4) {
		e := pick(r, estates)
		n := intBetween(r, 1, 12)
		return layer.Text{
			En: fmt.Sprintf("%s %s Block %d", word.En, e.En, n),
			Zh: fmt.Sprintf("%s%s第%d座", word.Zh, e.Zh, n),
		}
	}
	return join(word, suffix)
}

// join puts two names together: with a space in English, without in Chinese.
func join(a, b layer.Text) layer.Text {
	return layer.Text{En: a.En + " " + b.En, Zh: a.Zh + b.Zh}
}

// streetSuffixes name roads.
var streetSuffixes = []layer.Text{
	{En: "Street", Zh: "街"}, {En: "Street", Zh: "街"}, {En: "Road", Zh: "道"}, {En: "Road", Zh: "路"},
	{En: "Lane", Zh: "里"}, {En: "Path", Zh: "徑"}, {En: "Avenue", Zh: "大道"},
}

// streetName makes up a street's name.
func streetName(r *rand.Rand) layer.Text {
	return join(pick(r, auspicious), pick(r, streetSuffixes))
}

// Personal names: a surname and a two-syllable given name, written the Hong
// Kong way ("Chan Tai Man 陳大文").
var surnames = []layer.Text{
	{En: "Chan", Zh: "陳"}, {En: "Wong", Zh: "黃"}, {En: "Wong", Zh: "王"}, {En: "Lee", Zh: "李"},
	{En: "Cheung", Zh: "張"}, {En: "Lau", Zh: "劉"}, {En: "Ho", Zh: "何"}, {En: "Ng", Zh: "吳"},
	{En: "Leung", Zh: "梁"}, {En: "Lam", Zh: "林"}, {En: "Tam", Zh: "譚"}, {En: "Yeung", Zh: "楊"},
	{En: "Tsang", Zh: "曾"}, {En: "Chow", Zh: "周"}, {En: "Kwok", Zh: "郭"}, {En: "Mak", Zh: "麥"},
	{En: "Choi", Zh: "蔡"}, {En: "Law", Zh: "羅"}, {En: "Fung", Zh: "馮"}, {En: "Tang", Zh: "鄧"},
	{En: "Yip", Zh: "葉"}, {En: "Cheng", Zh: "鄭"}, {En: "Siu", Zh: "蕭"}, {En: "Poon", Zh: "潘"},
	{En: "Yuen", Zh: "袁"}, {En: "Chu", Zh: "朱"}, {En: "Hui", Zh: "許"}, {En: "Lo", Zh: "盧"},
}

var givenSyllables = []layer.Text{
	{En: "Tai", Zh: "大"}, {En: "Man", Zh: "文"}, {En: "Siu", Zh: "小"}, {En: "Ming", Zh: "明"},
	{En: "Wai", Zh: "偉"}, {En: "Kwok", Zh: "國"}, {En: "Wing", Zh: "永"}, {En: "Ka", Zh: "家"},
	{En: "Yuk", Zh: "玉"}, {En: "Mei", Zh: "美"}, {En: "Lai", Zh: "麗"}, {En: "Fung", Zh: "鳳"},
	{En: "Sau", Zh: "秀"}, {En: "Ying", Zh: "英"}, {En: "Chi", Zh: "志"}, {En: "Kin", Zh: "健"},
	{En: "Hung", Zh: "雄"}, {En: "Keung", Zh: "強"}, {En: "Fai", Zh: "輝"}, {En: "Wah", Zh: "華"},
	{En: "Kam", Zh: "金"}, {En: "Lan", Zh: "蘭"}, {En: "Chun", Zh: "珍"}, {En: "Hing", Zh: "興"},
	{En: "Yee", Zh: "儀"}, {En: "Fong", Zh: "芳"}, {En: "Shing", Zh: "成"}, {En: "Tak", Zh: "德"},
	{En: "Kit", Zh: "傑"}, {En: "Lok", Zh: "樂"}, {En: "Hoi", Zh: "海"}, {En: "Bing", Zh: "冰"},
}

// personName makes up a person's name, English then Chinese in one string.
func personName(r *rand.Rand) string {
	s, a, b := pick(r, surnames), pick(r, givenSyllables), pick(r, givenSyllables)
	return fmt.Sprintf("%s %s %s %s%s%s", s.En, a.En, b.En, s.Zh, a.Zh, b.Zh)
}
