// Package server wires the HTTP side together: the router with the
// features and tiles handlers, the middleware every request passes through,
// and starting and stopping the listener.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/csdi-hk/csdi/features"
	"github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/auditing"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/ingest/gpkgfile"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/limits"
	"github.com/csdi-hk/csdi/internal/metrics"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/viewer"
	"github.com/csdi-hk/csdi/styles"
	"github.com/csdi-hk/csdi/tiles"
)

// Server is csdi's HTTP server.
type Server struct {
	cfg      *config.Config
	log      *slog.Logger
	handler  http.Handler
	verifier *auth.Verifier
	obs      *observer
	health   *health
}

// Backends are what a server needs beyond the cache to take writes and
// report on live sync; the zero value serves a read-only cache.
type Backends struct {
	// Syncer follows the store's change log; nil when nothing does (a
	// store without one, or tests).
	Syncer *cache.Syncer
	// History serves features' past versions; nil: none.
	History store.History
	// Editor takes writes (Part 4, imports); nil serves read-only.
	Editor store.Editor
	// Access decides per request which layers and views a caller reads;
	// nil serves every layer of the cache in full (tests and benchmarks
	// without sensitive layers).
	Access *access.Catalog
}

// authenticator checks the configured API keys and identity providers;
// the admin key (writes.admin_key: a hash, or the key itself from
// CSDI_ADMIN_KEY), when set, is one more key with the admin role.
func authenticator(cfg *config.Config, log *slog.Logger) (*auth.Verifier, error) {
	ac := cfg.Auth
	if k := cfg.Writes.AdminKey; k != "" {
		hash := k
		if !strings.HasPrefix(k, config.HashPrefix) {
			hash = auth.HashAPIKey(k)
		}
		ac.APIKeys = append(append([]auth.APIKey(nil), ac.APIKeys...), auth.APIKey{
			Name: "admin", Department: "csdi", Roles: []auth.Role{auth.Admin}, Hash: hash,
		})
	}
	v, err := auth.New(ac, auth.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return v, nil
}

// writeOptions turns writes on when there is an editor: editors of a
// layer's owning department, and admins, may write to it.
func writeOptions(cfg *config.Config, b Backends, v *auth.Verifier) *features.WriteOptions {
	if b.Editor == nil {
		return nil
	}
	w := &features.WriteOptions{
		Editor:         b.Editor,
		Authorize:      auth.Editors(v),
		RequireIfMatch: cfg.Writes.RequireIfMatch,
		MaxBodyBytes:   cfg.Writes.MaxBodyBytes,
		MaxImportBytes: cfg.Writes.MaxImportBytes,
	}
	// GeoPackage bodies of imports are read by the embedded store's reader.
	w.GeoPackageSource = gpkgfile.Open
	if b.Syncer != nil {
		w.Synced = b.Syncer.WaitApplied
	}
	return w
}

// New builds a read-only router over the cache; it panics on a
// configuration NewWith would refuse (tests and benchmarks).
func New(cfg *config.Config, c *cache.Cache, log *slog.Logger, version string) *Server {
	s, err := NewWith(cfg, c, log, version, Backends{})
	if err != nil {
		panic(err)
	}
	return s
}

// NewWith builds the router over the cache and backends.
func NewWith(cfg *config.Config, c *cache.Cache, log *slog.Logger, version string, b Backends) (*Server, error) {
	var writeFailures atomic.Int64
	if b.Editor != nil {
		b.Editor = countingEditor{Editor: b.Editor, failures: &writeFailures}
	}
	log = withRequestIDs(log)
	httpx.Logger = log
	verifier, err := authenticator(cfg, log)
	if err != nil {
		return nil, err
	}
	// Rejections are counted through lim.OnReject (csdi_rate_limited_total).
	lim, err := limits.New(cfg.Limits, nil)
	if err != nil {
		return nil, fmt.Errorf("limits: %w", err)
	}
	mux := http.NewServeMux()
	tileOpts := tiles.Options{
		Extent:       cfg.Tiles.Extent,
		Buffer:       cfg.Tiles.Buffer,
		MaxTileBytes: cfg.Tiles.MaxTileBytes,
		CacheControl: cfg.Tiles.CacheControl,
		CacheBytes:   cfg.Tiles.CacheBytes,
		AdmitRender:  admitLowZoomRenders(lim),
	}
	var featureViews features.Views
	styleHandler := styles.NewHandler(c)
	if b.Access != nil {
		tileOpts.Views, featureViews = b.Access, b.Access
		styleHandler.WithViews(b.Access.Layers)
	}
	tileHandler := tiles.NewHandler(c, tileOpts)
	tileHandler.Register(mux)
	c.SetTileEvictor(tileHandler.Evictor())
	features.NewHandler(c, features.Options{
		Title:          cfg.Catalog.Title,
		Description:    cfg.Catalog.Description,
		DefaultLimit:   cfg.Features.DefaultLimit,
		MaxLimit:       cfg.Features.MaxLimit,
		MaxFilterBytes: cfg.Features.MaxFilterBytes,
		MaxFilterDepth: cfg.Features.MaxFilterDepth,
		Version:        version,
		ExtraPaths:     extraPaths(),
		Conformance:    tiles.ConformanceClasses(),
		GeoPackage:     gpkg.Export,
		History:        b.History,
		Views:          featureViews,
		Writes:         writeOptions(cfg, b, verifier),
		CollectionLinks: func(base string, l *layer.Layer) []httpx.Link {
			return append(tiles.CollectionLinks(base, l.ID), httpx.Link{
				Href: base + styles.Path(l.ID), Rel: "stylesheet", Type: styles.MediaType,
				Title: "MapLibre style of this collection",
			})
		},
		LandingLinks: func(base string) []httpx.Link {
			return append([]httpx.Link{
				{Href: base + "/map", Rel: "related", Type: "text/html", Title: "Map viewer / 地圖檢視器"},
				{Href: base + "/styles", Rel: "http://www.opengis.net/def/rel/ogc/1.0/styles", Type: "application/json", Title: "MapLibre styles"},
			}, tiles.LandingLinks(base)...)
		},
	}).Register(mux)
	styleHandler.Register(mux)
	viewer.NewHandler().Register(mux)
	health := &health{cache: c, syncer: b.Syncer, maxLag: cfg.Database.ReadyMaxLag}
	mux.Handle("GET /healthz", httpx.HandlerFunc(health.alive))
	mux.Handle("GET /readyz", httpx.HandlerFunc(health.ready))
	obs := newObserver(version)
	obs.collectCache(c)
	obs.collectTiles(tileHandler)
	if b.Syncer != nil {
		obs.collectSync(b.Syncer)
	}
	obs.collectStoreErrors(b.Syncer, &writeFailures)
	registerObservability(mux, obs)
	lim.OnReject = obs.rejected

	handleUnrouted(mux)
	var h http.Handler = noteRoute(mux)
	if b.Access != nil {
		h = b.Access.Middleware(h) // full reads of sensitive layers are audited at the first byte
	}
	h = auditing.Middleware(h)
	heavy := heavyClass()
	h = longTransfers(cfg.Server.TransferTimeout, heavy, log, h)
	h = lim.Middleware(heavy, h) // after authentication: limits are per principal
	h = privateAnswers(h)
	h = auth.Middleware(verifier, func(w http.ResponseWriter, r *http.Request, err error) {
		if auth.Status(err) == http.StatusUnauthorized && lim.LimitRefused(w, r) {
			return // a flood of bad credentials is limited like the anonymous
		}
		if ch := auth.Challenge(err); auth.Status(err) == http.StatusUnauthorized && ch != "" {
			w.Header().Set("WWW-Authenticate", ch)
		}
		httpx.WriteError(w, r, &httpx.Error{Status: auth.Status(err), Msg: authMessage(err), Err: err})
	})(h)
	if b.Syncer != nil {
		h = staleReads(b.Syncer.Status, h) // reads go on from the cache while the store is away
	}
	h = cors(cfg.Server.CORSOrigin, h)
	h = httpx.WithBase(cfg.Server.BaseURL, h)
	h = recoverPanics(log, h)
	h = observeRequests(log, obs, mux, h)
	return &Server{cfg: cfg, log: log, handler: h, verifier: verifier, obs: obs, health: health}, nil
}

// authMessage is what a caller is told about a refused credential.
func authMessage(err error) string {
	var ae *auth.Error
	if errors.As(err, &ae) && ae.Msg != "" {
		return ae.Msg
	}
	if errors.Is(err, auth.ErrUnavailable) {
		return "the identity provider cannot be reached to check the token; try again shortly"
	}
	return "the credentials could not be checked"
}

// Handler is the server's root handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Metrics is the server's metrics registry, for parts built outside it to
// add their own.
func (s *Server) Metrics() *metrics.Registry { return s.obs.reg }

// MetricsHandler answers server.metrics_addr, a listener for operators
// only: /metrics without credentials, and /healthz and /readyz.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.obs.reg)
	mux.Handle("GET /healthz", httpx.HandlerFunc(s.health.alive))
	mux.Handle("GET /readyz", httpx.HandlerFunc(s.health.ready))
	return recoverPanics(s.log, mux)
}

// maxHeaderBytes bounds a request's header, its query string included.
// Above the CQL2 filter limit, even with every byte percent-encoded (three
// times as long) and the other headers (a token, cookies) beside it: a
// filter too long is then read and refused by the filter's own 400, which
// says what the limit is, not by net/http's plain-text 431.
func maxHeaderBytes(maxFilterBytes int) int {
	return max(64<<10, 3*maxFilterBytes+32<<10)
}

// Serve answers on ln until ctx is cancelled, then drains in-flight
// requests for up to the configured shutdown timeout.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	f := Listen(s.cfg, ln, s.log)
	s.Start(ctx)
	f.Use(s.handler)
	return f.Run(ctx)
}

// Start does what s needs done once before it serves: fetching the
// identity providers' keys now rather than on the first token (a failure
// is retried when a token needs them).
func (s *Server) Start(ctx context.Context) {
	if len(s.cfg.Auth.OIDC) == 0 {
		return
	}
	go func() {
		if err := s.verifier.Refresh(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("auth: cannot fetch the identity providers' keys yet", "err", err)
		}
	}()
}

type health struct {
	cache  *cache.Cache
	syncer *cache.Syncer
	maxLag time.Duration
}

func (h *health) alive(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write([]byte(`{"status":"alive"}` + "\n"))
	return err
}

// ready answers 200 when the cache is loaded and, where a change log is
// followed, no further behind it than maxLag; the body says how far.
func (h *health) ready(w http.ResponseWriter, r *http.Request) error {
	if !h.cache.Loaded() {
		return &httpx.Error{Status: http.StatusServiceUnavailable, Msg: "the cache is still loading"}
	}
	body := map[string]any{"status": "ready", "time": time.Now().UTC().Format(time.RFC3339)}
	if h.syncer != nil {
		st := h.syncer.Status()
		log := map[string]any{
			"following":  st.Following,
			"lagSeconds": st.Lag.Seconds(),
		}
		// The sequence counts edits to every layer, sensitive ones too:
		// for operators only.
		if auth.PrincipalFrom(r.Context()).Has(auth.Admin) {
			log["appliedSeq"] = st.Applied
		}
		if st.Err != nil {
			log["error"] = st.Err.Error()
		}
		body["changeLog"] = log
		if !st.Following || st.Lag > h.maxLag {
			body["status"] = "behind"
			w.Header().Set("Retry-After", "1")
			return writeJSON(w, http.StatusServiceUnavailable, body)
		}
	}
	return writeJSON(w, http.StatusOK, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// extraPaths describes, for the OpenAPI document, the endpoints served
// beside OGC API Features.
func extraPaths() map[string]any {
	p := tiles.OpenAPIPaths()
	maps.Copy(p, styles.OpenAPIPaths())
	return p
}
