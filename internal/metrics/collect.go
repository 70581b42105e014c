package metrics

import (
	"slices"
	"strconv"
)

// Emit reports one sample of a collected metric: its value and its label
// values in the registered order.
type Emit func(value float64, labelValues ...string)

// collected is a metric read at scrape time from a callback.
type collected struct {
	name, help, typ string
	labels          []string
	fn              func(Emit)
}

// GaugeFunc registers a gauge whose samples fn reports at each scrape:
// for values kept elsewhere, such as a cache's size per layer.
func (r *Registry) GaugeFunc(name, help string, labels []string, fn func(Emit)) {
	r.register(&collected{name: name, help: help, typ: "gauge", labels: labels, fn: fn}, labels)
}

// CounterFunc registers a counter whose samples fn reports at each scrape:
// for counts another package keeps, such as the tile cache's hits.
func (r *Registry) CounterFunc(name, help string, labels []string, fn func(Emit)) {
	r.register(&collected{name: name, help: help, typ: "counter", labels: labels, fn: fn}, labels)
}

func (c *collected) meta() (string, string, string) { return c.name, c.help, c.typ }

func (c *collected) collect(out []sample) []sample {
	start := len(out)
	c.fn(func(v float64, values ...string) {
		out = append(out, sample{c.name, labelPairs(c.name, c.labels, values), formatFloat(v)})
	})
	mine := out[start:]
	slices.SortStableFunc(mine, func(a, b sample) int { return compareLabels(a.labels, b.labels) })
	return out
}

// formatFloat writes v as the exposition format reads it.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
