package cache

import (
	"fmt"
	"iter"
	"sync/atomic"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// A sensitive layer has two views: the full one, and a masked one served
// to everyone without the right to the full data. The masked view is
// materialised here — its own features, R-tree over the masked geometry
// and indexes over the masked attributes — when the layer loads, and kept
// current change by change, so that no request ever masks anything and no
// query over it can reach the precise data.

// MaskView turns a layer's full features into its masked ones, and keeps
// that up to date as single features change. internal/privacy implements
// it (this package cannot import it: privacy works on Features).
type MaskView interface {
	// Load masks every feature of a freshly loaded layer, resetting any
	// state (aggregate counts) from before.
	Load(features iter.Seq[*Feature]) []*Feature
	// Apply reports what a change of one full feature (old or new nil for
	// an insert or a delete) does to the masked view: the masked ids to
	// remove, then the masked features to add.
	Apply(old, new *Feature) (remove []ID, add []*Feature)
}

// Masking is how one layer is masked.
type Masking struct {
	// Layer is the masked view's catalogue entry: the same id, the masked
	// schema and zooms.
	Layer *layer.Layer
	// NewView makes the masking state for one load of the layer.
	NewView func() MaskView
}

// maskedEntry is the masked view of one layer, written under the layer's
// entry.mu like the full view.
type maskedEntry struct {
	layer   *layer.Layer
	newView func() MaskView
	view    MaskView
	builder *builder
	snap    atomic.Pointer[Snapshot]
}

// SetMasking gives layer id a masked view. Call it before Load. Until the
// layer loads, the masked view is empty, like the full one.
func (c *Cache) SetMasking(id string, m Masking) error {
	e, ok := c.byID[id]
	if !ok {
		return fmt.Errorf("mask: no layer %q", id)
	}
	if m.Layer == nil || m.NewView == nil || m.Layer.ID != id {
		return fmt.Errorf("mask %s: the masking needs the masked layer (same id) and a view", id)
	}
	me := &maskedEntry{layer: m.Layer, newView: m.NewView}
	me.snap.Store(emptySnapshot(m.Layer))
	e.masked = me
	return nil
}

// Masked returns the published masked snapshot of a layer; false when the
// layer has no masked view (it is not sensitive) or does not exist.
func (c *Cache) Masked(id string) (*Snapshot, bool) {
	e, ok := c.byID[id]
	if !ok || e.masked == nil {
		return nil, false
	}
	return e.masked.snap.Load(), true
}

// HasMasking reports whether layer id has a masked view.
func (c *Cache) HasMasking(id string) bool {
	e, ok := c.byID[id]
	return ok && e.masked != nil
}

// MaskedTileKey is the name the masked view of a layer goes by in the tile
// cache and its evictions, so its tiles never mix with the full view's.
func MaskedTileKey(id string) string { return id + "\x00masked" }

// Masked reports whether s is a masked view.
func (s *Snapshot) Masked() bool { return s.masked }

// TileKey names the snapshot's view in the tile cache and its evictions:
// the layer id for the full view, MaskedTileKey for the masked one.
func (s *Snapshot) TileKey() string {
	if s.masked {
		return MaskedTileKey(s.layer.ID)
	}
	return s.layer.ID
}

// Private reports whether the snapshot may only be cached privately, by the
// caller's own client: a layer not open to the public, or the full view
// of a sensitive one.
func (s *Snapshot) Private() bool {
	level := s.layer.Access.Level
	return (level != "" && level != "public") || (s.layer.Sensitive && !s.masked)
}

// publishMasked rebuilds a layer's masked view from the full builder, after
// a (re)load. Called with e.mu held.
func (c *Cache) publishMasked(e *entry, full *builder) error {
	me := e.masked
	if me == nil {
		return nil
	}
	b, err := newBuilder(me.layer)
	if err != nil {
		return err
	}
	b.masked = true
	me.view = me.newView()
	all := func(yield func(*Feature) bool) {
		full.ids.Scan(func(f *Feature) bool { return yield(f) })
	}
	for _, f := range me.view.Load(all) {
		if _, dup := b.ids.Get(f); dup {
			return fmt.Errorf("mask %s: masked id %s twice", e.layer.ID, f.ID)
		}
		b.indexAdd(f)
	}
	me.builder = b
	me.snap.Store(b.publish(me.snap.Load().version + 1))
	if ev := c.evictor.Load(); ev != nil {
		(*ev).EvictLayer(MaskedTileKey(e.layer.ID))
	}
	return nil
}

// maskedChange is one full-view change waiting to reach the masked view.
type maskedChange struct{ old, new *Feature }

// applyMasked passes a batch of full-view changes to the masked view and
// publishes it if anything it shows changed: an edit the masked view
// cannot show (a dropped attribute, a move within a snapped cell) leaves
// its version, ETags and tiles as they were. Called with e.mu held.
func (c *Cache) applyMasked(e *entry, changes []maskedChange) {
	me := e.masked
	if me == nil || me.builder == nil || len(changes) == 0 {
		return
	}
	b := me.builder
	var touched []orb.Bound
	changed := false
	for _, ch := range changes {
		remove, add := me.view.Apply(ch.old, ch.new)
		for _, id := range remove {
			if f, ok := b.ids.Get(&Feature{ID: id}); ok {
				b.indexRemove(f)
				changed = true
				if f.Geom != nil {
					touched = append(touched, f.Bound)
				}
			}
		}
		for _, f := range add {
			if old, ok := b.ids.Get(f); ok {
				b.indexRemove(old)
				if old.Geom != nil {
					touched = append(touched, old.Bound)
				}
			}
			b.indexAdd(f)
			changed = true
			if f.Geom != nil {
				touched = append(touched, f.Bound)
			}
		}
	}
	if !changed {
		return
	}
	me.snap.Store(b.publish(me.snap.Load().version + 1))
	if ev := c.evictor.Load(); ev != nil && len(touched) > 0 {
		(*ev).EvictTiles(MaskedTileKey(e.layer.ID), touched...)
	}
}
