package features

import "github.com/csdi-hk/csdi/internal/layer"

// uiTexts are the words of the HTML pages in both languages.
var uiTexts = map[string]layer.Text{
	"home":            {En: "Home", Zh: "首頁"},
	"language":        {En: "Language", Zh: "語言"},
	"breadcrumbs":     {En: "You are here", Zh: "目前位置"},
	"collections":     {En: "Collections", Zh: "數據集"},
	"collectionsHint": {En: "the published layers, to browse and download", Zh: "已發佈的圖層，可瀏覽及下載"},
	"conformance":     {En: "Conformance classes", Zh: "符合標準類別"},
	"conformanceHint": {En: "This service implements these parts of OGC API – Features.", Zh: "本服務實施以下 OGC API – Features 標準部分。"},
	"apiDocs":         {En: "API documentation", Zh: "API 說明"},
	"apiHint":         {En: "Every endpoint and its parameters. The machine-readable definition:", Zh: "所有端點及其參數。機器可讀的定義："},
	"parameter":       {En: "Parameter", Zh: "參數"},
	"in":              {En: "In", Zh: "位置"},
	"type":            {En: "Type", Zh: "類型"},
	"description":     {En: "Description", Zh: "說明"},
	"thisAsJSON":      {En: "This page as JSON", Zh: "本頁的 JSON 版本"},
	"titleEn":         {En: "Title (English)", Zh: "英文名稱"},
	"titleZh":         {En: "Title (Chinese)", Zh: "中文名稱"},
	"title":           {En: "Title", Zh: "名稱"},
	"department":      {En: "Department", Zh: "部門"},
	"features":        {En: "Features", Zh: "要素"},
	"links":           {En: "Links", Zh: "連結"},
	"browse":          {En: "Browse features", Zh: "瀏覽要素"},
	"id":              {En: "ID", Zh: "編號"},
	"license":         {En: "Licence", Zh: "授權"},
	"keywords":        {En: "Keywords", Zh: "關鍵詞"},
	"geometry":        {En: "Geometry", Zh: "幾何類型"},
	"noGeometry":      {En: "none", Zh: "沒有"},
	"spatialExtent":   {En: "Spatial extent", Zh: "空間範圍"},
	"temporalExtent":  {En: "Time span", Zh: "時間範圍"},
	"map":             {En: "Map", Zh: "地圖"},
	"sampleHint":      {En: "The first features by id, within the collection's extent.", Zh: "按編號排列的首批要素，顯示於數據集範圍內。"},
	"attributes":      {En: "Attributes", Zh: "屬性"},
	"attribute":       {En: "Attribute", Zh: "屬性"},
	"value":           {En: "Value", Zh: "數值"},
	"name":            {En: "Name", Zh: "欄位"},
	"previous":        {En: "Previous", Zh: "上一頁"},
	"next":            {En: "Next", Zh: "下一頁"},
	"showing":         {En: "Features %s–%s of %s", Zh: "第 %s 至 %s 項，共 %s 項"},
	"filter":          {En: "Filter (CQL2)", Zh: "篩選條件（CQL2）"},
	"filterInUse":     {En: "Filter in use", Zh: "使用中的篩選條件"},
	"sortby":          {En: "Sort by", Zh: "排序"},
	"bbox":            {En: "Bounding box", Zh: "範圍"},
	"limit":           {En: "Per page", Zh: "每頁數量"},
	"crs":             {En: "Coordinates", Zh: "坐標系統"},
	"apply":           {En: "Apply", Zh: "套用"},
	"download":        {En: "Download", Zh: "下載"},
	"findFeatures":    {En: "Find features", Zh: "搜尋要素"},
	"queryables":      {En: "Queryables", Zh: "可查詢屬性"},
	"queryablesHint":  {En: "The properties a filter (CQL2) or sortby may use, with their types.", Zh: "篩選條件（CQL2）及排序可使用的屬性及其類型。"},
	"noneShown":       {En: "No features on this page (%s match)", Zh: "本頁沒有要素（共 %s 項符合）"},
}

// uiText is the text for key in lang; an unknown key shows as itself so a
// missing translation is visible rather than blank.
func uiText(key, lang string) string {
	t, ok := uiTexts[key]
	if !ok {
		return key
	}
	return t.In(lang)
}
