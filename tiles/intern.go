package tiles

import "math/bits"

// internTable finds the values a layer's values table already holds by a
// 64-bit key per kind of value (a text's hash, an integer, a double's
// bits, a time's seconds): open addressing with linear probing in one flat
// slice, sized at reset from the features to encode so that it seldom
// grows. A dense layer looks up several values for each of its tens of
// thousands of features, mostly new ones (names, heights); Go maps spend
// twice the time there, growing and chasing their groups. Slots are
// stamped with the generation they were filled in, so that emptying the
// table for the next layer writes nothing.
type internTable struct {
	slots  []internSlot
	moving []internSlot // grow's scratch
	shift  uint         // 64 - log2(len(slots))
	n      int          // slots in use
	gen    uint16       // the slots stamped with it are in use, the others free
}

type internSlot struct {
	key   uint64
	index uint32 // the value's index
	gen   uint16
	kind  valueKind
}

// valueKind keeps keys of different kinds of value apart.
type valueKind uint8

const (
	kindText valueKind = iota + 1
	kindInt
	kindDouble
	kindTime // a time's text, by its seconds (see attributes.time)
	// Only as propKey kinds:
	kindBool   // booleans have two slots of their own
	kindNil    // no value
	kindLookup // a value the attributes read themselves
)

// minInternSlots is the smallest table.
const minInternSlots = 64

// reset empties the table, sized for about hint values.
func (t *internTable) reset(hint int) {
	t.resize(max(minInternSlots, 1<<bits.Len(uint(2*hint))))
	t.n = 0
}

// resize empties the table to size slots, a power of two. Only a table too
// small is allocated again: a larger one is used in part, and marking its
// old slots free is a matter of the next generation.
func (t *internTable) resize(size int) {
	t.gen++
	switch {
	case cap(t.slots) < size:
		t.slots, t.gen = make([]internSlot, size), 1
	case t.gen == 0: // wrapped round: old stamps could pass for new
		t.slots = t.slots[:cap(t.slots)]
		clear(t.slots)
		t.gen = 1
	}
	t.slots = t.slots[:size]
	t.shift = uint(64 - bits.TrailingZeros(uint(size)))
}

// trim drops a table far larger than n features need (see oversized).
func (t *internTable) trim(n int) {
	if oversized(cap(t.slots), 4*n) {
		t.slots, t.moving = nil, nil
	}
}

// used reports whether slot i holds a value.
func (t *internTable) used(i int) bool { return t.slots[i].gen == t.gen }

// home is the first slot to probe for key of kind (Fibonacci hashing,
// which spreads runs of integers).
func (t *internTable) home(kind valueKind, key uint64) int {
	return int((key ^ uint64(kind)<<59) * 0x9e3779b97f4a7c15 >> t.shift)
}

func (t *internTable) next(i int) int { return (i + 1) & (len(t.slots) - 1) }

// find returns the index of the value of kind with key, if there is one.
func (t *internTable) find(kind valueKind, key uint64) (uint32, bool) {
	for i := t.home(kind, key); t.used(i); i = t.next(i) {
		if s := &t.slots[i]; s.key == key && s.kind == kind {
			return s.index, true
		}
	}
	return 0, false
}

// add records value index under key of kind, which must not be there
// yet unless kind is kindText (texts share keys when their hashes
// collide; see attributes.textOf).
func (t *internTable) add(kind valueKind, key uint64, index uint32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	i := t.home(kind, key)
	for t.used(i) {
		i = t.next(i)
	}
	t.slots[i] = internSlot{key: key, index: index, gen: t.gen, kind: kind}
	t.n++
}

// grow doubles the table, within its capacity when it can.
func (t *internTable) grow() {
	moving := t.moving[:0]
	for _, s := range t.slots {
		if s.gen == t.gen {
			moving = append(moving, s)
		}
	}
	t.moving = moving
	t.resize(2 * len(t.slots))
	for _, s := range moving {
		i := t.home(s.kind, s.key)
		for t.used(i) {
			i = t.next(i)
		}
		s.gen = t.gen
		t.slots[i] = s
	}
}
