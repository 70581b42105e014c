package features

import (
	"net/http"
	"net/url"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

const (
	crs84        = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	trsGregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
)

// collectionsDoc is the /collections document.
type collectionsDoc struct {
	Links       []httpx.Link    `json:"links"`
	Collections []collectionDoc `json:"collections"`
}

// collectionDoc describes one collection. Title and description are
// English (or Chinese when there is no English); the Chinese forms go in
// the titleZh and descriptionZh extensions.
type collectionDoc struct {
	ID            string       `json:"id"`
	Title         string       `json:"title"`
	TitleZh       string       `json:"titleZh,omitempty"`
	Description   string       `json:"description,omitempty"`
	DescriptionZh string       `json:"descriptionZh,omitempty"`
	Keywords      []string     `json:"keywords,omitempty"`
	Department    string       `json:"department,omitempty"`
	License       string       `json:"license,omitempty"`
	ItemType      string       `json:"itemType"`
	CRS           []string     `json:"crs"`
	StorageCRS    string       `json:"storageCrs"`
	Extent        *extentDoc   `json:"extent,omitempty"`
	Links         []httpx.Link `json:"links"`

	// For the HTML pages only.
	Layer    *layer.Layer `json:"-"`
	Features int          `json:"-"`
}

type extentDoc struct {
	Spatial  *spatialDoc  `json:"spatial,omitempty"`
	Temporal *temporalDoc `json:"temporal,omitempty"`
}

type spatialDoc struct {
	BBox [][4]float64 `json:"bbox"`
	CRS  string       `json:"crs"`
}

type temporalDoc struct {
	Interval [][2]string `json:"interval"`
	TRS      string      `json:"trs"`
}

// collections answers /collections.
func (h *Handler) collections(w http.ResponseWriter, r *http.Request) error {
	q, f, err := commonRequest(r)
	if err != nil {
		return err
	}
	base := httpx.Base(r)
	doc := collectionsDoc{Links: selfLinks(base, "/collections", q, f, mediaJSON)}
	for _, l := range h.layers(r) {
		s, err := h.snapshot(r, l.ID)
		if err != nil {
			continue
		}
		c := h.describe(base, s)
		c.Links = append(selfLinks(base, collectionPath(l), nil, formatJSON, mediaJSON), c.Links...)
		doc.Collections = append(doc.Collections, c)
	}
	if f == formatHTML {
		return h.renderHTML(w, r, q, "collections.html", doc.Links, doc)
	}
	return writeJSON(w, mediaJSON, doc)
}

// collection answers /collections/{collectionId}.
func (h *Handler) collection(w http.ResponseWriter, r *http.Request) error {
	s, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	q, f, err := commonRequest(r)
	if err != nil {
		return err
	}
	base := httpx.Base(r)
	doc := h.describe(base, s)
	doc.Links = append(selfLinks(base, collectionPath(s.Layer()), q, f, mediaJSON), doc.Links...)
	if f == formatHTML {
		lang, explicit, _ := language(r, q) // checked by commonRequest
		return h.renderHTML(w, r, q, "collection.html", doc.Links, h.newCollectionPage(base, s, doc, lang, explicit))
	}
	return writeJSON(w, mediaJSON, doc)
}

// collectionPath is the path of a collection's document.
func collectionPath(l *layer.Layer) string { return "/collections/" + url.PathEscape(l.ID) }

// describe builds a collection's document from its snapshot, with every
// link but self and alternate, which depend on where it is shown.
func (h *Handler) describe(base string, s *cache.Snapshot) collectionDoc {
	l := s.Layer()
	path := collectionPath(l)
	doc := collectionDoc{
		ID:            l.ID,
		Title:         l.Title.In(langEn),
		TitleZh:       l.Title.Zh,
		Description:   l.Description.In(langEn),
		DescriptionZh: l.Description.Zh,
		Keywords:      l.Keywords,
		Department:    l.Department,
		License:       l.License,
		ItemType:      "feature",
		CRS:           crsURIs(),
		StorageCRS:    storageCRS(l).URI,
		Links: []httpx.Link{
			{Href: base + path + "/items", Rel: "items", Type: mediaGeoJSON, Title: "the features as GeoJSON"},
			{Href: base + path + "/items?f=html", Rel: "items", Type: mediaHTML, Title: "the features as HTML"},
			{Href: base + path + "/queryables", Rel: "http://www.opengis.net/def/rel/ogc/1.0/queryables", Type: mediaSchema, Title: "the properties a filter may use"},
		},
		Layer:    l,
		Features: s.Len(),
	}
	if doc.Title == "" {
		doc.Title = l.ID
	}
	if h.opts.CollectionLinks != nil {
		doc.Links = append(doc.Links, h.opts.CollectionLinks(base, l)...)
	}
	var ext extentDoc
	if b, ok := spatialExtent(s); ok {
		ext.Spatial = &spatialDoc{BBox: [][4]float64{b}, CRS: crs84}
	}
	if span := h.temporal.of(s); span.ok {
		ext.Temporal = &temporalDoc{
			Interval: [][2]string{{span.Start.UTC().Format(time.RFC3339), span.End.UTC().Format(time.RFC3339)}},
			TRS:      trsGregorian,
		}
	}
	if ext.Spatial != nil || ext.Temporal != nil {
		doc.Extent = &ext
	}
	return doc
}

// storageCRS is the CRS a layer's source data is in, as a client should
// ask for it to get coordinates unchanged: its SRID when it is one of
// the supported CRSs, CRS84 otherwise.
func storageCRS(l *layer.Layer) *crsRef {
	if c, ok := crsBySRID(l.Source.SRID); ok {
		return c
	}
	return defaultCRS
}
