package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/csdi-hk/csdi/internal/config"
)

// healthcheckCmd asks a running server's /readyz and fails unless it
// answers 200: a container health check for images without a shell or
// curl. It asks the metrics listener when there is one, which no rate
// limit or proxy stands in front of.
func healthcheckCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	configPath := fs.String("config", getenv("CSDI_CONFIG"), "YAML configuration `file` (CSDI_CONFIG)")
	target := fs.String("url", "", "`URL` to ask (default: /readyz on server.metrics_addr, else server.addr)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *target == "" {
		cfg, err := config.Load(*configPath, getenv)
		if err != nil {
			return err
		}
		addr := cfg.Server.MetricsAddr
		if addr == "" {
			addr = cfg.Server.Addr
		}
		u, err := readyURL(addr)
		if err != nil {
			return err
		}
		*target = u
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return fmt.Errorf("%w: -url: %v", errUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", *target, resp.Status, body)
	}
	fmt.Fprintf(stdout, "ready: %s\n", *target)
	return nil
}

// readyURL is /readyz on a listen address, asked over loopback when the
// server listens on every interface.
func readyURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: listen address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}
