package cache

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/tidwall/btree"

	"github.com/csdi-hk/csdi/internal/layer"
)

// An attribute index orders the features of one field by value, so that a
// filter such as floors > 60 finds its candidates, and how many there are,
// without a scan. Each is a copy-on-write B-tree like the id index, of
// entries (key, feature) ordered by key and then by feature id; NULLs are
// left out, since no comparison with NULL is true. The key is the value in
// the form the CQL2 evaluator compares it: numbers as float64 (integers
// beyond 2^53 round, see numberBound), instants as seconds and
// nanoseconds, strings bytewise, false before true.

// Bound is one end of a range of values of a field: an int64, float64,
// string, bool or time.Time (nil: unbounded), and whether the end itself is
// excluded (Open).
type Bound struct {
	Value any
	Open  bool
}

// attrIndex is the index of one field, whatever the key type.
type attrIndex interface {
	// load fills the empty index with every feature of ids at once.
	load(ids *btree.BTreeG[*Feature])
	add(f *Feature)
	remove(f *Feature) bool
	// count and ascend return ok false when a bound does not fit the
	// field's type: the index cannot answer.
	count(lo, hi Bound) (int, bool)
	ascend(lo, hi Bound, fn func(*Feature) bool) bool
	copy() attrIndex
	bytes() int
}

// indexedType reports whether fields of type t get an attribute index.
func indexedType(t layer.FieldType) bool {
	switch t {
	case layer.String, layer.Integer, layer.Number, layer.Boolean, layer.Date, layer.DateTime:
		return true
	}
	return false
}

// newAttrIndexes makes an empty index for every indexed field of l,
// aligned with l.Fields (nil for a field without one).
func newAttrIndexes(l *layer.Layer) []attrIndex {
	idx := make([]attrIndex, len(l.Fields))
	for i, f := range l.Fields {
		switch f.Type {
		case layer.Integer, layer.Number:
			idx[i] = newAttrTree(i, numberKey, numberBound, lessNumber, cmp.Compare[float64])
		case layer.String:
			idx[i] = newAttrTree(i, stringKey, exactBound(stringKey), lessString, strings.Compare)
		case layer.Boolean:
			idx[i] = newAttrTree(i, boolKey, exactBound(boolKey), lessBool, compareBool)
		case layer.Date, layer.DateTime:
			idx[i] = newAttrTree(i, instantKey, exactBound(instantKey), lessInstant, compareInstant)
		}
	}
	return idx
}

// attrEntry is one indexed value and its feature.
type attrEntry[K any] struct {
	key K
	f   *Feature
}

// Pivots stand before (after) every entry with the same key: their f is
// one of these two sentinels, compared by identity.
var (
	beforeAll = &Feature{}
	afterAll  = &Feature{}
)

// tieLess orders the entries of one key: pivots first or last, then by
// feature id.
func tieLess(a, b *Feature) bool {
	switch {
	case a == b:
		return false
	case a == beforeAll || b == afterAll:
		return true
	case b == beforeAll || a == afterAll:
		return false
	}
	return a.ID.Less(b.ID)
}

// The orders of entries, one function per key type rather than a generic
// comparison, so the B-tree's search makes one indirect call, not two.

func lessNumber(a, b attrEntry[float64]) bool {
	if a.key != b.key {
		return a.key < b.key // never NaN: numberKey leaves it out
	}
	return tieLess(a.f, b.f)
}

func lessString(a, b attrEntry[string]) bool {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c < 0
	}
	return tieLess(a.f, b.f)
}

func lessBool(a, b attrEntry[bool]) bool {
	if a.key != b.key {
		return b.key
	}
	return tieLess(a.f, b.f)
}

func lessInstant(a, b attrEntry[instant]) bool {
	if c := compareInstant(a.key, b.key); c != 0 {
		return c < 0
	}
	return tieLess(a.f, b.f)
}

// compareBool puts false before true.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case b:
		return -1
	}
	return 1
}

func compareInstant(a, b instant) int {
	if c := cmp.Compare(a.sec, b.sec); c != 0 {
		return c
	}
	return cmp.Compare(a.nsec, b.nsec)
}

// attrTree is the index of one field with keys of type K.
type attrTree[K any] struct {
	field int
	tree  *btree.BTreeG[attrEntry[K]]
	keyOf func(v any) (K, bool)
	// bound converts a Bound's value; exact is false when the conversion
	// may round, so that an open end must be treated as closed.
	bound  func(v any) (k K, exact, ok bool)
	less   func(a, b attrEntry[K]) bool
	cmpKey func(a, b K) int
	// keys counts the entries of each key while a field has few
	// distinct values (nil: too many), so that count need not search.
	keys []keyCount[K]
}

func newAttrTree[K any](field int, keyOf func(any) (K, bool), bound func(any) (K, bool, bool),
	less func(a, b attrEntry[K]) bool, cmpKey func(a, b K) int) *attrTree[K] {
	return &attrTree[K]{field: field, keyOf: keyOf, bound: bound, less: less, cmpKey: cmpKey,
		tree: btree.NewBTreeGOptions(less, btree.Options{NoLocks: true}), keys: []keyCount[K]{}}
}

// entry is f's entry; ok is false when f's value is NULL (or of a type the
// evaluator also takes as NULL).
func (t *attrTree[K]) entry(f *Feature) (attrEntry[K], bool) {
	if t.field >= len(f.Props) {
		return attrEntry[K]{}, false
	}
	k, ok := t.keyOf(f.Props[t.field])
	return attrEntry[K]{key: k, f: f}, ok
}

// seqEntry is an entry and its position in id order, for load's sort.
type seqEntry[K any] struct {
	attrEntry[K]
	seq int
}

// load sorts the entries of every feature and appends them to the empty
// tree: several times faster than inserting them one by one. They are
// collected in id order, so ties of key are broken by that position
// rather than by comparing ids through the features.
func (t *attrTree[K]) load(ids *btree.BTreeG[*Feature]) {
	es := make([]seqEntry[K], 0, ids.Len())
	ids.Scan(func(f *Feature) bool {
		if e, ok := t.entry(f); ok {
			es = append(es, seqEntry[K]{e, len(es)})
		}
		return true
	})
	slices.SortFunc(es, func(a, b seqEntry[K]) int {
		if c := t.cmpKey(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for i := range es {
		if i > 0 && t.cmpKey(es[i].key, es[i-1].key) == 0 {
			es[i].key = es[i-1].key
			if t.keys != nil {
				t.keys[len(t.keys)-1].n++
			}
		} else {
			t.countNewKey(len(t.keys), es[i].key)
		}
		t.tree.Load(es[i].attrEntry)
	}
}

// The entries of one key share the storage of a single copy of it (for
// strings, the bytes of one feature's value): a layer has few distinct
// values per field and many features, so a range's comparisons read a
// few hot copies rather than one cold copy per feature, scattered over
// the heap with their features. load shares the sorted run's first copy;
// add the copy of an entry already there.

func (t *attrTree[K]) add(f *Feature) {
	e, ok := t.entry(f)
	if !ok {
		return
	}
	t.tree.Ascend(attrEntry[K]{key: e.key, f: beforeAll}, func(o attrEntry[K]) bool {
		if t.cmpKey(o.key, e.key) == 0 {
			e.key = o.key
		}
		return false
	})
	if _, replaced := t.tree.Set(e); !replaced {
		t.countAdd(e.key)
	}
}

func (t *attrTree[K]) remove(f *Feature) bool {
	e, ok := t.entry(f)
	if !ok {
		return false
	}
	_, found := t.tree.Delete(e)
	if found {
		t.countRemove(e.key)
	}
	return found
}

// copy is the index as it is now, for a snapshot: the directory is
// cloned, as the builder goes on changing its own in place.
func (t *attrTree[K]) copy() attrIndex {
	c := *t
	c.tree = t.tree.Copy()
	if t.keys != nil {
		c.keys = append(make([]keyCount[K], 0, len(t.keys)), t.keys...)
	}
	return &c
}

// bytes estimates the index's memory: about twice the entries' own size,
// as measured on the initial load's 500,000 buildings (bulk loading
// leaves each leaf half full, in an array with room for a full one).
func (t *attrTree[K]) bytes() int {
	return t.tree.Len() * int(unsafe.Sizeof(attrEntry[K]{})) * 2
}

// pivots turns a range into the entries just before its first and just
// after its last; nil pivot pointers mean the start and end of the index.
func (t *attrTree[K]) pivots(lo, hi Bound) (from, to *attrEntry[K], ok bool) {
	if lo.Value != nil {
		k, exact, ok := t.bound(lo.Value)
		if !ok {
			return nil, nil, false
		}
		from = &attrEntry[K]{key: k, f: beforeAll}
		if lo.Open && exact {
			from.f = afterAll
		}
	}
	if hi.Value != nil {
		k, exact, ok := t.bound(hi.Value)
		if !ok {
			return nil, nil, false
		}
		to = &attrEntry[K]{key: k, f: afterAll}
		if hi.Open && exact {
			to.f = beforeAll
		}
	}
	return from, to, true
}

func (t *attrTree[K]) count(lo, hi Bound) (int, bool) {
	from, to, ok := t.pivots(lo, hi)
	if !ok {
		return 0, false
	}
	if t.keys != nil {
		return t.countKeys(from, to), true
	}
	first, end := 0, t.tree.Len()
	if from != nil {
		first = t.rank(*from)
	}
	if to != nil {
		end = t.rank(*to)
	}
	return max(0, end-first), true
}

// rank is the number of entries before pivot p: a binary search over
// positions, as the B-tree keeps subtree counts for GetAt but offers no
// rank of its own. O(log² n).
func (t *attrTree[K]) rank(p attrEntry[K]) int {
	lo, hi := 0, t.tree.Len()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		e, _ := t.tree.GetAt(mid)
		if t.less(e, p) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

func (t *attrTree[K]) ascend(lo, hi Bound, fn func(*Feature) bool) bool {
	from, to, ok := t.pivots(lo, hi)
	if !ok {
		return false
	}
	visit := func(e attrEntry[K]) bool {
		if to != nil && !t.less(e, *to) {
			return false
		}
		return fn(e.f)
	}
	if from == nil {
		t.tree.Scan(visit)
	} else {
		t.tree.Ascend(*from, visit)
	}
	return true
}

// The key directory. Most indexed fields of a layer (a use, a district,
// a number of floors) have a few distinct values over many features, and
// counting a range by rank costs two O(log² n) searches, each probe a walk
// from the root that reads a node per child it passes: tens of
// microseconds a query over a large layer. A directory of the distinct
// keys and their counts, kept while there are at most maxDirectoryKeys,
// answers the same count from a few hot cache lines; it is cloned with
// the index for each snapshot, as the tree is.

// maxDirectoryKeys bounds a directory, and so the cost of cloning it on
// publish and of summing it per count.
const maxDirectoryKeys = 256

// keyCount is one distinct key and how many entries have it.
type keyCount[K any] struct {
	key K
	n   int
}

// middle stands for any real feature of a key in comparisons with the
// pivots, which tieLess settles by identity before reading an id.
var middle = &Feature{}

// countNewKey records a key not in the directory, at position i.
func (t *attrTree[K]) countNewKey(i int, k K) {
	if t.keys == nil {
		return
	}
	if len(t.keys) == maxDirectoryKeys {
		t.keys = nil // too many: count by rank from now on
		return
	}
	t.keys = slices.Insert(t.keys, i, keyCount[K]{key: k, n: 1})
}

// find is the position of k in the directory, or where it would go.
func (t *attrTree[K]) find(k K) (int, bool) {
	return slices.BinarySearchFunc(t.keys, k, func(c keyCount[K], k K) int { return t.cmpKey(c.key, k) })
}

func (t *attrTree[K]) countAdd(k K) {
	if t.keys == nil {
		return
	}
	if i, ok := t.find(k); ok {
		t.keys[i].n++
	} else {
		t.countNewKey(i, k)
	}
}

func (t *attrTree[K]) countRemove(k K) {
	if t.keys == nil {
		return
	}
	if i, ok := t.find(k); ok {
		if t.keys[i].n--; t.keys[i].n == 0 {
			t.keys = slices.Delete(t.keys, i, i+1)
		}
	}
}

// countKeys is the number of entries between the pivots (nil: an open
// end), from the directory: a key's entries are all in or all out, as
// the pivots fall before or after every entry of their key.
func (t *attrTree[K]) countKeys(from, to *attrEntry[K]) int {
	n := 0
	for _, c := range t.keys {
		e := attrEntry[K]{key: c.key, f: middle}
		if from != nil && t.less(e, *from) {
			continue
		}
		if to != nil && !t.less(e, *to) {
			break
		}
		n += c.n
	}
	return n
}

// numberKey is the key of a number: the evaluator's own conversions
// (cql2's fromProp), which take NaN and infinities as NULL.
func numberKey(v any) (float64, bool) {
	var x float64
	switch n := v.(type) {
	case int64:
		x = float64(n)
	case float64:
		x = n
	case int:
		x = float64(n)
	case int32:
		x = float64(n)
	case float32:
		x = float64(n)
	case json.Number:
		if i, err := n.Int64(); err == nil {
			x = float64(i)
		} else if f, err := n.Float64(); err == nil {
			x = f
		} else {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, false
	}
	return x, true
}

// exactInt is the largest magnitude below which every integer is a
// float64 of its own.
const exactInt = 1 << 53

// numberBound converts a numeric bound. Keys are float64 and rounding is
// monotonic, so a closed range of keys holds every value of the closed
// range; an integer bound beyond 2^53 may equal the key of a larger
// integer, so its open end is taken as closed (the filter re-checks).
func numberBound(v any) (float64, bool, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), -exactInt < n && n < exactInt, true
	case float64:
		if math.IsNaN(n) {
			return 0, false, false
		}
		return n, true, true
	}
	return 0, false, false
}

func stringKey(v any) (string, bool) {
	s, ok := v.(string)
	return s, ok
}

func boolKey(v any) (bool, bool) {
	b, ok := v.(bool)
	return b, ok
}

// instant is a time as the evaluator compares it, without time.Time's
// location pointer.
type instant struct {
	sec  int64
	nsec int32
}

func instantKey(v any) (instant, bool) {
	t, ok := v.(time.Time)
	if !ok {
		return instant{}, false
	}
	return instant{sec: t.Unix(), nsec: int32(t.Nanosecond())}, true
}

// exactBound converts a bound with the stored values' own conversion.
func exactBound[K any](keyOf func(any) (K, bool)) func(any) (K, bool, bool) {
	return func(v any) (K, bool, bool) {
		k, ok := keyOf(v)
		return k, true, ok
	}
}
