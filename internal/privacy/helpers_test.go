package privacy

import (
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// homeCare is a layer shaped like the demo's sensitive layer.
func homeCare(m *layer.Masking) *layer.Layer {
	return &layer.Layer{
		ID:           "elderly_home_care",
		Source:       layer.Source{Table: "elderly_home_care", IDColumn: "id", GeometryColumn: "geom", SRID: 2326, TimeColumn: "case_opened"},
		GeometryType: layer.Point,
		Fields: []layer.Field{
			{Name: "hkid", Type: layer.String, Title: layer.Text{En: "HKID number", Zh: "香港身份證號碼"}},
			{Name: "name", Type: layer.String},
			{Name: "age", Type: layer.Integer, Title: layer.Text{En: "Age", Zh: "年齡"}},
			{Name: "address", Type: layer.String},
			{Name: "district", Type: layer.String},
			{Name: "case_opened", Type: layer.Date},
			{Name: "care_level", Type: layer.Integer},
		},
		MinZoom: 10, MaxZoom: layer.DefaultMaxZoom,
		Sensitive: true,
		Masking:   m,
	}
}

// demoMasking is the demo's declared policy.
func demoMasking() *layer.Masking {
	return &layer.Masking{
		Attributes: map[string]string{"hkid": "partial", "name": "drop", "address": "drop", "age": "generalise"},
		Geometry:   "snap:250",
	}
}

func compile(t testing.TB, l *layer.Layer) *Policy {
	t.Helper()
	p, err := Compile(l, testKey)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// world is the world position of an HK1980 Grid point.
func world(t testing.TB, e, n float64) orb.Point {
	t.Helper()
	toLL, err := crs.ToLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	x, y := crs.LonLatToWorld(toLL(e, n))
	return orb.Point{x, y}
}

// grid is the HK1980 Grid position of a world point.
func grid(t testing.TB, w orb.Point) orb.Point {
	t.Helper()
	fromLL, err := crs.FromLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	x, y := fromLL(crs.WorldToLonLat(w[0], w[1]))
	return orb.Point{x, y}
}

// person is a home care case at an HK1980 Grid point.
func person(t testing.TB, id int64, e, n float64) *cache.Feature {
	t.Helper()
	p := world(t, e, n)
	return &cache.Feature{
		ID: cache.NumID(id), Geom: p, Bound: p.Bound(),
		Props: []any{"A123456(7)", "Chan Tai Man", int64(78), "Flat 3, 12 Nathan Road", "Yau Tsim Mong",
			time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), int64(2)},
	}
}
