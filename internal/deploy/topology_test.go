package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csdi-hk/csdi/internal/testenv"
)

const (
	adminKey   = "topology-admin-key-0123456789"
	privacyKey = "topology-privacy-key-0123456789abcdef"
	auditKey   = "topology-audit-key-0123456789abcdef"
)

// The compose topology with real processes: PostgreSQL, `csdi migrate`,
// two `csdi serve` replicas with the compose settings (csdi.yaml) and
// nginx running the shipped nginx.conf, all on loopback.
func TestTopology(t *testing.T) {
	nginx := nginxBinary(t)
	dbURL := testenv.DatabaseURL(t)
	dir := tempDir(t)
	bin := buildCSDI(t, dir)

	runCSDI(t, bin, nil, "demo", "-database", dbURL, "-buildings", "1000")
	cfgPath := loopbackConfig(t, dir)
	env := map[string]string{
		"CSDI_CONFIG":       cfgPath,
		"CSDI_DATABASE_URL": dbURL,
		"CSDI_PRIVACY_KEY":  privacyKey,
		"CSDI_AUDIT_KEY":    auditKey,
		"CSDI_ADMIN_KEY":    adminKey,
	}
	// The compose migrate service: replicas do not migrate (auto_migrate: false).
	runCSDI(t, bin, env, "migrate")
	rs := []*process{startReplica(t, bin, env), startReplica(t, bin, env)}
	for i, r := range rs {
		// The compose health check, against the metrics listener.
		if out := runCSDI(t, bin, r.env, "healthcheck"); !strings.Contains(out, r.metrics) {
			t.Errorf("replica %d: healthcheck asked %q, want its metrics listener %s", i, out, r.metrics)
		}
	}
	front := startNginx(t, nginx, dir, rs)

	// Ready, collections and a tile, through nginx.
	if status, body, _ := get(t, front+"/readyz", nil); status != 200 {
		t.Fatalf("/readyz through nginx: %d %s", status, body)
	}
	status, body, hdr := get(t, front+"/collections", nil)
	if status != 200 || !strings.Contains(string(body), `"id":"public_toilets"`) {
		t.Fatalf("/collections through nginx: %d %.300s", status, body)
	}
	if id := hdr.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("X-Request-Id %q: want nginx's $request_id passed to csdi and back", id)
	}
	if _, _, hdr := get(t, front+"/collections", map[string]string{"X-Request-Id": "caller-id-42"}); hdr.Get("X-Request-Id") != "caller-id-42" {
		t.Errorf("a caller's X-Request-Id came back as %q", hdr.Get("X-Request-Id"))
	}
	// Districts cover Hong Kong: a z12 tile over Kowloon has features.
	status, body, hdr = get(t, front+"/tiles/districts/12/3347/1787", map[string]string{"Accept-Encoding": "gzip"})
	if status != 200 || len(body) == 0 {
		t.Fatalf("tile through nginx: %d, %d bytes", status, len(body))
	}
	// csdi compresses; nginx passes it through and does not compress again.
	if ce := hdr.Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("tile Content-Encoding %q through nginx, want csdi's gzip", ce)
	}

	// least_conn spreads requests over both replicas: their own metrics say so.
	for range 40 {
		get(t, front+"/collections/public_toilets/items?limit=1", nil)
	}
	for i, r := range rs {
		if n := servedItems(t, r); n == 0 {
			t.Errorf("replica %d served no item request of the 40 sent through nginx", i)
		}
	}

	// A write through nginx reaches both replicas within a second.
	loc := create(t, front, "經 nginx 新增")
	for i, r := range rs {
		waitFor(t, fmt.Sprintf("replica %d", i), time.Second, func() bool {
			status, body, _ := get(t, r.base+loc, nil)
			return status == 200 && strings.Contains(string(body), "經 nginx 新增")
		})
	}

	// Failover: SIGTERM one replica under load; nginx keeps answering
	// from the other, with no 5xx once the replica is gone.
	var (
		stopped   atomic.Bool
		mu        sync.Mutex
		during    []string
		after     []string
		requests  atomic.Int64
		ctx, stop = context.WithCancel(context.Background())
		wg        sync.WaitGroup
	)
	paths := []string{"/collections/public_toilets/items?limit=5", "/tiles/districts/12/3347/1787", "/collections", loc}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				p := paths[(w+i)%len(paths)]
				gone := stopped.Load()
				status, err := fetch(ctx, front+p)
				if ctx.Err() != nil {
					return
				}
				requests.Add(1)
				if err != nil || status >= 500 {
					mu.Lock()
					e := fmt.Sprintf("%s: %d %v", p, status, err)
					if gone {
						after = append(after, e)
					} else {
						during = append(during, e)
					}
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	if err := rs[0].stop(30 * time.Second); err != nil {
		t.Errorf("replica 0 on SIGTERM: %v", err)
	}
	stopped.Store(true)
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()
	t.Logf("failover: %d requests through nginx; during the drain %d failed %v", requests.Load(), len(during), during)
	if len(after) > 0 {
		t.Errorf("%d requests failed after replica 0 stopped, e.g. %v", len(after), after[0])
	}
	if status, body, _ := get(t, front+"/readyz", nil); status != 200 {
		t.Errorf("/readyz through nginx with one replica: %d %s", status, body)
	}
	// A write still goes through, to the replica that is left.
	loc = create(t, front, "單一副本")
	if status, _, _ := get(t, rs[1].base+loc, nil); status != 200 {
		waitFor(t, "replica 1", time.Second, func() bool {
			status, _, _ := get(t, rs[1].base+loc, nil)
			return status == 200
		})
	}
	if _, err := runCSDIErr(bin, rs[0].env, "healthcheck"); err == nil {
		t.Error("healthcheck of the stopped replica succeeded")
	}
}

// nginxBinary finds nginx, which make test installs; elsewhere the test
// skips unless CSDI_TEST_REQUIRE_NGINX says it must run.
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("CSDI_TEST_REQUIRE_NGINX") != "" {
		t.Fatal("nginx is not installed although make test requires it (internal/testenv/deps.sh installs it)")
	}
	t.Skip("no nginx: install it or run make test")
	return ""
}

// tempDir is a directory nginx's unprivileged workers can enter (t.TempDir's
// parents are private to the user running the test).
func tempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "csdi-topology-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// buildCSDI builds the binary as the Dockerfile does.
func buildCSDI(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "csdi")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/csdi-hk/csdi/cmd/csdi")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// loopbackConfig is csdi.yaml with the compose network's addresses replaced
// by loopback ones: nginx on this machine is the trusted proxy.
func loopbackConfig(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile("csdi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	section := func(name string) map[string]any {
		m, ok := doc[name].(map[string]any)
		if !ok {
			t.Fatalf("csdi.yaml has no %s section", name)
		}
		return m
	}
	section("limits")["trusted_proxies"] = []string{"127.0.0.1"}
	// Each replica gets its own addresses from the environment.
	delete(section("server"), "addr")
	delete(section("server"), "metrics_addr")
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "csdi.yaml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runCSDIErr(bin string, env map[string]string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = processEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("csdi %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

func runCSDI(t *testing.T, bin string, env map[string]string, args ...string) string {
	t.Helper()
	out, err := runCSDIErr(bin, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func processEnv(env map[string]string) []string {
	out := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir()}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// process is a child started by the test, stopped by its PID.
type process struct {
	name    string
	cmd     *exec.Cmd
	exited  chan struct{}
	err     error
	logs    *syncBuffer
	base    string // http://host:port of a replica's API
	metrics string // a replica's metrics listener
	env     map[string]string
}

func start(t *testing.T, name string, cmd *exec.Cmd) *process {
	t.Helper()
	p := &process{name: name, cmd: cmd, exited: make(chan struct{}), logs: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	// Its own process group, so that nginx's workers go with their master.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		if err := p.stop(30 * time.Second); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if t.Failed() {
			t.Logf("%s log:\n%s", name, p.logs.String())
		}
	})
	return p
}

// stop sends SIGTERM and waits; past limit it kills the process group.
func (p *process) stop(limit time.Duration) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
		var exit *exec.ExitError
		if p.err != nil && !(errors.As(p.err, &exit) && exit.ExitCode() == 0) {
			return fmt.Errorf("exited with %v after SIGTERM", p.err)
		}
		return nil
	case <-time.After(limit):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.exited
		return fmt.Errorf("still running %s after SIGTERM: killed", limit)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startReplica(t *testing.T, bin string, env map[string]string) *process {
	t.Helper()
	addr, metrics := freeAddr(t), freeAddr(t)
	renv := map[string]string{"CSDI_ADDR": addr, "CSDI_METRICS_ADDR": metrics}
	for k, v := range env {
		renv[k] = v
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = processEnv(renv)
	p := start(t, "replica "+addr, cmd)
	p.base, p.metrics, p.env = "http://"+addr, metrics, renv
	waitUp(t, p, p.base+"/readyz", 2*time.Minute)
	return p
}

// startNginx runs nginx.conf inside a minimal main configuration, with the
// compose service names replaced by the replicas' loopback addresses.
func startNginx(t *testing.T, bin, dir string, rs []*process) string {
	t.Helper()
	data, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(data)
	listen := freeAddr(t)
	replace := func(old, new string) {
		if n := strings.Count(conf, old); n != 1 {
			t.Fatalf("nginx.conf has %q %d times, want once", old, n)
		}
		conf = strings.Replace(conf, old, new, 1)
	}
	for i, r := range rs {
		replace(fmt.Sprintf("server csdi-%d:8080 ", i+1), "server "+strings.TrimPrefix(r.base, "http://")+" ")
	}
	replace("listen 80;", "listen "+listen+";")
	prefix := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(filepath.Join(prefix, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "csdi.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	// Root's nginx hands requests to unprivileged workers, as in production.
	user := ""
	if os.Geteuid() == 0 {
		user = "user nobody nogroup;\n"
	}
	main := user + `worker_processes 2;
pid nginx.pid;
error_log logs/error.log warn;
events { worker_connections 256; }
http {
    access_log logs/access.log;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    include csdi.conf;
}
`
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prefix, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-p", prefix+"/", "-c", "nginx.conf", "-e", "logs/error.log").CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	p := start(t, "nginx", exec.Command(bin, "-p", prefix+"/", "-c", "nginx.conf", "-e", "logs/error.log", "-g", "daemon off;"))
	t.Cleanup(func() {
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(prefix, "logs", "error.log"))
			t.Logf("nginx error.log:\n%s", log)
		}
	})
	front := "http://" + listen
	waitUp(t, p, front+"/healthz", 30*time.Second)
	return front
}

func waitUp(t *testing.T, p *process, url string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatalf("%s exited early: %v\n%s", p.name, p.err, p.logs.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: %s not 200 within %s\n%s", p.name, url, limit, p.logs.String())
}

func waitFor(t *testing.T, what string, limit time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not so within %s", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var client = &http.Client{Timeout: 30 * time.Second}

func get(t *testing.T, url string, hdr map[string]string) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	// The transport would otherwise ask for gzip itself and hide the header.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read: %v", url, err)
	}
	return resp.StatusCode, body, resp.Header
}

func fetch(ctx context.Context, url string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// create POSTs a toilet through url with the admin key and returns its path.
func create(t *testing.T, url, name string) string {
	t.Helper()
	feature := fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[114.1694,22.3193]},"properties":{"name_en":"via nginx","name_zh":%q,"district":"Yau Tsim Mong"}}`, name)
	req, err := http.NewRequest(http.MethodPost, url+"/collections/public_toilets/items", strings.NewReader(feature))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("X-API-Key", adminKey)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST through nginx: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST through nginx: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	i := strings.Index(loc, "/collections/")
	if i < 0 {
		t.Fatalf("POST through nginx: Location %q", loc)
	}
	return loc[i:]
}

// servedItems is how many item requests a replica's metrics count.
func servedItems(t *testing.T, r *process) int {
	t.Helper()
	status, body, _ := get(t, "http://"+r.metrics+"/metrics", nil)
	if status != 200 {
		t.Fatalf("%s /metrics: %d", r.name, status)
	}
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "csdi_http_requests_total{") && strings.Contains(line, `route="/collections/{collectionId}/items"`) {
			var v float64
			fields := strings.Fields(line)
			if err := json.Unmarshal([]byte(fields[len(fields)-1]), &v); err == nil {
				n += int(v)
			}
		}
	}
	return n
}

// syncBuffer collects a child's output while it runs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
