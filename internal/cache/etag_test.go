package cache

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

func etagLayer() *layer.Layer {
	return &layer.Layer{ID: "parks", Source: layer.Source{Table: "parks", SRID: 2326},
		Fields: []layer.Field{{Name: "name", Type: layer.String}, {Name: "n", Type: layer.Integer},
			{Name: "x", Type: layer.Number}, {Name: "at", Type: layer.DateTime}, {Name: "tags", Type: layer.Array}}}
}

func etagRecord() store.Record {
	return store.Record{ID: int64(7),
		Geometry: orb.Polygon{{{833000, 816000}, {833100, 816000}, {833100, 816100}, {833000, 816000}}},
		Props: []any{"維多利亞公園", int64(3), 1.5, time.Date(2024, 3, 15, 8, 30, 0, 0, time.UTC),
			[]any{"a", int64(1)}}}
}

// TestETagMatchesCache: the tag of a record read by a write transaction
// equals the tag of the same row as the cache serves it.
func TestETagMatchesCache(t *testing.T) {
	l := etagLayer()
	r := etagRecord()
	f, err := FeatureFromRecord(l, r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Geometry.(orb.Polygon)[0][0] != (orb.Point{833000, 816000}) {
		t.Fatal("FeatureFromRecord changed the record's geometry")
	}
	s, err := Build(l, func(yield func(store.Record, error) bool) { yield(etagRecord(), nil) })
	if err != nil {
		t.Fatal(err)
	}
	cached, ok := s.Get("7")
	if !ok {
		t.Fatal("feature 7 not cached")
	}
	if ETag(f) != ETag(cached) {
		t.Errorf("tags differ: %s from the record, %s from the cache", ETag(f), ETag(cached))
	}
	if tag := ETag(f); len(tag) < 10 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		t.Errorf("not a strong entity tag: %s", tag)
	}
}

func TestETagChangesWithContent(t *testing.T) {
	l := etagLayer()
	tag := func(change func(*store.Record)) string {
		r := etagRecord()
		change(&r)
		f, err := FeatureFromRecord(l, r)
		if err != nil {
			t.Fatal(err)
		}
		return ETag(f)
	}
	base := tag(func(*store.Record) {})
	same := map[string]func(*store.Record){
		"the same time in another zone": func(r *store.Record) {
			r.Props[3] = time.Date(2024, 3, 15, 16, 30, 0, 0, time.FixedZone("HKT", 8*3600))
		},
	}
	for name, change := range same {
		if tag(change) != base {
			t.Errorf("%s changed the tag", name)
		}
	}
	differ := map[string]func(*store.Record){
		"id":              func(r *store.Record) { r.ID = int64(8) },
		"id as a string":  func(r *store.Record) { r.ID = "7" },
		"a string":        func(r *store.Record) { r.Props[0] = "Victoria Park" },
		"null":            func(r *store.Record) { r.Props[0] = nil },
		"empty string":    func(r *store.Record) { r.Props[0] = "" },
		"an integer":      func(r *store.Record) { r.Props[1] = int64(4) },
		"a number":        func(r *store.Record) { r.Props[2] = 1.5000001 },
		"a nanosecond":    func(r *store.Record) { r.Props[3] = r.Props[3].(time.Time).Add(1) },
		"an array":        func(r *store.Record) { r.Props[4] = []any{"a", "1"} },
		"a vertex":        func(r *store.Record) { r.Geometry.(orb.Polygon)[0][1][0] += 0.001 },
		"no geometry":     func(r *store.Record) { r.Geometry = nil },
		"JSON vs string":  func(r *store.Record) { r.Props[0] = json.RawMessage(`"維多利亞公園"`) },
		"moved into name": func(r *store.Record) { r.Props[0], r.Props[1] = "維多利亞公園3", nil },
	}
	seen := map[string]string{base: "base"}
	for name, change := range differ {
		got := tag(change)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s gives the same tag as %s", name, prev)
		}
		seen[got] = name
	}
}
