// Command soak runs a bounded mixed load against a real `csdi serve` on
// loopback and checks that the server stays healthy under it: no 5xx, no
// transport errors, goroutines back to their baseline once the load stops,
// and resident memory that levels off rather than climbing. It writes its
// figures as the "Soak" section of BENCHMARKS.md and exits non-zero on a
// failure. Run it under internal/testenv/with-postgis.sh (`make soak`): it
// needs CSDI_TEST_DATABASE_URL.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// options are the soak's flags.
type options struct {
	duration  time.Duration
	sample    time.Duration
	buildings int
	tileCache int64
	out       string
	bin       string
}

func run() error {
	var o options
	flag.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the mixed load runs")
	flag.DurationVar(&o.sample, "sample", 2*time.Second, "how often goroutines and RSS are sampled")
	flag.IntVar(&o.buildings, "buildings", 20_000, "buildings in the demo dataset")
	flag.Int64Var(&o.tileCache, "tile-cache", 64<<20, "the server's tile cache in bytes: small, so it fills early and memory can level off")
	flag.StringVar(&o.out, "out", "BENCHMARKS.md", "file whose Soak section is written (empty: print only)")
	flag.StringVar(&o.bin, "bin", "", "a csdi binary to run (default: build ./cmd/csdi)")
	flag.Parse()
	if o.duration <= 0 || o.sample <= 0 || o.buildings <= 0 {
		return fmt.Errorf("-duration, -sample and -buildings must be positive")
	}
	dbURL := os.Getenv("CSDI_TEST_DATABASE_URL")
	if dbURL == "" {
		return fmt.Errorf("CSDI_TEST_DATABASE_URL is not set: run under internal/testenv/with-postgis.sh")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := startServer(ctx, o, dbURL)
	if err != nil {
		return err
	}
	defer srv.kill()

	res, err := soak(ctx, srv, o)
	if err != nil {
		return err
	}
	res.shutdownErr = srv.shutdown(30 * time.Second)
	report := res.markdown(o)
	fmt.Print(report)
	if o.out != "" {
		if err := writeSection(o.out, report); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "soak: figures written to %s\n", o.out)
	}
	if fails := res.failures(); len(fails) > 0 {
		for _, f := range fails {
			fmt.Fprintln(os.Stderr, "FAIL:", f)
		}
		return fmt.Errorf("%d check(s) failed", len(fails))
	}
	fmt.Fprintln(os.Stderr, "soak: PASS")
	return nil
}
