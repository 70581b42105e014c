package metrics

import (
	"strconv"
	"sync/atomic"
)

// Counter is a count that only goes up. Safe for concurrent use.
type Counter struct{ n atomic.Uint64 }

// Inc adds one.
func (c *Counter) Inc() { c.n.Add(1) }

// Add adds n.
func (c *Counter) Add(n uint64) { c.n.Add(n) }

// Value is the count so far.
func (c *Counter) Value() uint64 { return c.n.Load() }

// CounterVec is a counter per combination of label values.
type CounterVec struct {
	name, help string
	set        seriesSet[Counter]
}

// Counter registers a counter without labels.
func (r *Registry) Counter(name, help string) *Counter {
	return r.CounterVec(name, help).With()
}

// CounterVec registers a counter with the given labels.
func (r *Registry) CounterVec(name, help string, labels ...string) *CounterVec {
	v := &CounterVec{name: name, help: help, set: seriesSet[Counter]{metric: name, labels: labels, make: func() *Counter { return new(Counter) }}}
	r.register(v, labels)
	return v
}

// With returns the series for these label values (in the registered
// order), making it on first use. Keep the result where the values are
// known in advance: the lookup is cheap but not free.
func (v *CounterVec) With(values ...string) *Counter { return v.set.with(values) }

func (v *CounterVec) meta() (string, string, string) { return v.name, v.help, "counter" }

func (v *CounterVec) collect(out []sample) []sample {
	for _, e := range v.set.sorted() {
		out = append(out, sample{v.name, e.labels, strconv.FormatUint(e.v.Value(), 10)})
	}
	return out
}
