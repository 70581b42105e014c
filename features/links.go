package features

import (
	"net/url"
	"strconv"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// Media types of the documents served.
const (
	mediaJSON    = "application/json"
	mediaGeoJSON = "application/geo+json"
	mediaHTML    = "text/html"
	mediaCSV     = "text/csv"
	mediaGPKG    = "application/geopackage+sqlite3"
	mediaSchema  = "application/schema+json"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
	htmlCharset  = "text/html; charset=utf-8"
)

// selfLinks are a document's self link in the format served and its
// alternate in the other, keeping the query's other parameters. jsonType is
// the media type of the JSON form.
func selfLinks(base, path string, q url.Values, f format, jsonType string) []httpx.Link {
	jsonLink := httpx.Link{Href: httpx.WithQuery(base, path, q, "f", "json"), Type: jsonType, Title: "this document as JSON"}
	htmlLink := httpx.Link{Href: httpx.WithQuery(base, path, q, "f", "html"), Type: mediaHTML, Title: "this document as HTML"}
	if f == formatHTML {
		htmlLink.Rel, jsonLink.Rel = "self", "alternate"
		htmlLink.Href = httpx.WithQuery(base, path, q)
		return []httpx.Link{htmlLink, jsonLink}
	}
	jsonLink.Rel, htmlLink.Rel = "self", "alternate"
	jsonLink.Href = httpx.WithQuery(base, path, q)
	return []httpx.Link{jsonLink, htmlLink}
}

// pagingLinks are the next and previous pages of an items answer, when
// there are such pages, with every other parameter kept.
func pagingLinks(base, path string, iq *itemsQuery, matched int, typ string) []httpx.Link {
	var links []httpx.Link
	if iq.Offset < matched && matched-iq.Offset > iq.Limit {
		links = append(links, httpx.Link{
			Href: httpx.WithQuery(base, path, iq.Values, "offset", strconv.Itoa(iq.Offset+iq.Limit)),
			Rel:  "next", Type: typ, Title: "next page",
		})
	}
	if iq.Offset > 0 {
		prev := ""
		if p := min(iq.Offset, max(matched, 0)) - iq.Limit; p > 0 {
			prev = strconv.Itoa(p)
		}
		links = append(links, httpx.Link{
			Href: httpx.WithQuery(base, path, iq.Values, "offset", prev),
			Rel:  "prev", Type: typ, Title: "previous page",
		})
	}
	return links
}

// href is an absolute link for an HTML page, carrying the language on when
// the reader chose it.
func href(base, path, lang string, explicit bool, set ...string) string {
	if explicit {
		set = append(set, "lang", lang)
	}
	return httpx.WithQuery(base, path, nil, set...)
}
