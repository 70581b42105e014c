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

// serveTile answers with tile t of snaps: 304 when the client's copy is
// current, 204 when the tile is empty, otherwise the tile, gzipped when the
// client accepts it.
func (h *Handler) serveTile(w http.ResponseWriter, r *http.Request, snaps []*cache.Snapshot, t Tile) error {
	gzip := httpx.AcceptsGzip(r)
	etag := h.etag(snaps, t, gzip)
	hd := w.Header()
	hd.Add("Vary", "Accept-Encoding")
	hd.Set("ETag", etag)
	if matchesETag(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	body, err := Encode(r.Context(), t.Z, t.X, t.Y, snaps, h.opts)
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
func (h *Handler) etag(snaps []*cache.Snapshot, t Tile, gzip bool) string {
	b := make([]byte, 0, 128)
	b = append(b, h.epoch...)
	for _, s := range snaps {
		b = append(b, s.Layer().ID...)
		b = append(b, 0)
		b = binary.AppendUvarint(b, s.Version())
	}
	for _, n := range []int{t.Z, t.X, t.Y, int(h.opts.Extent), h.opts.Buffer} {
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
