package tiles

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/tiles/tilecache"
)

// Catalog is what the tile endpoints read: each layer's published snapshot
// and the list of layers. *cache.Cache satisfies it.
type Catalog interface {
	Snapshot(id string) (*cache.Snapshot, bool)
	Layers() []*layer.Layer
}

// Handler serves vector tiles, TileJSON and the OGC API Tiles documents
// from a Catalog.
type Handler struct {
	catalog Catalog
	opts    Options
	// tiles holds encoded tiles, compressed per client encoding.
	tiles *tilecache.Cache
	// overBudget holds the layer lists already logged as over the tile
	// budget, so that each is logged once.
	overBudget sync.Map
}

// maxLayersPerTile bounds the comma-separated list of an XYZ tile URL.
const maxLayersPerTile = 64

// NewHandler returns a Handler serving the catalog's layers, encoded with
// opts.
func NewHandler(c Catalog, opts Options) *Handler {
	return &Handler{catalog: c, opts: opts.withDefaults(), tiles: tilecache.New(tilecache.Options{MaxBytes: opts.CacheBytes})}
}

// Evictor is the tile cache's eviction side, for whatever changes the
// layers (a reload, the change-log syncer) to drop the tiles a change
// touches.
func (h *Handler) Evictor() cache.TileEvictor { return h.tiles }

// CacheStats reports the tile cache's counters.
func (h *Handler) CacheStats() tilecache.Stats { return h.tiles.Stats() }

// Register adds the tile routes to mux. OGC API Tiles (tile matrix, row,
// column order):
//
//	GET /tileMatrixSets                                          the matrix sets
//	GET /tileMatrixSets/{tileMatrixSetId}                        one, OGC TMS 2.0 JSON
//	GET /collections/{collectionId}/tiles                        a collection's tilesets
//	GET /collections/{collectionId}/tiles/{tileMatrixSetId}      one tileset's metadata
//	GET /collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}
//	GET /tiles                                                   the dataset's tilesets
//	GET /tiles/{tileMatrixSetId}[?collections=a,b]               one dataset tileset's metadata
//	GET /tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}[?collections=a,b]
//
// XYZ and TileJSON (WebMercatorQuad only; column before row):
//
//	GET /collections/{collectionId}/tiles/WebMercatorQuad/tilejson.json
//	GET /tiles/WebMercatorQuad/tilejson.json[?collections=a,b]
//	GET /tiles/{layers}/tilejson.json                            layers "a,b,c"
//	GET /tiles/{layers}/{z}/{x}/{y}.mvt                          ".pbf" or no suffix too
//
// The dataset tile /tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}
// and the XYZ tile /tiles/{layers}/{z}/{x}/{y} share one route shape; the
// first segment decides: a matrix set id (WebMercatorQuad, HK1980Grid) makes
// it the OGC dataset tile (row before column), anything else is a layer
// list. A layer named like a matrix set is therefore reachable by XYZ only
// through a list naming it with another layer, or through its collection's
// tiles. A tile with nothing in it is answered 204 No Content.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /tileMatrixSets", httpx.HandlerFunc(h.tileMatrixSets))
	mux.Handle("GET /tileMatrixSets/{tileMatrixSetId}", httpx.HandlerFunc(h.tileMatrixSet))
	mux.Handle("GET /collections/{collectionId}/tiles", httpx.HandlerFunc(h.collectionTilesets))
	mux.Handle("GET /collections/{collectionId}/tiles/{tileMatrixSetId}", httpx.HandlerFunc(h.collectionTileset))
	mux.Handle("GET /collections/{collectionId}/tiles/{tileMatrixSetId}/tilejson.json", httpx.HandlerFunc(h.collectionTileJSON))
	mux.Handle("GET /collections/{collectionId}/tiles/{tileMatrixSetId}/{z}/{y}/{x}", httpx.HandlerFunc(h.collectionTile))
	mux.Handle("GET /tiles", httpx.HandlerFunc(h.datasetTilesets))
	mux.Handle("GET /tiles/{tileMatrixSetId}", httpx.HandlerFunc(h.datasetTileset))
	mux.Handle("GET /tiles/{layers}/tilejson.json", httpx.HandlerFunc(h.layersTileJSON))
	mux.Handle("GET /tiles/{layers}/{z}/{x}/{y}", httpx.HandlerFunc(h.layersTile))
}

// TileJSONPath is the path, below the server's base URL, of the TileJSON
// document of collection id, for links from other endpoints.
func TileJSONPath(id string) string {
	return "/collections/" + url.PathEscape(id) + "/tiles/WebMercatorQuad/tilejson.json"
}

// LandingLinks are the links the landing page gives to the tiling schemes
// and the dataset's vector tilesets, below base.
func LandingLinks(base string) []httpx.Link {
	return []httpx.Link{
		{Href: base + "/tileMatrixSets", Rel: relTilingSchemes, Type: "application/json", Title: "the tile matrix sets (tiling schemes) of the tiles"},
		{Href: base + "/tiles", Rel: relTilesetsVector, Type: "application/json", Title: "vector tilesets of the whole dataset"},
	}
}

// CollectionLinks are the links a collection's document gives to its
// vector tilesets and its TileJSON, below base.
func CollectionLinks(base, id string) []httpx.Link {
	return []httpx.Link{
		{Href: base + "/collections/" + url.PathEscape(id) + "/tiles", Rel: relTilesetsVector, Type: "application/json", Title: "vector tilesets of this collection"},
		{Href: base + TileJSONPath(id), Rel: "describedby", Type: "application/vnd.mapbox.tile+json", Title: "vector tiles of this collection (TileJSON)"},
	}
}

// matrixSet resolves a matrix set id from a path: 404 if unknown.
func matrixSet(id string) (*TileMatrixSet, error) {
	if s := tileMatrixSet(id); s != nil {
		return s, nil
	}
	return nil, httpx.NotFound("there is no tile matrix set %q; /tileMatrixSets lists them", truncate(id))
}

func (h *Handler) collectionTile(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "mvt"); err != nil {
		return err
	}
	s, err := matrixSet(r.PathValue("tileMatrixSetId"))
	if err != nil {
		return err
	}
	t, err := tileFromPath(s, r.PathValue("z"), r.PathValue("x"), r.PathValue("y"))
	if err != nil {
		return err
	}
	snap, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	return h.serveTile(w, r, s, []*cache.Snapshot{snap}, t, true)
}

func (h *Handler) layersTile(w http.ResponseWriter, r *http.Request) error {
	if s := tileMatrixSet(r.PathValue("layers")); s != nil {
		return h.datasetTile(w, r, s)
	}
	t, err := tileFromPath(WebMercatorQuad, r.PathValue("z"), r.PathValue("x"), trimTileSuffix(r.PathValue("y")))
	if err != nil {
		return err
	}
	snaps, err := h.snapshots(r, r.PathValue("layers"))
	if err != nil {
		return err
	}
	return h.serveTile(w, r, WebMercatorQuad, snaps, t, false)
}

// datasetTile serves /tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}:
// the segments the XYZ route names z, x and y are level, row and column.
func (h *Handler) datasetTile(w http.ResponseWriter, r *http.Request, s *TileMatrixSet) error {
	if err := checkFormat(r, "mvt"); err != nil {
		return err
	}
	t, err := tileFromPath(s, r.PathValue("z"), trimTileSuffix(r.PathValue("y")), r.PathValue("x"))
	if err != nil {
		return err
	}
	snaps, err := h.selected(r)
	if err != nil {
		return err
	}
	return h.serveTile(w, r, s, snaps, t, true)
}

// tileFromPath parses tile coordinates (level, column, row) of set s into a
// client error: 400 for text that is not a canonical non-negative integer,
// 404 for a tile outside the matrix set.
func tileFromPath(s *TileMatrixSet, z, x, y string) (Tile, error) {
	t, err := parseTile(s, z, x, y)
	var malformed *MalformedError
	switch {
	case err == nil:
		return t, nil
	case errors.As(err, &malformed):
		return Tile{}, &httpx.Error{Status: http.StatusBadRequest, Msg: err.Error(), Err: err}
	default:
		return Tile{}, &httpx.Error{Status: http.StatusNotFound, Msg: err.Error(), Err: err}
	}
}

// checkFormat accepts a missing f parameter or f=want.
func checkFormat(r *http.Request, want string) error {
	if f := r.URL.Query().Get("f"); f != "" && f != want {
		return httpx.BadRequest("format f=%q is not served here; use f=%s or leave f out", truncate(f), want)
	}
	return nil
}

// Views decides, per request, which layers a caller sees and which view of
// each: the full one, or a sensitive layer's masked one.
type Views interface {
	Layers(r *http.Request) []*layer.Layer
	Snapshot(r *http.Request, id string) (*cache.Snapshot, bool)
}

// snapshot finds the snapshot of layer id that request r may read. It is
// the one place in this package where a layer id becomes a *cache.Snapshot,
// so it is where the per-caller view (masked or full) is chosen: every
// tile, tileset and TileJSON endpoint then serves the same view to the same
// caller, and a layer the caller may not see is not found.
func (h *Handler) snapshot(r *http.Request, id string) (*cache.Snapshot, error) {
	var (
		s  *cache.Snapshot
		ok bool
	)
	if h.opts.Views != nil {
		s, ok = h.opts.Views.Snapshot(r, id)
	} else {
		s, ok = h.catalog.Snapshot(id)
	}
	if !ok {
		return nil, httpx.NotFound("there is no collection %q", truncate(id))
	}
	return s, nil
}

// snapshots resolves a comma-separated list of layer ids for request r, in
// order, each once, through snapshot.
func (h *Handler) snapshots(r *http.Request, list string) ([]*cache.Snapshot, error) {
	ids := strings.Split(list, ",")
	if len(ids) > maxLayersPerTile {
		return nil, httpx.BadRequest("a tile can combine at most %d layers, not %d", maxLayersPerTile, len(ids))
	}
	snaps := make([]*cache.Snapshot, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" {
			return nil, httpx.BadRequest("the layer list %q has an empty layer id", truncate(list))
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		s, err := h.snapshot(r, id)
		if err != nil {
			return nil, err
		}
		snaps = append(snaps, s)
	}
	return snaps, nil
}

// selected resolves the collections parameter of a dataset request: the
// listed layers, or every layer of the catalogue (in its order) when it is
// absent.
func (h *Handler) selected(r *http.Request) ([]*cache.Snapshot, error) {
	if q := r.URL.Query(); q.Has("collections") {
		return h.snapshots(r, q.Get("collections"))
	}
	var snaps []*cache.Snapshot
	layers := h.catalog.Layers()
	if h.opts.Views != nil {
		layers = h.opts.Views.Layers(r)
	}
	for _, l := range layers {
		s, err := h.snapshot(r, l.ID)
		if err != nil {
			continue // not loaded yet, or not for this caller
		}
		snaps = append(snaps, s)
	}
	return snaps, nil
}

// render encodes tile t of set s with the snapshots' layers: the one place
// a tile's bytes are made, so a tile cache wraps this call (its key: the
// set, the tile and each snapshot's layer id and version, as in etag).
func (h *Handler) render(ctx context.Context, s *TileMatrixSet, t Tile, snaps []*cache.Snapshot) ([]byte, error) {
	res, err := encode(ctx, s, t, snaps, h.opts, true)
	if err != nil {
		return nil, err
	}
	if res.overBudget {
		h.warnOverBudget(s, t, snaps, len(res.data))
	}
	return res.data, nil
}

// maxBudgetWarnings bounds the layer lists remembered as logged.
const maxBudgetWarnings = 1024

// warnOverBudget logs, once per matrix set and layer list, a tile that
// exceeds the budget at the strictest rules.
func (h *Handler) warnOverBudget(s *TileMatrixSet, t Tile, snaps []*cache.Snapshot, size int) {
	ids := make([]string, len(snaps))
	for i, snap := range snaps {
		ids[i] = snap.Layer().ID
	}
	key := s.ID + "/" + strings.Join(ids, ",")
	if _, loaded := h.overBudget.LoadOrStore(key, true); loaded {
		return
	}
	n := 0
	h.overBudget.Range(func(any, any) bool { n++; return n <= maxBudgetWarnings })
	if n > maxBudgetWarnings {
		return
	}
	httpx.Logger.Warn("tile over budget at the strictest rendering rules; serving the smallest encoding",
		"tileMatrixSet", s.ID, "tile", t.String(), "layers", strings.Join(ids, ","), "bytes", size, "budget", h.opts.MaxTileBytes)
}
