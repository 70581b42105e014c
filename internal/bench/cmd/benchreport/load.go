package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/postgis"
)

// loadFigures is what the child process measures.
type loadFigures struct {
	Features        int     `json:"features"`
	Seconds         float64 `json:"seconds"`
	PeakRSSBytes    int64   `json:"peakRSSBytes"`
	RSSBytes        int64   `json:"rssBytes"`
	HeapBytes       uint64  `json:"heapBytes"`
	EstimatedBytes  int     `json:"estimatedBytes"`
	BytesPerFeature float64 `json:"bytesPerFeature"`
}

func bigLayer() layer.Layer {
	for _, l := range demo.Layers() {
		if l.ID == "buildings" {
			l.ID = "buildings_load"
			l.Source.Schema = "bench"
			l.Source.Table = "buildings_load"
			return l
		}
	}
	panic("demo has no buildings layer")
}

// benchLoad writes n polygons to PostGIS, then loads them into the cache in
// a fresh child process, so its peak memory is the load's alone.
func benchLoad(ctx context.Context, url string, n int, r *report, log *slog.Logger) error {
	st, err := postgis.Open(ctx, url, postgis.Options{Logger: log})
	if err != nil {
		return err
	}
	l := bigLayer()
	start := time.Now()
	err = st.WriteLayer(ctx, &l, demo.Records("buildings", demo.Options{Buildings: n, Seed: 7}))
	st.Close()
	if err != nil {
		return fmt.Errorf("write %d polygons: %w", n, err)
	}
	fmt.Fprintf(os.Stderr, "%d polygons written to PostGIS (%s)\n", n, time.Since(start).Round(time.Millisecond))

	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, "-measure-load", l.ID)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("load child: %w", err)
	}
	var f loadFigures
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("load child said %q: %w", raw, err)
	}
	var pgSeconds float64
	{
		// PostGIS reading the same rows as WKB, for scale: the floor any
		// loader through the network protocol sits on.
		pool, err := postgis.Open(ctx, url, postgis.Options{Logger: log})
		if err != nil {
			return err
		}
		t0 := time.Now()
		err = pool.Load(ctx, &l, func(store.Record) error { return nil })
		pgSeconds = time.Since(t0).Seconds()
		pool.Close()
		if err != nil {
			return err
		}
	}
	r.load = &f
	r.loadStreamSeconds = pgSeconds
	return nil
}

// measureLoadChild loads one layer and prints its figures as JSON.
func measureLoadChild(ctx context.Context, url, id string, log *slog.Logger) error {
	st, err := postgis.Open(ctx, url, postgis.Options{Logger: log})
	if err != nil {
		return err
	}
	defer st.Close()
	l := bigLayer()
	c := cache.New(st, []layer.Layer{l}, log)
	start := time.Now()
	if err := c.Load(ctx); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	snap, _ := c.Snapshot(id)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	f := loadFigures{
		Features: snap.Len(), Seconds: secs,
		PeakRSSBytes: procStatus("VmHWM"), RSSBytes: procStatus("VmRSS"),
		HeapBytes: ms.HeapInuse, EstimatedBytes: snap.Bytes(),
		BytesPerFeature: float64(ms.HeapInuse) / float64(max(1, snap.Len())),
	}
	runtime.KeepAlive(snap)
	return json.NewEncoder(os.Stdout).Encode(f)
}

// procStatus reads a kB figure from /proc/self/status, in bytes.
func procStatus(key string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == key {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n * 1024
		}
	}
	return -1
}

// tileBound is tile z/x/y in world coordinates.
func tileBound(z, x, y int) orb.Bound {
	n := float64(int(1) << z)
	return orb.Bound{Min: orb.Point{float64(x) / n, float64(y) / n}, Max: orb.Point{float64(x+1) / n, float64(y+1) / n}}
}
