package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/server"
	"github.com/csdi-hk/csdi/internal/testenv"
)

const faultAdminKey = "s3cret-admin-key"

// faultRead is one read of the load: when it started, what it got.
type faultRead struct {
	start  time.Time
	path   string
	status int
	stale  string
	err    error
}

// faultWrite is one PUT of the writer.
type faultWrite struct {
	start      time.Time
	took       time.Duration
	id         int64
	name       string
	status     int
	retryAfter string
	mediaType  string
	err        error
}

// faultLoad is a bounded read load (tiles and items, a few goroutines)
// and a writer putting a new name on another public toilet every 50 ms.
type faultLoad struct {
	base   string
	client *http.Client
	stop   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	reads  []faultRead
	writes []faultWrite
}

func startFaultLoad(base string, writeIDs []int64) *faultLoad {
	l := &faultLoad{base: base, stop: make(chan struct{}),
		client: &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}}
	var paths []string
	for dx := range 4 {
		for dy := range 4 {
			paths = append(paths, fmt.Sprintf("/tiles/buildings,roads,public_toilets/14/%d/%d.mvt", 13386+dx, 7148+dy))
		}
	}
	paths = append(paths,
		"/collections/buildings/items?bbox=114.16,22.29,114.18,22.31&limit=50",
		"/collections/public_toilets/items?limit=20",
		"/collections/public_toilets/items/1",
		"/collections/roads/items?limit=5&f=json",
		"/collections",
	)
	for g := range 3 {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := g; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				l.read(paths[i%len(paths)])
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for n, id := range writeIDs {
			select {
			case <-l.stop:
				return
			case <-tick.C:
			}
			l.write(id, fmt.Sprintf("fault write %d", n))
		}
	}()
	return l
}

func (l *faultLoad) read(path string) {
	r := faultRead{start: time.Now(), path: path}
	resp, err := l.client.Get(l.base + path)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		r.status, r.stale = resp.StatusCode, resp.Header.Get(server.StaleHeader)
	}
	r.err = err
	l.mu.Lock()
	l.reads = append(l.reads, r)
	l.mu.Unlock()
}

func (l *faultLoad) write(id int64, name string) {
	w := faultWrite{start: time.Now(), id: id, name: name}
	body := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[114.17%02d,22.31%02d]},`+
		`"properties":{"name_en":%q,"name_zh":"故障測試","district":"Yau Tsim Mong"}}`, id%100, id%97, name)
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/collections/public_toilets/items/%d", l.base, id), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+faultAdminKey)
	resp, err := l.client.Do(req)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		w.status, w.retryAfter, w.mediaType = resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type")
	}
	w.took, w.err = time.Since(w.start), err
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()
}

// end stops the load and waits for its requests to finish.
func (l *faultLoad) end() {
	close(l.stop)
	l.wg.Wait()
}

// waitFor polls cond until it holds, failing the test past limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() (bool, string)) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		ok, got := cond()
		if ok {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last: %s", what, limit, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// getStatus is a GET's status, Stale header and body.
func getStatus(client *http.Client, url string, hdr ...string) (int, string, string) {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get(server.StaleHeader), string(body)
}

// PostgreSQL stopped and started again under load: reads go on from the
// cache, marked stale once the syncer has noticed; writes are refused with
// 503 and Retry-After, quickly; the syncer reconnects and catches up with
// what was written meanwhile; every write that was answered with success
// is in the table and the cache. Then SIGTERM: a slow download in flight
// completes while new connections are refused.
func TestFaultDatabaseRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a PostgreSQL of its own")
	}
	pg := testenv.StartPostgres(t)
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "-database", pg.URL, "-buildings", "20000"}, io.Discard, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	s := startServeProcess(t, map[string]string{
		"CSDI_DATABASE_URL": pg.URL, "CSDI_ADMIN_KEY": faultAdminKey, "CSDI_PRIVACY_KEY": testPrivacyKey,
	})
	conn, err := pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	rows, err := conn.Query(ctx, `SELECT id FROM public_toilets ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil || len(ids) < 300 {
		t.Fatalf("%d public toilets (%v), want 300 or more", len(ids), err)
	}
	conn.Close(ctx)
	sqlID := ids[0] // changed by SQL right after the restart; the writer takes the others
	client := &http.Client{Timeout: 20 * time.Second}
	admin := []string{"Authorization", "Bearer " + faultAdminKey}

	load := startFaultLoad(s.base, ids[1:])
	time.Sleep(time.Second)
	if st, stale, body := getStatus(client, s.base+"/collections"); st != 200 || stale != "" {
		t.Fatalf("before the stop: %d %s=%q %s", st, server.StaleHeader, stale, body)
	}

	stopped := time.Now()
	pg.Stop(t)
	t.Logf("PostgreSQL stopped in %s", time.Since(stopped).Round(time.Millisecond))
	// The syncer notices: /readyz says why (it turns 503 only once the lag
	// passes database.ready_max_lag), and reads are marked stale.
	noticed := waitFor(t, "/readyz reports the lost store", 10*time.Second, func() (bool, string) {
		_, _, body := getStatus(client, s.base+"/readyz")
		return strings.Contains(body, `"error"`), body
	})
	t.Logf("the syncer noticed after %s", noticed.Sub(stopped).Round(time.Millisecond))
	time.Sleep(3 * time.Second) // under load, with the store away
	if st, _, body := getStatus(client, s.base+"/metrics", admin...); st != 200 ||
		!regexp.MustCompile(`(?m)^csdi_sync_failing 1$`).MatchString(body) ||
		!regexp.MustCompile(`(?m)^csdi_sync_lag_seconds [1-9]`).MatchString(body) ||
		!regexp.MustCompile(`(?m)^csdi_store_errors_total\{op="change_log"\} [1-9]`).MatchString(body) ||
		!regexp.MustCompile(`(?m)^csdi_store_errors_total\{op="write"\} [1-9]`).MatchString(body) {
		t.Errorf("/metrics while the store is down: %d, want csdi_sync_failing 1, a lag of seconds and store errors of the syncer and the writes:\n%s", st, grepLines(body, "csdi_s"))
	}
	if st, stale, _ := getStatus(client, s.base+"/collections/public_toilets/items?limit=1"); st != 200 || !strings.HasPrefix(stale, "lag=") {
		t.Errorf("a read while the store is down: %d %s=%q, want 200 marked stale", st, server.StaleHeader, stale)
	}
	// An import is refused as a single write is.
	req, _ := http.NewRequest("POST", s.base+"/collections/public_toilets/import?mode=append", strings.NewReader(
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[114.17,22.31]},`+
			`"properties":{"name_en":"imported while down","name_zh":"故障測試","district":"Yau Tsim Mong"}}]}`))
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+faultAdminKey)
	if resp, err := client.Do(req); err != nil {
		t.Errorf("import while the store is down: %v", err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("import while the store is down: %d Retry-After %q %s %s, want a 503 problem with Retry-After",
				resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"), body)
		}
	}

	restarted := time.Now()
	pg.Start(t)
	t.Logf("PostgreSQL started again in %s", time.Since(restarted).Round(time.Millisecond))
	// A department's ETL writes straight into the table at once.
	conn, err = pgx.Connect(ctx, pg.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `UPDATE public_toilets SET name_en = 'written by SQL after the restart' WHERE id = $1`, sqlID); err != nil {
		t.Fatal(err)
	}
	caughtUp := waitFor(t, "the SQL write reaches the cache", 40*time.Second, func() (bool, string) {
		st, _, body := getStatus(client, fmt.Sprintf("%s/collections/public_toilets/items/%d", s.base, sqlID))
		return st == 200 && strings.Contains(body, "written by SQL after the restart"), fmt.Sprintf("%d %s", st, lastBytes(body, 300))
	})
	t.Logf("caught up %s after the restart", caughtUp.Sub(restarted).Round(time.Millisecond))
	fresh := waitFor(t, "reads no longer marked stale and /readyz ready", 20*time.Second, func() (bool, string) {
		st, stale, body := getStatus(client, s.base+"/readyz")
		return st == 200 && stale == "", fmt.Sprintf("%d %s=%q %s", st, server.StaleHeader, stale, body)
	})
	time.Sleep(2 * time.Second) // writes after the restart
	load.end()

	// Reads: every one answered from the cache; stale exactly while the
	// store was away.
	load.mu.Lock()
	reads, writes := load.reads, load.writes
	load.mu.Unlock()
	var staleDown, freshAfter, readsDown int
	for _, r := range reads {
		switch {
		case r.err != nil || (r.status != 200 && r.status != 204 && r.status != 304):
			t.Errorf("read %s at %s: %d %v", r.path, r.start.Sub(stopped).Round(time.Millisecond), r.status, r.err)
		case r.start.After(noticed.Add(200*time.Millisecond)) && r.start.Before(restarted):
			readsDown++
			if strings.HasPrefix(r.stale, "lag=") {
				staleDown++
			}
		case r.start.After(fresh.Add(200 * time.Millisecond)):
			if r.stale == "" {
				freshAfter++
			} else {
				t.Errorf("read %s after catching up marked %s=%q", r.path, server.StaleHeader, r.stale)
			}
		}
	}
	if readsDown == 0 || staleDown != readsDown {
		t.Errorf("while the store was down %d of %d reads were marked stale, want all", staleDown, readsDown)
	}
	t.Logf("%d reads: %d while the store was down (all stale), %d fresh after catching up", len(reads), readsDown, freshAfter)

	// Writes: success or 503 with Retry-After, within a bound; never a 500.
	var ok, refused []faultWrite
	var slowest time.Duration
	for _, w := range writes {
		slowest = max(slowest, w.took)
		switch {
		case w.err != nil:
			t.Errorf("PUT %d at %s: %v", w.id, w.start.Sub(stopped).Round(time.Millisecond), w.err)
		case w.status == 200 || w.status == 204:
			ok = append(ok, w)
		case w.status == 503 && w.retryAfter != "" && w.mediaType == "application/problem+json":
			refused = append(refused, w)
		default:
			t.Errorf("PUT %d at %s: %d %s (Retry-After %q), want 2xx or a 503 problem with Retry-After",
				w.id, w.start.Sub(stopped).Round(time.Millisecond), w.status, w.mediaType, w.retryAfter)
		}
		if w.took > 8*time.Second {
			t.Errorf("PUT %d at %s took %s: a write must fail fast while the store is away", w.id, w.start.Sub(stopped).Round(time.Millisecond), w.took)
		}
	}
	var okBefore, okAfter int
	for _, w := range ok {
		if w.start.Before(stopped) {
			okBefore++
		}
		if w.start.After(caughtUp) {
			okAfter++
		}
	}
	if okBefore == 0 || okAfter == 0 || len(refused) == 0 {
		t.Errorf("writes: %d succeeded before the stop, %d after catching up, %d refused; want some of each", okBefore, okAfter, len(refused))
	}
	t.Logf("%d writes: %d succeeded, %d refused with 503, slowest %s", len(writes), len(ok), len(refused), slowest.Round(time.Millisecond))

	// Nothing lost: every write answered with success is in the table and,
	// once the cache has caught up, served.
	table := map[int64]string{}
	rows, err = conn.Query(ctx, `SELECT id, name_en FROM public_toilets`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		table[id] = name
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, w := range ok {
		if table[w.id] != w.name {
			t.Errorf("PUT %d answered %d, but the table has %q, not %q", w.id, w.status, table[w.id], w.name)
		}
	}
	for _, w := range ok {
		path := fmt.Sprintf("%s/collections/public_toilets/items/%d", s.base, w.id)
		waitFor(t, "the cache serves "+path, 10*time.Second, func() (bool, string) {
			st, _, body := getStatus(client, path)
			return st == 200 && strings.Contains(body, fmt.Sprintf("%q", w.name)), fmt.Sprintf("%d %s", st, lastBytes(body, 300))
		})
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public_toilets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if st, _, body := getStatus(client, s.base+"/collections/public_toilets/items?limit=1"); st != 200 || !strings.Contains(body, fmt.Sprintf(`"numberMatched":%d`, n)) {
		t.Errorf("the cache does not serve the table's %d toilets: %d %s", n, st, lastBytes(body, 300))
	}

	t.Run("SIGTERM drains", func(t *testing.T) { testDrain(t, s) })
}

// testDrain starts a slow download of a big layer, sends SIGTERM in the
// middle of it, and checks that the download completes, that new
// connections are refused meanwhile, and that the server then exits
// cleanly.
func testDrain(t *testing.T, s *serveProcess) {
	client := &http.Client{Transport: &http.Transport{
		DisableCompression: true,
		// A small receive buffer keeps most of the download on the
		// server's side, in flight, rather than in this socket.
		DialContext: (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
			})
			return errors.Join(err, serr)
		}}).DialContext,
	}}
	resp, err := client.Get(s.base + "/collections/buildings/items?f=csv&limit=100000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("download: %d", resp.StatusCode)
	}
	var body bytes.Buffer
	chunk := make([]byte, 32<<10)
	readSome := func(n int) error {
		for range n {
			k, err := resp.Body.Read(chunk)
			body.Write(chunk[:k])
			if err != nil {
				return err
			}
		}
		return nil
	}
	if err := readSome(4); err != nil {
		t.Fatalf("download ended early: %v", err)
	}
	termed := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused while the download goes on.
	waitFor(t, "new connections refused after SIGTERM", 5*time.Second, func() (bool, string) {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(s.base, "http://"), time.Second)
		if err == nil {
			c.Close()
			return false, "connected"
		}
		return true, err.Error()
	})
	readAtRefusal := body.Len()
	select {
	case <-s.exited:
		t.Fatalf("csdi serve exited (%v) %s after SIGTERM with a download in flight (%d bytes read)", s.err, time.Since(termed), readAtRefusal)
	default:
	}
	// Read the rest slowly, well within the shutdown timeout.
	var err2 error
	for err2 == nil {
		err2 = readSome(1)
		time.Sleep(2 * time.Millisecond)
	}
	if !errors.Is(err2, io.EOF) {
		t.Fatalf("the download in flight at SIGTERM was cut off after %d bytes: %v", body.Len(), err2)
	}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(body.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		lines++
	}
	if lines < 20001 || !bytes.HasSuffix(body.Bytes(), []byte("\n")) {
		t.Errorf("the download has %d lines (%d bytes), want a header and 20,000 buildings", lines, body.Len())
	}
	select {
	case <-s.exited:
		if s.err != nil {
			t.Errorf("csdi serve ended with %v after SIGTERM, want a clean exit", s.err)
		}
	case <-time.After(25 * time.Second):
		t.Fatal("csdi serve still running 25 s after its last request")
	}
	t.Logf("SIGTERM after %d KB of %d KB; drained in %s", readAtRefusal>>10, body.Len()>>10, time.Since(termed).Round(time.Millisecond))
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
