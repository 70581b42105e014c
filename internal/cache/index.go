package cache

import (
	"runtime"

	"golang.org/x/sync/errgroup"
)

// A builder keeps three kinds of index over its features: the id B-tree,
// the R-tree of bounds and an attribute index per field. indexAdd and
// indexRemove are the only places that change them, so an edit applied
// feature by feature (remove the old version, add the new one, publish)
// leaves every index agreeing with the others.
//
// The attribute indexes of a new builder are filled in bulk by its first
// publish, from the id index (sorting all entries at once is several
// times faster than inserting them one by one, which matters for the
// initial load); from then on indexAdd and indexRemove keep them current.

// indexAdd puts f, whose id is not in the builder yet, into every index.
func (b *builder) indexAdd(f *Feature) {
	b.ids.Set(f)
	if f.Geom != nil {
		b.tree.Insert(f.Bound.Min, f.Bound.Max, f)
	}
	if b.attrsLoaded {
		for _, a := range b.attrs {
			if a != nil {
				a.add(f)
			}
		}
	}
	b.bytes += approxBytes(f)
}

// indexRemove takes f, the very feature indexAdd was given, out of every
// index; it reports whether f was there.
func (b *builder) indexRemove(f *Feature) bool {
	if got, ok := b.ids.Get(f); !ok || got != f {
		return false
	}
	b.ids.Delete(f)
	if f.Geom != nil {
		b.tree.Delete(f.Bound.Min, f.Bound.Max, f)
	}
	if b.attrsLoaded {
		for _, a := range b.attrs {
			if a != nil {
				a.remove(f)
			}
		}
	}
	b.bytes -= approxBytes(f)
	return true
}

// publishAttrs returns copy-on-write copies of the builder's attribute
// indexes for a snapshot (the builder goes on changing its own), filling
// them first if this is the first publish, one goroutine per processor.
func (b *builder) publishAttrs() []attrIndex {
	if !b.attrsLoaded {
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for _, a := range b.attrs {
			if a != nil {
				g.Go(func() error { a.load(b.ids); return nil })
			}
		}
		_ = g.Wait()
		b.attrsLoaded = true
	}
	out := make([]attrIndex, len(b.attrs))
	for i, a := range b.attrs {
		if a != nil {
			out[i] = a.copy()
		}
	}
	return out
}

// attrBytes estimates the memory of attribute indexes, for Bytes.
func attrBytes(idx []attrIndex) int {
	n := 0
	for _, a := range idx {
		if a != nil {
			n += a.bytes()
		}
	}
	return n
}

// Indexed reports whether field i of the layer has an attribute index, so
// that RangeCount and Range answer for it.
func (s *Snapshot) Indexed(field int) bool {
	return field >= 0 && field < len(s.attrs) && s.attrs[field] != nil
}

// RangeCount is the number of features whose value of field lies between
// lo and hi (NULLs never do), found without a scan. ok is false when the
// field has no index or a bound's value is not of a type the field's
// values compare with (numbers with int64 and float64, strings, bools,
// times).
func (s *Snapshot) RangeCount(field int, lo, hi Bound) (n int, ok bool) {
	if !s.Indexed(field) {
		return 0, false
	}
	return s.attrs[field].count(lo, hi)
}

// Range calls fn for every feature whose value of field lies between lo
// and hi, in order of value and then id, until fn returns false; ok is
// false, and fn is never called, when RangeCount would say so.
//
// Numbers are kept as float64: integers beyond 2^53 share keys, so an open
// end at such an integer is taken as closed and Range may return a few
// features just outside it. Callers re-check each feature, as the items
// pipeline does with the whole filter.
func (s *Snapshot) Range(field int, lo, hi Bound, fn func(*Feature) bool) (ok bool) {
	if !s.Indexed(field) {
		return false
	}
	return s.attrs[field].ascend(lo, hi, fn)
}
