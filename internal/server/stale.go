package server

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
)

// StaleHeader is set on reads answered while the cache may be behind the
// store: its change log cannot be read (PostgreSQL is down or restarting)
// or has not been caught up with lately. Its value is how far behind, at
// most: "lag=12.3s". Reads are still answered, from the cache.
const StaleHeader = "CSDI-Stale"

// staleCheckEvery bounds how often the syncer's status is read: a request
// reuses the last answer for this long, so the mutex behind
// Syncer.Status stays off the tile path.
const staleCheckEvery = 100 * time.Millisecond

// staleness marks reads with StaleHeader while status says the cache is
// behind.
type staleness struct {
	status func() cache.SyncStatus
	last   atomic.Pointer[staleMark]
}

// staleMark is the header value worked out at a time; "" while the cache
// is up to date.
type staleMark struct {
	at    time.Time
	value string
}

// value is the header to set now, "" for none.
func (s *staleness) value(now time.Time) string {
	if m := s.last.Load(); m != nil && now.Sub(m.at) < staleCheckEvery && !now.Before(m.at) {
		return m.value
	}
	v := staleValue(s.status())
	s.last.Store(&staleMark{at: now, value: v})
	return v
}

// staleValue is StaleHeader's value for a syncer's status. The lag alone
// is told, not the applied sequence: that counts edits to every layer,
// sensitive ones included.
func staleValue(st cache.SyncStatus) string {
	if st.Err == nil && st.Lag <= 0 {
		return ""
	}
	return "lag=" + strconv.FormatFloat(max(st.Lag, 0).Seconds(), 'f', 1, 64) + "s"
}

// staleReads sets StaleHeader on GET and HEAD requests while status says
// the cache is behind; writes answer for themselves.
func staleReads(status func() cache.SyncStatus, next http.Handler) http.Handler {
	s := &staleness{status: status}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if v := s.value(time.Now()); v != "" {
				w.Header().Set(StaleHeader, v)
			}
		}
		next.ServeHTTP(w, r)
	})
}
