package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/btree"
	"github.com/tidwall/rtree"
	"golang.org/x/sync/errgroup"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Cache holds the published snapshot of every layer.
type Cache struct {
	store  store.Store
	log    *slog.Logger
	layers []*layer.Layer    // catalogue order
	byID   map[string]*entry // fixed after New
	// evictor, when set, is told of every republished layer so encoded
	// tiles of the old data are dropped.
	evictor atomic.Pointer[TileEvictor]
}

// SetTileEvictor makes the cache evict the tiles of a layer whenever the
// layer is published again (a reload). Set it before serving.
func (c *Cache) SetTileEvictor(e TileEvictor) { c.evictor.Store(&e) }

// entry is one layer's slot: readers Load the published snapshot; only the
// layer's single writer (the initial load now, the syncer later) Stores one.
type entry struct {
	layer  *layer.Layer
	snap   atomic.Pointer[Snapshot]
	loaded atomic.Bool
	mu     sync.Mutex // serialises writers of this layer
	// builder holds the layer's mutable indexes between publishes, so the
	// syncer can apply a change without rebuilding them; guarded by mu.
	builder *builder
	// masked is the layer's masked view, nil when it has none.
	masked *maskedEntry
}

// New makes a cache for the given layers; nothing is loaded until Load.
// Until then every layer serves as empty.
func New(st store.Store, layers []layer.Layer, log *slog.Logger) *Cache {
	c := &Cache{store: st, log: log, byID: make(map[string]*entry, len(layers))}
	for i := range layers {
		l := &layers[i]
		c.layers = append(c.layers, l)
		e := &entry{layer: l}
		e.snap.Store(emptySnapshot(l))
		c.byID[l.ID] = e
	}
	return c
}

func emptySnapshot(l *layer.Layer) *Snapshot {
	return &Snapshot{
		layer: l,
		tree:  &rtree.RTreeG[*Feature]{},
		ids:   btree.NewBTreeGOptions(lessFeature, btree.Options{NoLocks: true}),
	}
}

// Layers lists the catalogue in its configured order.
func (c *Cache) Layers() []*layer.Layer { return c.layers }

// Snapshot returns the published snapshot of a layer.
func (c *Cache) Snapshot(id string) (*Snapshot, bool) {
	e, ok := c.byID[id]
	if !ok {
		return nil, false
	}
	return e.snap.Load(), true
}

// Loaded reports whether every layer has finished its initial load.
func (c *Cache) Loaded() bool {
	for _, e := range c.byID {
		if !e.loaded.Load() {
			return false
		}
	}
	return true
}

// LoadError is a layer whose initial load failed.
type LoadError struct {
	Layer string
	Err   error
}

func (e *LoadError) Error() string { return fmt.Sprintf("load layer %s: %v", e.Layer, e.Err) }
func (e *LoadError) Unwrap() error { return e.Err }

// Load reads every layer from the store, a few at a time, publishing each as
// soon as it is built. A layer that fails is logged and keeps serving empty;
// the others go on. The error joins every layer's failure.
func (c *Cache) Load(ctx context.Context) error {
	var (
		g    errgroup.Group
		mu   sync.Mutex
		errs []error
	)
	g.SetLimit(max(2, runtime.GOMAXPROCS(0)))
	for _, l := range c.layers {
		e := c.byID[l.ID]
		g.Go(func() error {
			if err := c.loadLayer(ctx, e); err != nil {
				c.log.Error("layer load failed", "layer", l.ID, "err", err)
				mu.Lock()
				errs = append(errs, &LoadError{Layer: l.ID, Err: err})
				mu.Unlock()
			}
			e.loaded.Store(true)
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// Reload rebuilds one layer from the store and publishes it.
func (c *Cache) Reload(ctx context.Context, id string) error {
	e, ok := c.byID[id]
	if !ok {
		return fmt.Errorf("reload: no layer %q", id)
	}
	return c.loadLayer(ctx, e)
}

func (c *Cache) loadLayer(ctx context.Context, e *entry) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	start := time.Now()
	b, err := newBuilder(e.layer)
	if err != nil {
		return err
	}
	skipped := 0
	err = c.store.Load(ctx, e.layer, func(r store.Record) error {
		if err := b.add(r); err != nil {
			skipped++
			if skipped <= 10 {
				c.log.Warn("feature skipped", "layer", e.layer.ID, "id", r.ID, "err", err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	snap := b.publish(e.snap.Load().version + 1)
	e.snap.Store(snap)
	e.builder = b
	if err := c.publishMasked(e, b); err != nil {
		return err
	}
	// Evict after publishing: a tile encoded from the old snapshot while
	// this runs is then either evicted or refused by the tile cache.
	if ev := c.evictor.Load(); ev != nil {
		(*ev).EvictLayer(e.layer.ID)
	}
	c.log.Info("layer loaded", "layer", e.layer.ID, "features", snap.Len(),
		"skipped", skipped, "bytes", snap.bytes,
		"bytes_per_feature", snap.bytes/max(1, snap.Len()),
		"duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// builder owns a layer's mutable trees while features are added; publish
// hands out an immutable copy-on-write snapshot of them.
type builder struct {
	layer *layer.Layer
	tr    func(x, y float64) (float64, float64)
	tree  *rtree.RTreeG[*Feature]
	ids   *btree.BTreeG[*Feature]
	attrs []attrIndex // by field; see attrindex.go and index.go
	// masked: the builder holds a masked view (see views.go).
	masked bool
	// attrsLoaded: the first publish has filled attrs.
	attrsLoaded bool
	bytes       int
	// texts shares repeated text values between features (intern.go).
	texts *interner
}

func newBuilder(l *layer.Layer) (*builder, error) {
	tr, err := toWorld(store.StreamSRID(l))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.ID, err)
	}
	empty := emptySnapshot(l)
	return &builder{layer: l, tr: tr, tree: empty.tree, ids: empty.ids, attrs: newAttrIndexes(l), texts: newInterner(len(l.Fields))}, nil
}

// DuplicateIDError reports two features with the same id in one layer.
type DuplicateIDError struct{ ID ID }

func (e DuplicateIDError) Error() string { return fmt.Sprintf("duplicate feature id %s", e.ID) }

func (b *builder) add(r store.Record) error {
	f, err := newFeature(r, b.tr)
	if err != nil {
		return err
	}
	if _, dup := b.ids.Get(f); dup {
		return DuplicateIDError{f.ID}
	}
	b.texts.intern(f)
	b.indexAdd(f)
	return nil
}

func (b *builder) publish(version uint64) *Snapshot {
	return &Snapshot{
		layer:   b.layer,
		masked:  b.masked,
		version: version,
		tree:    b.tree.Copy(),
		ids:     b.ids.Copy(),
		attrs:   b.publishAttrs(),
		bytes:   b.bytes + attrBytes(b.attrs),
	}
}
