package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Hong Kong, in lon/lat: where the demo's features are.
const (
	hkWest, hkEast   = 113.83, 114.44
	hkSouth, hkNorth = 22.15, 22.56
)

// importEvery is how often the importer posts a small upsert.
const importEvery = 3 * time.Second

// kind is one class of request in the mix.
type kind string

const (
	kindTile   kind = "tile"
	kindItems  kind = "items"
	kindFilter kind = "items+cql2"
	kindPut    kind = "put"
	kindImport kind = "import"
)

var kinds = []kind{kindTile, kindItems, kindFilter, kindPut, kindImport}

// tally counts what one kind of request got back.
type tally struct {
	latencies []time.Duration
	status    map[int]int
	transport int
	examples  []string // the first few failures, for the report
}

// stats is the load's outcome, shared by the workers.
type stats struct {
	mu sync.Mutex
	by map[kind]*tally
}

func newStats() *stats {
	s := &stats{by: map[kind]*tally{}}
	for _, k := range kinds {
		s.by[k] = &tally{status: map[int]int{}}
	}
	return s
}

func (s *stats) record(k kind, d time.Duration, status int, err error, what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.by[k]
	if err != nil {
		t.transport++
		if len(t.examples) < 3 {
			t.examples = append(t.examples, fmt.Sprintf("%s: %v", what, err))
		}
		return
	}
	t.latencies = append(t.latencies, d)
	t.status[status]++
}

func (s *stats) failure(k kind, what string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.by[k]; len(t.examples) < 3 {
		t.examples = append(t.examples, what)
	}
}

// loader sends the mixed load; every worker stops at ctx's deadline.
type loader struct {
	base   string
	client *http.Client
	stats  *stats
	ids    []any // existing building ids the writer replaces
}

// do sends one request and records its status; the body is read whole (so
// the connection is reused) and returned.
func (l *loader) do(ctx context.Context, k kind, req *http.Request) {
	start := time.Now()
	resp, err := l.client.Do(req.WithContext(ctx))
	what := req.Method + " " + req.URL.RequestURI()
	if err != nil {
		if ctx.Err() != nil {
			return // the load's deadline, not the server
		}
		l.stats.record(k, 0, 0, err, what)
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil && ctx.Err() != nil {
		return
	}
	l.stats.record(k, time.Since(start), resp.StatusCode, err, what)
	if resp.StatusCode >= 400 {
		l.stats.failure(k, fmt.Sprintf("%s: %d %s", what, resp.StatusCode, truncate(body, 300)))
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// tileReader fetches buildings+roads tiles at z12–z16 over Hong Kong.
func (l *loader) tileReader(ctx context.Context, rng *rand.Rand) {
	for ctx.Err() == nil {
		z := 12 + rng.IntN(5)
		lon, lat := hkWest+rng.Float64()*(hkEast-hkWest), hkSouth+rng.Float64()*(hkNorth-hkSouth)
		if rng.IntN(2) == 0 { // half over Kowloon and the north shore, where the buildings are dense
			lon, lat = 114.10+rng.Float64()*0.15, 22.28+rng.Float64()*0.08
		}
		x, y := tileAt(z, lon, lat)
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/tiles/buildings,roads/%d/%d/%d.mvt", l.base, z, x, y), nil)
		l.do(ctx, kindTile, req)
	}
}

// tileAt is the XYZ tile at zoom z holding lon/lat.
func tileAt(z int, lon, lat float64) (x, y int) {
	n := math.Exp2(float64(z))
	x = int((lon + 180) / 360 * n)
	s := math.Log(math.Tan(lat*math.Pi/180) + 1/math.Cos(lat*math.Pi/180))
	y = int((1 - s/math.Pi) / 2 * n)
	return x, y
}

// itemsReader pages buildings in a small random bbox, every other request
// with a CQL2 filter.
func (l *loader) itemsReader(ctx context.Context, rng *rand.Rand) {
	for i := 0; ctx.Err() == nil; i++ {
		w := 0.005 + rng.Float64()*0.03
		lon := hkWest + rng.Float64()*(hkEast-hkWest-w)
		lat := hkSouth + rng.Float64()*(hkNorth-hkSouth-w)
		q := url.Values{
			"bbox":   {fmt.Sprintf("%.5f,%.5f,%.5f,%.5f", lon, lat, lon+w, lat+w)},
			"limit":  {"50"},
			"offset": {fmt.Sprint(rng.IntN(3) * 50)},
		}
		k := kindItems
		if i%2 == 1 {
			k = kindFilter
			q.Set("filter", fmt.Sprintf("floors > %d AND height_m < %d", rng.IntN(20), 40+rng.IntN(100)))
		}
		req, _ := http.NewRequest(http.MethodGet, l.base+"/collections/buildings/items?"+q.Encode(), nil)
		l.do(ctx, k, req)
	}
}

// writer replaces existing buildings one at a time with the admin key.
func (l *loader) writer(ctx context.Context, rng *rand.Rand) {
	for ctx.Err() == nil {
		id := l.ids[rng.IntN(len(l.ids))]
		body, _ := json.Marshal(building(id, rng))
		req, _ := http.NewRequest(http.MethodPut, l.base+"/collections/buildings/items/"+url.PathEscape(fmt.Sprint(id)), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/geo+json")
		req.Header.Set("X-API-Key", adminKey)
		l.do(ctx, kindPut, req)
		sleep(ctx, 20*time.Millisecond) // a busy editor, not a bulk load
	}
}

// importer posts a small GeoJSON upsert every importEvery: the same ids
// each time, so the layer does not grow over the run.
func (l *loader) importer(ctx context.Context, rng *rand.Rand) {
	for ctx.Err() == nil {
		fc := map[string]any{"type": "FeatureCollection"}
		var fs []any
		for i := range 25 {
			fs = append(fs, building(9_000_000+i, rng))
		}
		fc["features"] = fs
		body, _ := json.Marshal(fc)
		req, _ := http.NewRequest(http.MethodPost, l.base+"/collections/buildings/import?mode=upsert", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/geo+json")
		req.Header.Set("X-API-Key", adminKey)
		l.do(ctx, kindImport, req)
		sleep(ctx, importEvery)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// building is a small square building at a random place in Hong Kong's
// urban area, as a GeoJSON feature in CRS84.
func building(id any, rng *rand.Rand) map[string]any {
	lon := 114.10 + rng.Float64()*0.15
	lat := 22.28 + rng.Float64()*0.08
	const d = 0.0002
	return map[string]any{
		"type": "Feature",
		"id":   id,
		"geometry": map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{
			{lon, lat}, {lon + d, lat}, {lon + d, lat + d}, {lon, lat + d}, {lon, lat},
		}}},
		"properties": map[string]any{
			"name_en": fmt.Sprintf("Soak Building %v", id), "name_zh": "測試大廈",
			"floors": 1 + rng.IntN(60), "height_m": 3 + rng.Float64()*200,
			"year_built": 1950 + rng.IntN(75), "use": "residential", "district": "Yau Tsim Mong",
		},
	}
}

// buildingIDs reads the ids of some existing buildings for the writer.
func buildingIDs(ctx context.Context, base string, n int) ([]any, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/collections/buildings/items?limit=%d", base, n), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("read building ids: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("read building ids: %s: %s", resp.Status, truncate(b, 300))
	}
	var fc struct {
		Features []struct {
			ID any `json:"id"`
		} `json:"features"`
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber() // ids as written: a float64 would print 1e+06
	if err := dec.Decode(&fc); err != nil {
		return nil, fmt.Errorf("read building ids: %w", err)
	}
	var ids []any
	for _, f := range fc.Features {
		ids = append(ids, f.ID)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("read building ids: the buildings layer is empty")
	}
	return ids, nil
}
