package limits

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// stack is the limiter behind real API-key authentication, over a handler
// answering 200, with two keys: a viewer's and an admin's.
type stack struct {
	h                  http.Handler
	clk                *fakeClock
	viewerKey, editKey string
	rejected           []string
}

func newStack(t *testing.T, c Config) *stack {
	t.Helper()
	s := &stack{clk: newFakeClock()}
	var viewerHash, editHash string
	var err error
	if s.viewerKey, viewerHash, err = auth.NewAPIKey(); err != nil {
		t.Fatal(err)
	}
	if s.editKey, editHash, err = auth.NewAPIKey(); err != nil {
		t.Fatal(err)
	}
	v, err := auth.New(auth.Config{APIKeys: []auth.APIKey{
		{Name: "etl", Department: "landsd", Roles: []auth.Role{auth.Viewer}, Hash: viewerHash},
		{Name: "editor", Department: "hyd", Roles: []auth.Role{auth.Editor}, Hash: editHash},
	}}, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(c, s.clk.now)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	l.OnReject = func(class string) {
		mu.Lock()
		defer mu.Unlock()
		s.rejected = append(s.rejected, class)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	s.h = auth.Middleware(v, nil)(l.Middleware(func(*http.Request) string { return "" }, ok))
	return s
}

func (s *stack) get(remote, key string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/collections/roads/items", nil)
	r.RemoteAddr = remote
	if key != "" {
		r.Header.Set("X-API-Key", key)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, r)
	return w
}

func small() Config {
	return Config{AnonymousRPS: 1, AnonymousBurst: 2, AuthenticatedRPS: 1, AuthenticatedBurst: 3}
}

func TestTooManyRequests(t *testing.T) {
	s := newStack(t, Config{AnonymousRPS: 0.25, AnonymousBurst: 2})
	for i := range 2 {
		if w := s.get("198.51.100.1:1000", ""); w.Code != 200 {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
	}
	w := s.get("198.51.100.1:1000", "")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("third request: %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "4" {
		t.Errorf("Retry-After %q, want 4 (one token per 4 s)", got)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var p httpx.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != 429 || p.Detail == "" {
		t.Errorf("problem %+v (%v) from %s", p, err, w.Body)
	}
	s.clk.advance(1500 * time.Millisecond)
	if got := s.get("198.51.100.1:1000", "").Header().Get("Retry-After"); got != "3" {
		t.Errorf("1.5 s later: Retry-After %q, want 3 (2.5 s, rounded up)", got)
	}
	if len(s.rejected) != 2 || s.rejected[0] != ClassAnonymous {
		t.Errorf("OnReject saw %v, want two anonymous", s.rejected)
	}
	s.clk.advance(2500 * time.Millisecond)
	if w := s.get("198.51.100.1:1000", ""); w.Code != 200 {
		t.Errorf("after the refill: %d", w.Code)
	}
}

func TestPrincipalsAreSeparate(t *testing.T) {
	s := newStack(t, small())
	drain := func(remote, key string, n int) {
		t.Helper()
		for i := range n {
			if w := s.get(remote, key); w.Code != 200 {
				t.Fatalf("%s %s: request %d: %d", remote, key, i+1, w.Code)
			}
		}
		if w := s.get(remote, key); w.Code != 429 {
			t.Fatalf("%s %s: request %d: %d, want 429", remote, key, n+1, w.Code)
		}
	}
	// Two keys from one address: each has its own bucket, and neither
	// spends the address's anonymous one.
	drain("198.51.100.1:1", s.viewerKey, 3)
	drain("198.51.100.1:2", s.editKey, 3)
	drain("198.51.100.1:3", "", 2)
	// Anonymous callers at other addresses are unaffected; the same key
	// from another address is the same principal.
	drain("198.51.100.2:1", "", 2)
	if w := s.get("203.0.113.9:1", s.viewerKey); w.Code != 429 {
		t.Errorf("the viewer key from another address: %d, want 429 (one bucket per principal)", w.Code)
	}
}

func TestRoleRates(t *testing.T) {
	c := small()
	c.Roles = map[auth.Role]RoleRate{auth.Editor: {RPS: 1, Burst: 10}}
	s := newStack(t, c)
	for i := range 10 {
		if w := s.get("198.51.100.1:1", s.editKey); w.Code != 200 {
			t.Fatalf("editor request %d: %d", i+1, w.Code)
		}
	}
	if w := s.get("198.51.100.1:1", s.editKey); w.Code != 429 {
		t.Fatalf("editor request 11: %d", w.Code)
	}
	for range 4 {
		s.get("198.51.100.1:1", s.viewerKey)
	}
	if len(s.rejected) != 2 || s.rejected[0] != string(auth.Editor) || s.rejected[1] != ClassAuthenticated {
		t.Errorf("OnReject saw %v, want editor then authenticated", s.rejected)
	}
}

func TestLoopbackExemption(t *testing.T) {
	s := newStack(t, small())
	for i := range 100 {
		if w := s.get("127.0.0.1:5000", ""); w.Code != 200 {
			t.Fatalf("loopback request %d: %d", i+1, w.Code)
		}
		if w := s.get("[::1]:5000", s.viewerKey); w.Code != 200 {
			t.Fatalf("loopback keyed request %d: %d", i+1, w.Code)
		}
	}
	no := false
	c := small()
	c.ExemptLoopback = &no
	s = newStack(t, c)
	s.get("127.0.0.1:5000", "")
	s.get("127.0.0.1:5000", "")
	if w := s.get("127.0.0.1:5000", ""); w.Code != 429 {
		t.Errorf("exempt_loopback off: %d, want 429", w.Code)
	}
}

func TestBehindTrustedProxy(t *testing.T) {
	c := small()
	c.TrustedProxies = []string{"127.0.0.1"}
	s := newStack(t, c)
	via := func(client string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "127.0.0.1:443"
		r.Header.Set("X-Forwarded-For", client)
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, r)
		return w.Code
	}
	// The proxy is local, the clients behind it are not: each is limited.
	via("198.51.100.1")
	via("198.51.100.1")
	if code := via("198.51.100.1"); code != 429 {
		t.Errorf("client behind the proxy, third request: %d, want 429", code)
	}
	if code := via("198.51.100.2"); code != 200 {
		t.Errorf("another client behind the proxy: %d", code)
	}
}

func TestRateLimitOff(t *testing.T) {
	no := false
	c := small()
	c.RateLimit, c.ExemptLoopback = &no, &no
	s := newStack(t, c)
	for i := range 50 {
		if w := s.get("198.51.100.1:1", ""); w.Code != 200 {
			t.Fatalf("request %d: %d", i+1, w.Code)
		}
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	if _, err := New(Config{MaxTracked: 1}, nil); err == nil {
		t.Fatal("want an error for max_tracked 1")
	}
}

func TestConcurrentTakes(t *testing.T) {
	clk := newFakeClock()
	b := NewBuckets(1000, clk.now)
	r := Rate{PerSecond: 1, Burst: 500}
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for g := range 8 {
		wg.Go(func() {
			n := 0
			for range 200 {
				if _, ok := b.Take("shared", r); ok {
					n++
				}
				b.Take(string(rune('a'+g)), r)
			}
			mu.Lock()
			granted += n
			mu.Unlock()
		})
	}
	wg.Wait()
	if granted != 500 {
		t.Errorf("granted %d tokens from a bucket of 500 under contention", granted)
	}
}
