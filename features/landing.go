package features

import (
	"net/http"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// landingDoc is the landing page; the Chinese title and description are
// extensions beside the English ones.
type landingDoc struct {
	Title         string       `json:"title"`
	TitleZh       string       `json:"titleZh,omitempty"`
	Description   string       `json:"description,omitempty"`
	DescriptionZh string       `json:"descriptionZh,omitempty"`
	Links         []httpx.Link `json:"links"`
}

// landing answers /.
func (h *Handler) landing(w http.ResponseWriter, r *http.Request) error {
	q, f, err := commonRequest(r)
	if err != nil {
		return err
	}
	base := httpx.Base(r)
	doc := landingDoc{
		Title:         h.opts.Title.In(langEn),
		TitleZh:       h.opts.Title.Zh,
		Description:   h.opts.Description.In(langEn),
		DescriptionZh: h.opts.Description.Zh,
		Links: append(selfLinks(base, "/", q, f, mediaJSON),
			httpx.Link{Href: base + "/api", Rel: "service-desc", Type: mediaOpenAPI, Title: "the API definition (OpenAPI 3.0)"},
			httpx.Link{Href: base + "/api?f=html", Rel: "service-doc", Type: mediaHTML, Title: "the API documentation"},
			httpx.Link{Href: base + "/conformance", Rel: "conformance", Type: mediaJSON, Title: "the standards this API conforms to"},
			httpx.Link{Href: base + "/collections", Rel: "data", Type: mediaJSON, Title: "the collections"},
		),
	}
	if h.opts.LandingLinks != nil {
		doc.Links = append(doc.Links, h.opts.LandingLinks(base)...)
	}
	if f == formatHTML {
		return h.renderHTML(w, r, q, "landing.html", doc.Links, doc)
	}
	return writeJSON(w, mediaJSON, doc)
}
