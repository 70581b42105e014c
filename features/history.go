package features

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// A feature's history comes from the store's change log: every change made
// a version, and ?version=SEQ on the feature's URL returns the feature as
// change SEQ left it. History reads go to the store, not the cache: they
// are rare, and the cache holds only the present.

// versionsPath is the list of a feature's versions.
func versionsPath(l *layer.Layer, id string) string {
	return itemsPath(l) + "/" + escapeSegment(id) + "/versions"
}

// historyLayer finds the layer of a history request. A sensitive layer's
// past versions are not served: they would bypass its masked view.
func (h *Handler) historyLayer(r *http.Request) (*cache.Snapshot, error) {
	s, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return nil, err
	}
	if h.opts.History == nil || s.Layer().Sensitive {
		return nil, httpx.NotFound("collection %q keeps no history here", s.Layer().ID)
	}
	return s, nil
}

// versions answers /collections/{collectionId}/items/{featureId}/versions:
// every change of the feature, oldest first, each linking to the version
// it made. A deleted feature still has its versions.
func (h *Handler) versions(w http.ResponseWriter, r *http.Request) error {
	s, err := h.historyLayer(r)
	if err != nil {
		return err
	}
	l := s.Layer()
	id := r.PathValue("featureId")
	vs, err := h.opts.History.Versions(r.Context(), l, id)
	if err != nil {
		return storeUnavailable(err)
	}
	if len(vs) == 0 {
		if _, ok := s.Get(id); !ok {
			return httpx.NotFound("collection %q has no feature with id %q, now or in its history", l.ID, truncate(id))
		}
	}
	base := httpx.Base(r)
	type version struct {
		Seq       int64        `json:"version"`
		Operation string       `json:"operation"`
		Time      string       `json:"time"`
		Links     []httpx.Link `json:"links,omitempty"`
	}
	out := struct {
		ID       string       `json:"id"`
		Versions []version    `json:"versions"`
		Links    []httpx.Link `json:"links"`
	}{ID: id, Versions: []version{}}
	item := base + itemsPath(l) + "/" + escapeSegment(id)
	for _, v := range vs {
		e := version{Seq: v.Seq, Operation: v.Op.String(), Time: v.At.UTC().Format(time.RFC3339Nano)}
		if v.Op != store.OpDelete {
			e.Links = []httpx.Link{{Href: item + "?version=" + strconv.FormatInt(v.Seq, 10), Rel: "version", Type: mediaGeoJSON}}
		}
		out.Versions = append(out.Versions, e)
	}
	out.Links = []httpx.Link{
		{Href: base + versionsPath(l, id), Rel: "self", Type: mediaJSON},
		{Href: item, Rel: "latest-version", Type: mediaGeoJSON},
		{Href: base + collectionPath(l), Rel: "collection", Type: mediaJSON},
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.Header().Set("Cache-Control", "no-cache")
	return json.NewEncoder(w).Encode(out)
}

// itemVersion answers /items/{featureId}?version=SEQ in GeoJSON: the
// feature as change SEQ left it; 404 when it did not exist then.
func (h *Handler) itemVersion(w http.ResponseWriter, r *http.Request, s *cache.Snapshot, ir *itemRequest, id, raw string) error {
	if h.opts.History == nil || s.Layer().Sensitive {
		return httpx.BadRequest("collection %q keeps no history here: leave out version", s.Layer().ID)
	}
	seq, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || seq <= 0 {
		return httpx.BadRequest("version must be a change number from %s, not %q", versionsPath(s.Layer(), id), truncate(raw))
	}
	if ir.Format == formatHTML {
		return httpx.BadRequest("past versions are served as GeoJSON only: leave out f=html or ask for application/geo+json")
	}
	l := s.Layer()
	rec, ok, err := h.opts.History.AsOf(r.Context(), l, id, seq)
	if err != nil {
		return storeUnavailable(err)
	}
	if !ok {
		return httpx.NotFound("feature %q of collection %q did not exist after change %d; %s lists its versions", truncate(id), l.ID, seq, versionsPath(l, id))
	}
	f, err := cache.FeatureFromRecord(l, rec)
	if err != nil {
		return err
	}
	base := httpx.Base(r)
	links := []httpx.Link{
		{Href: base + itemsPath(l) + "/" + escapeSegment(id) + "?version=" + strconv.FormatInt(seq, 10), Rel: "self", Type: mediaGeoJSON},
		{Href: base + itemsPath(l) + "/" + escapeSegment(id), Rel: "latest-version", Type: mediaGeoJSON},
		{Href: base + versionsPath(l, id), Rel: "version-history", Type: mediaJSON},
	}
	w.Header().Set("Content-Type", mediaGeoJSON)
	w.Header().Set("Content-Crs", contentCRS(ir.CRS))
	// A version never changes once made.
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	st := newStream(r.Context(), w)
	st.buf = newGeoJSONFor(l, ir.Fields, ir.SkipGeometry, ir.CRS).appendFeature(st.buf, f, links)
	st.buf = append(st.buf, '\n')
	return clientGone(st.close())
}

// storeUnavailable reports a store that cannot answer a history read.
func storeUnavailable(err error) error {
	return &httpx.Error{Status: http.StatusServiceUnavailable, Msg: "the store cannot answer history reads right now; try again shortly", Err: err}
}
