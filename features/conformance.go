package features

import (
	"net/http"
	"slices"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// conformanceClasses are the classes implemented: OGC API Features Parts
// 1–3 and the CQL2 classes the cql2 package's tests prove.
var conformanceClasses = append([]string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
}, cql2.ConformanceClasses...)

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
		ConformsTo: append(slices.Clip(conformanceClasses), h.opts.Conformance...),
		Links:      selfLinks(httpx.Base(r), "/conformance", q, f, mediaJSON),
	}
	if h.opts.Writes != nil {
		doc.ConformsTo = append(doc.ConformsTo, Part4Classes...)
	}
	if f == formatHTML {
		return h.renderHTML(w, r, q, "conformance.html", doc.Links, doc)
	}
	return writeJSON(w, mediaJSON, doc)
}
