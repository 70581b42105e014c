package features

import (
	"net/http"

	accessctl "github.com/csdi-hk/csdi/internal/access"
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
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Crs", contentCRS(iq.CRS))
	if iq.Format == formatCSV || iq.Format == formatGPKG {
		countDownload(r, s, iq)
	}
	switch iq.Format {
	case formatCSV:
		return h.writeCSV(w, r, s, iq)
	case formatGPKG:
		return h.writeGeoPackage(w, r, s, iq)
	}
	p := selectPage(s, iq)
	accessctl.Served(r.Context(), l.ID, len(p.Features))
	if iq.Format == formatHTML {
		return h.renderItems(w, r, s, iq, p)
	}
	links := itemsLinks(httpx.Base(r), l, iq, p.Matched, formatJSON, h.downloads())
	w.Header().Set("Content-Type", mediaGeoJSON)
	st := newStream(r.Context(), w)
	newGeoJSONFor(l, iq.Fields, iq.SkipGeometry, iq.CRS).writeCollection(st, p, links, h.opts.Now())
	return clientGone(st.close())
}

// itemsPath is the path of a collection's items.
func itemsPath(l *layer.Layer) string { return collectionPath(l) + "/items" }

// itemsLinks are the links of an items answer: self and alternate, the
// neighbouring pages in the same format, and the collection.
func itemsLinks(base string, l *layer.Layer, iq *itemsQuery, matched int, f format, dls []download) []httpx.Link {
	path := itemsPath(l)
	pageType := mediaGeoJSON
	if f == formatHTML {
		pageType = mediaHTML
	}
	links := selfLinks(base, path, iq.Values, f, mediaGeoJSON)
	links = append(links, pagingLinks(base, path, iq, matched, pageType)...)
	if f != formatHTML {
		for _, d := range dls {
			links = append(links, httpx.Link{
				Href: httpx.WithQuery(base, path, iq.Values, "f", d.f, "offset", "", "limit", ""),
				Rel:  "alternate", Type: d.media, Title: d.title.En,
			})
		}
	}
	return append(links, httpx.Link{
		Href: base + collectionPath(l), Rel: "collection", Type: mediaJSON,
		Title: l.Title.In(langEn),
	})
}

// download is a whole-result format an items answer links to.
type download struct {
	f, media string
	title    layer.Text
}

// downloads are the download formats this handler offers.
func (h *Handler) downloads() []download {
	if h.opts.GeoPackage == nil {
		return allDownloads[:1]
	}
	return allDownloads
}

var allDownloads = []download{
	{"csv", mediaCSV, layer.Text{En: "every matching feature as CSV (attributes and WKT geometry)", Zh: "所有符合條件的要素（CSV，屬性及WKT幾何）"}},
	{"gpkg", mediaGPKG, layer.Text{En: "every matching feature as a GeoPackage", Zh: "所有符合條件的要素（GeoPackage）"}},
}
