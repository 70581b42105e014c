package features

import (
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// FuzzParseQuery: the items query parser never panics, and whatever it
// refuses it refuses as a 4xx *httpx.Error; what it accepts is in range.
func FuzzParseQuery(f *testing.F) {
	for _, tc := range badRequests {
		_, raw, _ := strings.Cut(tc.target, "?")
		f.Add(raw)
	}
	for _, raw := range []string{
		"", "limit=5&offset=10", "bbox=179,5,-179,15", "bbox=1,2,3,4,5,6", "datetime=../..",
		"datetime=2024-01-01T00:00:00Z/2024-02-01", "name=Block&floors=2&listed=true", "f=html&lang=zh",
		url.Values{"名稱": {"旺角"}}.Encode(), "height=1e308", "limit=9999999999999999999999",
	} {
		f.Add(raw)
	}
	layers := []*layer.Layer{&buildingsLayer, &eventsLayer, &placesLayer, &plansLayer}
	f.Fuzz(func(t *testing.T, raw string) {
		check := func(err error) {
			var he *httpx.Error
			if !errors.As(err, &he) || he.Status < 400 || he.Status > 499 {
				t.Fatalf("query %q: error %v is not a 4xx *httpx.Error", raw, err)
			}
		}
		q, err := parseQuery(raw)
		if err != nil {
			check(err)
			return
		}
		for _, l := range layers {
			iq, err := parseItemsValues(q, l, 10, 100)
			if err != nil {
				check(err)
				continue
			}
			if iq.Limit < 1 || iq.Limit > 100 || iq.Offset < 0 {
				t.Fatalf("query %q: limit %d offset %d", raw, iq.Limit, iq.Offset)
			}
			if b := iq.BBox; b != nil && (b.MinLat > b.MaxLat || b.MinLat < -90 || b.MaxLat > 90) {
				t.Fatalf("query %q: bbox %+v", raw, *b)
			}
		}
		r := httptest.NewRequest("GET", "/", nil)
		if _, err := negotiate(r, q, true); err != nil {
			check(err)
		}
		if _, _, err := language(r, q); err != nil {
			check(err)
		}
	})
}
