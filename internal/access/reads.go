package access

import (
	"context"
	"net/http"
	"sync"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// A request's reads of sensitive layers are settled at its first byte:
// by then the handler has chosen what it sends (a page, a feature, a
// tile) and said how many features that is (Served), and nothing has left
// the server yet. So each full read's audit entry carries its feature
// count and is still appended before the data goes out — an entry that
// cannot be appended turns the answer into a 503 — and a caller served a
// masked view that a stronger login would lift is told so in the same
// response's headers.

type readsKey struct{}

// reads is one request's record of the sensitive layers it reads.
type reads struct {
	mu     sync.Mutex
	full   []*fullRead // in the order first read
	stepUp string      // the level a full view asked for that the caller lacks
}

// fullRead is a sensitive layer read in full, and the features served.
type fullRead struct {
	layer    *layer.Layer
	features int64
}

func readsFrom(ctx context.Context) *reads {
	rd, _ := ctx.Value(readsKey{}).(*reads)
	return rd
}

// find is the full read of layer id, nil if there is none; rd.mu is held.
func (rd *reads) find(id string) *fullRead {
	for _, f := range rd.full {
		if f.layer.ID == id {
			return f
		}
	}
	return nil
}

// readFull notes that the request reads l's full view.
func (rd *reads) readFull(l *layer.Layer) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.find(l.ID) == nil {
		rd.full = append(rd.full, &fullRead{layer: l})
	}
}

// needStepUp notes that authenticating at level acr would give the caller
// a full view it was served masked.
func (rd *reads) needStepUp(acr string) {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	rd.stepUp = acr
}

// Served tells the audit trail that the answer to the request in ctx
// holds n features of layer id. Handlers call it once they know what they
// will send and before sending it; it does nothing for a layer that is
// not read in full, or outside Middleware.
func Served(ctx context.Context, id string, n int) {
	rd := readsFrom(ctx)
	if rd == nil {
		return
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if f := rd.find(id); f != nil {
		f.features += int64(n)
	}
}

// ReadsInFull reports whether the request in ctx reads layer id's full
// view of a sensitive layer, so that its feature count is wanted (see
// Served): a handler that must do work to count (a streamed download)
// does it only then.
func ReadsInFull(ctx context.Context, id string) bool {
	rd := readsFrom(ctx)
	if rd == nil {
		return false
	}
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return rd.find(id) != nil
}

// Middleware records each request's reads of sensitive layers and settles
// them before the first byte of its answer (see reads). It goes inside the
// authentication and audit middleware, whose principal and request line
// the audit entries name.
func (a *Catalog) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rd := &reads{}
		r = r.WithContext(context.WithValue(r.Context(), readsKey{}, rd))
		sw := &settlingWriter{ResponseWriter: w, r: r, settle: func(status int) error {
			return a.settle(w, r, rd, status)
		}}
		next.ServeHTTP(sw, r)
	})
}

// settle records rd's full reads in the audit trail, unless the answer
// (of status) sends no data, and adds the step-up hint. An error means
// the answer must not be sent.
func (a *Catalog) settle(w http.ResponseWriter, r *http.Request, rd *reads, status int) error {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	if rd.stepUp != "" && w.Header().Get("WWW-Authenticate") == "" {
		// RFC 9110 lets any answer say that other credentials would change
		// it; RFC 9470's error code says which.
		w.Header().Set("WWW-Authenticate", auth.StepUpChallenge(rd.stepUp))
	}
	if status >= 400 || a.onUnmasked == nil {
		return nil
	}
	for _, f := range rd.full {
		if err := a.onUnmasked(r, f.layer, f.features); err != nil {
			a.log.Error("unmasked read not recorded in the audit trail: refused", "layer", f.layer.ID, "err", err)
			return err
		}
	}
	return nil
}

// settlingWriter settles the request's reads at its first byte (or
// header), and when that fails sends a 503 in place of the answer and
// drops what the handler writes after it.
type settlingWriter struct {
	http.ResponseWriter
	r       *http.Request
	settle  func(status int) error
	settled bool
	refused bool
}

func (w *settlingWriter) begin(status int) bool {
	if w.settled {
		return !w.refused
	}
	w.settled = true
	if err := w.settle(status); err != nil {
		w.refused = true
		h := w.Header()
		h.Del("Content-Length")
		h.Del("Content-Disposition")
		h.Set("Retry-After", "5")
		httpx.WriteProblem(w.ResponseWriter, w.r, http.StatusServiceUnavailable,
			"the audit trail cannot record this read of a sensitive layer, so it is not served; try again shortly")
		return false
	}
	return true
}

func (w *settlingWriter) WriteHeader(code int) {
	if w.begin(code) {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *settlingWriter) Write(b []byte) (int, error) {
	if !w.begin(http.StatusOK) {
		return 0, errRefused
	}
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming encoders push partial responses through.
func (w *settlingWriter) Flush() {
	if !w.begin(http.StatusOK) {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *settlingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errRefused is what a refused answer's writes return, so that a
// streaming handler stops.
var errRefused = refusedError{}

type refusedError struct{}

func (refusedError) Error() string {
	return "access: the answer was refused: its read could not be audited"
}
