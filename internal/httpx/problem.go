// Package httpx holds what every csdi HTTP handler shares: handlers that
// return errors, RFC 7807 problem responses, links and compression.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Error is an error with an HTTP status and a message meant for the client.
// Err, if set, is detail for the log only: it may say more than a caller
// should learn.
type Error struct {
	Status int
	Msg    string
	Err    error
	// RetryAfter, when set, is sent as Retry-After: the refusal is a
	// passing overload, expected under load, and not logged as a failure.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Msg, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error whose client message is formatted.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Msg: fmt.Sprintf(format, args...)}
}

// BadRequest, NotFound and friends are the common cases.
func BadRequest(format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, format, args...)
}

// NotFound reports a missing resource.
func NotFound(format string, args ...any) *Error {
	return Errorf(http.StatusNotFound, format, args...)
}

// Problem is an RFC 7807 problem document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
}

// HandlerFunc is an HTTP handler that reports failure by returning an error;
// ServeHTTP writes it as a problem document in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Logger is where ServeHTTP reports server-side failures; set once at start.
var Logger = slog.Default()

func (h HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	err := h(w, r)
	if err == nil {
		return
	}
	WriteError(w, r, err)
}

// WriteError answers with err as a problem document: an *Error keeps its
// status and message; a cancelled request is logged and not answered; any
// other error is logged and becomes a 500 that reveals nothing.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var he *Error
	switch {
	case errors.As(err, &he):
		if he.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(he.RetryAfter.Seconds())))))
		} else if he.Status >= 500 {
			Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		Logger.Debug("client went away", "path", r.URL.Path)
		return
	default:
		Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		he = &Error{Status: http.StatusInternalServerError, Msg: "the server could not answer this request; it has been logged"}
	}
	WriteProblem(w, r, he.Status, he.Msg)
}

// WriteProblem writes a problem document with the given status and detail.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	h := w.Header()
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Problem{
		Type:     "about:blank",
		Title:    http.StatusText(status),
		Status:   status,
		Detail:   detail,
		Instance: r.URL.Path,
	})
}
