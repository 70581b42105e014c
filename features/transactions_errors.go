package features

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// maxListedProblems caps the invalidFeatures list of one answer: a
// million-feature POST of bad data gets the first thousand reasons.
const maxListedProblems = 1000

// invalidFeatures is a write refused because features in it are invalid;
// nothing of it was written. It answers 400 with every reason.
type invalidFeatures struct {
	problems []ingest.Problem
	features int // in the request
}

func (e *invalidFeatures) Error() string {
	return fmt.Sprintf("%d problems in the features of a write", len(e.problems))
}

// invalidFeaturesDoc is an RFC 7807 problem with one extension member
// listing the features that cannot be written, and why.
type invalidFeaturesDoc struct {
	httpx.Problem
	InvalidFeatures []ingest.Problem `json:"invalidFeatures"`
}

func (e *invalidFeatures) write(w http.ResponseWriter, r *http.Request) {
	bad := map[int]bool{}
	for _, p := range e.problems {
		bad[p.Index] = true
	}
	var detail string
	switch {
	case len(e.problems) == 1 && e.features == 1:
		detail = "the feature cannot be written: " + describeProblem(e.problems[0])
	case len(e.problems) == 1:
		detail = fmt.Sprintf("%s; nothing was written", describeProblem(e.problems[0]))
	default:
		detail = fmt.Sprintf("%d problems in %d of %d features; nothing was written. invalidFeatures lists them",
			len(e.problems), len(bad), e.features)
	}
	listed := e.problems
	if len(listed) > maxListedProblems {
		listed = listed[:maxListedProblems]
		detail += fmt.Sprintf(" (the first %d)", maxListedProblems)
	}
	doc := invalidFeaturesDoc{
		Problem: httpx.Problem{Type: "about:blank", Title: http.StatusText(http.StatusBadRequest),
			Status: http.StatusBadRequest, Detail: detail, Instance: r.URL.Path},
		InvalidFeatures: listed,
	}
	h := w.Header()
	h.Del("ETag")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(doc)
}

func describeProblem(p ingest.Problem) string {
	s := fmt.Sprintf("feature %d", p.Index)
	if p.ID != nil {
		s += fmt.Sprintf(" (id %s)", truncate(idText(p.ID)))
	}
	if p.Field != "" {
		s += ": " + truncate(p.Field)
	}
	return s + ": " + p.Reason
}

// recordError places a store error about one record of a write: a value
// the store refused becomes that feature's problem, a duplicate id 409.
func recordError(err error, index int, id any, features int) error {
	var ve *store.ValueError
	switch {
	case errors.As(err, &ve):
		if ve.ID != nil {
			id = ve.ID
		}
		return &invalidFeatures{features: features, problems: []ingest.Problem{
			{Index: index, ID: id, Field: ve.Field, Reason: ve.Reason}}}
	case errors.Is(err, store.ErrConflict) && id != nil:
		return &httpx.Error{Status: http.StatusConflict, Err: err,
			Msg: fmt.Sprintf("feature %d: a feature with id %s exists already; PUT replaces it", index, truncate(idText(id)))}
	}
	return err
}

// storeError turns what a write transaction failed with into the answer:
// the client's mistakes into 4xx, a store that cannot be reached into 503,
// and anything else into an error the handler logs as a 500.
func storeError(w http.ResponseWriter, err error, l *layer.Layer, id any) error {
	var he *httpx.Error
	var inv *invalidFeatures
	var ve *store.ValueError
	switch {
	case errors.As(err, &inv), errors.As(err, &he):
		return err
	case errors.Is(err, store.ErrNotFound):
		return httpx.NotFound("collection %q has no feature with id %q", l.ID, truncate(idText(id)))
	case errors.Is(err, store.ErrConflict):
		return &httpx.Error{Status: http.StatusConflict, Err: err, Msg: "a feature with this id exists already"}
	case errors.As(err, &ve):
		return &httpx.Error{Status: http.StatusBadRequest, Err: err, Msg: ve.Error()}
	case errors.Is(err, store.ErrReadOnly):
		w.Header().Set("Allow", "GET, HEAD")
		return &httpx.Error{Status: http.StatusMethodNotAllowed, Err: err,
			Msg: fmt.Sprintf("collection %q is read-only: its table cannot be edited through csdi (a view, or a table without a key)", l.ID)}
	case errors.Is(err, context.Canceled):
		return err // the client left; nothing was written
	case unavailable(err):
		w.Header().Set("Retry-After", "5")
		return &httpx.Error{Status: http.StatusServiceUnavailable, Err: err,
			Msg: "the data store cannot be reached; try again shortly (a write is all or nothing, but one cut off while committing may have been made)"}
	}
	return fmt.Errorf("write to %s: %w", l.ID, err)
}

// StoreUnavailable reports whether a write failed because the store could
// not be reached (the 503 case), for the server's store error metric.
func StoreUnavailable(err error) bool { return err != nil && unavailable(err) }

// unavailable reports whether err says the store could not be reached or
// did not answer in time, rather than that the write was wrong. Drivers'
// errors are recognised by the interfaces they share, so that this package
// needs no store backend: SQLSTATE classes, and pgx's SafeToRetry (set on
// errors raised before anything reached the server).
func unavailable(err error) bool {
	var ne net.Error
	var retry interface{ SafeToRetry() bool }
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.As(err, &ne) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, driver.ErrBadConn) ||
		(errors.As(err, &retry) && retry.SafeToRetry()) ||
		unavailableState(err)
}

// unavailableState reports whether err carries a SQLSTATE (pgx's PgError,
// lib/pq's Error) saying the server is going away or cannot take the
// work now, as opposed to refusing it.
func unavailableState(err error) bool {
	var se interface{ SQLState() string }
	if !errors.As(err, &se) {
		return false
	}
	code := se.SQLState()
	switch {
	case strings.HasPrefix(code, "08"): // connection exception
		return true
	case code == "57P01", code == "57P02", code == "57P03": // admin or crash shutdown, cannot connect now
		return true
	case code == "53300": // too many connections
		return true
	}
	return false
}
