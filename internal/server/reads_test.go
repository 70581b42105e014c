package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/privacy"
)

// readLog stands in for the audit trail: it records each full read it is
// told of, or refuses them all.
type readLog struct {
	mu     sync.Mutex
	reads  []fullRead
	refuse bool
}

type fullRead struct {
	layer, path string
	features    int64
}

func (l *readLog) record(r *http.Request, ly *layer.Layer, n int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refuse {
		return errors.New("the audit store is down")
	}
	l.reads = append(l.reads, fullRead{layer: ly.ID, path: r.URL.Path, features: n})
	return nil
}

func (l *readLog) take() []fullRead {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reads
	l.reads = nil
	return out
}

// newMaskedServer serves the demo with its sensitive layer masked, the
// full reads going to the returned log; key is an API key of the owning
// department's analyst, who reads that layer in full.
func newMaskedServer(t *testing.T) (ts *httptest.Server, log *readLog, key string) {
	t.Helper()
	lg := slog.New(slog.DiscardHandler)
	layers := demo.Layers()
	c := cache.New(demoStore{}, layers, lg)
	var cases *layer.Layer
	for i := range layers {
		if layers[i].ID == demo.ElderlyHomeCareID {
			cases = &layers[i]
		}
	}
	policy, err := privacy.Compile(cases, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetMasking(cases.ID, cache.Masking{Layer: policy.Layer(), NewView: func() cache.MaskView { return policy.NewView() }}); err != nil {
		t.Fatal(err)
	}
	if err := c.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	views := access.New(c, nil)
	log = &readLog{}
	views.OnUnmasked(log.record, lg)
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	key, hash, err := auth.NewAPIKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth.APIKeys = []auth.APIKey{{Name: "case-officer", Department: cases.Department, Roles: []auth.Role{auth.Analyst}, Hash: hash}}
	srv, err := NewWith(cfg, c, lg, "v-test", Backends{Access: views})
	if err != nil {
		t.Fatal(err)
	}
	ts = httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, log, key
}

func getWith(t *testing.T, ts *httptest.Server, path, key string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

var fullHKID = regexp.MustCompile(`[A-Z]{1,2}[0-9]{6}\([0-9A]\)`)

// Every full read of the sensitive layer is recorded once, before it is
// sent, with the number of features it sends; the masked reads, the
// refused requests and the other layers are not.
func TestFullReadsAreAuditedWithTheirFeatureCount(t *testing.T) {
	ts, log, key := newMaskedServer(t)
	items := "/collections/" + demo.ElderlyHomeCareID + "/items"

	res, body := getWith(t, ts, items+"?limit=7", key)
	if res.StatusCode != 200 || !fullHKID.MatchString(body) {
		t.Fatalf("the owning department's analyst: %d, full HKIDs %v", res.StatusCode, fullHKID.MatchString(body))
	}
	var fc struct {
		NumberReturned int `json:"numberReturned"`
	}
	if err := json.Unmarshal([]byte(body), &fc); err != nil {
		t.Fatal(err)
	}
	if got := log.take(); len(got) != 1 || got[0].layer != demo.ElderlyHomeCareID || got[0].features != int64(fc.NumberReturned) || fc.NumberReturned != 7 {
		t.Errorf("items: recorded %+v, want one read of %d features", got, fc.NumberReturned)
	}

	// A single feature, HTML, a CSV download: each counted as sent.
	var firstID string
	if m := regexp.MustCompile(`"id":("?[^,"]+"?)`).FindStringSubmatch(body); m != nil {
		firstID = strings.Trim(m[1], `"`)
	}
	if res, _ := getWith(t, ts, items+"/"+firstID, key); res.StatusCode != 200 {
		t.Fatalf("item %s: %d", firstID, res.StatusCode)
	}
	if got := log.take(); len(got) != 1 || got[0].features != 1 {
		t.Errorf("item: recorded %+v, want one read of 1 feature", got)
	}
	res, body = getWith(t, ts, items+"?f=csv&filter=care_level=3", key)
	if res.StatusCode != 200 {
		t.Fatalf("csv: %d %s", res.StatusCode, body)
	}
	rows := strings.Count(body, "\n") - 1 // less the header
	if got := log.take(); len(got) != 1 || got[0].features != int64(rows) || rows == 0 {
		t.Errorf("csv of %d rows: recorded %+v", rows, got)
	}

	// A tile: counted from its bytes.
	tile := "/collections/" + demo.ElderlyHomeCareID + "/tiles/WebMercatorQuad/10/446/836"
	res, body = getWith(t, ts, tile, key)
	if res.StatusCode != 200 {
		t.Fatalf("tile: %d %s", res.StatusCode, body)
	}
	if got := log.take(); len(got) != 1 || got[0].features == 0 {
		t.Errorf("tile (status %d): recorded %+v", res.StatusCode, got)
	}

	// Nothing for the masked view, a refused request or another layer.
	for _, tc := range []struct{ path, key string }{
		{items + "?limit=7", ""},
		{items + "?filter=nonsense%20%3D", key},
		{items + "/no-such-feature", key},
		{"/collections/roads/items?limit=3", key},
	} {
		getWith(t, ts, tc.path, tc.key)
		if got := log.take(); len(got) != 0 {
			t.Errorf("GET %s: recorded %+v, want nothing", tc.path, got)
		}
	}
}

// A full read the audit trail cannot record is not served: 503, and not a
// byte of the layer, in every format.
func TestUnauditedFullReadsAreRefused(t *testing.T) {
	ts, log, key := newMaskedServer(t)
	log.refuse = true
	items := "/collections/" + demo.ElderlyHomeCareID + "/items"
	for _, p := range []string{items + "?limit=7", items + "?f=csv", items + "?f=html", "/collections/" + demo.ElderlyHomeCareID + "/tiles/WebMercatorQuad/10/446/836"} {
		res, body := getWith(t, ts, p, key)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s: %d %s, want a 503 problem with Retry-After", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if fullHKID.MatchString(body) || strings.Contains(body, "hkid") {
			t.Errorf("GET %s: the refused answer holds the layer's data: %.200s", p, body)
		}
	}
	// The public's masked view does not need the audit trail.
	if res, _ := getWith(t, ts, items+"?limit=7", ""); res.StatusCode != 200 {
		t.Errorf("anonymous masked read while the audit trail is down: %d", res.StatusCode)
	}
}

// What an authenticated caller reads is for that caller's cache only:
// every answer carrying the full view says private, whatever the handler's
// own freshness (the immutable versions, the public tiles' max-age); the
// public's answers keep theirs.
func TestFullViewAnswersArePrivate(t *testing.T) {
	ts, _, key := newMaskedServer(t)
	items := "/collections/" + demo.ElderlyHomeCareID + "/items"
	_, body := getWith(t, ts, items+"?limit=1", key)
	m := regexp.MustCompile(`"id":("?[^,"]+"?)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no feature id in %s", body)
	}
	id := strings.Trim(m[1], `"`)
	for _, p := range []string{
		items + "?limit=3", items + "/" + id, items + "?f=csv", items + "?f=html",
		"/collections/" + demo.ElderlyHomeCareID + "/queryables",
		"/collections/" + demo.ElderlyHomeCareID + "/tiles/WebMercatorQuad/10/446/836",
		"/collections/roads/tiles/WebMercatorQuad/10/446/836",
		"/collections", "/api",
	} {
		res, _ := getWith(t, ts, p, key)
		cc := res.Header.Get("Cache-Control")
		if !strings.HasPrefix(cc, "private") && !strings.Contains(cc, "no-store") {
			t.Errorf("GET %s with a key: %d, Cache-Control %q, want private", p, res.StatusCode, cc)
		}
		if strings.Contains(cc, "public") || strings.Contains(cc, "s-maxage") {
			t.Errorf("GET %s with a key: Cache-Control %q still speaks to shared caches", p, cc)
		}
	}
	res, _ := getWith(t, ts, "/collections/roads/tiles/WebMercatorQuad/10/446/836", "")
	if cc := res.Header.Get("Cache-Control"); strings.Contains(cc, "private") || cc == "" {
		t.Errorf("a public tile to the public: Cache-Control %q, want its shared freshness", cc)
	}
}

func TestPrivateCacheControl(t *testing.T) {
	for in, want := range map[string]string{
		"":                                    "private",
		"public, max-age=86400, immutable":    "private, max-age=86400, immutable",
		"max-age=60, s-maxage=600":            "private, max-age=60",
		"no-store":                            "no-store",
		"private, max-age=60":                 "private, max-age=60",
		"Public, Max-Age=5, proxy-revalidate": "private, Max-Age=5",
		"no-cache":                            "private, no-cache",
	} {
		if got := privateCacheControl(in); got != want {
			t.Errorf("privateCacheControl(%q) = %q, want %q", in, got, want)
		}
	}
}
