package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/metrics"
	"github.com/csdi-hk/csdi/tiles"
	"github.com/csdi-hk/csdi/tiles/tilecache"
)

// observer holds the server's metrics: the instruments the request path
// updates and the collectors read at scrape time.
type observer struct {
	reg      *metrics.Registry
	requests *metrics.CounterVec   // route, method, status
	duration *metrics.HistogramVec // route, method
	// rateLimited counts requests the limits refused, by class: a rate
	// class (429) or a heavy-request class (503); see limits.Limiter.
	rateLimited *metrics.CounterVec

	// series caches resolved request series: one map lookup with no
	// allocation per request once a route has been seen.
	series sync.Map // seriesKey -> *requestSeries
}

type seriesKey struct {
	route, method string
	status        int
}

type requestSeries struct {
	count    *metrics.Counter
	duration *metrics.Histogram
}

func newObserver(version string) *observer {
	reg := metrics.New()
	o := &observer{
		reg: reg,
		requests: reg.CounterVec("csdi_http_requests_total",
			"HTTP requests answered, by route pattern, method and status.", "route", "method", "status"),
		duration: reg.HistogramVec("csdi_http_request_duration_seconds",
			"Time to answer an HTTP request, by route pattern, method and status class (2xx..5xx: a refusal is fast, an answer slower).",
			metrics.DurationBuckets, "route", "method", "status"),
		rateLimited: reg.CounterVec("csdi_rate_limited_total",
			"Requests refused by the limits, by class: a rate class (429) or a heavy-request class (503).", "class"),
	}
	reg.GaugeFunc("csdi_build_info", "The running csdi's version; always 1.", []string{"version"}, func(emit metrics.Emit) {
		emit(1, version)
	})
	start := float64(time.Now().Unix())
	reg.GaugeFunc("process_start_time_seconds", "When the process started, in seconds since the Unix epoch.", nil, func(emit metrics.Emit) {
		emit(start)
	})
	reg.GaugeFunc("go_goroutines", "Goroutines that currently exist.", nil, func(emit metrics.Emit) {
		emit(float64(runtime.NumGoroutine()))
	})
	return o
}

// rejected counts a request the limits refused; it is limits.Limiter's
// OnReject.
func (o *observer) rejected(class string) { o.rateLimited.With(class).Inc() }

// observe records a request's count and duration under its route.
func (o *observer) observe(route, method string, status int, d time.Duration) {
	k := seriesKey{route, method, status}
	s, ok := o.series.Load(k)
	if !ok {
		s, _ = o.series.LoadOrStore(k, &requestSeries{
			count:    o.requests.With(route, method, strconv.Itoa(status)),
			duration: o.duration.With(route, method, statusClass(status)),
		})
	}
	rs := s.(*requestSeries)
	rs.count.Inc()
	rs.duration.Observe(d.Seconds())
}

// statusClass is the class of an HTTP status, "2xx" to "5xx": the
// histograms' label, which keeps their series few.
func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return string(rune('0'+status/100)) + "xx"
}

// collectCache reports each layer's cached features and their memory, per
// view (full, and masked for sensitive layers), read at scrape time.
func (o *observer) collectCache(c *cache.Cache) {
	each := func(emit metrics.Emit, value func(*cache.Snapshot) float64) {
		for _, l := range c.Layers() {
			if s, ok := c.Snapshot(l.ID); ok {
				emit(value(s), l.ID, "full")
			}
			if s, ok := c.Masked(l.ID); ok {
				emit(value(s), l.ID, "masked")
			}
		}
	}
	o.reg.GaugeFunc("csdi_cache_features", "Features in the in-memory cache, by layer and view.", []string{"layer", "view"}, func(emit metrics.Emit) {
		each(emit, func(s *cache.Snapshot) float64 { return float64(s.Len()) })
	})
	o.reg.GaugeFunc("csdi_cache_bytes", "Estimated memory of the cached features, by layer and view.", []string{"layer", "view"}, func(emit metrics.Emit) {
		each(emit, func(s *cache.Snapshot) float64 { return float64(s.Bytes()) })
	})
	o.reg.GaugeFunc("csdi_cache_loaded", "1 once every layer has finished its initial load.", nil, func(emit metrics.Emit) {
		emit(bool01(c.Loaded()))
	})
}

// collectTiles reports the tile cache's counters, read at scrape time.
func (o *observer) collectTiles(h *tiles.Handler) {
	counter := func(name, help string, v func(tilecache.Stats) uint64) {
		o.reg.CounterFunc(name, help, nil, func(emit metrics.Emit) { emit(float64(v(h.CacheStats()))) })
	}
	counter("csdi_tile_cache_hits_total", "Tiles answered from the tile cache.", func(st tilecache.Stats) uint64 { return st.Hits })
	counter("csdi_tile_cache_misses_total", "Tiles that had to wait for a build.", func(st tilecache.Stats) uint64 { return st.Misses })
	counter("csdi_tile_cache_builds_total", "Tile builds started.", func(st tilecache.Stats) uint64 { return st.Builds })
	counter("csdi_tile_cache_build_errors_total", "Tile builds that failed.", func(st tilecache.Stats) uint64 { return st.BuildErrors })
	counter("csdi_tile_cache_evictions_total", "Tiles dropped to keep the cache within its size.", func(st tilecache.Stats) uint64 { return st.Evictions })
	counter("csdi_tile_cache_invalidations_total", "Tiles dropped because their data changed.", func(st tilecache.Stats) uint64 { return st.Invalidations })
	o.reg.GaugeFunc("csdi_tile_cache_bytes", "Bytes held by the tile cache.", nil, func(emit metrics.Emit) {
		emit(float64(h.CacheStats().Bytes))
	})
	o.reg.GaugeFunc("csdi_tile_cache_entries", "Tiles held by the tile cache.", nil, func(emit metrics.Emit) {
		emit(float64(h.CacheStats().Entries))
	})
}

// collectSync reports how far the cache is behind the store's change log.
func (o *observer) collectSync(s *cache.Syncer) {
	o.reg.GaugeFunc("csdi_sync_following", "1 while the change log is being followed.", nil, func(emit metrics.Emit) {
		emit(bool01(s.Status().Following))
	})
	o.reg.GaugeFunc("csdi_sync_failing", "1 while the last read of the change log failed (the store is unreachable).", nil, func(emit metrics.Emit) {
		emit(bool01(s.Status().Err != nil))
	})
	o.reg.GaugeFunc("csdi_sync_lag_seconds", "How long since the cache was last known to be up to date with the change log.", nil, func(emit metrics.Emit) {
		emit(s.Status().Lag.Seconds())
	})
	o.reg.GaugeFunc("csdi_sync_applied_sequence", "The highest change-log sequence applied to the cache.", nil, func(emit metrics.Emit) {
		emit(float64(s.Status().Applied))
	})
}

// collectStoreErrors reports the store operations that failed because
// the store could not be reached: the syncer's reads of the change log
// (s, when there is one) and the writes (answered 503).
func (o *observer) collectStoreErrors(s *cache.Syncer, writes *atomic.Int64) {
	o.reg.CounterFunc("csdi_store_errors_total",
		"Store (database) operations that failed because the store could not be reached, by operation: change_log, the syncer's reads and applies of the change log; write, writes and imports (answered 503).",
		[]string{"op"}, func(emit metrics.Emit) {
			if s != nil {
				emit(float64(s.Status().Failures), "change_log")
			}
			emit(float64(writes.Load()), "write")
		})
}

func bool01(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// requestInfo is what the outermost middleware learns of a request from
// the layers inside it, which see the request after routing and
// authentication: contexts only flow inwards, so they fill this in.
type requestInfo struct {
	id    string
	route string // the ServeMux pattern without its method; "" when unrouted
	actor string // "" when anonymous
}

type requestInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	i, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return i
}

// RequestID is the id of the request ctx belongs to; empty outside one.
func RequestID(ctx context.Context) string {
	if i := infoFrom(ctx); i != nil {
		return i.id
	}
	return ""
}

// maxRequestID bounds an incoming X-Request-Id: long enough for a UUID or
// a trace id with a prefix, short enough to keep log lines small.
const maxRequestID = 64

// requestID keeps the caller's (or the proxy's) X-Request-Id when it is
// short and plain, so one id follows a request through nginx and csdi;
// anything else is replaced, so no one can forge log lines with it.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); validRequestID(id) {
		return id
	}
	return rand.Text()
}

func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := range len(id) {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '_' || c == '.' || c == ':':
		default:
			return false
		}
	}
	return true
}

// noteRoute wraps the mux: it records the principal and, once the mux has
// routed the request, the pattern that matched. The mux sets Pattern on
// the request it was given, which is this one.
func noteRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := infoFrom(r.Context())
		if info == nil {
			next.ServeHTTP(w, r)
			return
		}
		if p := auth.PrincipalFrom(r.Context()); p.Authenticated() {
			info.actor = p.Actor()
		}
		defer func() { info.route = routeOf(r.Pattern) }() // also when a handler panics
		next.ServeHTTP(w, r)
	})
}

// routeOf is a mux pattern without its method ("GET /x/{id}" → "/x/{id}"):
// the method is a label of its own.
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return strings.TrimLeft(pattern[i+1:], " \t")
	}
	return pattern
}

// methodLabel keeps the method label bounded: any method the server does
// not use is "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}

// adminOnly lets only principals with the admin role through; everyone
// else gets the same 404 as a path that does not exist, so the endpoint's
// existence does not leak.
func adminOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !auth.PrincipalFrom(r.Context()).Has(auth.Admin) {
			httpx.WriteError(w, r, nothingAt(r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// registerObservability adds /metrics and the pprof profiles to mux, both
// for admins only.
func registerObservability(mux *http.ServeMux, o *observer) {
	mux.Handle("GET /metrics", adminOnly(o.reg))
	// Registered explicitly, not through DefaultServeMux, which net/http/pprof
	// fills on import and which nothing here serves.
	mux.Handle("/debug/pprof/", adminOnly(http.HandlerFunc(pprof.Index)))
	mux.Handle("/debug/pprof/cmdline", adminOnly(http.HandlerFunc(pprof.Cmdline)))
	mux.Handle("/debug/pprof/profile", adminOnly(http.HandlerFunc(pprof.Profile)))
	mux.Handle("/debug/pprof/symbol", adminOnly(http.HandlerFunc(pprof.Symbol)))
	mux.Handle("/debug/pprof/trace", adminOnly(http.HandlerFunc(pprof.Trace)))
}

// withRequestIDs makes log add request ids from contexts (once).
func withRequestIDs(log *slog.Logger) *slog.Logger {
	if _, done := log.Handler().(contextAttrs); done {
		return log
	}
	return slog.New(contextAttrs{log.Handler()})
}

// contextAttrs adds the request id to every record logged with a
// request's context (log.InfoContext(r.Context(), ...)), from any package.
type contextAttrs struct{ slog.Handler }

func (h contextAttrs) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h contextAttrs) WithAttrs(as []slog.Attr) slog.Handler {
	return contextAttrs{h.Handler.WithAttrs(as)}
}

func (h contextAttrs) WithGroup(name string) slog.Handler {
	return contextAttrs{h.Handler.WithGroup(name)}
}
