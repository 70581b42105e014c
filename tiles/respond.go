package tiles

import (
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// ContentType is the media type of a Mapbox Vector Tile.
const ContentType = "application/vnd.mapbox-vector-tile"

// serveTile answers with tile t of set s of snaps: 304 when the client's
// copy is current, 204 when the tile is empty, otherwise the tile, gzipped
// when the client accepts it. With limits set (the OGC API Tiles routes), a
// tile at a level some layer shows but outside the tileMatrixSetLimits its
// tileset advertises is 404.
func (h *Handler) serveTile(w http.ResponseWriter, r *http.Request, s *TileMatrixSet, snaps []*cache.Snapshot, t Tile, limits bool) error {
	if limits {
		if lim, ok := h.limitsAt(s, snaps, t.Z); ok && !lim.contains(t) {
			return httpx.NotFound("tile %d/%d/%d (tile matrix, row, column) is outside the limits of this tileset at that tile matrix: rows %d-%d, columns %d-%d",
				t.Z, t.Y, t.X, lim.MinTileRow, lim.MaxTileRow, lim.MinTileCol, lim.MaxTileCol)
		}
	}
	gzip := httpx.AcceptsGzip(r)
	etag := h.etag(s, snaps, t, gzip)
	hd := w.Header()
	hd.Add("Vary", "Accept-Encoding")
	hd.Set("ETag", etag)
	hd.Set("Cache-Control", h.cacheControl(snaps))
	if matchesETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body, err := h.render(r.Context(), s, t, snaps)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	if gzip {
		body = httpx.Gzip(body)
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Type", ContentType)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	writeBody(w, r, body)
	return nil
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

// etag names one encoding of one tile of the given snapshot versions: a
// tile's bytes are a function of exactly these inputs.
func (h *Handler) etag(s *TileMatrixSet, snaps []*cache.Snapshot, t Tile, gzip bool) string {
	b := make([]byte, 0, 128)
	b = append(b, h.epoch...)
	b = append(b, s.ID...)
	b = append(b, 0)
	for _, s := range snaps {
		b = append(b, s.Layer().ID...)
		b = append(b, 0)
		b = binary.AppendUvarint(b, s.Version())
	}
	for _, n := range []int{t.Z, t.X, t.Y, int(h.opts.Extent), h.opts.Buffer, h.opts.MaxTileBytes} {
		b = binary.AppendVarint(b, int64(n))
	}
	b = strconv.AppendFloat(b, h.opts.Simplify, 'g', -1, 64)
	tag := make([]byte, 0, 24)
	tag = append(tag, '"')
	tag = strconv.AppendUint(tag, fnv1a(string(b)), 36)
	if gzip {
		tag = append(tag, "-gz"...)
	}
	return string(append(tag, '"'))
}

// matchesETag reports whether an If-None-Match header names etag; the
// comparison is weak, as RFC 9110 §13.1.2 asks.
func matchesETag(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
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
