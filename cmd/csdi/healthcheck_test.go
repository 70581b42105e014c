package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	env := func(k string) string {
		if k == "CSDI_ADDR" {
			return addr
		}
		return ""
	}
	check := func() error {
		return run(context.Background(), []string{"healthcheck"}, io.Discard, io.Discard, env)
	}
	if err := check(); err != nil {
		t.Fatalf("ready server: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := check(); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("unready server: %v, want an error naming 503", err)
	}
	srv.Close()
	if err := check(); err == nil {
		t.Fatal("no server: want an error")
	}
}

func TestReadyURL(t *testing.T) {
	for addr, want := range map[string]string{
		"0.0.0.0:9090":   "http://127.0.0.1:9090/readyz",
		":8080":          "http://127.0.0.1:8080/readyz",
		"[::]:8080":      "http://[::1]:8080/readyz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/readyz",
		"localhost:8080": "http://localhost:8080/readyz",
	} {
		if got, err := readyURL(addr); err != nil || got != want {
			t.Errorf("readyURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	if _, err := readyURL("nonsense"); err == nil {
		t.Error("readyURL(nonsense): want an error")
	}
}
