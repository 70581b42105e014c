package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/testenv"
)

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// csdiBinary builds the csdi command once per test run, for tests that
// need real server processes.
func csdiBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "csdi-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "csdi")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// waitVisible polls path on every replica until ok accepts its answer and
// returns how long each took; it fails the test past limit.
func waitVisible(t *testing.T, rs []*serveProcess, path string, limit time.Duration, ok func(status int, body []byte) bool) []time.Duration {
	t.Helper()
	start := time.Now()
	took := make([]time.Duration, len(rs))
	for i, r := range rs {
		for {
			resp, body := r.get(t, path)
			if ok(resp.StatusCode, body) {
				took[i] = time.Since(start)
				break
			}
			if time.Since(start) > limit {
				t.Fatalf("replica %d: %s not as expected after %s: %d %s", i, path, limit, resp.StatusCode, body)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return took
}

// Two csdi processes follow one PostgreSQL: an edit made by a department's
// own SQL, and one made through either replica, reach both within a second.
func TestReplicasConverge(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "-database", url, "-buildings", "2000"}, io.Discard, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CSDI_DATABASE_URL": url, "CSDI_ADMIN_KEY": "s3cret-admin-key", "CSDI_PRIVACY_KEY": testPrivacyKey}
	rs := []*serveProcess{startServeProcess(t, env), startServeProcess(t, env)}

	for i, r := range rs {
		v := r.json(t, "/readyz")
		cl, ok := v["changeLog"].(map[string]any)
		if !ok || cl["following"] != true {
			t.Errorf("replica %d /readyz = %v, want a changeLog that is followed", i, v)
		}
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	// Direct SQL: a department's ETL.
	if _, err := conn.Exec(ctx, `UPDATE public_toilets SET name_en = 'Renamed by SQL' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	var lat []time.Duration
	lat = append(lat, waitVisible(t, rs, "/collections/public_toilets/items/1", time.Second, func(status int, body []byte) bool {
		return status == 200 && strings.Contains(string(body), "Renamed by SQL")
	})...)
	if _, err := conn.Exec(ctx, `DELETE FROM public_toilets WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	lat = append(lat, waitVisible(t, rs, "/collections/public_toilets/items/2", time.Second, func(status int, _ []byte) bool {
		return status == 404
	})...)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public_toilets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`"numberMatched":%d`, n)
	waitVisible(t, rs, "/collections/public_toilets/items?limit=1", time.Second, func(status int, body []byte) bool {
		return status == 200 && strings.Contains(string(body), want)
	})
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("propagation from COMMIT to visible on both replicas: max %s", lat[len(lat)-1])

	// Each replica's cache holds the same features as the table.
	for i, r := range rs {
		var got map[string]any
		_, body := r.get(t, "/collections/public_toilets/items?limit=10000&skipGeometry=true")
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if m := int(got["numberMatched"].(float64)); m != n {
			t.Errorf("replica %d: %d features, table has %d", i, m, n)
		}
	}

	// Through the API of one replica: visible on the other within 1 s.
	created := rs[0].write(t, "POST", "/collections/public_toilets/items",
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[114.1694,22.3193]},"properties":{"name_en":"New toilet","name_zh":"新洗手間","district":"Yau Tsim Mong"}}`, 201)
	loc := created.Header.Get("Location")
	if loc == "" {
		t.Fatal("POST answered no Location")
	}
	path := loc[strings.Index(loc, "/collections/"):]
	waitVisible(t, rs, path, time.Second, func(status int, body []byte) bool {
		return status == 200 && strings.Contains(string(body), "新洗手間")
	})
	put := rs[1].write(t, "PUT", path,
		`{"type":"Feature","geometry":{"type":"Point","coordinates":[114.17,22.32]},"properties":{"name_en":"Replaced","name_zh":"已更換","district":"Yau Tsim Mong"}}`, 204)
	if put.Header.Get("ETag") == "" {
		t.Error("PUT answered no ETag")
	}
	waitVisible(t, rs, path, time.Second, func(status int, body []byte) bool {
		return status == 200 && strings.Contains(string(body), "已更換")
	})
	// The ETag a replica serves is the one the other answered the PUT with.
	if resp, _ := rs[0].get(t, path); resp.Header.Get("ETag") != put.Header.Get("ETag") {
		t.Errorf("replica 0 serves ETag %s, the PUT on replica 1 answered %s", resp.Header.Get("ETag"), put.Header.Get("ETag"))
	}
	rs[0].write(t, "DELETE", path, "", 204)
	waitVisible(t, rs, path, time.Second, func(status int, _ []byte) bool { return status == 404 })

	// Every version stays readable.
	v := rs[1].json(t, path+"/versions")
	vs, _ := v["versions"].([]any)
	var ops []string
	for _, x := range vs {
		ops = append(ops, x.(map[string]any)["operation"].(string))
	}
	if strings.Join(ops, ",") != "insert,update,delete" {
		t.Fatalf("versions of %s: %v", path, v)
	}
	first := int64(vs[0].(map[string]any)["version"].(float64))
	_, body := rs[0].get(t, fmt.Sprintf("%s?version=%d", path, first))
	if !strings.Contains(string(body), "新洗手間") {
		t.Errorf("version %d of %s: %s", first, path, body)
	}
	for _, bad := range []string{"?version=abc", "?version=0", fmt.Sprintf("?version=%d&f=html", first)} {
		resp, body := rs[0].get(t, path+bad)
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s%s: %d %s %s, want a 400 problem", path, bad, resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
	}
	if resp, _ := rs[0].get(t, fmt.Sprintf("%s?version=%d", path, first-1)); resp.StatusCode != 404 {
		t.Errorf("%s before it was made: %d, want 404", path, resp.StatusCode)
	}

	// A bad push, undone with csdi rollback: recorded like any edit, and
	// both replicas follow.
	var before int64
	if err := conn.QueryRow(ctx, `SELECT max(seq) FROM csdi.change_log`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE public_toilets SET name_en = 'Vandalised'`); err != nil {
		t.Fatal(err)
	}
	waitVisible(t, rs, "/collections/public_toilets/items/1", time.Second, func(status int, body []byte) bool {
		return strings.Contains(string(body), "Vandalised")
	})
	var out strings.Builder
	err = run(ctx, []string{"rollback", "-layer", "public_toilets", "-to", fmt.Sprint(before)}, &out, io.Discard,
		func(k string) string { return map[string]string{"CSDI_DATABASE_URL": url}[k] })
	if err != nil {
		t.Fatalf("csdi rollback: %v", err)
	}
	waitVisible(t, rs, "/collections/public_toilets/items/1", time.Second, func(status int, body []byte) bool {
		return status == 200 && strings.Contains(string(body), "Renamed by SQL")
	})
	var vandalised int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM public_toilets WHERE name_en = 'Vandalised'`).Scan(&vandalised); err != nil || vandalised != 0 {
		t.Errorf("after rollback %d rows still vandalised (%v); %s", vandalised, err, out.String())
	}
}

// write sends an authorised write and checks its status.
func (r *serveProcess) write(t *testing.T, method, path, body string, want int) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, r.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	req.Header.Set("Authorization", "Bearer s3cret-admin-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, got, want)
	}
	return resp
}

// A server killed (SIGKILL) in the middle of a big atomic POST leaves the
// layer exactly as before: PostgreSQL rolls the open transaction back, and
// neither the table nor the change log keeps any of it.
func TestKilledMidWriteLeavesTheLayerAsBefore(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	if err := run(ctx, []string{"demo", "-database", url, "-buildings", "500"}, io.Discard, io.Discard, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CSDI_DATABASE_URL": url, "CSDI_ADMIN_KEY": "s3cret-admin-key", "CSDI_PRIVACY_KEY": testPrivacyKey}
	r := startServeProcess(t, env)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	state := func() (n int64, sum string, seq int64) {
		t.Helper()
		err := conn.QueryRow(ctx, `SELECT count(*), coalesce(md5(string_agg(t::text, ',' ORDER BY id)), ''),
			(SELECT coalesce(max(seq), 0) FROM csdi.change_log) FROM public_toilets t`).Scan(&n, &sum, &seq)
		if err != nil {
			t.Fatal(err)
		}
		return n, sum, seq
	}
	n0, sum0, seq0 := state()

	var body strings.Builder
	body.WriteString(`{"type":"FeatureCollection","features":[`)
	for i := range 40000 {
		if i > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `{"type":"Feature","geometry":{"type":"Point","coordinates":[114.1%05d,22.3%05d]},"properties":{"name_en":"bulk %d"}}`, i, i, i)
	}
	body.WriteString(`]}`)
	go func() {
		req, _ := http.NewRequest("POST", r.base+"/collections/public_toilets/items", strings.NewReader(body.String()))
		req.Header.Set("Content-Type", "application/geo+json")
		req.Header.Set("Authorization", "Bearer s3cret-admin-key")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close() // the server should die before answering
		}
	}()
	// Wait until the server is inside the write transaction, inserting.
	deadline := time.Now().Add(60 * time.Second)
	for {
		var inserting bool
		if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND xact_start IS NOT NULL AND query ILIKE 'INSERT INTO "public"."public_toilets"%')`).Scan(&inserting); err != nil {
			t.Fatal(err)
		}
		if inserting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the POST never reached the database")
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	// PostgreSQL notices the closed connection and rolls back.
	deadline = time.Now().Add(30 * time.Second)
	for {
		var open int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND backend_type = 'client backend'`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed server's transaction is still open after 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n, sum, seq := state(); n != n0 || sum != sum0 || seq != seq0 {
		t.Errorf("after the kill: %d features (sum %s), change log at %d; before: %d (%s), %d", n, sum, seq, n0, sum0, seq0)
	}
	// A new server serves exactly that.
	r2 := startServeProcess(t, env)
	if got := r2.json(t, "/collections/public_toilets/items?limit=1")["numberMatched"].(float64); int64(got) != n0 {
		t.Errorf("a restarted server serves %v features, want %d", got, n0)
	}
}
