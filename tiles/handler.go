package tiles

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Catalog is what the tile endpoints read: each layer's published snapshot
// and the list of layers. *cache.Cache satisfies it.
type Catalog interface {
	Snapshot(id string) (*cache.Snapshot, bool)
	Layers() []*layer.Layer
}

// Handler serves vector tiles and TileJSON from a Catalog.
type Handler struct {
	catalog Catalog
	opts    Options
	// epoch tells this process's ETags apart from another's: snapshot
	// versions restart at 1 with every process, so alone they could make a
	// client's old ETag match new data after a restart.
	epoch string
}

// maxLayersPerTile bounds the comma-separated list of an XYZ tile URL.
const maxLayersPerTile = 64

// NewHandler returns a Handler serving the catalog's layers, encoded with
// opts.
func NewHandler(c Catalog, opts Options) *Handler {
	var seed [8]byte
	_, _ = rand.Read(seed[:]) // crypto/rand does not fail on supported platforms
	return &Handler{catalog: c, opts: opts.withDefaults(), epoch: hex.EncodeToString(seed[:])}
}

// Register adds the tile routes to mux:
//
//	GET /collections/{collectionId}/tiles/WebMercatorQuad/tilejson.json TileJSON of one layer
//	GET /collections/{collectionId}/tiles/WebMercatorQuad/{z}/{y}/{x}   its tile (OGC API Tiles order)
//	GET /tiles/{layers}/tilejson.json                                   TileJSON of layers "a,b,c"
//	GET /tiles/{layers}/{z}/{x}/{y}.mvt                                 their tile (".pbf" or no suffix too)
//
// /collections/{collectionId}/tiles/WebMercatorQuad itself is left free:
// OGC API Tiles puts the tileset metadata document there, which is not
// TileJSON. A tile with nothing in it is answered 204 No Content.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET "+collectionTiles+"/tilejson.json", httpx.HandlerFunc(h.collectionTileJSON))
	mux.Handle("GET "+collectionTiles+"/{z}/{y}/{x}", httpx.HandlerFunc(h.collectionTile))
	mux.Handle("GET /tiles/{layers}/tilejson.json", httpx.HandlerFunc(h.layersTileJSON))
	mux.Handle("GET /tiles/{layers}/{z}/{x}/{y}", httpx.HandlerFunc(h.layersTile))
}

// collectionTiles is the pattern of one collection's WebMercatorQuad
// tileset; its tiles and TileJSON are below it.
const collectionTiles = "/collections/{collectionId}/tiles/WebMercatorQuad"

// TileJSONPath is the path, below the server's base URL, of the TileJSON
// document of collection id, for links from other endpoints.
func TileJSONPath(id string) string {
	return "/collections/" + url.PathEscape(id) + "/tiles/WebMercatorQuad/tilejson.json"
}

func (h *Handler) collectionTile(w http.ResponseWriter, r *http.Request) error {
	t, err := tileFromPath(r.PathValue("z"), r.PathValue("x"), r.PathValue("y"))
	if err != nil {
		return err
	}
	snap, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	return h.serveTile(w, r, []*cache.Snapshot{snap}, t)
}

func (h *Handler) layersTile(w http.ResponseWriter, r *http.Request) error {
	t, err := tileFromPath(r.PathValue("z"), r.PathValue("x"), trimTileSuffix(r.PathValue("y")))
	if err != nil {
		return err
	}
	snaps, err := h.snapshots(r, r.PathValue("layers"))
	if err != nil {
		return err
	}
	return h.serveTile(w, r, snaps, t)
}

// tileFromPath parses tile coordinates into a client error: 400 for text
// that is not a canonical non-negative integer, 404 for a tile outside the
// matrix set.
func tileFromPath(z, x, y string) (Tile, error) {
	t, err := ParseTile(z, x, y)
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

// snapshot finds the snapshot of layer id that request r may read. It is
// the one place in this package where a layer id becomes a *cache.Snapshot,
// so it is where a per-caller view (masked or full) will be chosen: every
// tile and TileJSON endpoint then serves the same view to the same caller.
// For now every caller reads the published snapshot.
func (h *Handler) snapshot(r *http.Request, id string) (*cache.Snapshot, error) {
	s, ok := h.catalog.Snapshot(id)
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
