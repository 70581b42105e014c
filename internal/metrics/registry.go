// Package metrics keeps a process's counters, gauges and histograms and
// serves them in the Prometheus text exposition format (version 0.0.4),
// with no dependency beyond the standard library.
//
// Instruments are registered once, at start, and updated with atomics on
// the hot path; a labelled instrument's series are resolved once with With
// and kept by the caller where it can. Values that already live elsewhere
// (cache sizes, another package's counters) are read at scrape time by
// collector callbacks instead of being copied on every change.
//
// Names and label names are fixed by the program: an invalid or repeated
// one is a programming error and panics at registration, like a bad
// regexp.MustCompile.
package metrics

import (
	"fmt"
	"regexp"
	"slices"
	"sync"
)

// Registry holds the instruments of one process (or one test).
type Registry struct {
	mu       sync.Mutex
	families map[string]family
}

// family is one metric name with its HELP, TYPE and samples.
type family interface {
	meta() (name, help, typ string)
	// collect appends the family's samples; their names already carry
	// any _bucket, _sum or _count suffix.
	collect(out []sample) []sample
}

// sample is one line of the exposition.
type sample struct {
	name   string
	labels []label
	value  string
}

type label struct{ name, value string }

// New makes an empty registry.
func New() *Registry { return &Registry{families: map[string]family{}} }

var (
	metricName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)
	labelName  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)
)

// register adds f under its name, panicking on a bad or repeated name.
func (r *Registry) register(f family, labels []string) {
	name, help, _ := f.meta()
	if !metricName.MatchString(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	if help == "" {
		panic(fmt.Sprintf("metrics: %s has no help text", name))
	}
	for i, l := range labels {
		if !labelName.MatchString(l) || len(l) >= 2 && l[:2] == "__" {
			panic(fmt.Sprintf("metrics: %s: invalid label name %q", name, l))
		}
		if slices.Contains(labels[:i], l) {
			panic(fmt.Sprintf("metrics: %s: label %q is repeated", name, l))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.families[name]; dup {
		panic(fmt.Sprintf("metrics: %s is registered twice", name))
	}
	r.families[name] = f
}

// snapshot lists the families in name order, for a scrape.
func (r *Registry) snapshot() []family {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]family, 0, len(r.families))
	for _, f := range r.families {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b family) int {
		an, _, _ := a.meta()
		bn, _, _ := b.meta()
		if an < bn {
			return -1
		}
		if an > bn {
			return 1
		}
		return 0
	})
	return out
}

// labelPairs pairs label names with values, checking the count.
func labelPairs(metric string, names, values []string) []label {
	if len(values) != len(names) {
		panic(fmt.Sprintf("metrics: %s takes %d label values (%v), got %d", metric, len(names), names, len(values)))
	}
	if len(names) == 0 {
		return nil
	}
	out := make([]label, len(names))
	for i := range names {
		out[i] = label{names[i], values[i]}
	}
	return out
}
