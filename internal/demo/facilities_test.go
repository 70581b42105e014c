package demo

import (
	"testing"

	"github.com/paulmach/orb"
)

func TestFacilities(t *testing.T) {
	kinds := map[string]int{}
	for _, id := range []string{PublicToiletsID, ClinicsID} {
		l := demoLayer(t, id)
		names := map[string]bool{}
		for _, rec := range collect(t, id, Options{}) {
			if !onLand(rec.Geometry.(orb.Point)) {
				t.Fatalf("%s %v stands in the sea", id, rec.ID)
			}
			name := rec.Props[l.FieldIndex("name_en")].(string)
			names[name] = true
			if i := l.FieldIndex("clinic_type"); i >= 0 {
				kinds[rec.Props[i].(string)]++
			}
		}
		if n := len(collect(t, id, Options{})); len(names) < n*9/10 {
			t.Errorf("%s: only %d names for %d records", id, len(names), n)
		}
	}
	for _, k := range []string{"general", "specialist", "maternal"} {
		if kinds[k] == 0 {
			t.Errorf("no %s clinics", k)
		}
	}
}
