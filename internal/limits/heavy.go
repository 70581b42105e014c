package limits

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/semaphore"
)

// The classes of heavy requests, each with its own bound.
const (
	Downloads    = "downloads"      // whole-result files: items as CSV or GeoPackage
	Imports      = "imports"        // bulk loads: POST .../import
	LowZoomTiles = "low_zoom_tiles" // tiles at low zoom, whose render touches a whole layer
)

// ErrBusy is returned, wrapped in a *BusyError, when a heavy request found
// no room within the queue time.
var ErrBusy = errors.New("too many heavy requests are running")

// BusyError says which bound was full.
type BusyError struct{ Class string }

func (e *BusyError) Error() string { return fmt.Sprintf("limits: %v (%s)", ErrBusy, e.Class) }
func (e *BusyError) Unwrap() error { return ErrBusy }

// Heavy bounds how many requests of each heavy class run at once: a
// request waits up to the queue time for room, then gives up, so that a
// pile of downloads or cold renders cannot take every core and connection
// from cheap reads. Safe for concurrent use.
type Heavy struct {
	queue time.Duration
	sem   map[string]*semaphore.Weighted
}

// NewHeavy bounds each class of bounds at its count (a class missing, or
// with a count below 1, is not bounded); a request waits up to queue.
func NewHeavy(bounds map[string]int, queue time.Duration) *Heavy {
	h := &Heavy{queue: queue, sem: make(map[string]*semaphore.Weighted, len(bounds))}
	for class, n := range bounds {
		if n > 0 {
			h.sem[class] = semaphore.NewWeighted(int64(n))
		}
	}
	return h
}

// Acquire waits for room in class's bound and returns its release; a
// *BusyError when the queue time ran out, or ctx's error when the caller
// went away first. An unbounded class (or "") passes at once.
func (h *Heavy) Acquire(ctx context.Context, class string) (release func(), err error) {
	s := h.sem[class]
	if s == nil {
		return func() {}, nil
	}
	release = func() { s.Release(1) }
	if s.TryAcquire(1) {
		return release, nil
	}
	wctx, cancel := context.WithTimeout(ctx, h.queue)
	defer cancel()
	if err := s.Acquire(wctx, 1); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("limits: waiting for room (%s): %w", class, ctx.Err())
		}
		return nil, &BusyError{Class: class}
	}
	return release, nil
}

// RetryAfter is the wait to suggest to a caller refused by Acquire.
func (h *Heavy) RetryAfter() time.Duration { return max(time.Second, h.queue) }
