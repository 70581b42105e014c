package metrics

import (
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleRegistry has one of each kind, with awkward label values.
func sampleRegistry() *Registry {
	r := New()
	r.Counter("app_started_total", "Starts.").Add(2)
	req := r.CounterVec("app_requests_total", "Requests by route and status.", "route", "status")
	req.With("/collections/{collectionId}", "200").Add(3)
	req.With("/", "404").Inc()
	req.With(`quote " back \ new`+"\nline", "500").Inc()
	g := r.GaugeVec("app_temperature", "A gauge\nwith a two-line \\ help.", "room")
	g.With("b").Set(-1.5)
	g.With("a").Set(1e21)
	h := r.HistogramVec("app_duration_seconds", "Durations.", []float64{0.1, 1, 10}, "route")
	for _, v := range []float64{0.05, 0.1, 0.5, 20} {
		h.With("/tiles").Observe(v)
	}
	r.Histogram("app_empty_seconds", "No observations.", []float64{1})
	r.GaugeFunc("app_cache_features", "Collected at scrape.", []string{"layer", "view"}, func(emit Emit) {
		emit(10, "roads", "full")
		emit(4, "clinics", "masked")
		emit(math.Inf(1), "clinics", "full")
	})
	r.CounterFunc("app_tile_hits_total", "Collected counter.", nil, func(emit Emit) { emit(42) })
	return r
}

func TestExpositionGolden(t *testing.T) {
	var buf bytes.Buffer
	n, err := sampleRegistry().WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo: %d, %v (wrote %d)", n, err, buf.Len())
	}
	golden := "testdata/exposition.txt"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("exposition differs from %s (run with -update after checking):\n%s", golden, buf.String())
	}
}

func TestConcurrentUpdates(t *testing.T) {
	r := New()
	c := r.CounterVec("c_total", "c", "k")
	g := r.Gauge("g", "g")
	h := r.Histogram("h_seconds", "h", []float64{1, 2})
	const workers, each = 8, 1000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				c.With([]string{"a", "b"}[(w+i)%2]).Inc()
				g.Add(1)
				h.Observe(float64(i % 3))
				if i%100 == 0 {
					r.WriteTo(io.Discard) // scrapes race the updates
				}
			}
		}()
	}
	wg.Wait()
	if got := c.With("a").Value() + c.With("b").Value(); got != workers*each {
		t.Errorf("counter: %d, want %d", got, workers*each)
	}
	if g.Value() != workers*each {
		t.Errorf("gauge: %v", g.Value())
	}
	if h.Count() != workers*each {
		t.Errorf("histogram count: %d", h.Count())
	}
	var buf bytes.Buffer
	r.WriteTo(&buf)
	if !strings.Contains(buf.String(), `h_seconds_bucket{le="+Inf"} 8000`) {
		t.Errorf("histogram total missing:\n%s", buf.String())
	}
}

func TestHistogramBucketsAreInclusive(t *testing.T) {
	r := New()
	h := r.Histogram("h", "h", []float64{1, 2, math.Inf(1)})
	h.Observe(1)
	h.Observe(2.0000001)
	var buf bytes.Buffer
	r.WriteTo(&buf)
	for _, line := range []string{`h_bucket{le="1"} 1`, `h_bucket{le="2"} 1`, `h_bucket{le="+Inf"} 2`, `h_count 2`} {
		if !strings.Contains(buf.String(), line+"\n") {
			t.Errorf("missing %q in\n%s", line, buf.String())
		}
	}
	if strings.Count(buf.String(), `le="+Inf"`) != 1 {
		t.Error("an explicit +Inf bucket must not be doubled")
	}
}

func TestProgrammingErrorsPanic(t *testing.T) {
	cases := map[string]func(r *Registry){
		"bad name":        func(r *Registry) { r.Counter("1bad", "x") },
		"no help":         func(r *Registry) { r.Counter("ok", "") },
		"bad label":       func(r *Registry) { r.CounterVec("ok", "x", "a-b") },
		"reserved label":  func(r *Registry) { r.CounterVec("ok", "x", "__x") },
		"repeated label":  func(r *Registry) { r.CounterVec("ok", "x", "a", "a") },
		"twice":           func(r *Registry) { r.Counter("ok", "x"); r.Gauge("ok", "x") },
		"label count":     func(r *Registry) { r.CounterVec("ok", "x", "a").With("1", "2") },
		"le label":        func(r *Registry) { r.HistogramVec("ok", "x", []float64{1}, "le") },
		"buckets descend": func(r *Registry) { r.Histogram("ok", "x", []float64{2, 1}) },
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			fn(New())
		})
	}
}

func TestServeHTTP(t *testing.T) {
	r := sampleRegistry()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Header().Get("Content-Type") != ContentType || !strings.Contains(w.Body.String(), "# TYPE app_duration_seconds histogram\n") {
		t.Fatalf("plain scrape: %v\n%s", w.Header(), w.Body.String())
	}
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	w = httptest.NewRecorder()
	r.ServeHTTP(w, req)
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip not used: %v", w.Header())
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if !strings.Contains(string(body), "app_tile_hits_total 42\n") {
		t.Errorf("gzipped body:\n%s", body)
	}
}

func BenchmarkCounterWith(b *testing.B) {
	c := New().CounterVec("c_total", "c", "route", "method", "status")
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c.With("/collections/{collectionId}/items", "GET", "200").Inc()
		}
	})
}

func BenchmarkHistogramObserve(b *testing.B) {
	h := New().Histogram("h", "h", DurationBuckets)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.Observe(0.003)
		}
	})
}
