package metrics

import (
	"slices"
	"strings"
	"sync"
)

// seriesSet is the children of a labelled instrument, keyed by their label
// values. Lookups of an existing series take no lock.
type seriesSet[T any] struct {
	metric string
	labels []string
	make   func() *T
	m      sync.Map // joined values -> *entry[T]
	mu     sync.Mutex
}

type entry[T any] struct {
	labels []label
	v      *T
}

// sep cannot occur in valid UTF-8, so joined values never collide.
const sep = "\xff"

func (s *seriesSet[T]) with(values []string) *T {
	key := strings.Join(values, sep)
	if e, ok := s.m.Load(key); ok {
		return e.(*entry[T]).v
	}
	pairs := labelPairs(s.metric, s.labels, values)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m.Load(key); ok {
		return e.(*entry[T]).v
	}
	e := &entry[T]{labels: pairs, v: s.make()}
	s.m.Store(key, e)
	return e.v
}

// sorted lists the series in label-value order, so scrapes are stable.
func (s *seriesSet[T]) sorted() []*entry[T] {
	var out []*entry[T]
	s.m.Range(func(_, v any) bool {
		out = append(out, v.(*entry[T]))
		return true
	})
	slices.SortFunc(out, func(a, b *entry[T]) int { return compareLabels(a.labels, b.labels) })
	return out
}

func compareLabels(a, b []label) int {
	for i := range min(len(a), len(b)) {
		if c := strings.Compare(a[i].value, b[i].value); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}
