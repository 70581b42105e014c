package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/tidwall/btree"

	"github.com/csdi-hk/csdi/internal/store"
)

// SyncOptions tune a Syncer. The zero value is usable.
type SyncOptions struct {
	// Poll bounds the wait between reads of the change log when no
	// notification comes (500 ms): a lost NOTIFY costs at most this.
	Poll time.Duration
	// Batch is the most changes read at once (5,000).
	Batch int
	// ReloadAbove: a batch touching more features of one layer than this
	// (10,000) reloads the layer whole, which is then cheaper than
	// fetching each.
	ReloadAbove int
}

// Syncer follows a store's change log and applies every change to the
// cache: the only way writes — through csdi or straight into the store —
// reach readers. It is the single writer of each layer's snapshot after the
// initial load (Reload aside, which takes the same lock).
type Syncer struct {
	c    *Cache
	log  store.ChangeLog
	opts SyncOptions
	// byKey maps the change log's layer names to the cache's layers; one
	// table can back several layers (two geometry columns).
	byKey map[string][]*entry

	mu       sync.Mutex
	cond     *sync.Cond
	cursor   store.Cursor
	applied  int64     // highest sequence applied
	caughtUp time.Time // when a read last found nothing more to apply
	lastErr  error
	failures atomic.Int64 // reads or applies of the log that failed
	running  atomic.Bool
}

// NewSyncer makes a syncer that starts reading the log at from: the Head
// taken before the cache's initial load, so that nothing committed during
// the load is missed (changes read twice are applied idempotently).
func (c *Cache) NewSyncer(cl store.ChangeLog, from store.Cursor, opts SyncOptions) *Syncer {
	if opts.Poll <= 0 {
		opts.Poll = 500 * time.Millisecond
	}
	if opts.Batch <= 0 {
		opts.Batch = 5000
	}
	if opts.ReloadAbove <= 0 {
		opts.ReloadAbove = 10_000
	}
	s := &Syncer{c: c, log: cl, opts: opts, byKey: map[string][]*entry{}, cursor: from, applied: from.Seq, caughtUp: time.Now()}
	s.cond = sync.NewCond(&s.mu)
	for _, l := range c.layers {
		k := cl.LayerKey(l)
		s.byKey[k] = append(s.byKey[k], c.byID[l.ID])
	}
	return s
}

// Run follows the log until ctx ends. A failing store is retried with
// backoff (up to 10 s) while readers go on being served from the cache.
func (s *Syncer) Run(ctx context.Context) {
	s.running.Store(true)
	defer s.running.Store(false)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		more, err := s.step(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.failures.Add(1)
			s.setErr(err)
			s.c.log.Warn("change log: cannot follow; retrying", "err", err, "in", backoff)
			sleep(ctx, backoff+rand.N(backoff/2))
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		if s.setErr(nil) {
			s.c.log.Info("change log: following again")
		}
		backoff = 100 * time.Millisecond
		if more {
			continue
		}
		if err := s.log.Wait(ctx, s.opts.Poll); err != nil && ctx.Err() == nil {
			// A broken listening connection: poll until it is back.
			sleep(ctx, s.opts.Poll)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// step reads and applies one batch; more reports a full batch (read on at
// once).
func (s *Syncer) step(ctx context.Context) (more bool, err error) {
	s.mu.Lock()
	cur := s.cursor
	s.mu.Unlock()
	readAt := time.Now()
	changes, next, err := s.log.Changes(ctx, cur, s.opts.Batch)
	if err != nil {
		return false, err
	}
	if err := s.apply(ctx, changes); err != nil {
		return false, err
	}
	more = len(changes) >= s.opts.Batch
	s.mu.Lock()
	s.cursor = next
	for _, ch := range changes {
		s.applied = max(s.applied, ch.Seq)
	}
	if !more {
		s.caughtUp = readAt
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	return more, nil
}

func (s *Syncer) setErr(err error) (recovered bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	recovered = s.lastErr != nil && err == nil
	s.lastErr = err
	return recovered
}

// apply brings every layer a batch touched up to date: a whole-layer
// change or a large batch reloads the layer, otherwise each changed feature
// is re-read from the store and swapped in (or dropped, when it is gone).
// Re-reading the current row, rather than replaying the logged operation,
// makes applying idempotent and independent of commit order.
func (s *Syncer) apply(ctx context.Context, changes []store.Change) error {
	type work struct {
		reload bool
		ids    []string
		seen   map[string]bool
	}
	byKey := map[string]*work{}
	var order []string
	for _, ch := range changes {
		w := byKey[ch.Layer]
		if w == nil {
			w = &work{seen: map[string]bool{}}
			byKey[ch.Layer] = w
			order = append(order, ch.Layer)
		}
		if ch.Op == store.OpReload || ch.ID == nil {
			w.reload = true
			continue
		}
		id := idString(ch.ID)
		if !w.seen[id] {
			w.seen[id] = true
			w.ids = append(w.ids, id)
		}
	}
	for _, key := range order {
		w := byKey[key]
		for _, e := range s.byKey[key] { // none: a table no layer publishes
			var err error
			if w.reload || len(w.ids) > s.opts.ReloadAbove {
				err = s.c.loadLayer(ctx, e)
			} else {
				err = s.c.applyFeatures(ctx, s.log, e, w.ids)
			}
			if err != nil {
				return fmt.Errorf("apply changes to layer %s: %w", e.layer.ID, err)
			}
		}
	}
	return nil
}

func idString(id any) string {
	switch v := id.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return fmt.Sprint(id)
}

// applyFeatures re-reads the given features of one layer and publishes a
// snapshot with them replaced, added or removed, then evicts the tiles
// their old and new bounds touch.
func (c *Cache) applyFeatures(ctx context.Context, cl store.ChangeLog, e *entry, ids []string) error {
	keys := make([]any, len(ids))
	for i, id := range ids {
		keys[i] = id
	}
	var fresh []store.Record
	if err := cl.Fetch(ctx, e.layer, keys, func(r store.Record) error {
		fresh = append(fresh, r)
		return nil
	}); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.builder
	if b == nil {
		// Not loaded yet (or its load failed): a full load includes these.
		return nil
	}
	var (
		touched []orb.Bound
		masked  []maskedChange
		pending = map[ID]*Feature{} // removed, waiting to be paired with their new version
	)
	for _, id := range ids {
		if old, ok := findID(b.ids, id); ok {
			b.indexRemove(old)
			pending[old.ID] = old
			if old.Geom != nil {
				touched = append(touched, old.Bound)
			}
		}
	}
	for _, r := range fresh {
		if old, ok := findID(b.ids, idString(r.ID)); ok {
			// Fetched but not named (an id spelt differently): still one feature.
			b.indexRemove(old)
			pending[old.ID] = old
			if old.Geom != nil {
				touched = append(touched, old.Bound)
			}
		}
		f, err := newFeature(r, b.tr)
		if err != nil {
			c.log.Warn("feature skipped", "layer", e.layer.ID, "id", r.ID, "err", err)
			continue
		}
		if b.texts != nil {
			b.texts.intern(f)
		}
		b.indexAdd(f)
		masked = append(masked, maskedChange{old: pending[f.ID], new: f})
		delete(pending, f.ID)
		if f.Geom != nil {
			touched = append(touched, f.Bound)
		}
	}
	for _, old := range pending { // deleted
		masked = append(masked, maskedChange{old: old})
	}
	e.snap.Store(b.publish(e.snap.Load().version + 1))
	c.applyMasked(e, masked)
	if ev := c.evictor.Load(); ev != nil && len(touched) > 0 {
		(*ev).EvictTiles(e.layer.ID, touched...)
	}
	return nil
}

// findID finds a feature by the text of its id, as Snapshot.Get does.
func findID(ids *btree.BTreeG[*Feature], id string) (*Feature, bool) {
	// Only the canonical spelling of a number names it ("1", not "01" or
	// "+1"), so each feature has one URL.
	if n, err := strconv.ParseInt(id, 10, 64); err == nil && strconv.FormatInt(n, 10) == id {
		if f, ok := ids.Get(&Feature{ID: NumID(n)}); ok {
			return f, true
		}
	}
	return ids.Get(&Feature{ID: StrID(id)})
}

// WaitApplied waits until the change with sequence seq (a commit's, say)
// has been applied, so a writer reads its own write; ctx bounds the wait.
func (s *Syncer) WaitApplied(ctx context.Context, seq int64) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cond.Broadcast()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.applied < seq {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("change %d not applied yet (applied %d): %w", seq, s.applied, err)
		}
		s.cond.Wait()
	}
	return nil
}

// SyncStatus is how far the cache is behind the store.
type SyncStatus struct {
	Following bool          // the syncer is running
	Applied   int64         // the highest change sequence applied
	Lag       time.Duration // since the cache was last known to be up to date
	Err       error         // why the last read failed, nil when it did not
	Failures  int64         // failed reads or applies of the log since start
}

// Status reports the syncer's state: Lag is zero while the last read
// found the log fully applied (within a poll interval and a margin).
func (s *Syncer) Status() SyncStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	lag := time.Since(s.caughtUp)
	if s.lastErr == nil && lag < 2*s.opts.Poll+time.Second {
		lag = 0
	}
	return SyncStatus{Following: s.running.Load(), Applied: s.applied, Lag: lag, Err: s.lastErr, Failures: s.failures.Load()}
}
