package main

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"
)

// serveProcess is a `csdi serve` child process, run from the built
// binary, whose end the test watches: the fault, drain and replica tests
// stop, kill and restart it.
type serveProcess struct {
	*liveServer
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has ended
	err    error         // how it ended, once exited is closed
	logs   *syncBuffer
}

// startServeProcess runs the csdi binary's serve with env added to a
// minimal environment and waits until /readyz answers 200; it is stopped (SIGINT) when the test ends if still running.
func startServeProcess(t *testing.T, env map[string]string) *serveProcess {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(csdiBinary(t), "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "CSDI_ADDR=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	s := &serveProcess{liveServer: &liveServer{base: "http://" + addr}, cmd: cmd, exited: make(chan struct{}), logs: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.err = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			_ = cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.exited:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Errorf("csdi serve did not stop within 30 s of SIGINT")
			}
		}
		if t.Failed() {
			t.Logf("csdi serve log (last 8 KB):\n%s", lastBytes(s.logs.String(), 8000))
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			t.Fatalf("csdi serve exited early: %v\n%s", s.err, s.logs.String())
		default:
		}
		if resp, err := http.Get(s.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("csdi serve not ready within 2 minutes\n%s", s.logs.String())
	return nil
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// freeAddr is a loopback address with a port free a moment ago, for a
// server the test starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
