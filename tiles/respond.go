package tiles

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/tiles/tilecache"
)

// ContentType is the media type of a Mapbox Vector Tile.
const ContentType = "application/vnd.mapbox-vector-tile"

// serveTile answers with tile t of set s of snaps from the tile cache,
// encoding it on a miss: 304 when the client's copy is current, 204 when
// the tile is empty, otherwise the tile, compressed as the client accepts
// (brotli, zstd or gzip). With limits set (the OGC API Tiles routes), a
// tile at a level some layer shows but outside the tileMatrixSetLimits its
// tileset advertises is 404.
func (h *Handler) serveTile(w http.ResponseWriter, r *http.Request, s *TileMatrixSet, snaps []*cache.Snapshot, t Tile, limits bool) error {
	defer work()()
	if limits {
		if lim, ok := h.limitsAt(s, snaps, t.Z); ok && !lim.contains(t) {
			return httpx.NotFound("tile %d/%d/%d (tile matrix, row, column) is outside the limits of this tileset at that tile matrix: rows %d-%d, columns %d-%d",
				t.Z, t.Y, t.X, lim.MinTileRow, lim.MaxTileRow, lim.MinTileCol, lim.MaxTileCol)
		}
	}
	e, err := h.tiles.Get(r.Context(), h.cacheKey(s, snaps, t), layerIDs(snaps),
		s.WorldBound(t, h.opts.Extent, h.opts.pixelBuffer()),
		func(ctx context.Context) ([]byte, error) {
			if h.opts.AdmitRender != nil {
				release, err := h.opts.AdmitRender(ctx, t.Z)
				if err != nil {
					return nil, err
				}
				defer release()
			}
			return h.render(ctx, s, t, snaps)
		})
	if err != nil {
		return err
	}
	served(r, snaps, e.Raw())
	tilecache.Serve(w, r, e, tilecache.Negotiate(r.Header.Get("Accept-Encoding")), h.cacheControl(snaps))
	return nil
}

// cacheKey names tile t of set s over snaps in the tile cache. Snapshot
// versions are not part of it: a change evicts exactly the tiles it
// touches (Handler.Evictor), so the tiles it does not touch stay cached.
func (h *Handler) cacheKey(s *TileMatrixSet, snaps []*cache.Snapshot, t Tile) tilecache.Key {
	n := len(s.ID)
	for _, snap := range snaps {
		n += len(snap.TileKey()) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, s.ID...)
	for _, snap := range snaps {
		b = append(b, '/')
		b = append(b, snap.TileKey()...) // the masked and full views never share a tile
	}
	return tilecache.Key{Tileset: string(b), Z: t.Z, X: t.X, Y: t.Y}
}

// layerIDs lists the views of snaps, for the tile cache's eviction index.
func layerIDs(snaps []*cache.Snapshot) []string {
	ids := make([]string, len(snaps))
	for i, s := range snaps {
		ids[i] = s.TileKey()
	}
	return ids
}

// writeBody writes a response body once the headers are set; from here on
// the status is committed. A failed write means the client went away:
// nothing more can be sent to it, so the failure is logged at debug level
// and never becomes an error response (which would log a 500 and write a
// second status).
func writeBody(w http.ResponseWriter, r *http.Request, body []byte) {
	if _, err := w.Write(body); err != nil {
		httpx.Logger.Debug("client went away", "path", r.URL.Path, "err", err)
	}
}

// cacheControl is the Cache-Control of a tile of snaps: each layer's own
// (layer.Layer.CacheControl) or else the handler's default, and for several
// layers the most conservative of them (see freshness).
func (h *Handler) cacheControl(snaps []*cache.Snapshot) string {
	best, bestRank := "", int64(0)
	for _, s := range snaps {
		cc := s.Layer().CacheControl
		if cc == "" {
			cc = h.opts.CacheControl
		}
		if s.Private() {
			// Not for shared caches: only this caller may see it.
			cc = "private, max-age=60"
		}
		if rank := freshness(cc); best == "" || rank < bestRank {
			best, bestRank = cc, rank
		}
	}
	if best == "" {
		return h.opts.CacheControl
	}
	return best
}

// freshness ranks a Cache-Control value, lower being more conservative:
// no-store, then no-cache, then private (a shared cache may not keep it),
// then by max-age (s-maxage for a public one), a value without any being
// ranked as max-age=0.
func freshness(cc string) int64 {
	var (
		maxAge  int64 = -1
		sMaxAge int64 = -1
		private bool
	)
	for d := range strings.SplitSeq(cc, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store":
			return -3
		case "no-cache":
			return -2
		case "private":
			private = true
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil {
				maxAge = n
			}
		case "s-maxage":
			if n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil {
				sMaxAge = n
			}
		}
	}
	if private {
		return -1
	}
	age := max(maxAge, 0)
	if sMaxAge >= 0 {
		age = min(age, sMaxAge)
		if maxAge < 0 {
			age = sMaxAge
		}
	}
	return age
}
