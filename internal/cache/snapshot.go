package cache

import (
	"fmt"
	"iter"

	"github.com/paulmach/orb"
	"github.com/tidwall/btree"
	"github.com/tidwall/rtree"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Snapshot is one published, immutable state of a layer. Any number of
// goroutines may read it at once without locks.
type Snapshot struct {
	layer   *layer.Layer
	masked  bool // a sensitive layer's masked view
	version uint64
	tree    *rtree.RTreeG[*Feature]
	ids     *btree.BTreeG[*Feature]
	attrs   []attrIndex // by field, nil where a field has none
	bytes   int
}

// Layer is the catalogue entry the snapshot was built for.
func (s *Snapshot) Layer() *layer.Layer { return s.layer }

// Version increases with every snapshot published for the layer.
func (s *Snapshot) Version() uint64 { return s.version }

// Len is the number of features, with or without geometry.
func (s *Snapshot) Len() int { return s.ids.Len() }

// Bytes is an estimate of the memory the snapshot's features hold.
func (s *Snapshot) Bytes() int { return s.bytes }

// Extent is the bounding box of every geometry, in world coordinates; ok is
// false when the layer has no geometry at all.
func (s *Snapshot) Extent() (b orb.Bound, ok bool) {
	if s.tree.Len() == 0 {
		return orb.Bound{}, false
	}
	min, max := s.tree.Bounds()
	return orb.Bound{Min: min, Max: max}, true
}

// Search calls fn for every feature whose bounds intersect b (world
// coordinates), in no particular order, until fn returns false.
func (s *Snapshot) Search(b orb.Bound, fn func(*Feature) bool) {
	s.tree.Search(b.Min, b.Max, func(_, _ [2]float64, f *Feature) bool { return fn(f) })
}

// Get finds a feature by the text of its id.
func (s *Snapshot) Get(id string) (*Feature, bool) { return findID(s.ids, id) }

// At returns the i-th feature in id order, for offset paging without a scan.
func (s *Snapshot) At(i int) (*Feature, bool) { return s.ids.GetAt(i) }

// Ascend calls fn for every feature in id order starting at the i-th, until
// fn returns false.
func (s *Snapshot) Ascend(i int, fn func(*Feature) bool) {
	first, ok := s.ids.GetAt(i)
	if !ok {
		return
	}
	s.ids.Ascend(first, fn)
}

// Build makes a snapshot of l straight from records whose geometry is in
// store.StreamSRID(l): for tests, benchmarks and tools that have records
// without a store. Like a store's Load callback, it takes ownership of the
// records: their geometry is transformed in place, so pass fresh copies.
// Records that cannot be cached are returned as an error.
func Build(l *layer.Layer, records iter.Seq2[store.Record, error]) (*Snapshot, error) {
	b, err := newBuilder(l)
	if err != nil {
		return nil, err
	}
	for r, err := range records {
		if err != nil {
			return nil, err
		}
		if err := b.add(r); err != nil {
			return nil, fmt.Errorf("layer %s feature %v: %w", l.ID, r.ID, err)
		}
	}
	return b.publish(1), nil
}
