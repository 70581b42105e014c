package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// Front is a listener's HTTP server, which can be up before the handler
// behind it exists. csdi serve opens the operators' listener
// (server.metrics_addr) this way: while the store opens and the catalogue
// loads (minutes, for a large one) it answers /healthz as alive and /readyz
// 503, so that a liveness probe does not kill a replica for loading, and
// closes any other request's connection unanswered. The public port opens
// only once the server is in place: before that a proxy's connection is
// refused and it tries another replica, a POST included, which it would
// not resend after an answer of any kind. Use puts the handler in place.
type Front struct {
	cfg     *config.Config
	log     *slog.Logger
	ln      net.Listener
	srv     *http.Server
	handler atomic.Pointer[http.Handler]
	done    chan error
}

// Listen starts answering on ln with the http.Server settings of cfg
// (timeouts, the header limit).
func Listen(cfg *config.Config, ln net.Listener, log *slog.Logger) *Front {
	f := &Front{cfg: cfg, log: log, ln: ln, done: make(chan error, 1)}
	starting := http.Handler(startingHandler())
	f.handler.Store(&starting)
	f.srv = &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*f.handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		MaxHeaderBytes:    maxHeaderBytes(cfg.Features.MaxFilterBytes),
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { f.done <- f.srv.Serve(ln) }()
	return f
}

// startingHandler answers while the server is not in place yet.
func startingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			panic(http.ErrAbortHandler)
		}
		switch r.URL.Path {
		case "/healthz":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(`{"status":"alive","starting":true}` + "\n"))
		case "/readyz":
			w.Header().Set("Retry-After", "5")
			httpx.WriteProblem(w, r, http.StatusServiceUnavailable, "the server is starting: its layers are still loading")
		default:
			// Closes the connection with no response, as if refused.
			panic(http.ErrAbortHandler)
		}
	})
}

// Use puts h behind the listener: from now on every request is its.
func (f *Front) Use(h http.Handler) {
	f.handler.Store(&h)
	f.log.Info("serving", "addr", f.ln.Addr().String())
}

// Run serves until ctx is cancelled, then drains in-flight requests for up
// to the configured shutdown timeout.
func (f *Front) Run(ctx context.Context) error {
	select {
	case err := <-f.done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return f.Close()
}

// Close drains in-flight requests for up to the shutdown timeout and
// stops listening.
func (f *Front) Close() error {
	f.log.Info("shutting down", "drain", f.cfg.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), f.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := f.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-f.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
