package cache

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// attrLayer has one field of every indexed type, and one that is not.
func attrLayer() *layer.Layer {
	return &layer.Layer{ID: "attrs", Source: layer.Source{Table: "attrs", SRID: 4326}, GeometryType: layer.AnyGeometry,
		Fields: []layer.Field{
			{Name: "n", Type: layer.Integer}, {Name: "x", Type: layer.Number}, {Name: "s", Type: layer.String},
			{Name: "b", Type: layer.Boolean}, {Name: "d", Type: layer.Date}, {Name: "t", Type: layer.DateTime},
			{Name: "j", Type: layer.JSON},
		}}
}

// randomProps draws values from small sets, so that ranges and ties are
// common, with NULLs, integers around 2^53 and the odd value of a type the
// evaluator takes as NULL.
func randomProps(rng *rand.Rand) []any {
	pick := func(vals ...any) any { return vals[rng.IntN(len(vals))] }
	day := time.Date(2020, 1, 1+rng.IntN(5), 0, 0, 0, 0, time.UTC)
	return []any{
		pick(nil, int64(-3), int64(0), int64(1), int64(2), int64(7), int64(exactInt), int64(exactInt+1), int64(exactInt+2), int64(rng.IntN(40))),
		pick(nil, -1.5, 0.0, 0.5, 2.0, 7.25, math.NaN(), math.Inf(1), int64(3), rng.Float64()*10),
		pick(nil, "", "a", "ab", "abc", "b", "ba", "商業", "z\xff", fmt.Sprint("k", rng.IntN(20))),
		pick(nil, true, false, "true"),
		pick(nil, day),
		pick(nil, day.Add(time.Duration(rng.IntN(3))*time.Nanosecond), day.Add(time.Hour)),
		pick(nil, `{"a":1}`),
	}
}

// compareRef orders two values the way the CQL2 evaluator does: integers
// exactly with each other, numbers otherwise as float64.
func compareRef(a, b any) int {
	switch a := a.(type) {
	case int64:
		if b, ok := b.(int64); ok {
			return cmp.Compare(a, b)
		}
		return cmp.Compare(float64(a), b.(float64))
	case float64:
		switch b := b.(type) {
		case int64:
			return cmp.Compare(a, float64(b))
		case float64:
			return cmp.Compare(a, b)
		}
	case string:
		return strings.Compare(a, b.(string))
	case bool:
		switch b := b.(bool); {
		case a == b:
			return 0
		case !a:
			return -1
		}
		return 1
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("compareRef %T %T", a, b))
}

// inRange is the reference test: v is a non-NULL value within [lo, hi].
func inRange(v any, lo, hi Bound) bool {
	switch x := v.(type) {
	case nil:
		return false
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	for _, b := range []Bound{lo, hi} {
		if b.Value != nil && kindOf(b.Value) != kindOf(v) {
			return false // a value of another type is NULL to the evaluator
		}
	}
	if lo.Value != nil {
		if c := compareRef(v, lo.Value); c < 0 || (c == 0 && lo.Open) {
			return false
		}
	}
	if hi.Value != nil {
		if c := compareRef(v, hi.Value); c > 0 || (c == 0 && hi.Open) {
			return false
		}
	}
	return true
}

// boundsFor draws a range for field i from values the field holds.
func boundsFor(rng *rand.Rand, i int) (lo, hi Bound) {
	var vals []any
	for range 2 {
		for {
			v := randomProps(rng)[i]
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				continue
			}
			if _, isStr := v.(string); i == 3 && isStr {
				continue // not a boolean
			}
			if v != nil {
				vals = append(vals, v)
				break
			}
		}
	}
	if i == 1 && rng.IntN(3) == 0 {
		vals[0] = float64(exactInt) // a float bound on a field with integers near 2^53
	}
	if i == 0 && rng.IntN(3) == 0 {
		vals[1] = 6.5 // a float bound on an integer field
	}
	lo, hi = Bound{Value: vals[0], Open: rng.IntN(2) == 0}, Bound{Value: vals[1], Open: rng.IntN(2) == 0}
	switch rng.IntN(6) {
	case 0:
		lo = Bound{}
	case 1:
		hi = Bound{}
	case 2:
		hi = Bound{Value: lo.Value} // equality
		lo.Open = false
	}
	return lo, hi
}

// checkRanges compares RangeCount and Range with a scan over many random
// ranges of every field.
func checkRanges(t *testing.T, s *Snapshot, rng *rand.Rand) {
	t.Helper()
	var all []*Feature
	s.Ascend(0, func(f *Feature) bool { all = append(all, f); return true })
	for i := range 6 {
		if !s.Indexed(i) {
			t.Fatalf("field %d has no index", i)
		}
		for range 200 {
			lo, hi := boundsFor(rng, i)
			var want []*Feature
			for _, f := range all {
				if inRange(f.Props[i], lo, hi) {
					want = append(want, f)
				}
			}
			var got []*Feature
			ok := s.Range(i, lo, hi, func(f *Feature) bool { got = append(got, f); return true })
			n, okN := s.RangeCount(i, lo, hi)
			if !ok || !okN || n != len(got) {
				t.Fatalf("field %d [%v, %v]: Range ok %v, RangeCount %d ok %v, Range gave %d", i, lo, hi, ok, n, okN, len(got))
			}
			// Range is a superset of the exact answer, larger only at
			// integers beyond 2^53, and in order of value, then id.
			for k := 1; k < len(got); k++ {
				if c := compareRef(got[k-1].Props[i], got[k].Props[i]); c > 0 && i != 0 {
					t.Fatalf("field %d: Range out of order at %d", i, k)
				}
			}
			byID := slices.Clone(got)
			slices.SortFunc(byID, func(a, b *Feature) int { return a.ID.Compare(b.ID) })
			for _, f := range want {
				if _, found := slices.BinarySearchFunc(byID, f, func(a, b *Feature) int { return a.ID.Compare(b.ID) }); !found {
					t.Fatalf("field %d [%v, %v]: Range misses feature %v with %v", i, lo, hi, f.ID, f.Props[i])
				}
			}
			if len(got) != len(want) {
				for _, f := range got {
					if !inRange(f.Props[i], lo, hi) && !nearBigInt(f.Props[i]) {
						t.Fatalf("field %d [%v, %v]: Range gives feature %v with %v", i, lo, hi, f.ID, f.Props[i])
					}
				}
			}
		}
	}
	if s.Indexed(6) || s.Indexed(-1) || s.Indexed(7) {
		t.Fatal("a JSON field or a field out of range has an index")
	}
	if _, ok := s.RangeCount(0, Bound{Value: "a string"}, Bound{}); ok {
		t.Fatal("a string bound on an integer field must not be answered")
	}
}

func kindOf(v any) string {
	switch v.(type) {
	case int64, float64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

func nearBigInt(v any) bool {
	n, ok := v.(int64)
	return ok && n >= exactInt
}

func randomRecords(rng *rand.Rand, n int) []store.Record {
	recs := make([]store.Record, n)
	for i := range recs {
		var id any = int64(rng.IntN(10 * n))
		if i%7 == 0 {
			id = fmt.Sprint("s", i)
		}
		recs[i] = store.Record{ID: id, Props: randomProps(rng)}
		if i%5 != 0 {
			lon, lat := 114+rng.Float64()*0.3, 22.2+rng.Float64()*0.3
			recs[i].Geometry = orb.Point{lon, lat}
		}
	}
	return recs
}

func buildRandom(t *testing.T, rng *rand.Rand, n int) *builder {
	t.Helper()
	b, err := newBuilder(attrLayer())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range randomRecords(rng, n) {
		_ = b.add(r) // duplicate ids are skipped, as in a load
	}
	return b
}

func TestAttrIndexRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	b := buildRandom(t, rng, 2000)
	checkRanges(t, b.publish(1), rng)
}

// TestAttrIndexRemove removes and re-adds features through the builder's
// hooks, as single-feature edits will, and checks that every index agrees
// with a scan afterwards, and that a snapshot published before is
// unchanged.
func TestAttrIndexRemove(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 1))
	b := buildRandom(t, rng, 1500)
	// Before the first publish fills the attribute indexes too.
	var early []*Feature
	b.ids.Scan(func(f *Feature) bool {
		early = append(early, f)
		return len(early) < 100
	})
	for _, f := range early[:50] {
		if !b.indexRemove(f) {
			t.Fatalf("indexRemove(%v) before the first publish found nothing", f.ID)
		}
	}
	before := b.publish(1)
	beforeLen, beforeBytes := before.Len(), before.Bytes()
	beforeCount, _ := before.RangeCount(2, Bound{}, Bound{})

	var all []*Feature
	before.Ascend(0, func(f *Feature) bool { all = append(all, f); return true })
	removed := 0
	for _, f := range all {
		if rng.IntN(3) == 0 {
			if !b.indexRemove(f) {
				t.Fatalf("indexRemove(%v) found nothing", f.ID)
			}
			removed++
		}
	}
	if b.indexRemove(all[0]) && b.indexRemove(all[0]) {
		t.Fatal("a feature was removed twice")
	}
	// Edit a few: the old version out, a new one with the same id in.
	var olds []*Feature
	b.ids.Scan(func(f *Feature) bool {
		olds = append(olds, f)
		return len(olds) < 50
	})
	for _, old := range olds {
		nf := &Feature{ID: old.ID, Props: randomProps(rng)}
		if old.Geom != nil {
			nf.Geom = orb.Point{rng.Float64(), rng.Float64()}
			nf.Bound = nf.Geom.Bound()
		}
		if !b.indexRemove(old) {
			t.Fatalf("indexRemove(%v) of an edit found nothing", old.ID)
		}
		b.indexAdd(nf)
	}
	after := b.publish(2)
	if after.Len() >= beforeLen || after.Bytes() >= beforeBytes {
		t.Errorf("after removing %d: len %d bytes %d, before %d %d", removed, after.Len(), after.Bytes(), beforeLen, beforeBytes)
	}
	if after.tree.Len() != countGeoms(after) {
		t.Errorf("R-tree holds %d, the id index %d features with geometry", after.tree.Len(), countGeoms(after))
	}
	checkRanges(t, after, rng)
	if before.Len() != beforeLen {
		t.Fatal("removing from the builder changed a published snapshot's id index")
	}
	if n, _ := before.RangeCount(2, Bound{}, Bound{}); n != beforeCount {
		t.Fatalf("removing from the builder changed a published snapshot's attribute index: %d, was %d", n, beforeCount)
	}
	checkRanges(t, before, rng)
}

func countGeoms(s *Snapshot) int {
	n := 0
	s.Ascend(0, func(f *Feature) bool {
		if f.Geom != nil {
			n++
		}
		return true
	})
	return n
}

// TestAttrIndexEmptyAndStop covers an empty layer and a callback that
// stops early.
func TestAttrIndexEmptyAndStop(t *testing.T) {
	empty := emptySnapshot(attrLayer())
	if empty.Indexed(0) {
		t.Fatal("the empty snapshot before a load has no indexes")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	s := buildRandom(t, rng, 300).publish(1)
	n := 0
	s.Range(2, Bound{}, Bound{}, func(*Feature) bool { n++; return n < 3 })
	if n != 3 {
		t.Fatalf("Range went on after fn returned false: %d calls", n)
	}
}

func BenchmarkAttrIndexBuild(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 5))
	recs := randomRecords(rng, 100_000)
	l := attrLayer()
	b.ReportAllocs()
	for b.Loop() {
		bl, _ := newBuilder(l)
		for _, r := range recs {
			f := &Feature{Props: r.Props}
			f.ID, _ = recordID(r.ID)
			if _, dup := bl.ids.Get(f); !dup {
				bl.indexAdd(f)
			}
		}
		bl.publish(1) // the first publish fills the attribute indexes
	}
}

// TestAttrIndexDirectoryOverflow grows a field past maxDirectoryKeys
// distinct values after the first publish, and checks that counts still
// agree with Range in the snapshots before and after.
func TestAttrIndexDirectoryOverflow(t *testing.T) {
	b, err := newBuilder(attrLayer())
	if err != nil {
		t.Fatal(err)
	}
	rec := func(id, n int) store.Record {
		return store.Record{ID: int64(id), Props: []any{int64(n), nil, fmt.Sprint("s", n%3), nil, nil, nil, nil}}
	}
	for i := range 50 {
		_ = b.add(rec(i, i%10))
	}
	first := b.publish(1)
	for i := 50; i < 50+2*maxDirectoryKeys; i++ {
		_ = b.add(rec(i, i))
	}
	second := b.publish(2)
	check := func(s *Snapshot, want int) {
		t.Helper()
		for _, r := range [][2]int64{{0, 9}, {5, 5}, {3, 400}, {-1, 1000}} {
			lo, hi := Bound{Value: r[0]}, Bound{Value: r[1], Open: r[0] == 3}
			n, _ := s.RangeCount(0, lo, hi)
			seen := 0
			s.Range(0, lo, hi, func(*Feature) bool { seen++; return true })
			if n != seen {
				t.Fatalf("[%d, %d]: RangeCount %d, Range %d", r[0], r[1], n, seen)
			}
		}
		if n, _ := s.RangeCount(0, Bound{}, Bound{}); n != want {
			t.Fatalf("whole range: %d, want %d", n, want)
		}
	}
	check(first, 50)
	check(second, 50+2*maxDirectoryKeys)
}
