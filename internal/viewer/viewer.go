// Package viewer serves csdi's built-in map viewer at /map: one page and
// its scripts, MapLibre GL JS included, all embedded in the binary so that
// the viewer makes no request beyond this server.
//
// MapLibre GL JS is vendored into assets/vendor by vendor.sh from the npm
// package pinned in package-lock.json; the vendored files are committed,
// so building needs no npm. The npm project here is also the tooling of
// the tests: the style validator and playwright-core driving the system's
// Chromium.
package viewer

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/csdi-hk/csdi/internal/httpx"
)

//go:embed assets
var assets embed.FS

// Path is where the viewer's page is served.
const Path = "/map"

// Handler serves the viewer's page and assets.
type Handler struct {
	files map[string]*asset // by name below /map/
}

// asset is one embedded file, with its gzip form made on first use.
type asset struct {
	body        []byte
	contentType string
	etag        string
	gzipOnce    sync.Once
	gzipped     []byte
}

// NewHandler returns the viewer's handler.
func NewHandler() *Handler {
	h := &Handler{files: map[string]*asset{}}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "assets/")
		h.files[name] = &asset{
			body:        body,
			contentType: contentType(name),
			etag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		panic("viewer: reading embedded assets: " + err.Error()) // cannot happen: the files are compiled in
	}
	return h
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	return "text/plain; charset=utf-8"
}

// Register adds the viewer's routes to mux:
//
//	GET /map          the viewer (?lang=en|zh; the browser's language otherwise)
//	GET /map/{asset}  its scripts and styles
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET "+Path, httpx.HandlerFunc(h.page))
	mux.Handle("GET "+Path+"/{asset...}", httpx.HandlerFunc(h.asset))
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) error {
	return h.serve(w, r, h.files["index.html"])
}

func (h *Handler) asset(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("asset")
	if name == "" { // /map/: the page is /map
		w.Header().Set("Location", "../map") // relative: right below a path prefix too
		w.WriteHeader(http.StatusMovedPermanently)
		return nil
	}
	a, ok := h.files[name]
	if !ok || name == "index.html" {
		return httpx.NotFound("the viewer has no file %q", name)
	}
	return h.serve(w, r, a)
}

// serve answers with an asset, gzipped when the client accepts it. Assets
// are revalidated on every use (no-cache with an ETag), so that an upgraded
// server is never paired with a browser's old scripts.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, a *asset) error {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Encoding")
	// The page and its scripts come from this server only; tiles, styles
	// and the collections are fetched from it too, and MapLibre's worker
	// runs from a blob-free module URL. Images may be data: or blob: URLs
	// (MapLibre's sprites and canvases).
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'")
	body, etag := a.body, a.etag
	if httpx.AcceptsGzip(r) && len(a.body) > 1024 {
		a.gzipOnce.Do(func() { a.gzipped = httpx.Gzip(a.body) })
		body, etag = a.gzipped, strings.TrimSuffix(a.etag, `"`)+`-gz"`
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("ETag", etag)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, etag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	_, _ = w.Write(body) // a client gone away is not a server error
	return nil
}
