package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// loadedDemo is a cache of the small demo, loaded.
func loadedDemo(t *testing.T, log *slog.Logger) *cache.Cache {
	t.Helper()
	c := cache.New(demoStore{}, demo.Layers(), log)
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return c
}

// defaultConfig is the configuration with nothing set.
func defaultConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// serveDemo runs the demo on a real listener through Serve, with its
// http.Server settings (header limit, timeouts), until the test ends.
func serveDemo(t *testing.T, adjust func(*config.Config)) string {
	t.Helper()
	lg := slog.New(slog.DiscardHandler)
	c := loadedDemo(t, lg)
	cfg := defaultConfig(t)
	if adjust != nil {
		adjust(cfg)
	}
	srv, err := NewWith(cfg, c, lg, "v-test", Backends{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// A filter over the configured length, even percent-encoded whole, reaches
// the filter's own check: a 400 problem naming the limit, not net/http's
// plain-text 431 for a header too large.
func TestFilterOverItsLimitIsAProblem(t *testing.T) {
	for _, limit := range []int{0, 4 << 10} { // the default 64 KiB, and a configured one
		base := serveDemo(t, func(c *config.Config) {
			if limit > 0 {
				c.Features.MaxFilterBytes = limit
			}
		})
		max := limit
		if max == 0 {
			max = 64 << 10
		}
		// Every byte of "'é'" is escaped: the worst case of encoding.
		filter := "name IN (" + strings.Repeat("'éé',", max/7+10) + "'é')" // just over the limit
		target := base + "/collections/" + demo.BuildingsID + "/items?filter=" + url.QueryEscape(filter)
		res, err := http.Get(target)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var p httpx.Problem
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(body, &p) != nil || !strings.Contains(p.Detail, "more than the limit") {
			t.Errorf("limit %d, a %d-byte filter (%d in the URL): %d %s %.200s", max, len(filter), len(target), res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
}

// The server's slow-client bound: a request whose header does not arrive
// within read_header_timeout is cut off, freeing its connection.
func TestSlowHeadersAreCutOff(t *testing.T) {
	base := serveDemo(t, func(c *config.Config) { c.Server.ReadHeaderTimeout = 100 * time.Millisecond })
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n"); err != nil { // never finished
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the server kept a half-sent request open for %v: %v", time.Since(start), err)
	}
	if strings.Contains(string(b), "200 OK") {
		t.Errorf("an unfinished request was answered: %q", b)
	}
}

// Until the server is in place the front answers /healthz as alive and
// /readyz 503 with Retry-After, and closes any other request's connection
// unanswered; then it hands every
// request to the server, and drains on cancel.
func TestFrontAnswersWhileStarting(t *testing.T) {
	lg := slog.New(slog.DiscardHandler)
	cfg := defaultConfig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	front := Listen(cfg, ln, lg)
	base := "http://" + ln.Addr().String()
	get := func(path string) (*http.Response, error) {
		t.Helper()
		res, err := http.Get(base + path)
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res, nil
	}
	if res, err := get("/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("/healthz while starting: %v %v, want 200 (alive)", res, err)
	}
	if res, err := get("/readyz"); err != nil || res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
		res.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("/readyz while starting: %v %v, want a 503 problem with Retry-After", res, err)
	}
	for _, p := range []string{"/collections", "/tiles/roads/0/0/0"} {
		if res, err := get(p); err == nil {
			t.Errorf("%s while starting: %d, want the connection closed unanswered", p, res.StatusCode)
		}
	}

	c := loadedDemo(t, lg)
	srv, err := NewWith(cfg, c, lg, "v-test", Backends{})
	if err != nil {
		t.Fatal(err)
	}
	front.Use(srv.Handler())
	for _, p := range []string{"/readyz", "/collections"} {
		if res, err := get(p); err != nil || res.StatusCode != 200 {
			t.Errorf("%s once in place: %v %v", p, res, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- front.Run(ctx) }()
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}

// The admin key works the same given as its hash (the only form a config
// file may hold) or as the key itself (CSDI_ADMIN_KEY): /metrics, for
// admins only on the public listener, opens to it either way.
func TestAdminKeyAsHashOrKey(t *testing.T) {
	const key = "csdi_admin-test-key-0123456789"
	for _, configured := range []string{auth.HashAPIKey(key), key} {
		base := serveDemo(t, func(c *config.Config) { c.Writes.AdminKey = configured })
		for _, tc := range []struct {
			key  string
			want int
		}{{key, 200}, {"", 404}, {"csdi_other", 401}} {
			req, _ := http.NewRequest("GET", base+"/metrics", nil)
			if tc.key != "" {
				req.Header.Set("X-API-Key", tc.key)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Errorf("admin key configured as %.10s…, /metrics with %q: %d, want %d", configured, tc.key, res.StatusCode, tc.want)
			}
		}
	}
}
