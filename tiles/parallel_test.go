package tiles

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/csdi-hk/csdi/internal/cache"
)

// TestShapeParallelIsExact encodes dense tiles of the synthetic city with
// one goroutine and with helpers: the bytes are the same, budget
// re-encodings included.
func TestShapeParallelIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 100 000-building city")
	}
	snaps := []*cache.Snapshot{city(t, "buildings")}
	encodeWith := func(procs int, tile Tile, opts Options) []byte {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		data, err := Encode(context.Background(), tile.Z, tile.X, tile.Y, snaps, opts)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	for z := 12; z <= 15; z++ {
		tile := tileAt(mongKokLon, mongKokLat, z)
		for _, opts := range []Options{{}, {MaxTileBytes: 50_000}} {
			one := encodeWith(1, tile, opts)
			for _, procs := range []int{2, 4} {
				if many := encodeWith(procs, tile, opts); !bytes.Equal(one, many) {
					t.Errorf("%v %+v: %d bytes with one goroutine, %d (different) with %d", tile, opts, len(one), len(many), procs)
				}
			}
		}
	}
}

// TestShapeParallelCancelled cancels a dense tile: the error is the
// context's, and the writer's helpers have stopped when it returns.
func TestShapeParallelCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the 100 000-building city")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	snaps := []*cache.Snapshot{city(t, "buildings")}
	tile := tileAt(mongKokLon, mongKokLat, 13)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := runtime.NumGoroutine()
	if _, err := Encode(ctx, tile.Z, tile.X, tile.Y, snaps, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines before, %d after", before, after)
	}
}
