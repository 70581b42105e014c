package privacy

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

func aggregatePolicy(t *testing.T, rule string) *Policy {
	t.Helper()
	return compile(t, homeCare(&layer.Masking{Others: "drop", Geometry: rule}))
}

// inCell is the feature id placed at a spot inside the 500 m cell (col, row).
func inCell(t *testing.T, id int64, col, row int) *cache.Feature {
	return person(t, id, float64(col)*500+10+float64(id%40)*12, float64(row)*500+20+float64(id%37)*13)
}

func counts(fs []*cache.Feature) map[string]int64 {
	out := map[string]int64{}
	for _, f := range fs {
		out[f.ID.Str] = f.Props[0].(int64)
	}
	return out
}

func TestAggregateLoad(t *testing.T) {
	p := aggregatePolicy(t, "aggregate:500:k=5")
	var fs []*cache.Feature
	id := int64(0)
	add := func(col, row, n int) {
		for range n {
			id++
			fs = append(fs, inCell(t, id, col, row))
		}
	}
	add(1672, 1638, 7)                                    // shown
	add(1673, 1638, 5)                                    // shown: exactly k
	add(1674, 1638, 4)                                    // suppressed
	add(1675, 1639, 1)                                    // suppressed
	fs = append(fs, &cache.Feature{ID: cache.NumID(999)}) // no geometry: in no cell
	got := p.MaskAll(slices.Values(fs))
	want := map[string]int64{"cell_E836000_N819000": 7, "cell_E836500_N819000": 5}
	if c := counts(got); !maps.Equal(c, want) {
		t.Fatalf("cells %v, want %v", c, want)
	}
	// Each cell is the 500 m square its features are in.
	for _, cf := range got {
		sq := cf.Geom.(orb.Polygon)
		if len(sq) != 1 || len(sq[0]) != 5 || cf.Bound != sq.Bound() {
			t.Fatalf("cell geometry %v", cf.Geom)
		}
		var ring orb.Ring
		for _, w := range sq[0] {
			ring = append(ring, grid(t, w))
		}
		if a := planar.Area(ring); a < 249999 || a > 250001 {
			t.Errorf("cell %s covers %.1f m²", cf.ID, a)
		}
		if planar.Area(ring) != -planar.Area(reversed(ring)) || ringArea(ring) <= 0 {
			t.Errorf("cell %s is not wound anticlockwise", cf.ID)
		}
		for _, f := range fs[:12] {
			in := planar.RingContains(ring, grid(t, f.Geom.(orb.Point)))
			mine := (cf.ID.Str == "cell_E836000_N819000") == (f.ID.Num <= 7)
			if in != mine {
				t.Errorf("feature %v in cell %s: %v", f.ID, cf.ID, in)
			}
		}
	}
	centres := aggregatePolicy(t, "aggregate:500:k=5:centre").MaskAll(slices.Values(fs))
	if c := grid(t, centres[0].Geom.(orb.Point)); abs(c[0]-836250) > 1e-3 || abs(c[1]-819250) > 1e-3 {
		t.Errorf("cell centre at %v", c)
	}
}

func reversed(r orb.Ring) orb.Ring {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}

// ringArea is the signed (anticlockwise positive) area of a ring.
func ringArea(r orb.Ring) float64 {
	var a float64
	for i := 0; i+1 < len(r); i++ {
		a += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return a / 2
}

func abs(x float64) float64 { return max(x, -x) }

// TestAggregateMove: moving one feature between cells changes exactly
// those two cells, shown, suppressed or newly shown.
func TestAggregateMove(t *testing.T) {
	p := aggregatePolicy(t, "aggregate:500:k=5")
	v := p.NewView()
	var fs []*cache.Feature
	for i := int64(1); i <= 6; i++ {
		fs = append(fs, inCell(t, i, 1672, 1638)) // A: 6
	}
	for i := int64(11); i <= 15; i++ {
		fs = append(fs, inCell(t, i, 1673, 1638)) // B: 5
	}
	for i := int64(21); i <= 24; i++ {
		fs = append(fs, inCell(t, i, 1674, 1638)) // C: 4
	}
	v.Load(slices.Values(fs))
	const A, B, C = "cell_E836000_N819000", "cell_E836500_N819000", "cell_E837000_N819000"

	step := func(old, new *cache.Feature, wantRemove []string, wantAdd map[string]int64) {
		t.Helper()
		rm, add := v.Apply(old, new)
		var gotRemove []string
		for _, id := range rm {
			gotRemove = append(gotRemove, id.Str)
		}
		slices.Sort(gotRemove)
		if !slices.Equal(gotRemove, wantRemove) || !maps.Equal(counts(add), wantAdd) {
			t.Errorf("removed %v added %v; want removed %v added %v", gotRemove, counts(add), wantRemove, wantAdd)
		}
	}
	// A 6→5 stays shown, B 5→6: both re-published.
	moved := inCell(t, 1, 1673, 1638)
	step(fs[0], moved, []string{A, B}, map[string]int64{A: 5, B: 6})
	// A 5→4 suppressed (removed only), C 4→5 shown (added only).
	moved2 := inCell(t, 2, 1674, 1638)
	step(fs[1], moved2, []string{A}, map[string]int64{C: 5})
	// A move within a cell, or an edit of a dropped attribute: nothing.
	within := inCell(t, 2, 1674, 1638)
	within.Geom = world(t, 837000+400, 819000+400)
	within.Props[1] = "Renamed"
	step(moved2, within, nil, map[string]int64{})
	// A new feature in a suppressed cell that reaches k: added.
	step(nil, inCell(t, 100, 1672, 1638), nil, map[string]int64{A: 5})
	// A deletion from a shown cell at k: suppressed.
	step(fs[12], nil, []string{C}, map[string]int64{})
}

// TestViewIncrementalMatchesLoad: any sequence of inserts, moves, edits
// and deletes applied change by change gives the same masked view as
// loading the final state, for every kind of policy.
func TestViewIncrementalMatchesLoad(t *testing.T) {
	for _, rule := range []string{"aggregate:250:k=3", "aggregate:500:k=2:centre", "snap:250", "displace:40", "keep"} {
		t.Run(rule, func(t *testing.T) {
			m := &layer.Masking{Geometry: rule, Others: "drop", Attributes: map[string]string{}}
			if !strings.HasPrefix(rule, "aggregate") {
				m.Attributes["care_level"] = "keep"
				m.Attributes["hkid"] = "hash"
			}
			p := compile(t, homeCare(m))
			rnd := rand.New(rand.NewPCG(7, uint64(len(rule))))
			full := map[int64]*cache.Feature{}
			v := p.NewView()
			masked := map[cache.ID]*cache.Feature{}
			for _, f := range v.Load(func(func(*cache.Feature) bool) {}) {
				masked[f.ID] = f
			}
			for range 3000 {
				id := int64(rnd.IntN(60))
				var nf *cache.Feature
				if rnd.IntN(5) > 0 {
					nf = person(t, id, 836000+rnd.Float64()*1500, 819000+rnd.Float64()*1500)
					nf.Props[6] = int64(rnd.IntN(3))
					nf.Props[1] = fmt.Sprint("name", rnd.IntN(3))
				}
				old := full[id]
				if old == nil && nf == nil {
					continue
				}
				rm, add := v.Apply(old, nf)
				for _, r := range rm {
					if _, ok := masked[r]; !ok {
						t.Fatalf("asked to remove %v, which the masked view does not hold", r)
					}
					delete(masked, r)
				}
				for _, a := range add {
					if _, dup := masked[a.ID]; dup {
						t.Fatalf("asked to add %v twice", a.ID)
					}
					masked[a.ID] = a
				}
				if nf == nil {
					delete(full, id)
				} else {
					full[id] = nf
				}
			}
			want := p.MaskAll(maps.Values(full))
			got := slices.SortedFunc(maps.Values(masked), func(a, b *cache.Feature) int { return a.ID.Compare(b.ID) })
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("incremental view (%d features) differs from a fresh load (%d)", len(got), len(want))
			}
			if len(want) == 0 {
				t.Fatal("empty view: the test proves nothing")
			}
		})
	}
}

// TestApplyPerFeature: what a per-feature view reports for each kind of
// change.
func TestApplyPerFeature(t *testing.T) {
	p := compile(t, homeCare(demoMasking()))
	v := p.NewView()
	f := person(t, 5, 836010, 819010)
	pid := p.PseudonymID(f.ID)
	if rm, add := v.Apply(nil, f); len(rm) != 0 || len(add) != 1 || add[0].ID != pid {
		t.Errorf("insert: %v, %v", rm, add)
	}
	renamed := person(t, 5, 836020, 819020) // moved within its cell, renamed
	renamed.Props[1] = "Someone Else"
	if rm, add := v.Apply(f, renamed); len(rm) != 0 || len(add) != 0 {
		t.Errorf("an invisible change was reported: %v, %v", rm, add)
	}
	older := person(t, 5, 836020, 819020)
	older.Props[2] = int64(81)
	if rm, add := v.Apply(renamed, older); len(rm) != 1 || rm[0] != pid || len(add) != 1 || add[0].Props[1] != "80–89" {
		t.Errorf("a visible change: %v, %v", rm, add)
	}
	if rm, add := v.Apply(older, nil); len(rm) != 1 || rm[0] != pid || len(add) != 0 {
		t.Errorf("delete: %v, %v", rm, add)
	}
}
