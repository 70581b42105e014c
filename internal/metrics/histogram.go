package metrics

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
)

// DurationBuckets suit request latencies in seconds, from a cached tile
// (well under a millisecond) to a large download.
var DurationBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// Histogram counts observations into buckets. Safe for concurrent use;
// a scrape racing an Observe may see the count and the sum one
// observation apart, as with Prometheus's own client.
type Histogram struct {
	upper  []float64       // bucket upper bounds, ascending, +Inf implied
	counts []atomic.Uint64 // per bucket, not cumulative; the last is +Inf
	count  atomic.Uint64
	sum    Gauge
}

func newHistogram(upper []float64) *Histogram {
	return &Histogram{upper: upper, counts: make([]atomic.Uint64, len(upper)+1)}
}

// Observe records v.
func (h *Histogram) Observe(v float64) {
	i, _ := slices.BinarySearch(h.upper, v) // first bound >= v: le is inclusive
	h.counts[i].Add(1)
	h.count.Add(1)
	h.sum.Add(v)
}

// Count is the number of observations.
func (h *Histogram) Count() uint64 { return h.count.Load() }

// HistogramVec is a histogram per combination of label values.
type HistogramVec struct {
	name, help string
	upper      []float64
	set        seriesSet[Histogram]
}

// Histogram registers a histogram without labels.
func (r *Registry) Histogram(name, help string, buckets []float64) *Histogram {
	return r.HistogramVec(name, help, buckets).With()
}

// HistogramVec registers a histogram with the given buckets (ascending
// upper bounds; +Inf is added) and labels.
func (r *Registry) HistogramVec(name, help string, buckets []float64, labels ...string) *HistogramVec {
	upper := slices.Clone(buckets)
	if n := len(upper); n > 0 && math.IsInf(upper[n-1], 1) {
		upper = upper[:n-1]
	}
	for i, b := range upper {
		if math.IsNaN(b) || i > 0 && b <= upper[i-1] {
			panic(fmt.Sprintf("metrics: %s: buckets must ascend strictly, got %v", name, buckets))
		}
	}
	if slices.Contains(labels, "le") {
		panic(fmt.Sprintf("metrics: %s: le is the bucket label and cannot be another", name))
	}
	v := &HistogramVec{name: name, help: help, upper: upper}
	v.set = seriesSet[Histogram]{metric: name, labels: labels, make: func() *Histogram { return newHistogram(upper) }}
	r.register(v, labels)
	return v
}

// With returns the series for these label values, making it on first use.
func (v *HistogramVec) With(values ...string) *Histogram { return v.set.with(values) }

func (v *HistogramVec) meta() (string, string, string) { return v.name, v.help, "histogram" }

func (v *HistogramVec) collect(out []sample) []sample {
	for _, e := range v.set.sorted() {
		h := e.v
		var cum uint64
		for i := range h.counts {
			cum += h.counts[i].Load()
			le := "+Inf"
			if i < len(h.upper) {
				le = formatFloat(h.upper[i])
			}
			labels := append(slices.Clip(e.labels), label{"le", le})
			out = append(out, sample{v.name + "_bucket", labels, strconv.FormatUint(cum, 10)})
		}
		out = append(out,
			sample{v.name + "_sum", e.labels, formatFloat(h.sum.Value())},
			// The buckets' total, not count: the two must agree in one scrape.
			sample{v.name + "_count", e.labels, strconv.FormatUint(cum, 10)})
	}
	return out
}
