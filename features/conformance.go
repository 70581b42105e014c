package features

import (
	"net/http"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// conformanceClasses are the OGC API Features Part 1 classes implemented.
// Later parts add theirs as they land, never before.
var conformanceClasses = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
}

type conformanceDoc struct {
	ConformsTo []string     `json:"conformsTo"`
	Links      []httpx.Link `json:"links,omitempty"`
}

// conformance answers /conformance.
func (h *Handler) conformance(w http.ResponseWriter, r *http.Request) error {
	q, f, err := commonRequest(r)
	if err != nil {
		return err
	}
	doc := conformanceDoc{
		ConformsTo: conformanceClasses,
		Links:      selfLinks(httpx.Base(r), "/conformance", q, f, mediaJSON),
	}
	if f == formatHTML {
		return h.renderHTML(w, r, q, "conformance.html", doc.Links, doc)
	}
	return writeJSON(w, mediaJSON, doc)
}
