package privacy

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

func TestDemoPolicy(t *testing.T) {
	p := compile(t, homeCare(demoMasking()))
	var names []string
	for _, f := range p.Schema() {
		names = append(names, f.Name+":"+string(f.Type))
	}
	want := []string{"hkid:string", "age:string", "district:string", "case_opened:date", "care_level:integer"}
	if !slices.Equal(names, want) {
		t.Errorf("schema %v, want %v", names, want)
	}
	f := person(t, 42, 836123, 819456)
	m, ok := p.MaskFeature(f)
	if !ok {
		t.Fatal("not masked")
	}
	wantProps := []any{"A123***(*)", "70–79", "Yau Tsim Mong", time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC), int64(2)}
	if !reflect.DeepEqual(m.Props, wantProps) {
		t.Errorf("props %v, want %v", m.Props, wantProps)
	}
	if c := grid(t, m.Geom.(orb.Point)); math.Abs(c[0]-836125) > 1e-3 || math.Abs(c[1]-819375) > 1e-3 {
		t.Errorf("snapped to %v, want (836125, 819375)", c)
	}
	if m.Bound != m.Geom.Bound() {
		t.Error("bound is not the masked geometry's")
	}
	if p.Layer().Fields[0].Name != "hkid" || p.Layer().Source.TimeColumn != "case_opened" || p.MinZoom() != 10 {
		t.Errorf("masked layer %+v", p.Layer())
	}
}

// TestMaskFeatureLeaksNothing: over many features and policies, a masked
// feature carries no dropped value, no true coordinate and no real id, and
// its input is left as it was.
func TestMaskFeatureLeaksNothing(t *testing.T) {
	for _, geom := range []string{"snap:250", "displace:50", "snap:100"} {
		m := demoMasking()
		m.Geometry = geom
		m.Attributes["case_opened"] = "generalise:year"
		p := compile(t, homeCare(m))
		for i := int64(0); i < 300; i++ {
			f := person(t, i, 830000+float64(i)*37.3, 815000+float64(i)*11.9)
			f.Props[1] = fmt.Sprintf("Name %d", i)
			f.Props[3] = fmt.Sprintf("Flat %d, Road", i)
			before := fmt.Sprintf("%#v", *f)
			mf, ok := p.MaskFeature(f)
			if !ok {
				t.Fatal("not masked")
			}
			if fmt.Sprintf("%#v", *f) != before {
				t.Fatal("MaskFeature changed its input")
			}
			for _, v := range mf.Props {
				s := fmt.Sprint(v)
				if strings.Contains(s, "Name") || strings.Contains(s, "Flat") || strings.Contains(s, "456(7)") || strings.Contains(s, "78") || strings.Contains(s, "-03") {
					t.Fatalf("%s: masked props carry %q", geom, s)
				}
			}
			if len(mf.Props) != len(p.Schema()) {
				t.Fatal("props not aligned with the schema")
			}
			if mf.Geom.(orb.Point) == f.Geom.(orb.Point) {
				t.Fatalf("%s: true position kept", geom)
			}
			if mf.ID.IsNum || strings.Contains(mf.ID.Str, fmt.Sprint(i)) && len(mf.ID.Str) < 4 {
				t.Fatalf("id %v", mf.ID)
			}
		}
	}
}

func TestPseudonymIDs(t *testing.T) {
	p := compile(t, homeCare(demoMasking()))
	again := compile(t, homeCare(demoMasking()))
	seen := map[cache.ID]cache.ID{}
	var real, masked []cache.ID
	for i := int64(1); i <= 5000; i++ {
		for _, id := range []cache.ID{cache.NumID(i), cache.StrID(fmt.Sprint(i))} {
			ps := p.PseudonymID(id)
			if ps != again.PseudonymID(id) {
				t.Fatal("pseudonym not stable across compilations")
			}
			if prev, dup := seen[ps]; dup {
				t.Fatalf("%v and %v share pseudonym %v", prev, id, ps)
			}
			seen[ps] = id
			if ps.IsNum || !strings.HasPrefix(ps.Str, idPrefix) || len(ps.Str) != len(idPrefix)+pseudonymLen {
				t.Fatalf("pseudonym %q", ps.Str)
			}
			if id.IsNum {
				real, masked = append(real, id), append(masked, ps)
			}
		}
	}
	// No ordering leak: sorting by pseudonym scrambles the real order. The
	// rank correlation of 5000 ids should be near zero.
	order := make([]int, len(masked))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return masked[a].Compare(masked[b]) })
	var d2 float64
	for rank, i := range order {
		d := float64(rank - i)
		d2 += d * d
	}
	n := float64(len(order))
	if rho := 1 - 6*d2/(n*(n*n-1)); rho > 0.05 || rho < -0.05 {
		t.Errorf("pseudonym order correlates with real order: ρ = %.3f", rho)
	}
	// Per layer and per key.
	other := homeCare(demoMasking())
	other.ID = "another_layer"
	if compile(t, other).PseudonymID(cache.NumID(1)) == p.PseudonymID(cache.NumID(1)) {
		t.Error("two layers share pseudonyms")
	}
	rekeyed, _ := Compile(homeCare(demoMasking()), []byte("yet another key, long enough"))
	if rekeyed.PseudonymID(cache.NumID(1)) == p.PseudonymID(cache.NumID(1)) {
		t.Error("pseudonyms do not depend on the key")
	}
}

// TestPseudonymGolden pins the pseudonym and hash algorithms: a change
// would re-key every masked id and hash on every replica at upgrade. The
// values are HMAC-SHA256 as documented in pseudonym.go, checked
// independently with Python's hmac module.
func TestPseudonymGolden(t *testing.T) {
	p := compile(t, homeCare(demoMasking()))
	if got := p.PseudonymID(cache.NumID(42)).Str; got != goldenID42 {
		t.Errorf("pseudonym of 42 = %q, want %q", got, goldenID42)
	}
	if got := pseudonym(subkey(testKey, "attribute"), hashPrefix, []byte("A123456(7)")); got != goldenHash {
		t.Errorf("hash of A123456(7) = %q, want %q", got, goldenHash)
	}
}

const (
	goldenID42 = "p_avdvlzhxommczapd"
	goldenHash = "h_4pqbwj6xhkizy7gf"
)

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(l *layer.Layer)
		rule   string
		want   error
	}{
		{"no policy", func(l *layer.Layer) { l.Masking = nil }, "masking", ErrNoPolicy},
		{"unknown attribute", func(l *layer.Layer) { l.Masking.Attributes["phone"] = "drop" }, "attributes.phone", ErrUnknownAttribute},
		{"unknown attribute rule", func(l *layer.Layer) { l.Masking.Attributes["name"] = "scramble" }, "attributes.name", ErrUnknownRule},
		{"unknown geometry rule", func(l *layer.Layer) { l.Masking.Geometry = "blur:100" }, "geometry", ErrUnknownRule},
		{"bad snap", func(l *layer.Layer) { l.Masking.Geometry = "snap:0" }, "geometry", ErrBadParameter},
		{"bad displace", func(l *layer.Layer) { l.Masking.Geometry = "displace:-3" }, "geometry", ErrBadParameter},
		{"bad k", func(l *layer.Layer) { l.Masking.Geometry = "aggregate:500:k=1" }, "geometry", ErrBadParameter},
		{"bad band", func(l *layer.Layer) { l.Masking.Attributes["age"] = "generalise:0" }, "attributes.age", ErrBadParameter},
		{"hash a date", func(l *layer.Layer) { l.Masking.Attributes["case_opened"] = "hash" }, "attributes.case_opened", ErrTypeMismatch},
		{"generalise a string", func(l *layer.Layer) { l.Masking.Attributes["district"] = "generalise" }, "attributes.district", ErrTypeMismatch},
		{"generalise a boolean", func(l *layer.Layer) {
			l.Fields = append(l.Fields, layer.Field{Name: "alone", Type: layer.Boolean})
			l.Masking.Attributes["alone"] = "generalise"
		}, "attributes.alone", ErrTypeMismatch},
		{"partial a number", func(l *layer.Layer) { l.Masking.Attributes["age"] = "partial" }, "attributes.age", ErrTypeMismatch},
		{"aggregate keeping attributes", func(l *layer.Layer) { l.Masking.Geometry = "aggregate:500:k=5" }, "attributes.hkid", ErrContradiction},
		{"centroid of points", func(l *layer.Layer) { l.Masking.Geometry = "centroid" }, "geometry", ErrTypeMismatch},
		{"centroid of anything", func(l *layer.Layer) { l.GeometryType = layer.AnyGeometry; l.Masking.Geometry = "centroid" }, "geometry", ErrTypeMismatch},
		{"min zoom negative", func(l *layer.Layer) { l.Masking.MinZoom = -1 }, "min_zoom", ErrBadParameter},
		{"min zoom past 30", func(l *layer.Layer) { l.Masking.MinZoom = 31 }, "min_zoom", ErrBadParameter},
		{"min zoom past the layer's", func(l *layer.Layer) { l.MaxZoom = 16; l.Masking.MinZoom = 17 }, "min_zoom", ErrContradiction},
		{"acr with spaces", func(l *layer.Layer) { l.Masking.MinACR = "loa 2" }, "min_acr", ErrBadParameter},
		{"others", func(l *layer.Layer) { l.Masking.Others = "hash" }, "others", ErrUnknownRule},
		{"masks nothing", func(l *layer.Layer) {
			l.Masking = &layer.Masking{Attributes: map[string]string{"name": "keep"}}
		}, "masking", ErrContradiction},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := homeCare(demoMasking())
			c.change(l)
			p, err := Compile(l, testKey)
			if err == nil {
				t.Fatalf("compiled: %v", p)
			}
			if !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
			var pe *PolicyError
			if !errors.As(err, &pe) || pe.Layer != l.ID || pe.Rule != c.rule {
				t.Errorf("error %v does not name layer %s and rule %s", err, l.ID, c.rule)
			}
			if !strings.Contains(err.Error(), l.ID) || !strings.Contains(err.Error(), c.rule) {
				t.Errorf("message %q does not name the layer and the rule", err)
			}
		})
	}
	if _, err := Compile(homeCare(demoMasking()), []byte("short")); !errors.Is(err, ErrKey) {
		t.Errorf("a 5-byte key: %v", err)
	}
	if _, err := Compile(nil, testKey); !errors.Is(err, ErrNoPolicy) {
		t.Errorf("nil layer: %v", err)
	}
}

// TestCompileReportsEveryProblem: one start-up tells the data officer all
// that is wrong, not one thing at a time.
func TestCompileReportsEveryProblem(t *testing.T) {
	l := homeCare(&layer.Masking{
		Attributes: map[string]string{"phone": "drop", "age": "hash:x", "hkid": "generalise"},
		Geometry:   "snap:big",
	})
	_, err := Compile(l, testKey)
	for _, want := range []string{"attributes.phone", "attributes.age", "attributes.hkid", "geometry"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not report %s", err, want)
		}
	}
}

func TestOthersDrop(t *testing.T) {
	m := &layer.Masking{Others: "drop", Geometry: "snap:250",
		Attributes: map[string]string{"district": "keep", "hkid": "hash", "case_opened": "generalise:year"}}
	p := compile(t, homeCare(m))
	var names []string
	for _, f := range p.Schema() {
		names = append(names, f.Name)
	}
	if !slices.Equal(names, []string{"hkid", "district", "case_opened"}) {
		t.Errorf("schema %v", names)
	}
	// The time field was generalised: the masked layer is not temporal.
	if p.Layer().TimeField() >= 0 {
		t.Error("a generalised time field still serves datetime filters")
	}
	if p.Layer().GeometryType != layer.Point {
		t.Errorf("geometry type %s", p.Layer().GeometryType)
	}
}

func TestAccessors(t *testing.T) {
	m := demoMasking()
	m.MinZoom, m.MinACR = 14, "urn:iamsmart:loa:2"
	p := compile(t, homeCare(m))
	if p.MinZoom() != 14 || p.MinACR() != "urn:iamsmart:loa:2" || p.Aggregated() || p.Layer().MinZoom != 14 {
		t.Errorf("minzoom %d, acr %q, aggregated %v", p.MinZoom(), p.MinACR(), p.Aggregated())
	}
	m.MinZoom = 3 // below the layer's 10: the layer's stands
	if p = compile(t, homeCare(m)); p.MinZoom() != 10 {
		t.Errorf("min zoom %d, want the layer's 10", p.MinZoom())
	}
	want := "elderly_home_care: geometry=snap:250 hkid=partial name=drop age=generalise address=drop district=keep case_opened=keep care_level=keep min_zoom=10 min_acr=urn:iamsmart:loa:2"
	if got := p.String(); got != want {
		t.Errorf("String() = %q\nwant          %q", got, want)
	}
	agg := compile(t, homeCare(&layer.Masking{Others: "drop", Geometry: "aggregate:500:k=5"}))
	if !agg.Aggregated() || len(agg.Schema()) != 1 || agg.Schema()[0].Name != "count" || agg.Layer().GeometryType != layer.Polygon {
		t.Errorf("aggregate schema %+v, type %s", agg.Schema(), agg.Layer().GeometryType)
	}
	if _, ok := agg.MaskFeature(person(t, 1, 836000, 819000)); ok {
		t.Error("an aggregate masked a single feature")
	}
}

// TestProposedDemoPolicy: the policy proposed for the demo's sensitive
// layer compiles and shows what it should.
func TestProposedDemoPolicy(t *testing.T) {
	m := &layer.Masking{
		Attributes: map[string]string{
			"hkid": "partial", "name": "drop", "address": "drop", "age": "generalise:10",
			"case_opened": "generalise:month", "district": "keep", "care_level": "keep",
		},
		Others:   "drop",
		Geometry: "snap:250",
	}
	p := compile(t, homeCare(m))
	mf, _ := p.MaskFeature(person(t, 1, 836123, 819456))
	want := []any{"A123***(*)", "70–79", "Yau Tsim Mong", "2024-03", int64(2)}
	if !reflect.DeepEqual(mf.Props, want) {
		t.Errorf("props %v, want %v", mf.Props, want)
	}
}
