package features

import (
	"net/http"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// items answers /collections/{collectionId}/items: parse, select, page,
// encode.
func (h *Handler) items(w http.ResponseWriter, r *http.Request) error {
	s, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	l := s.Layer()
	iq, err := h.parseItemsRequest(r, l)
	if err != nil {
		return err
	}
	p := selectPage(s, iq)
	if iq.Format == formatHTML {
		return h.renderItems(w, r, s, iq, p)
	}
	links := itemsLinks(httpx.Base(r), l, iq, p.Matched, formatJSON)
	w.Header().Set("Content-Type", mediaGeoJSON)
	w.Header().Add("Vary", "Accept")
	st := newStream(r.Context(), w)
	newGeoJSON(l).writeCollection(st, p, links, h.opts.Now())
	return clientGone(st.close())
}

// itemsPath is the path of a collection's items.
func itemsPath(l *layer.Layer) string { return collectionPath(l) + "/items" }

// itemsLinks are the links of an items answer: self and alternate, the
// neighbouring pages in the same format, and the collection.
func itemsLinks(base string, l *layer.Layer, iq *itemsQuery, matched int, f format) []httpx.Link {
	path := itemsPath(l)
	pageType := mediaGeoJSON
	if f == formatHTML {
		pageType = mediaHTML
	}
	links := selfLinks(base, path, iq.Values, f, mediaGeoJSON)
	links = append(links, pagingLinks(base, path, iq, matched, pageType)...)
	return append(links, httpx.Link{
		Href: base + collectionPath(l), Rel: "collection", Type: mediaJSON,
		Title: l.Title.In(langEn),
	})
}
