package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// writeFigures are the departments' side: edits per second through the
// API while map viewers and analysts read, and how long a commit takes to
// show on another replica.
type writeFigures struct {
	Replicas       int
	Readers        int
	Seconds        float64
	Edits          int
	EditErrors     int
	EditLatency    []time.Duration // of each PUT, sorted
	Reads          int64
	ReadErrors     int64
	Propagation    []time.Duration // COMMIT → visible on the other replica, sorted
	PropagationMax time.Duration
}

const benchAdminKey = "bench-admin-key-0123456789"

// benchWrites runs two `csdi serve` replicas on the demo data in PostGIS,
// reads tiles and items from both, and meanwhile (1) PUTs single edits to
// the first and (2) commits edits in SQL, timing each until the second
// replica serves it.
func benchWrites(ctx context.Context, url string, r *report) error {
	bin, cleanup, err := buildCSDI(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	var reps []*benchReplica
	for range 2 {
		rep, err := startBenchReplica(ctx, bin, url)
		if err != nil {
			return err
		}
		defer rep.stop()
		reps = append(reps, rep)
	}
	ids, err := toiletIDs(ctx, url)
	if err != nil {
		return err
	}
	f := &writeFigures{Replicas: len(reps), Readers: 4}
	const window = 10 * time.Second
	ctx, cancel := context.WithTimeout(ctx, window)
	defer cancel()
	var wg sync.WaitGroup
	var reads, readErrs atomic.Int64
	for i := range f.Readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readLoad(ctx, reps[i%len(reps)].base, &reads, &readErrs)
		}()
	}
	var edits struct {
		sync.Mutex
		lat  []time.Duration
		errs int
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		lat, errs := editLoad(ctx, reps[0].base, ids)
		edits.Lock()
		edits.lat, edits.errs = lat, errs
		edits.Unlock()
	}()
	start := time.Now()
	prop, err := propagation(ctx, url, reps[1].base, ids)
	wg.Wait()
	f.Seconds = time.Since(start).Seconds()
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	f.Reads, f.ReadErrors = reads.Load(), readErrs.Load()
	f.Edits, f.EditErrors, f.EditLatency = len(edits.lat), edits.errs, edits.lat
	slices.Sort(f.EditLatency)
	slices.Sort(prop)
	f.Propagation = prop
	r.writes = f
	fmt.Fprintf(os.Stderr, "writes: %d edits (%.0f/s), propagation p50 %s p99 %s over %d samples, %d reads\n",
		f.Edits, float64(f.Edits)/f.Seconds, percentile(prop, 0.5), percentile(prop, 0.99), len(prop), f.Reads)
	return nil
}

// buildCSDI builds the csdi command into a temporary directory.
func buildCSDI(ctx context.Context) (string, func(), error) {
	dir, err := os.MkdirTemp("", "csdi-bench-bin-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "csdi")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/csdi").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("build csdi: %v\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

type benchReplica struct {
	base   string
	cmd    *exec.Cmd
	logs   bytes.Buffer
	exited chan struct{}
}

func startBenchReplica(ctx context.Context, bin, url string) (*benchReplica, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	rep := &benchReplica{base: "http://" + addr}
	rep.cmd = exec.Command(bin, "serve")
	rep.cmd.Env = append(os.Environ(), "CSDI_DATABASE_URL="+url, "CSDI_ADDR="+addr,
		"CSDI_ADMIN_KEY="+benchAdminKey, "CSDI_PRIVACY_KEY=bench-privacy-key-0123456789abcdef", "CSDI_LOG_LEVEL=warn")
	rep.cmd.Stdout, rep.cmd.Stderr = &rep.logs, &rep.logs
	if err := rep.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { _ = rep.cmd.Wait(); close(exited) }()
	rep.exited = exited
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return nil, fmt.Errorf("replica on %s exited:\n%s", addr, rep.logs.String())
		default:
		}
		if resp, err := http.Get(rep.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return rep, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	rep.stop()
	return nil, fmt.Errorf("replica on %s not ready in 3 minutes:\n%s", addr, rep.logs.String())
}

func (rep *benchReplica) stop() {
	_ = rep.cmd.Process.Signal(os.Interrupt)
	select {
	case <-rep.exited:
	case <-time.After(30 * time.Second):
		_ = rep.cmd.Process.Kill()
		<-rep.exited
	}
}

func toiletIDs(ctx context.Context, url string) ([]int64, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, "SELECT id FROM public_toilets ORDER BY id")
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(ids) < 10 {
		err = fmt.Errorf("only %d public toilets", len(ids))
	}
	return ids, err
}

// readLoad reads tiles and items from base, one request after another,
// until ctx ends: a map viewer panning and an analyst paging.
func readLoad(ctx context.Context, base string, n, errs *atomic.Int64) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
	client := &http.Client{Timeout: 10 * time.Second}
	for ctx.Err() == nil {
		var path string
		if rng.IntN(2) == 0 {
			z := 14 + rng.IntN(3)
			// Around Kowloon and Hong Kong Island.
			x0, y0 := 13385<<(z-14), 7147<<(z-14)
			path = fmt.Sprintf("/tiles/buildings,roads,public_toilets/%d/%d/%d.mvt", z, x0+rng.IntN(6<<(z-14)), y0+rng.IntN(6<<(z-14)))
		} else {
			path = fmt.Sprintf("/collections/buildings/items?limit=50&offset=%d", rng.IntN(1000))
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				errs.Add(1)
			}
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			errs.Add(1)
		}
		n.Add(1)
	}
}

// editLoad PUTs edits of the public toilets to base, one after another,
// until ctx ends, returning each PUT's latency and the failures.
func editLoad(ctx context.Context, base string, ids []int64) ([]time.Duration, int) {
	client := &http.Client{Timeout: 10 * time.Second}
	var lat []time.Duration
	errs := 0
	for i := 0; ctx.Err() == nil; i++ {
		id := ids[i%len(ids)]
		body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[114.17%04d,22.30%04d]},`+
			`"properties":{"name_en":"Edited %d","name_zh":"已修改 %d","district":"Yau Tsim Mong"}}`, i%10000, i%10000, i, i)
		req, _ := http.NewRequestWithContext(ctx, "PUT", fmt.Sprintf("%s/collections/public_toilets/items/%d", base, id), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/geo+json")
		req.Header.Set("Authorization", "Bearer "+benchAdminKey)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				errs++
			}
			continue
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 && resp.StatusCode != 204 {
			if errs == 0 {
				fmt.Fprintf(os.Stderr, "writes: PUT answered %d: %s\n", resp.StatusCode, msg)
			}
			errs++
			continue
		}
		lat = append(lat, time.Since(start))
	}
	return lat, errs
}

// propagation commits an edit in SQL every 50 ms and times, for each, how
// long until replica base serves it: the COMMIT's return to the first
// answer that shows it, polled every millisecond.
func propagation(ctx context.Context, url, base string, ids []int64) ([]time.Duration, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	client := &http.Client{Timeout: 10 * time.Second}
	var out []time.Duration
	for i := 0; ctx.Err() == nil; i++ {
		// The last id is left to this prober; the PUTs take the others.
		id := ids[len(ids)-1]
		token := fmt.Sprintf("probe-%d-%d", time.Now().UnixNano(), i)
		if _, err := conn.Exec(ctx, "UPDATE public_toilets SET name_en = $1 WHERE id = $2", token, id); err != nil {
			return out, err
		}
		committed := time.Now()
		for {
			if ctx.Err() != nil {
				return out, ctx.Err()
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/collections/public_toilets/items/%d", base, id), nil)
			resp, err := client.Do(req)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if bytes.Contains(b, []byte(token)) {
					out = append(out, time.Since(committed))
					break
				}
			}
			time.Sleep(time.Millisecond)
		}
		select {
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
	return out, nil
}

func (r *report) markdownWrites(b *strings.Builder) {
	f := r.writes
	if f == nil {
		return
	}
	b.WriteString("## Departments' writes under read load, and live sync between replicas\n\n")
	b.WriteString("Target: propagation p99 under 1 s under load. Two `csdi serve` processes (the built binary, as deployed) on the demo data in one PostgreSQL, each following the change log (LISTEN/NOTIFY wake-up, catch-up by sequence). For the whole window, ")
	fmt.Fprintf(b, "%d readers request tiles (z14–z16, three layers) and item pages from both replicas without pause; one writer PUTs single-feature edits (OGC API Features Part 4, admin key) to the first replica, one after another, each answered after its COMMIT and after the replica's own cache shows it; and a prober commits an edit in SQL (as a department's ETL would) every 50 ms and times it from the COMMIT's return until the **second** replica serves it (polled every millisecond). All share the machine's 2 cores.\n\n", f.Readers)
	b.WriteString("| figure | value |\n|---|---:|\n")
	fmt.Fprintf(b, "| window | %.1f s |\n", f.Seconds)
	fmt.Fprintf(b, "| single edits through the API (PUT) | %d (**%.0f edits/s**), %d failed |\n", f.Edits, float64(f.Edits)/f.Seconds, f.EditErrors)
	fmt.Fprintf(b, "| PUT latency p50 / p99 | %s / %s |\n", fmtDur(percentile(f.EditLatency, 0.5).Nanoseconds()), fmtDur(percentile(f.EditLatency, 0.99).Nanoseconds()))
	fmt.Fprintf(b, "| reads meanwhile | %d (%.0f/s), %d failed |\n", f.Reads, float64(f.Reads)/f.Seconds, f.ReadErrors)
	fmt.Fprintf(b, "| propagation COMMIT → visible on the other replica: samples | %d |\n", len(f.Propagation))
	fmt.Fprintf(b, "| propagation p50 / p99 / max | %s / **%s** / %s |\n\n",
		fmtDur(percentile(f.Propagation, 0.5).Nanoseconds()), fmtDur(percentile(f.Propagation, 0.99).Nanoseconds()),
		fmtDur(percentile(f.Propagation, 1).Nanoseconds()))
}
