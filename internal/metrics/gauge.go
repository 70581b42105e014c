package metrics

import (
	"math"
	"sync/atomic"
)

// Gauge is a value that goes up and down. Safe for concurrent use.
type Gauge struct{ bits atomic.Uint64 }

// Set sets the value.
func (g *Gauge) Set(v float64) { g.bits.Store(math.Float64bits(v)) }

// Add adds d (negative to subtract).
func (g *Gauge) Add(d float64) {
	for {
		old := g.bits.Load()
		if g.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// Value is the current value.
func (g *Gauge) Value() float64 { return math.Float64frombits(g.bits.Load()) }

// GaugeVec is a gauge per combination of label values.
type GaugeVec struct {
	name, help string
	set        seriesSet[Gauge]
}

// Gauge registers a gauge without labels.
func (r *Registry) Gauge(name, help string) *Gauge {
	return r.GaugeVec(name, help).With()
}

// GaugeVec registers a gauge with the given labels.
func (r *Registry) GaugeVec(name, help string, labels ...string) *GaugeVec {
	v := &GaugeVec{name: name, help: help, set: seriesSet[Gauge]{metric: name, labels: labels, make: func() *Gauge { return new(Gauge) }}}
	r.register(v, labels)
	return v
}

// With returns the series for these label values, making it on first use.
func (v *GaugeVec) With(values ...string) *Gauge { return v.set.with(values) }

func (v *GaugeVec) meta() (string, string, string) { return v.name, v.help, "gauge" }

func (v *GaugeVec) collect(out []sample) []sample {
	for _, e := range v.set.sorted() {
		out = append(out, sample{v.name, e.labels, formatFloat(e.v.Value())})
	}
	return out
}
