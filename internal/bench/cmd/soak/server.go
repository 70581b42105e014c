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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The keys the server under soak is started with: writes need the admin
// key, the demo's sensitive layer needs a privacy key.
const (
	adminKey   = "soak-admin-key-0123456789"
	privacyKey = "soak-privacy-key-0123456789abcdef"
)

// server is a running `csdi serve` child process.
type server struct {
	cmd     *exec.Cmd
	base    string // the API, http://127.0.0.1:port
	metrics string // the operators' listener: /metrics, /readyz
	logPath string
	done    chan error
}

// startServer builds csdi (unless -bin names one), writes the demo into
// PostGIS and starts `csdi serve` on two free loopback ports, returning
// once /readyz answers 200.
func startServer(ctx context.Context, o options, dbURL string) (*server, error) {
	dir, err := os.MkdirTemp("", "csdi-soak-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	bin := o.bin
	if bin == "" {
		bin = filepath.Join(dir, "csdi")
		fmt.Fprintln(os.Stderr, "soak: building csdi")
		if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/csdi").CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build ./cmd/csdi (run from the repository root): %w\n%s", err, out)
		}
	}
	addr, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsAddr, err := freePort()
	if err != nil {
		return nil, err
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir,
		"CSDI_DATABASE_URL=" + dbURL,
		"CSDI_ADDR=" + addr, "CSDI_METRICS_ADDR=" + metricsAddr,
		"CSDI_ADMIN_KEY=" + adminKey, "CSDI_PRIVACY_KEY=" + privacyKey,
		"CSDI_TILE_CACHE_BYTES=" + strconv.FormatInt(o.tileCache, 10),
		"CSDI_LOG_LEVEL=warn",
	}

	fmt.Fprintf(os.Stderr, "soak: writing the demo (%d buildings) into PostGIS\n", o.buildings)
	demo := exec.CommandContext(ctx, bin, "demo", "-database", dbURL, "-replace", "-buildings", strconv.Itoa(o.buildings))
	demo.Env = env
	if out, err := demo.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("csdi demo: %w\n%s", err, out)
	}

	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start csdi serve: %w", err)
	}
	s := &server{cmd: cmd, base: "http://" + addr, metrics: "http://" + metricsAddr, logPath: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logFile.Close() }()
	if err := s.waitReady(ctx, 3*time.Minute); err != nil {
		s.kill()
		return nil, fmt.Errorf("%w\n%s", err, s.logTail())
	}
	fmt.Fprintf(os.Stderr, "soak: csdi serve (pid %d) ready on %s\n", cmd.Process.Pid, s.base)
	return s, nil
}

// freePort reserves a loopback port and gives it back for the server to
// take; another process could take it in between, which start reports.
func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err
			return fmt.Errorf("csdi serve exited before it was ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
		resp, err := http.Get(s.metrics + "/readyz")
		if err != nil {
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
	return fmt.Errorf("csdi serve was not ready within %s", timeout)
}

// goroutines reads go_goroutines from the server's /metrics.
func (s *server) goroutines() (int, error) {
	resp, err := http.Get(s.metrics + "/metrics")
	if err != nil {
		return 0, fmt.Errorf("read /metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_goroutines "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("go_goroutines %q: %w", v, err)
			}
			return int(f), nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read /metrics: %w", err)
	}
	return 0, errors.New("/metrics has no go_goroutines")
}

// rss is the server's resident set size in bytes, from /proc.
func (s *server) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("read the server's /proc status: %w", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmRSS in the server's /proc status")
}

// shutdown sends SIGTERM and waits for a clean exit: a graceful shutdown
// is part of what the soak checks.
func (s *server) shutdown(timeout time.Duration) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM: %w", err)
	}
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			return fmt.Errorf("csdi serve exited with %v after SIGTERM\n%s", err, s.logTail())
		}
		return nil
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("csdi serve did not exit within %s of SIGTERM", timeout)
	}
}

// kill ends the server if it still runs.
func (s *server) kill() {
	select {
	case err := <-s.done:
		s.done <- err
	default:
		s.cmd.Process.Kill()
	}
}

// logTail is the end of the server's log, for error messages.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return "server log (end):\n" + string(b)
}
