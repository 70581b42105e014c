package demo

import "github.com/csdi-hk/csdi/internal/layer"

// The demo layers' ids, which are also their table names.
const (
	BuildingsID       = "buildings"
	RoadsID           = "roads"
	PublicToiletsID   = "public_toilets"
	ClinicsID         = "clinics"
	DistrictsID       = "districts"
	ElderlyHomeCareID = "elderly_home_care"
)

// License is the terms the demo layers carry.
const License = "Hong Kong Government open data terms of use (synthetic demo data, not real)"

// SRID is the reference system of every demo geometry: HK1980 Grid.
const SRID = 2326

// Layers returns the demo layers' catalogue entries, in the order Write
// writes them. Each call returns fresh values the caller may change.
func Layers() []layer.Layer {
	return []layer.Layer{
		buildingsLayer(), roadsLayer(), toiletsLayer(), clinicsLayer(), districtsLayer(), homeCareLayer(),
	}
}

func source(table, timeColumn string) layer.Source {
	return layer.Source{Table: table, IDColumn: "id", GeometryColumn: "geom", SRID: SRID, TimeColumn: timeColumn}
}

func field(name string, t layer.FieldType, en, zh string) layer.Field {
	return layer.Field{Name: name, Type: t, Title: layer.Text{En: en, Zh: zh}}
}

// Fields several layers share.
var (
	nameEnField   = field("name_en", layer.String, "Name (English)", "名稱（英文）")
	nameZhField   = field("name_zh", layer.String, "Name (Chinese)", "名稱（中文）")
	districtField = field("district", layer.String, "District", "地區")
)

func buildingsLayer() layer.Layer {
	return layer.Layer{
		ID:    BuildingsID,
		Title: layer.Text{En: "Building footprints", Zh: "建築物輪廓"},
		Description: layer.Text{
			En: "Footprints of buildings with their name, storeys, height, year built and use (synthetic demo data).",
			Zh: "建築物輪廓，附名稱、層數、高度、落成年份及用途（合成示範數據）。",
		},
		Department:   "Lands Department",
		Keywords:     []string{"buildings", "footprints", "topography", "建築物", "輪廓", "地形"},
		License:      License,
		Source:       source(BuildingsID, ""),
		GeometryType: layer.Polygon,
		Fields: []layer.Field{
			nameEnField, nameZhField,
			field("floors", layer.Integer, "Number of storeys", "層數"),
			field("height_m", layer.Number, "Height (m)", "高度（米）"),
			field("year_built", layer.Integer, "Year built", "落成年份"),
			field("use", layer.String, "Use", "用途"),
			districtField,
		},
		MinZoom: 12, MaxZoom: layer.DefaultMaxZoom,
		Access: layer.Access{Level: "public"},
	}
}

func roadsLayer() layer.Layer {
	return layer.Layer{
		ID:    RoadsID,
		Title: layer.Text{En: "Road network", Zh: "道路網絡"},
		Description: layer.Text{
			En: "Road centrelines: expressways and main roads between the urban areas, and the local streets within them (synthetic demo data).",
			Zh: "道路中線：連接各市區的快速公路及主要道路，以及區內街道（合成示範數據）。",
		},
		Department:   "Transport Department",
		Keywords:     []string{"roads", "transport", "street centrelines", "道路", "運輸", "街道中線"},
		License:      License,
		Source:       source(RoadsID, ""),
		GeometryType: layer.LineString,
		Fields: []layer.Field{
			nameEnField, nameZhField,
			field("road_class", layer.String, "Road class", "道路類別"),
			field("lanes", layer.Integer, "Number of lanes", "行車線數目"),
			field("speed_limit_kmh", layer.Integer, "Speed limit (km/h)", "車速限制（公里／小時）"),
		},
		MinZoom: 8, MaxZoom: layer.DefaultMaxZoom,
		Access: layer.Access{Level: "public"},
	}
}

func toiletsLayer() layer.Layer {
	return layer.Layer{
		ID:    PublicToiletsID,
		Title: layer.Text{En: "Public toilets", Zh: "公廁"},
		Description: layer.Text{
			En: "Public toilets with their opening hours and whether they are accessible (synthetic demo data).",
			Zh: "公廁位置、開放時間及是否設有無障礙設施（合成示範數據）。",
		},
		Department:   "Food and Environmental Hygiene Department",
		Keywords:     []string{"public toilets", "facilities", "accessibility", "公廁", "設施", "無障礙"},
		License:      License,
		Source:       source(PublicToiletsID, ""),
		GeometryType: layer.Point,
		Fields: []layer.Field{
			nameEnField, nameZhField, districtField,
			field("accessible", layer.Boolean, "Accessible toilet", "無障礙洗手間"),
			field("opening_hours", layer.String, "Opening hours", "開放時間"),
		},
		MinZoom: 10, MaxZoom: layer.DefaultMaxZoom,
		Access: layer.Access{Level: "public"},
	}
}

func clinicsLayer() layer.Layer {
	return layer.Layer{
		ID:    ClinicsID,
		Title: layer.Text{En: "Clinics and health centres", Zh: "診所及健康院"},
		Description: layer.Text{
			En: "General and specialist clinics and maternal and child health centres, with the date each opened (synthetic demo data).",
			Zh: "普通科及專科診所和母嬰健康院，附開業日期（合成示範數據）。",
		},
		Department:   "Department of Health",
		Keywords:     []string{"clinics", "health", "maternal and child health", "診所", "衞生", "母嬰健康"},
		License:      License,
		Source:       source(ClinicsID, "opened"),
		GeometryType: layer.Point,
		Fields: []layer.Field{
			nameEnField, nameZhField, districtField,
			field("clinic_type", layer.String, "Clinic type", "診所類別"),
			field("opened", layer.Date, "Date opened", "開業日期"),
		},
		MinZoom: 10, MaxZoom: layer.DefaultMaxZoom,
		Access: layer.Access{Level: "public"},
	}
}

func districtsLayer() layer.Layer {
	return layer.Layer{
		ID:    DistrictsID,
		Title: layer.Text{En: "District boundaries", Zh: "地區界線"},
		Description: layer.Text{
			En: "The 18 districts of Hong Kong with their land area and population. The boundaries are coarse approximations that include sea areas (synthetic demo data).",
			Zh: "香港十八區及其陸地面積和人口。界線為粗略近似，包括海域（合成示範數據）。",
		},
		Department:   "Home Affairs Department",
		Keywords:     []string{"districts", "boundaries", "administrative areas", "地區", "界線", "行政區"},
		License:      License,
		Source:       source(DistrictsID, ""),
		GeometryType: layer.Polygon,
		Fields: []layer.Field{
			nameEnField, nameZhField,
			field("area_km2", layer.Number, "Land area (km²)", "陸地面積（平方公里）"),
			field("population", layer.Integer, "Population", "人口"),
		},
		MinZoom: 0, MaxZoom: layer.DefaultMaxZoom,
		Access: layer.Access{Level: "public"},
	}
}

// homeCareLayer is the sensitive layer: personal data of elderly people
// receiving home care. Its masking policy is declared here and applied by
// the privacy package.
func homeCareLayer() layer.Layer {
	return layer.Layer{
		ID:    ElderlyHomeCareID,
		Title: layer.Text{En: "Elderly home care cases", Zh: "長者家居照顧個案"},
		Description: layer.Text{
			En: "Cases of integrated home care services for the elderly. Contains personal data: the public sees a masked view (synthetic demo data, all persons and HKIDs fictitious).",
			Zh: "長者綜合家居照顧服務個案。載有個人資料：公眾只可查閱經遮蔽的版本（合成示範數據，所有人物及身份證號碼均屬虛構）。",
		},
		Department:   "Social Welfare Department",
		Keywords:     []string{"elderly", "home care", "social welfare", "personal data", "長者", "家居照顧", "社會福利", "個人資料"},
		License:      License,
		Source:       source(ElderlyHomeCareID, "case_opened"),
		GeometryType: layer.Point,
		Fields: []layer.Field{
			field("hkid", layer.String, "HKID number", "香港身份證號碼"),
			field("name", layer.String, "Name", "姓名"),
			field("age", layer.Integer, "Age", "年齡"),
			field("address", layer.String, "Address", "地址"),
			districtField,
			field("case_opened", layer.Date, "Case opened", "開案日期"),
			field("care_level", layer.Integer, "Care level (1–3)", "照顧級別（1至3）"),
		},
		MinZoom: 10, MaxZoom: layer.DefaultMaxZoom,
		Sensitive: true,
		Access:    layer.Access{Level: "public"},
		// The public sees each case on a 250 m grid, with a partial HKID, an
		// age band and the month the case opened: names and addresses are
		// gone, and a column added later is dropped until someone decides.
		Masking: &layer.Masking{
			Attributes: map[string]string{"hkid": "partial", "name": "drop", "address": "drop",
				"age": "generalise:10", "case_opened": "generalise:month", "district": "keep", "care_level": "keep"},
			Others:   "drop",
			Geometry: "snap:250",
			// With the policy, so it travels with the table: no cases in
			// tiles below the district scale.
			MinZoom: 10,
		},
	}
}
