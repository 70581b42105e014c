package demo

import (
	"iter"
	"math/rand/v2"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// How many of each facility the demo has, whatever the building count.
const (
	toiletCount = 420
	clinicCount = 260
)

// everywhere weighs every kind of place by its buildings alone.
func everywhere(profile) float64 { return 1 }

var toiletFeatures = []layer.Text{
	{En: "Market", Zh: "街市"}, {En: "Park", Zh: "公園"}, {En: "Playground", Zh: "遊樂場"},
	{En: "Bus Terminus", Zh: "巴士總站"}, {En: "Sitting-out Area", Zh: "休憩處"}, {En: "Garden", Zh: "花園"},
}

var openingHours = []string{
	"24 hours", "24 hours", "24 hours", "06:00-23:00", "07:00-23:00", "06:00-22:00", "05:30-24:00",
}

// toiletRecords yields public toilets on street corners in the towns.
func toiletRecords(opts Options) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		p, err := makePlan(opts.Seed, opts.Buildings)
		if err != nil {
			yield(store.Record{}, err)
			return
		}
		s, r := newSites(p, everywhere), newRand(opts.Seed, streamToilets)
		used := map[string]bool{}
		suffix := layer.Text{En: "Public Toilet", Zh: "公廁"}
		for id := range int64(toiletCount) {
			pt, pl := s.atCorner(r)
			name := uniqueName(used, join(join(pl.name, pick(r, toiletFeatures)), suffix),
				func() layer.Text { return join(streetName(r), suffix) })
			props := []any{name.En, name.Zh, districts[districtAt(pt)].name.En,
				chance(r, 0.75), pick(r, openingHours)}
			if !yield(store.Record{ID: id + 1, Geometry: pt, Props: props}, nil) {
				return
			}
		}
	}
}

// Clinic types, and what each kind of clinic is called.
var clinicKinds = []struct {
	kind   string
	weight float64
	names  []layer.Text
}{
	{"general", 0.5, []layer.Text{
		{En: "Health Centre", Zh: "健康中心"}, {En: "General Out-patient Clinic", Zh: "普通科門診診所"},
		{En: "Jockey Club Clinic", Zh: "賽馬會診所"}, {En: "Elderly Health Centre", Zh: "長者健康中心"},
	}},
	{"specialist", 0.3, []layer.Text{
		{En: "Chest Clinic", Zh: "胸肺科診所"}, {En: "Social Hygiene Clinic", Zh: "社會衞生科診所"},
		{En: "Dermatology Clinic", Zh: "皮膚科診所"}, {En: "Eye Clinic", Zh: "眼科診所"},
		{En: "Dental Clinic", Zh: "牙科診所"},
	}},
	{"maternal", 0.2, []layer.Text{
		{En: "Maternal and Child Health Centre", Zh: "母嬰健康院"},
	}},
}

// clinicRecords yields clinics on the ground floors of the towns'
// buildings.
func clinicRecords(opts Options) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		p, err := makePlan(opts.Seed, opts.Buildings)
		if err != nil {
			yield(store.Record{}, err)
			return
		}
		s, r := newSites(p, everywhere), newRand(opts.Seed, streamClinics)
		weights := make([]float64, len(clinicKinds))
		for i, k := range clinicKinds {
			weights[i] = k.weight
		}
		kinds := newWeighted(weights)
		used := map[string]bool{}
		for id := range int64(clinicCount) {
			pt, pl := s.inBuilding(r)
			k := clinicKinds[kinds.pick(r)]
			suffix := pick(r, k.names)
			name := uniqueName(used, join(pl.name, suffix),
				func() layer.Text { return join(streetName(r), suffix) })
			opened := randomDate(r, time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC))
			props := []any{name.En, name.Zh, districts[districtAt(pt)].name.En, k.kind, opened}
			if !yield(store.Record{ID: id + 1, Geometry: pt, Props: props}, nil) {
				return
			}
		}
	}
}

// randomDate returns a uniformly chosen day in [from, to], at UTC midnight
// as layer.Date values are.
func randomDate(r *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, r.IntN(days+1))
}
