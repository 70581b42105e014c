package features

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/store"
)

// GeoPackageSource opens one layer of a GeoPackage file as an import
// source. The server wires the embedded store's reader in
// (internal/ingest/gpkgfile); this package never imports a store backend.
type GeoPackageSource func(ctx context.Context, path, layer string) (ingest.Source, error)

// Media types an import takes besides GeoJSON.
const (
	mediaGeoJSONSeq = "application/geo+json-seq"
	mediaNDJSON     = "application/x-ndjson"
	mediaGeoPackage = "application/geopackage+sqlite3"
)

// importParams are the query parameters of an import.
var importParams = newParamSet("mode", "dry-run", "crs", "layer", "x", "y", "wkt", "id")

// importFeatures answers POST /collections/{collectionId}/import: the
// body (GeoJSON, a GeoJSON sequence, CSV or a GeoPackage) goes into the
// collection the way `csdi import` does it, all or nothing, with the same
// report: 200 when written (or, with dry-run=true, when it would be), 400
// with every problem otherwise.
func (h *Handler) importFeatures(w http.ResponseWriter, r *http.Request, wr *write) error {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return err
	}
	if err := checkKnown(q, importParams, nil); err != nil {
		return err
	}
	for k := range q {
		if _, _, err := single(q, k); err != nil {
			return err
		}
	}
	mode, err := ingest.ParseMode(q.Get("mode"))
	if err != nil {
		return httpx.BadRequest("%s", err)
	}
	dryRun := false
	switch v := q.Get("dry-run"); v {
	case "", "false":
	case "true":
		dryRun = true
	default:
		return httpx.BadRequest("dry-run must be true or false, not %q", truncate(v))
	}
	srid := 0
	if v := q.Get("crs"); v != "" {
		if srid, err = ingest.ParseCRS(v); err != nil {
			return httpx.BadRequest("crs: %s", err)
		}
	}
	limit := wr.opts.maxImport()
	body := http.MaxBytesReader(w, r.Body, limit)
	src, cleanup, err := h.importSource(r, q, body, srid)
	if err != nil {
		return importError(err, limit)
	}
	defer cleanup()
	rep, err := ingest.Run(r.Context(), wr.opts.Editor, wr.l, src, ingest.Options{Mode: mode, DryRun: dryRun, Actor: wr.actor})
	switch {
	case errors.Is(err, ingest.ErrRejected):
		return writeImportProblems(w, r, &rep)
	case err != nil:
		if ierr := importError(err, limit); ierr != err {
			return ierr
		}
		return storeError(w, err, wr.l, nil)
	}
	h.awaitSync(r, store.Commit{Seq: rep.Seq})
	w.Header().Set("Content-Type", mediaJSON)
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return clientGone(enc.Encode(rep))
}

// importSource reads the body as its Content-Type says. A GeoPackage is
// spooled to a temporary file first: SQLite reads files, not streams.
func (h *Handler) importSource(r *http.Request, q url.Values, body io.ReadCloser, srid int) (ingest.Source, func(), error) {
	get := q.Get
	noop := func() {}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	mt = strings.ToLower(mt)
	csvOnly := get("x") != "" || get("y") != "" || get("wkt") != "" || get("id") != ""
	if csvOnly && mt != mediaCSV {
		return nil, nil, httpx.BadRequest("x, y, wkt and id name CSV columns; this body is %s", truncate(mt))
	}
	if get("layer") != "" && mt != mediaGeoPackage {
		return nil, nil, httpx.BadRequest("layer names a layer of a GeoPackage body; this body is %s", truncate(mt))
	}
	once := func() ingest.Opener {
		used := false
		return func() (io.ReadCloser, error) {
			if used {
				return nil, errors.New("a request body can be read once")
			}
			used = true
			return body, nil
		}
	}
	switch mt {
	case mediaGeoJSON, mediaJSON, mediaGeoJSONSeq, mediaNDJSON:
		return ingest.NewGeoJSON(once(), r.ContentLength, ingest.GeoJSONOptions{SRID: srid}), noop, nil
	case mediaCSV:
		return ingest.NewCSV(once(), r.ContentLength, ingest.CSVOptions{SRID: srid, X: get("x"), Y: get("y"), WKT: get("wkt"), ID: get("id")}), noop, nil
	case mediaGeoPackage:
		if srid != 0 {
			return nil, nil, httpx.BadRequest("a GeoPackage says its own CRS; crs is for GeoJSON and CSV")
		}
		open := h.opts.Writes.GeoPackageSource
		if open == nil {
			return nil, nil, httpx.Errorf(http.StatusUnsupportedMediaType, "this server does not import GeoPackages; send GeoJSON or CSV")
		}
		path, err := spool(body)
		if err != nil {
			return nil, nil, err
		}
		remove := func() {
			for _, suffix := range []string{"", "-wal", "-shm", "-journal"} {
				_ = os.Remove(path + suffix)
			}
		}
		src, err := open(r.Context(), path, get("layer"))
		if err != nil {
			remove()
			return nil, nil, httpx.BadRequest("the GeoPackage cannot be read: %s", err)
		}
		return src, func() { src.Close(); remove() }, nil
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "none"
	}
	return nil, nil, httpx.Errorf(http.StatusUnsupportedMediaType, "Content-Type %s cannot be imported; send %s, %s, %s or %s",
		truncate(ct), mediaGeoJSON, mediaGeoJSONSeq, mediaCSV, mediaGeoPackage)
}

// spool copies a body to a temporary file.
func spool(body io.Reader) (string, error) {
	f, err := os.CreateTemp("", "csdi-import-*.gpkg")
	if err != nil {
		return "", fmt.Errorf("spool the GeoPackage: %w", err)
	}
	_, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// importError makes a body over the import limit a 413.
func importError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &httpx.Error{Status: http.StatusRequestEntityTooLarge, Err: err,
			Msg: fmt.Sprintf("the body is larger than this server's import limit of %d bytes; nothing was written", limit)}
	}
	return err
}

// importProblemsDoc is a refused import: an RFC 7807 problem whose
// invalidFeatures lists the problems as a Part 4 write's do, with the
// import's report.
type importProblemsDoc struct {
	httpx.Problem
	InvalidFeatures []ingest.Problem `json:"invalidFeatures"`
	Report          *ingest.Report   `json:"report"`
}

func writeImportProblems(w http.ResponseWriter, r *http.Request, rep *ingest.Report) error {
	detail := fmt.Sprintf("%d problems in the import of %d features; nothing was written. invalidFeatures lists them", rep.ProblemCount, rep.Features)
	if rep.DryRun {
		detail = fmt.Sprintf("dry run: %d problems in %d features. invalidFeatures lists them", rep.ProblemCount, rep.Features)
	}
	if len(rep.Problems) < rep.ProblemCount {
		detail += fmt.Sprintf(" (the first %d)", len(rep.Problems))
	}
	doc := importProblemsDoc{
		Problem: httpx.Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest),
			Status: http.StatusBadRequest, Detail: detail, Instance: r.URL.Path},
		InvalidFeatures: rep.Problems,
		Report:          rep,
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return clientGone(enc.Encode(doc))
}
