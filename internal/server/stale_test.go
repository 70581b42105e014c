package server

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
)

func TestStaleValue(t *testing.T) {
	down := errors.New("connect: connection refused")
	cases := []struct {
		name string
		st   cache.SyncStatus
		want string
	}{
		{"up to date", cache.SyncStatus{Following: true}, ""},
		{"behind", cache.SyncStatus{Following: true, Lag: 12345 * time.Millisecond}, "lag=12.3s"},
		{"store down", cache.SyncStatus{Following: true, Lag: 2 * time.Second, Err: down}, "lag=2.0s"},
		{"failed just now", cache.SyncStatus{Following: true, Err: down}, "lag=0.0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := staleValue(tc.st); got != tc.want {
				t.Errorf("staleValue(%+v) = %q, want %q", tc.st, got, tc.want)
			}
		})
	}
}

// fakeStatus is a syncer's status a test can change, counting reads.
type fakeStatus struct {
	mu    sync.Mutex
	st    cache.SyncStatus
	reads int
}

func (f *fakeStatus) status() cache.SyncStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.st
}

func (f *fakeStatus) set(st cache.SyncStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st = st
}

func TestStaleReads(t *testing.T) {
	f := &fakeStatus{st: cache.SyncStatus{Following: true}}
	h := staleReads(f.status, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	header := func(method string) string {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, "/tiles/roads/10/856/438.mvt", nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: %d, want the read answered", method, w.Code)
		}
		return w.Header().Get(StaleHeader)
	}
	if v := header("GET"); v != "" {
		t.Errorf("up to date: %s: %q, want none", StaleHeader, v)
	}
	f.set(cache.SyncStatus{Following: true, Lag: 4 * time.Second, Err: errors.New("connection refused")})
	time.Sleep(staleCheckEvery + 10*time.Millisecond)
	for _, m := range []string{"GET", "HEAD"} {
		if v := header(m); v != "lag=4.0s" {
			t.Errorf("store down: %s %s: %q, want lag=4.0s", m, StaleHeader, v)
		}
	}
	if v := header("PUT"); v != "" {
		t.Errorf("a write got %s: %q", StaleHeader, v)
	}
	f.set(cache.SyncStatus{Following: true})
	time.Sleep(staleCheckEvery + 10*time.Millisecond)
	if v := header("GET"); v != "" {
		t.Errorf("caught up: %s: %q, want none", StaleHeader, v)
	}
}

// Under load the status is read about once per staleCheckEvery, not once
// per request.
func TestStaleReadsStatusReadRarely(t *testing.T) {
	f := &fakeStatus{st: cache.SyncStatus{Following: true}}
	h := staleReads(f.status, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	start := time.Now()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/collections", nil))
			}
		}()
	}
	wg.Wait()
	// Each goroutine may refresh once per interval.
	most := 4 * int(time.Since(start)/staleCheckEvery+1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reads > most || f.reads > 1000 {
		t.Errorf("2,000 requests read the status %d times, want at most %d", f.reads, most)
	}
}
