package features

import (
	"net/http"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Catalog is where the handler finds layers and their published snapshots;
// *cache.Cache satisfies it.
type Catalog interface {
	Snapshot(id string) (*cache.Snapshot, bool)
	Layers() []*layer.Layer
}

// Options configure the service as a whole.
type Options struct {
	Title       layer.Text // of the service, on the landing page and in the OpenAPI info
	Description layer.Text
	// DefaultLimit is the page size when a request gives no limit (10);
	// MaxLimit is the largest page, larger limits are reduced to it (10000).
	DefaultLimit int
	MaxLimit     int
	// MaxFilterBytes and MaxFilterDepth bound a CQL2 filter's length and
	// nesting (64 KiB and 64 when zero); over either is a 400.
	MaxFilterBytes int
	MaxFilterDepth int
	Version        string // of the software, in the OpenAPI info
	// ExtraPaths are OpenAPI path items for endpoints other packages serve
	// on the same server (tiles, styles), keyed by path, so that /api
	// describes the whole server. Each must be self-contained or refer only
	// to this document's components.
	ExtraPaths map[string]any
	// CollectionLinks, if set, adds links to each collection's document
	// (the tiles package's tileset, say) without this package knowing them.
	CollectionLinks func(base string, l *layer.Layer) []httpx.Link
	// Conformance lists the classes of endpoints other packages serve on
	// the same server (OGC API Tiles), declared in /conformance too.
	Conformance []string
	// LandingLinks, if set, adds links to the landing page (the map viewer,
	// tile matrix sets, styles) without this package knowing them.
	LandingLinks func(base string) []httpx.Link
	// GeoPackage, when set, makes f=gpkg downloads available.
	GeoPackage GeoPackageWriter
	// Views, when set, chooses per request which collections are seen and
	// through which view; nil serves every layer of the catalog in full.
	Views Views
	// History, when set, serves features' past versions
	// (/items/{featureId}/versions and ?version=).
	History store.History
	// Writes, when set, turns on OGC API Features Part 4 (POST, PUT,
	// PATCH, DELETE); nil serves read-only, writes get 405.
	Writes *WriteOptions
	// Now is the clock behind timeStamp; nil means time.Now. Tests fix it.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.DefaultLimit <= 0 {
		o.DefaultLimit = 10
	}
	if o.MaxLimit <= 0 {
		o.MaxLimit = 10000
	}
	if o.DefaultLimit > o.MaxLimit {
		o.DefaultLimit = o.MaxLimit
	}
	if o.Title == (layer.Text{}) {
		o.Title = layer.Text{En: "Common Spatial Data Infrastructure", Zh: "空間數據共享平台"}
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Handler serves OGC API Features for a catalog.
type Handler struct {
	cat      Catalog
	opts     Options
	temporal temporalExtents
}

// NewHandler makes a handler; Options left zero take their defaults.
func NewHandler(c Catalog, opts Options) *Handler {
	return &Handler{cat: c, opts: opts.withDefaults()}
}

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", httpx.HandlerFunc(h.landing))
	mux.Handle("GET /conformance", httpx.HandlerFunc(h.conformance))
	mux.Handle("GET /api", httpx.HandlerFunc(h.api))
	mux.Handle("GET /collections", httpx.HandlerFunc(h.collections))
	mux.Handle("GET /collections/{collectionId}", httpx.HandlerFunc(h.collection))
	mux.Handle("GET /collections/{collectionId}/queryables", httpx.HandlerFunc(h.queryables))
	mux.Handle("GET /collections/{collectionId}/items", httpx.HandlerFunc(h.items))
	mux.Handle("GET /collections/{collectionId}/items/{featureId}", httpx.HandlerFunc(h.item))
	h.registerWrites(mux)
	mux.Handle("POST /collections/{collectionId}/import", h.writeHandler(h.importFeatures))
	mux.Handle("GET /collections/{collectionId}/items/{featureId}/versions", httpx.HandlerFunc(h.versions))
}

// Views decides, per request, which collections a caller sees and which
// view of each: the full one, or a sensitive layer's masked one.
type Views interface {
	Layers(r *http.Request) []*layer.Layer
	Snapshot(r *http.Request, id string) (*cache.Snapshot, bool)
}

// snapshot finds the snapshot of collection id for request r. It is the
// one place a per-caller view (masked or full) is chosen, so every
// endpoint, HTML included, reads the same view; a collection the caller
// may not see is not found, so its existence does not leak.
func (h *Handler) snapshot(r *http.Request, id string) (*cache.Snapshot, error) {
	var (
		s  *cache.Snapshot
		ok bool
	)
	if h.opts.Views != nil {
		s, ok = h.opts.Views.Snapshot(r, id)
	} else {
		s, ok = h.cat.Snapshot(id)
	}
	if !ok {
		return nil, httpx.NotFound("there is no collection %q; /collections lists them", truncate(id))
	}
	return s, nil
}

// visible reports whether request r may see collection id, choosing no
// view (so reading nothing).
func (h *Handler) visible(r *http.Request, id string) bool {
	for _, l := range h.layers(r) {
		if l.ID == id {
			return true
		}
	}
	return false
}

// layers lists the collections a request may see.
func (h *Handler) layers(r *http.Request) []*layer.Layer {
	if h.opts.Views != nil {
		return h.opts.Views.Layers(r)
	}
	return h.cat.Layers()
}
