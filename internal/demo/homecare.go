package demo

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"time"

	"github.com/csdi-hk/csdi/internal/store"
)

// homeCareCount is how many elderly home-care cases the demo has.
const homeCareCount = 2400

// elderlyShare weighs where elderly people live: more in the older urban
// areas, fewer among offices and factories.
func elderlyShare(p profile) float64 {
	switch p {
	case oldUrban:
		return 1.5
	case newTown:
		return 1.2
	case core:
		return 0.4
	case industrial:
		return 0.6
	}
	return 0.8
}

// homeCareRecords yields the sensitive layer: people, each at home in one
// of the towns' residential buildings, with a fictitious HKID, name and
// address.
func homeCareRecords(opts Options) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		p, err := makePlan(opts.Seed, opts.Buildings)
		if err != nil {
			yield(store.Record{}, err)
			return
		}
		s, r := newSites(p, elderlyShare), newRand(opts.Seed, streamHomeCare)
		seen := make(map[string]bool, homeCareCount)
		from, to := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
		for id := range int64(homeCareCount) {
			pt, pl := s.inBuilding(r)
			hkid := fakeHKID(r)
			for seen[hkid] {
				hkid = fakeHKID(r)
			}
			seen[hkid] = true
			age := 65 + int(36*math.Pow(r.Float64(), 1.4)) // fewer of the very old
			props := []any{
				hkid, personName(r), int64(age), homeAddress(r, pl),
				districts[districtAt(pt)].name.En,
				randomDate(r, from, to), int64(careLevel(r)),
			}
			if !yield(store.Record{ID: id + 1, Geometry: pt, Props: props}, nil) {
				return
			}
		}
	}
}

// homeAddress makes up a flat's address, English then Chinese:
// "Flat 12B, 23/F, Wing On Mansion, 45 Tai Hing Street, Mong Kok 旺角大興街45號永安大廈23樓12B室".
func homeAddress(r *rand.Rand, pl *place) string {
	building := buildingName(r, residential, pl)
	street := streetName(r)
	number, floor := intBetween(r, 1, 220), intBetween(r, 1, 40)
	flat := fmt.Sprintf("%d%c", intBetween(r, 1, 20), 'A'+rune(r.IntN(8)))
	return fmt.Sprintf("Flat %s, %d/F, %s, %d %s, %s %s%s%d號%s%d樓%s室",
		flat, floor, building.En, number, street.En, pl.name.En,
		pl.name.Zh, street.Zh, number, building.Zh, floor, flat)
}

// careLevel is the intensity of care: most cases need the least.
func careLevel(r *rand.Rand) int {
	switch x := r.Float64(); {
	case x < 0.5:
		return 1
	case x < 0.85:
		return 2
	}
	return 3
}
