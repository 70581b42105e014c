package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"time"
)

// The mix: workers per class of request, all at once on loopback.
const (
	tileWorkers  = 4
	itemsWorkers = 2
	putWorkers   = 1
	importers    = 1
)

// goroutineMargin is how many more goroutines than at the idle baseline
// the server may keep once the load has stopped (a timer, a pool
// connection being recycled) without that counting as a leak.
const goroutineMargin = 10

// settleTimeout bounds the wait for goroutines to come back down.
const settleTimeout = 30 * time.Second

// sample is one reading of the server during the load.
type sample struct {
	at         time.Duration // since the load started
	goroutines int
	rss        int64
}

// result is everything the report and the checks need.
type result struct {
	duration      time.Duration // the load's actual length
	baseline      int           // idle goroutines before the load
	after         int           // goroutines once the load stopped and settled
	settled       time.Duration // how long they took to settle
	idleRSS       int64
	samples       []sample
	sampleErrs    []string
	stats         *stats
	shutdownErr   error
	buildings     int
	tileCacheSize int64
}

// soak measures the idle server, runs the load with a sampler beside it,
// then waits for the server's goroutines to settle.
func soak(ctx context.Context, srv *server, o options) (*result, error) {
	res := &result{stats: newStats(), buildings: o.buildings, tileCacheSize: o.tileCache}
	ids, err := buildingIDs(ctx, srv.base, 200)
	if err != nil {
		return nil, err
	}
	if res.baseline, err = idleGoroutines(srv); err != nil {
		return nil, err
	}
	if res.idleRSS, err = srv.rss(); err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "soak: idle: %d goroutines, RSS %.1f MiB; load for %s\n", res.baseline, mib(res.idleRSS), o.duration)

	transport := &http.Transport{MaxIdleConnsPerHost: 16, MaxConnsPerHost: 16}
	l := &loader{base: srv.base, client: &http.Client{Transport: transport, Timeout: 30 * time.Second}, stats: res.stats, ids: ids}
	loadCtx, cancel := context.WithTimeout(ctx, o.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	worker := func(n int, fn func(context.Context, *rand.Rand)) {
		for range n {
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(n)))
			wg.Go(func() { fn(loadCtx, rng) })
		}
	}
	worker(tileWorkers, l.tileReader)
	worker(itemsWorkers, l.itemsReader)
	worker(putWorkers, l.writer)
	worker(importers, l.importer)
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(o.sample)
		defer tick.Stop()
		for {
			select {
			case <-loadCtx.Done():
				return
			case <-tick.C:
			}
			g, gErr := srv.goroutines()
			r, rErr := srv.rss()
			if gErr != nil || rErr != nil {
				res.sampleErrs = append(res.sampleErrs, fmt.Sprint(gErr, rErr))
				continue
			}
			res.samples = append(res.samples, sample{at: time.Since(start), goroutines: g, rss: r})
		}
	}()
	wg.Wait()
	<-sampled
	res.duration = time.Since(start)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	// Keep-alive connections each hold a server goroutine: close ours so
	// what remains is the server's own.
	transport.CloseIdleConnections()
	settleStart := time.Now()
	for {
		g, err := srv.goroutines()
		if err != nil {
			return nil, err
		}
		res.after, res.settled = g, time.Since(settleStart)
		if g <= res.baseline+goroutineMargin || res.settled > settleTimeout {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	return res, nil
}

// idleGoroutines is the lowest go_goroutines of a few readings a moment
// apart: the idle server's baseline.
func idleGoroutines(srv *server) (int, error) {
	low := -1
	for range 5 {
		g, err := srv.goroutines()
		if err != nil {
			return 0, err
		}
		if low < 0 || g < low {
			low = g
		}
		time.Sleep(200 * time.Millisecond)
	}
	return low, nil
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }
