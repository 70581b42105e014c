// Package access decides, for each request, which layers the caller sees
// and through which view: a layer the caller may not see does not exist
// for them, and a sensitive layer is served in full only to a caller with
// the unmasked right (and the step-up level its policy asks), everyone
// else getting its masked view — or nothing, when it has none. Every
// endpoint (features, tiles, styles) asks here, so no path can serve what
// another would refuse.
package access

import (
	"log/slog"
	"net/http"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Cache is what access reads: the full and masked snapshots.
type Cache interface {
	Layers() []*layer.Layer
	Snapshot(id string) (*cache.Snapshot, bool)
	Masked(id string) (*cache.Snapshot, bool)
}

// Catalog is the cache seen through the privacy model.
type Catalog struct {
	cache Cache
	// minACR is each masked layer's step-up level for the full view.
	minACR map[string]string
	// onUnmasked, when set, is told of every read of a sensitive layer's
	// full view and the features it serves (the audit trail) before it is
	// served; an error refuses it.
	onUnmasked func(r *http.Request, l *layer.Layer, features int64) error
	log        *slog.Logger
}

// New makes a catalog over c; minACR gives, per sensitive layer id, the
// authentication level its full view needs ("" for none).
func New(c Cache, minACR map[string]string) *Catalog {
	return &Catalog{cache: c, minACR: minACR}
}

// OnUnmasked sets the hook told of every unmasked read of a sensitive
// layer before it is served (the audit trail), with the number of features
// served. Under Middleware it is called at the answer's first byte, and
// when it fails the answer is a 503 (see reads.go); outside it, at once,
// and when it fails the caller gets the masked view instead (or nothing,
// without one). Either way no full read goes unrecorded. Set it before
// serving.
func (a *Catalog) OnUnmasked(fn func(r *http.Request, l *layer.Layer, features int64) error, log *slog.Logger) {
	a.onUnmasked, a.log = fn, log
}

// view is which snapshot principal p reads of layer l: the full one, the
// masked one, or none. stepUp is the authentication level at which p
// would read the full view instead of the masked one, if that is all p
// lacks and p's login could be stepped up (a token's, not an API key's).
func (a *Catalog) view(p auth.Principal, l *layer.Layer) (s *cache.Snapshot, full bool, stepUp string) {
	if !auth.CanSee(p, l) {
		return nil, false, ""
	}
	if !auth.Sensitive(l) {
		s, _ := a.cache.Snapshot(l.ID)
		return s, true, ""
	}
	rule := auth.Unmasked{Departments: l.Access.Unmasked, MinACR: a.minACR[l.ID]}
	if auth.CanSeeUnmasked(p, l, rule) {
		s, _ := a.cache.Snapshot(l.ID)
		return s, true, ""
	}
	if rule.MinACR != "" && p.Method == auth.ByJWT {
		if lower := (auth.Unmasked{Departments: rule.Departments}); auth.CanSeeUnmasked(p, l, lower) {
			stepUp = rule.MinACR
		}
	}
	if m, ok := a.cache.Masked(l.ID); ok {
		return m, false, stepUp
	}
	return nil, false, stepUp // sensitive, no masked view: only the unmasked right sees it
}

// Layers lists the layers request r may see, in catalogue order, each as
// the caller sees it (a masked view's entry has the masked schema).
func (a *Catalog) Layers(r *http.Request) []*layer.Layer {
	p := auth.PrincipalFrom(r.Context())
	all := a.cache.Layers()
	out := make([]*layer.Layer, 0, len(all))
	for _, l := range all {
		if s, _, _ := a.view(p, l); s != nil {
			out = append(out, s.Layer())
		}
	}
	return out
}

// Snapshot is the snapshot of layer id request r reads; false when the
// caller may not see the layer (or there is none).
func (a *Catalog) Snapshot(r *http.Request, id string) (*cache.Snapshot, bool) {
	full, ok := a.cache.Snapshot(id)
	if !ok {
		return nil, false
	}
	s, unmasked, stepUp := a.view(auth.PrincipalFrom(r.Context()), full.Layer())
	rd := readsFrom(r.Context())
	if stepUp != "" && rd != nil {
		rd.needStepUp(stepUp)
	}
	if s == nil {
		return nil, false
	}
	if !unmasked || !auth.Sensitive(full.Layer()) {
		return s, true
	}
	if rd != nil {
		rd.readFull(full.Layer()) // audited at the answer's first byte
		return s, true
	}
	if a.onUnmasked != nil {
		if err := a.onUnmasked(r, full.Layer(), 0); err != nil {
			a.log.Error("unmasked read not recorded in the audit trail: serving the masked view", "layer", id, "err", err)
			return a.cache.Masked(id)
		}
	}
	return s, true
}
