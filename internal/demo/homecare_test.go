package demo

import (
	"strings"
	"testing"
	"time"
)

func TestHomeCareCases(t *testing.T) {
	l := demoLayer(t, ElderlyHomeCareID)
	col := func(name string) int { return l.FieldIndex(name) }
	seen := map[string]bool{}
	from, to := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	for _, rec := range collect(t, ElderlyHomeCareID, Options{}) {
		p := rec.Props
		hkid := p[col("hkid")].(string)
		if !validHKID(hkid) {
			t.Fatalf("case %v: invalid HKID %q", rec.ID, hkid)
		}
		if seen[hkid] {
			t.Fatalf("case %v: HKID %q repeats", rec.ID, hkid)
		}
		seen[hkid] = true
		if age := p[col("age")].(int64); age < 65 || age > 100 {
			t.Fatalf("case %v: age %d", rec.ID, age)
		}
		if level := p[col("care_level")].(int64); level < 1 || level > 3 {
			t.Fatalf("case %v: care level %d", rec.ID, level)
		}
		if opened := p[col("case_opened")].(time.Time); opened.Before(from) || opened.After(to) {
			t.Fatalf("case %v: opened %v", rec.ID, opened)
		}
		for _, f := range []string{"name", "address"} {
			if v := p[col(f)].(string); isASCII(v) || !strings.ContainsAny(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				t.Fatalf("case %v: %s %q is not bilingual", rec.ID, f, v)
			}
		}
	}
}
