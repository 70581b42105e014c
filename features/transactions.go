package features

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// WriteOptions turn on OGC API Features Part 4 (Create, Replace, Update,
// Delete). Every write goes to the store through Editor; the cache learns
// of it from the store's change log, like of any other edit.
type WriteOptions struct {
	Editor store.Editor
	// Authorize decides whether a request may write to a layer and names
	// the actor the change log records. nil refuses every write.
	Authorize auth.Authorizer
	// RequireIfMatch makes PUT, PATCH and DELETE without If-Match (or, for
	// a PUT that creates, If-None-Match) fail with 428, so that no client
	// overwrites a version it has not seen.
	RequireIfMatch bool
	// MaxBodyBytes is the largest request body (16 MiB when zero); a
	// larger one gets 413.
	MaxBodyBytes int64
	// Synced, when set, is called after each commit and returns when this
	// replica's cache shows change seq, so the writer's next read sees its
	// own write. It is given SyncTimeout.
	Synced func(ctx context.Context, seq int64) error
	// SyncTimeout bounds the wait for Synced (2 s when zero). A write that
	// is not visible in time still succeeds: it is durable.
	SyncTimeout time.Duration
	// MaxImportBytes is the largest body of POST .../import (1 GiB when
	// zero); imports are bulk loads, so their limit is MaxBodyBytes's own.
	MaxImportBytes int64
	// GeoPackageSource, when set, lets imports take GeoPackage bodies.
	GeoPackageSource GeoPackageSource
}

func (o *WriteOptions) maxImport() int64 {
	if o.MaxImportBytes > 0 {
		return o.MaxImportBytes
	}
	return 1 << 30
}

func (o *WriteOptions) maxBody() int64 {
	if o.MaxBodyBytes > 0 {
		return o.MaxBodyBytes
	}
	return 16 << 20
}

func (o *WriteOptions) syncTimeout() time.Duration {
	if o.SyncTimeout > 0 {
		return o.SyncTimeout
	}
	return 2 * time.Second
}

// Part4Classes are the OGC API Features Part 4 conformance classes the
// write endpoints implement, declared when writes are on.
var Part4Classes = []string{
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
}

// registerWrites adds the Part 4 routes. They are there even when writes
// are off, to answer 405 as a problem document that says so.
func (h *Handler) registerWrites(mux *http.ServeMux) {
	mux.Handle("POST /collections/{collectionId}/items", h.writeHandler(h.create))
	mux.Handle("PUT /collections/{collectionId}/items/{featureId}", h.writeHandler(h.replace))
	mux.Handle("PATCH /collections/{collectionId}/items/{featureId}", h.writeHandler(h.update))
	mux.Handle("DELETE /collections/{collectionId}/items/{featureId}", h.writeHandler(h.remove))
	mux.Handle("OPTIONS /collections/{collectionId}/items", httpx.HandlerFunc(h.options))
	mux.Handle("OPTIONS /collections/{collectionId}/items/{featureId}", httpx.HandlerFunc(h.options))
}

// write is one authorised write request to one writable collection.
type write struct {
	s     *cache.Snapshot
	l     *layer.Layer
	actor string
	opts  *WriteOptions
}

// writeHandler does what every write shares — the collection, whether it
// is writable, who is asking — and writes a failure as a problem document,
// with the list of invalid features when there is one.
func (h *Handler) writeHandler(fn func(http.ResponseWriter, *http.Request, *write) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h.authorizedWrite(w, r, fn)
		if err == nil {
			return
		}
		var inv *invalidFeatures
		if errors.As(err, &inv) {
			inv.write(w, r)
			return
		}
		httpx.WriteError(w, r, err)
	})
}

func (h *Handler) authorizedWrite(w http.ResponseWriter, r *http.Request, fn func(http.ResponseWriter, *http.Request, *write) error) error {
	wo := h.opts.Writes
	if wo == nil || wo.Editor == nil {
		w.Header().Set("Allow", "GET, HEAD")
		return httpx.Errorf(http.StatusMethodNotAllowed, "%s is not allowed: this server is read-only", r.Method)
	}
	// The caller's view decides whether the collection exists for them;
	// a write then goes to the layer itself, never to a masked view's
	// schema or ids (an editor may read a sensitive layer masked). Asked
	// of the layer list, not a view: a write reads nothing of the full
	// view, so it must not be audited as a read of it.
	s, ok := h.cat.Snapshot(r.PathValue("collectionId"))
	if ok && !h.visible(r, s.Layer().ID) {
		ok = false
	}
	if !ok {
		return httpx.NotFound("there is no collection %q; /collections lists them", truncate(r.PathValue("collectionId")))
	}
	l := s.Layer()
	if !crs.Supported(l.Source.SRID) {
		w.Header().Set("Allow", "GET, HEAD")
		return httpx.Errorf(http.StatusMethodNotAllowed,
			"collection %q is read-only: it is stored in EPSG:%d, which csdi cannot transform to", l.ID, l.Source.SRID)
	}
	actor, err := authorize(w, r, wo, l)
	if err != nil {
		return err
	}
	return fn(w, r, &write{s: s, l: l, actor: actor, opts: wo})
}

// authorize asks the configured Authorizer, turning its refusal into 401
// (with a challenge) or 403.
func authorize(w http.ResponseWriter, r *http.Request, wo *WriteOptions, l *layer.Layer) (string, error) {
	if wo.Authorize == nil {
		return "", httpx.Errorf(http.StatusForbidden, "writes are disabled on this server")
	}
	actor, err := wo.Authorize(r, l)
	if err == nil {
		return actor, nil
	}
	var ae *auth.Error
	switch {
	case errors.Is(err, auth.ErrUnavailable):
		w.Header().Set("Retry-After", "5")
		return "", &httpx.Error{Status: http.StatusServiceUnavailable, Msg: "the identity provider cannot be reached to check the token; try again shortly", Err: err}
	case errors.As(err, &ae) && errors.Is(err, auth.ErrNotFound):
		// A layer the caller may not see: its existence does not leak.
		return "", httpx.NotFound("there is no collection %q; /collections lists them", truncate(l.ID))
	case errors.As(err, &ae) && errors.Is(err, auth.ErrUnauthenticated):
		w.Header().Set("WWW-Authenticate", auth.Challenge(err))
		return "", &httpx.Error{Status: http.StatusUnauthorized, Msg: ae.Msg}
	case errors.As(err, &ae):
		return "", &httpx.Error{Status: http.StatusForbidden, Msg: ae.Msg}
	}
	return "", fmt.Errorf("authorize: %w", err)
}

// options answers OPTIONS with the methods the resource allows.
func (h *Handler) options(w http.ResponseWriter, r *http.Request) error {
	s, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	allow := "GET, HEAD, OPTIONS"
	if h.opts.Writes != nil && h.opts.Writes.Editor != nil && crs.Supported(s.Layer().Source.SRID) {
		if r.PathValue("featureId") == "" {
			allow = "GET, HEAD, POST, OPTIONS"
		} else {
			allow = "GET, HEAD, PUT, PATCH, DELETE, OPTIONS"
			w.Header().Set("Accept-Patch", mediaMergePatch)
		}
	}
	w.Header().Set("Allow", allow)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// create answers POST /collections/{id}/items with a Feature or a
// FeatureCollection: every feature is written, or none.
func (h *Handler) create(w http.ResponseWriter, r *http.Request, wr *write) error {
	if err := requireContentType(r, mediaGeoJSON, mediaJSON); err != nil {
		return err
	}
	in, err := requestCRS(r)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, wr.opts.maxBody())
	if err != nil {
		return err
	}
	raws, single, err := splitFeatures(body)
	if err != nil {
		return err
	}
	dec := ingest.NewDecoder(wr.l, ingest.DecodeOptions{ToStorage: toStorage(in, wr.l.Source.SRID)})
	records := make([]store.Record, len(raws))
	var problems []ingest.Problem
	firstWithID := map[string]int{}
	for i, raw := range raws {
		rec, ps := dec.Decode(i, raw)
		problems = append(problems, ps...)
		switch {
		case !wr.l.ClientIDs():
			rec.ID = nil // the store names it; an id sent is ignored
		case rec.ID == nil && !hasProblem(ps, ingest.FieldID):
			problems = append(problems, ingest.Problem{Index: i, Field: ingest.FieldID,
				Reason: fmt.Sprintf("collection %q takes the id of each new feature from its sender: give it an \"id\"", wr.l.ID)})
		case rec.ID != nil:
			key := idText(rec.ID)
			if first, dup := firstWithID[key]; dup {
				problems = append(problems, ingest.Problem{Index: i, ID: rec.ID, Field: ingest.FieldID,
					Reason: fmt.Sprintf("feature %d of this request has the same id", first)})
			} else {
				firstWithID[key] = i
			}
		}
		records[i] = rec
	}
	if len(problems) > 0 {
		return &invalidFeatures{problems: problems, features: len(raws)}
	}
	ids := make([]any, len(records))
	var etag string
	commit, err := wr.opts.Editor.Edit(r.Context(), wr.l, wr.actor, func(tx store.Tx) error {
		if err := checkGeometries(r.Context(), tx, records); err != nil {
			return err
		}
		for i, rec := range records {
			id, err := tx.Insert(r.Context(), rec)
			if err != nil {
				return recordError(err, i, rec.ID, len(records))
			}
			ids[i] = id
		}
		if single {
			etag = currentETag(r.Context(), tx, wr.l, ids[0])
		}
		return nil
	})
	if err != nil {
		return storeError(w, err, wr.l, nil)
	}
	h.awaitSync(r, commit)
	base := httpx.Base(r)
	links := make([]httpx.Link, len(ids))
	for i, id := range ids {
		links[i] = httpx.Link{Href: base + itemsPath(wr.l) + "/" + escapeSegment(idText(id)), Rel: "item", Type: mediaGeoJSON}
	}
	w.Header().Set("Location", links[0].Href)
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeCreated(w, createdDoc{Created: len(ids), IDs: ids, Links: links})
}

// createdDoc is the body of a 201: the ids the features got, in the order
// they were sent, and their links.
type createdDoc struct {
	Created int          `json:"created"`
	IDs     []any        `json:"ids"`
	Links   []httpx.Link `json:"links"`
}

func writeCreated(w http.ResponseWriter, doc createdDoc) error {
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode created ids: %w", err)
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(http.StatusCreated)
	_, err = w.Write(append(b, '\n'))
	return clientGone(err)
}

// replace answers PUT /collections/{id}/items/{featureId}: the feature's
// attributes and geometry become the body's. On a collection whose clients
// name features, a PUT to a new id creates it.
func (h *Handler) replace(w http.ResponseWriter, r *http.Request, wr *write) error {
	pre, err := wr.preconditions(r, wr.l.ClientIDs())
	if err != nil {
		return err
	}
	if err := requireContentType(r, mediaGeoJSON, mediaJSON); err != nil {
		return err
	}
	in, err := requestCRS(r)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, wr.opts.maxBody())
	if err != nil {
		return err
	}
	id := featureID(wr.s, r.PathValue("featureId"))
	dec := ingest.NewDecoder(wr.l, ingest.DecodeOptions{ToStorage: toStorage(in, wr.l.Source.SRID)})
	rec, problems := dec.Decode(0, body)
	if rec.ID != nil && idText(rec.ID) != idText(id) {
		problems = append(problems, ingest.Problem{Index: 0, ID: rec.ID, Field: ingest.FieldID,
			Reason: fmt.Sprintf("the id in the body differs from the id in the path (%s); a feature's id cannot change", truncate(idText(id)))})
	}
	if len(problems) > 0 {
		return &invalidFeatures{problems: problems, features: 1}
	}
	rec.ID = id
	var etag string
	created := false
	commit, err := wr.opts.Editor.Edit(r.Context(), wr.l, wr.actor, func(tx store.Tx) error {
		cur, exists, err := tx.Get(r.Context(), id)
		if err != nil {
			return err
		}
		if !exists && !wr.l.ClientIDs() {
			return store.ErrNotFound
		}
		if err := pre.check(exists, versionOf(wr.l, cur, exists)); err != nil {
			return err
		}
		if err := checkGeometries(r.Context(), tx, []store.Record{rec}); err != nil {
			return err
		}
		if exists {
			err = tx.Replace(r.Context(), rec)
		} else {
			_, err = tx.Insert(r.Context(), rec)
			created = true
		}
		if err != nil {
			return recordError(err, 0, id, 1)
		}
		etag = currentETag(r.Context(), tx, wr.l, id)
		return nil
	})
	if err != nil {
		return storeError(w, err, wr.l, id)
	}
	h.awaitSync(r, commit)
	return answerWritten(w, r, wr.l, id, etag, created)
}

// answerWritten answers a PUT or PATCH: 204 with the new version, or 201
// with the new feature's location.
func answerWritten(w http.ResponseWriter, r *http.Request, l *layer.Layer, id any, etag string, created bool) error {
	h := w.Header()
	if etag != "" {
		h.Set("ETag", etag)
	}
	h.Set("Cache-Control", "no-store")
	if created {
		href := httpx.Base(r) + itemsPath(l) + "/" + escapeSegment(idText(id))
		h.Set("Location", href)
		return writeCreated(w, createdDoc{Created: 1, IDs: []any{id},
			Links: []httpx.Link{{Href: href, Rel: "item", Type: mediaGeoJSON}}})
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// update answers PATCH /collections/{id}/items/{featureId} with a JSON
// Merge Patch (RFC 7396) of the feature: applied to the feature as it is
// inside the transaction, then checked like a PUT.
func (h *Handler) update(w http.ResponseWriter, r *http.Request, wr *write) error {
	pre, err := wr.preconditions(r, false)
	if err != nil {
		return err
	}
	if err := requireContentType(r, mediaMergePatch); err != nil {
		w.Header().Set("Accept-Patch", mediaMergePatch)
		return err
	}
	in, err := requestCRS(r)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, wr.opts.maxBody())
	if err != nil {
		return err
	}
	id := featureID(wr.s, r.PathValue("featureId"))
	patch, err := parsePatch(body, id)
	if err != nil {
		return err
	}
	dec := ingest.NewDecoder(wr.l, ingest.DecodeOptions{ToStorage: toStorage(in, wr.l.Source.SRID)})
	var etag string
	commit, err := wr.opts.Editor.Edit(r.Context(), wr.l, wr.actor, func(tx store.Tx) error {
		cur, exists, err := tx.Get(r.Context(), id)
		if err != nil {
			return err
		}
		if !exists {
			return store.ErrNotFound
		}
		if err := pre.check(true, versionOf(wr.l, cur, true)); err != nil {
			return err
		}
		rec, err := patch.apply(wr.l, dec, cur)
		if err != nil {
			return err
		}
		rec.ID = id
		if patch.geometryGiven {
			if err := checkGeometries(r.Context(), tx, []store.Record{rec}); err != nil {
				return err
			}
		}
		if err := tx.Replace(r.Context(), rec); err != nil {
			return recordError(err, 0, id, 1)
		}
		etag = currentETag(r.Context(), tx, wr.l, id)
		return nil
	})
	if err != nil {
		return storeError(w, err, wr.l, id)
	}
	h.awaitSync(r, commit)
	return answerWritten(w, r, wr.l, id, etag, false)
}

// remove answers DELETE /collections/{id}/items/{featureId}.
func (h *Handler) remove(w http.ResponseWriter, r *http.Request, wr *write) error {
	pre, err := wr.preconditions(r, false)
	if err != nil {
		return err
	}
	id := featureID(wr.s, r.PathValue("featureId"))
	commit, err := wr.opts.Editor.Edit(r.Context(), wr.l, wr.actor, func(tx store.Tx) error {
		if pre.any() {
			cur, exists, err := tx.Get(r.Context(), id)
			if err != nil {
				return err
			}
			if !exists {
				return store.ErrNotFound
			}
			if err := pre.check(true, versionOf(wr.l, cur, true)); err != nil {
				return err
			}
		}
		return tx.Delete(r.Context(), id)
	})
	if err != nil {
		return storeError(w, err, wr.l, id)
	}
	h.awaitSync(r, commit)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// preconditions reads a write's If-Match and If-None-Match, refusing with
// 428 a write without them when they are required. mayCreate: the write
// can create the feature, which If-None-Match: * guards too.
func (wr *write) preconditions(r *http.Request, mayCreate bool) (preconditions, error) {
	p := readPreconditions(r)
	if wr.opts.RequireIfMatch && !p.hasIfMatch && !(mayCreate && p.hasIfNoneMatch) {
		hint := "send If-Match with the ETag of the version you read (GET the feature to learn it)"
		if mayCreate {
			hint += ", or If-None-Match: * to create a new feature"
		}
		return p, httpx.Errorf(http.StatusPreconditionRequired, "this server requires conditional writes: %s", hint)
	}
	return p, nil
}

// versionOf is the ETag of a record read inside a write transaction: the
// same tag the cache serves for that row.
func versionOf(l *layer.Layer, r store.Record, exists bool) string {
	if !exists {
		return ""
	}
	f, err := cache.FeatureFromRecord(l, r)
	if err != nil {
		// Such a row cannot be cached either, so no client holds its tag.
		httpx.Logger.Warn("feature version not computable", "layer", l.ID, "id", r.ID, "err", err)
		return ""
	}
	return cache.ETag(f)
}

// currentETag reads back the feature a transaction has written, so the tag
// reflects what the store kept (a float4 column rounds, a timestamp keeps
// microseconds), not what was sent.
func currentETag(ctx context.Context, tx store.Tx, l *layer.Layer, id any) string {
	rec, ok, err := tx.Get(ctx, id)
	if err != nil || !ok {
		httpx.Logger.Warn("written feature not read back", "layer", l.ID, "id", id, "err", err)
		return ""
	}
	return versionOf(l, rec, true)
}

// checkGeometries asks the store whether it accepts the records'
// geometries (PostGIS ST_IsValid, say) before any is written.
func checkGeometries(ctx context.Context, tx store.Tx, records []store.Record) error {
	var gs []orb.Geometry
	var owner []int
	for i, rec := range records {
		if rec.Geometry != nil {
			gs = append(gs, rec.Geometry)
			owner = append(owner, i)
		}
	}
	if len(gs) == 0 {
		return nil
	}
	bad, err := tx.Invalid(ctx, gs)
	if err != nil {
		return fmt.Errorf("check geometries: %w", err)
	}
	if len(bad) == 0 {
		return nil
	}
	problems := make([]ingest.Problem, 0, len(bad))
	for _, b := range bad {
		if b.Index < 0 || b.Index >= len(owner) {
			return fmt.Errorf("check geometries: the store named geometry %d of %d", b.Index, len(owner))
		}
		i := owner[b.Index]
		problems = append(problems, ingest.Problem{Index: i, ID: records[i].ID, Field: ingest.FieldGeometry,
			Reason: "invalid geometry: " + b.Reason})
	}
	return &invalidFeatures{problems: problems, features: len(records)}
}

// awaitSync waits, briefly, until this replica's cache shows the commit,
// so the writer's next read sees its write. A late cache is logged: the
// write itself is durable and the answer is still success.
func (h *Handler) awaitSync(r *http.Request, c store.Commit) {
	wo := h.opts.Writes
	if wo.Synced == nil || c.Seq == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), wo.syncTimeout())
	defer cancel()
	if err := wo.Synced(ctx, c.Seq); err != nil && r.Context().Err() == nil {
		httpx.Logger.Warn("write committed but not yet in this replica's cache", "path", r.URL.Path, "seq", c.Seq, "err", err)
	}
}

// featureID is the store id a path segment names: the id of the cached
// feature spelled so, else an integer when the text is one and the
// collection's ids are not strings.
func featureID(s *cache.Snapshot, text string) any {
	if f, ok := s.Get(text); ok {
		if f.ID.IsNum {
			return f.ID.Num
		}
		return f.ID.Str
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != text {
		return text
	}
	if first, ok := s.At(0); ok && !first.ID.IsNum {
		return text
	}
	return n
}

// idText is an id as its URL and messages spell it.
func idText(id any) string {
	switch id := id.(type) {
	case int64:
		return strconv.FormatInt(id, 10)
	case string:
		return id
	}
	return fmt.Sprint(id)
}

func hasProblem(ps []ingest.Problem, field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}
