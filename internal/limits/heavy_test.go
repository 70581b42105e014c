package limits

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHeavyBound(t *testing.T) {
	h := NewHeavy(map[string]int{Downloads: 2, Imports: 0}, 10*time.Millisecond)
	ctx := context.Background()
	var releases []func()
	for i := range 2 {
		rel, err := h.Acquire(ctx, Downloads)
		if err != nil {
			t.Fatalf("download %d: %v", i+1, err)
		}
		releases = append(releases, rel)
	}
	_, err := h.Acquire(ctx, Downloads)
	var be *BusyError
	if !errors.As(err, &be) || be.Class != Downloads || !errors.Is(err, ErrBusy) {
		t.Fatalf("third download: %v, want a BusyError", err)
	}
	// Other classes, and unbounded ones, are not held up.
	for _, class := range []string{LowZoomTiles, Imports, ""} {
		rel, err := h.Acquire(ctx, class)
		if err != nil {
			t.Fatalf("%q: %v", class, err)
		}
		rel()
	}
	releases[0]()
	rel, err := h.Acquire(ctx, Downloads)
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	rel()
	releases[1]()
}

func TestHeavyCallerGoesAway(t *testing.T) {
	h := NewHeavy(map[string]int{Imports: 1}, time.Hour)
	rel, _ := h.Acquire(context.Background(), Imports)
	defer rel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.Acquire(ctx, Imports)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrBusy) {
		t.Fatalf("got %v, want the context's error", err)
	}
}

func TestRetrySeconds(t *testing.T) {
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 5 * time.Second: 5} {
		if got := retrySeconds(d); got != want {
			t.Errorf("retrySeconds(%v) = %d, want %d", d, got, want)
		}
	}
}
