package privacy

import (
	"testing"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Masking runs once per change at sync time, never per request; these say
// what an initial load of a large sensitive layer costs.

func BenchmarkMaskFeature(b *testing.B) {
	for _, rule := range []string{"snap:250", "displace:50"} {
		b.Run(rule, func(b *testing.B) {
			m := demoMasking()
			m.Geometry = rule
			p := compile(b, homeCare(m))
			f := person(b, 1, 836123, 819456)
			b.ReportAllocs()
			for b.Loop() {
				p.MaskFeature(f)
			}
		})
	}
}

func BenchmarkAggregateApply(b *testing.B) {
	p := compile(b, homeCare(&layer.Masking{Others: "drop", Geometry: "aggregate:500:k=5"}))
	v := p.NewView()
	a, c := person(b, 1, 836100, 819100), person(b, 1, 836700, 819100)
	v.Load(func(yield func(*cache.Feature) bool) { yield(a) })
	b.ReportAllocs()
	for b.Loop() {
		v.Apply(a, c)
		a, c = c, a
	}
}
