// Package styles serves MapLibre style documents: one per layer of the
// catalogue and a "default" one drawing them all. A demo layer's style is
// a hand-made file under defaults/; any other layer gets one generated from
// its geometry type, in a colour derived from its id. Styles are built per
// request from the catalogue the handler is given, so they only ever name
// the layers that catalogue returns.
package styles

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Catalog lists the layers styles are made for; *cache.Cache satisfies it.
type Catalog interface {
	Layers() []*layer.Layer
}

// MediaType is the media type of a MapLibre (Mapbox GL) style document.
const MediaType = "application/vnd.mapbox.style+json"

// Handler serves the styles of a catalogue's layers.
type Handler struct {
	catalog Catalog
	views   func(*http.Request) []*layer.Layer
}

// NewHandler returns a Handler over c.
func NewHandler(c Catalog) *Handler { return &Handler{catalog: c} }

// WithViews makes the handler style, for each request, only the layers
// views returns for it (those the caller may see, as it sees them).
func (h *Handler) WithViews(views func(*http.Request) []*layer.Layer) *Handler {
	h.views = views
	return h
}

// Register adds the style routes to mux:
//
//	GET /styles            the list of styles, with links (JSON)
//	GET /styles/{styleId}  one style: "default" or a layer id
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /styles", httpx.HandlerFunc(h.list))
	mux.Handle("GET /styles/{styleId}", httpx.HandlerFunc(h.style))
}

// Path is the path, below the server's base URL, of a style: "default" or
// a layer id.
func Path(styleID string) string { return "/styles/" + url.PathEscape(styleID) }

// DefaultPath is the path of the style drawing every layer.
const DefaultPath = "/styles/" + defaultStyleID

// layers is the catalogue request r may see. It is the one place this
// package reads the catalogue, so it is where a per-caller filter of the
// layers (privacy) applies to every style and to the list alike.
func (h *Handler) layers(r *http.Request) []*layer.Layer {
	if h.views != nil {
		return h.views(r)
	}
	return h.catalog.Layers()
}

// listDoc is the /styles document, shaped like OGC API Styles' list.
type listDoc struct {
	Default string       `json:"default"`
	Styles  []styleEntry `json:"styles"`
	Links   []httpx.Link `json:"links"`
}

type styleEntry struct {
	ID      string       `json:"id"`
	Title   string       `json:"title"`
	TitleZh string       `json:"titleZh,omitempty"`
	Links   []httpx.Link `json:"links"`
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	base := httpx.Base(r)
	entry := func(id string, title layer.Text) styleEntry {
		return styleEntry{ID: id, Title: title.In("en"), TitleZh: title.Zh, Links: []httpx.Link{{
			Href: base + Path(id), Rel: "stylesheet", Type: MediaType, Title: "MapLibre style",
		}}}
	}
	doc := listDoc{
		Default: defaultStyleID,
		Styles:  []styleEntry{entry(defaultStyleID, layer.Text{En: "All layers", Zh: "所有圖層"})},
		Links:   []httpx.Link{{Href: base + "/styles", Rel: "self", Type: "application/json", Title: "this document"}},
	}
	for _, l := range h.layers(r) {
		if l.ID == defaultStyleID {
			continue
		}
		doc.Styles = append(doc.Styles, entry(l.ID, layer.Text{En: cmp.Or(l.Title.En, l.ID), Zh: l.Title.Zh}))
	}
	return writeJSON(w, "application/json", doc)
}

func (h *Handler) style(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("styleId")
	base := httpx.Base(r)
	layers := h.layers(r)
	var (
		s   *Style
		err error
	)
	if id == defaultStyleID {
		s, err = defaultStyle(base, layers)
	} else {
		for _, l := range layers {
			if l.ID == id {
				s, err = layerStyle(base, l)
				break
			}
		}
		if s == nil && err == nil {
			return httpx.NotFound("there is no style %q; /styles lists them", truncate(id))
		}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, MediaType, s)
}

func writeJSON(w http.ResponseWriter, mediaType string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mediaType)
	_, err = w.Write(b)
	return err
}

// truncate keeps an echoed id short.
func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
