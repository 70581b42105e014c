package features

import (
	"net/http"
	"net/url"
	"strings"

	accessctl "github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// itemRequest is a parsed single-feature request.
type itemRequest struct {
	Format       format
	Lang         string
	LangExplicit bool
	Fields       []int
	SkipGeometry bool
	CRS          *crsRef
	Values       url.Values
}

// item answers /collections/{collectionId}/items/{featureId}.
func (h *Handler) item(w http.ResponseWriter, r *http.Request) error {
	s, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	l := s.Layer()
	ir, err := parseItemRequest(r, l)
	if err != nil {
		return err
	}
	id := r.PathValue("featureId")
	if v := ir.Values.Get("version"); v != "" {
		return h.itemVersion(w, r, s, ir, id, v)
	}
	f, ok := s.Get(id)
	if !ok {
		return httpx.NotFound("collection %q has no feature with id %q", l.ID, truncate(id))
	}
	accessctl.Served(r.Context(), l.ID, 1)
	if ir.Format == formatHTML {
		return h.renderItem(w, r, s, f, ir)
	}
	links := itemLinks(httpx.Base(r), s, f, ir.Values, formatJSON)
	w.Header().Set("Content-Type", mediaGeoJSON)
	w.Header().Add("Vary", "Accept")
	w.Header().Set("Content-Crs", contentCRS(ir.CRS))
	// The feature's version, for Part 4's If-Match: the same tag in every
	// CRS and selection, as it names the feature, not the bytes.
	etag := cache.ETag(f)
	w.Header().Set("ETag", etag)
	if inm, ok := headerValues(r, "If-None-Match"); ok && etagMatches(inm, etag, true) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	st := newStream(r.Context(), w)
	st.buf = newGeoJSONFor(l, ir.Fields, ir.SkipGeometry, ir.CRS).appendFeature(st.buf, f, links)
	st.buf = append(st.buf, '\n')
	return clientGone(st.close())
}

func parseItemRequest(r *http.Request, l *layer.Layer) (*itemRequest, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if err := checkKnown(q, itemParams, nil); err != nil {
		return nil, err
	}
	ir := &itemRequest{Values: q}
	if err := parseSelection(q, l, &ir.Fields, &ir.SkipGeometry, &ir.CRS); err != nil {
		return nil, err
	}
	if ir.Format, err = negotiate(r, q, true); err != nil {
		return nil, err
	}
	if ir.Lang, ir.LangExplicit, err = language(r, q); err != nil {
		return nil, err
	}
	return ir, nil
}

// itemPath is the path of one feature.
func itemPath(s *cache.Snapshot, f *cache.Feature) string {
	return itemsPath(s.Layer()) + "/" + escapeSegment(f.ID.String())
}

// itemLinks are a feature's self and alternate links and its collection.
func itemLinks(base string, s *cache.Snapshot, f *cache.Feature, q url.Values, fm format) []httpx.Link {
	l := s.Layer()
	links := selfLinks(base, itemPath(s, f), q, fm, mediaGeoJSON)
	return append(links, httpx.Link{
		Href: base + collectionPath(l), Rel: "collection", Type: mediaJSON,
		Title: l.Title.In(langEn),
	})
}

// escapeSegment escapes an id for a path segment. "." and ".." would be
// removed by path cleaning in clients and proxies, so their dots are
// percent-encoded too.
func escapeSegment(id string) string {
	if id == "." || id == ".." {
		return strings.ReplaceAll(id, ".", "%2E")
	}
	return url.PathEscape(id)
}
