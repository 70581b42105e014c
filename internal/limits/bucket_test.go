package limits

import (
	"fmt"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestBucketArithmetic(t *testing.T) {
	cases := []struct {
		name  string
		rate  Rate
		step  time.Duration // one token's refill time
		burst int
	}{
		{"10/s burst 3", Rate{10, 3}, 100 * time.Millisecond, 3},
		{"half a request per second", Rate{0.5, 1}, 2 * time.Second, 1},
		{"1000/s burst 50", Rate{1000, 50}, time.Millisecond, 50},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock()
			b := NewBuckets(1000, clk.now)
			for i := range tc.burst {
				if _, ok := b.Take("k", tc.rate); !ok {
					t.Fatalf("request %d of the burst refused", i+1)
				}
			}
			wait, ok := b.Take("k", tc.rate)
			if ok || wait != tc.step {
				t.Fatalf("after the burst: ok=%v wait=%v, want refused with wait %v", ok, wait, tc.step)
			}
			clk.advance(tc.step / 2)
			if wait, ok := b.Take("k", tc.rate); ok || wait != tc.step/2 {
				t.Fatalf("half a step later: ok=%v wait=%v, want refused with wait %v", ok, wait, tc.step/2)
			}
			clk.advance(tc.step / 2)
			if _, ok := b.Take("k", tc.rate); !ok {
				t.Fatal("a whole step later: refused, want one token")
			}
			if _, ok := b.Take("k", tc.rate); ok {
				t.Fatal("the refilled token was given twice")
			}
			// Idle long enough, the bucket is full again, and no fuller.
			clk.advance(time.Duration(tc.burst+5) * tc.step)
			for i := range tc.burst {
				if _, ok := b.Take("k", tc.rate); !ok {
					t.Fatalf("after idling, request %d of the burst refused", i+1)
				}
			}
			if _, ok := b.Take("k", tc.rate); ok {
				t.Fatal("after idling, the bucket held more than its burst")
			}
		})
	}
}

func TestRefusedRequestsTakeNothing(t *testing.T) {
	clk := newFakeClock()
	b := NewBuckets(1000, clk.now)
	r := Rate{1, 1}
	b.Take("k", r)
	for range 100 {
		b.Take("k", r) // refused: must not push the refill further away
	}
	clk.advance(time.Second)
	if _, ok := b.Take("k", r); !ok {
		t.Fatal("refused requests delayed the refill")
	}
}

func TestKeysAreSeparate(t *testing.T) {
	clk := newFakeClock()
	b := NewBuckets(1000, clk.now)
	r := Rate{1, 2}
	for range 2 {
		b.Take("a", r)
	}
	if _, ok := b.Take("a", r); ok {
		t.Fatal("a: want refused after its burst")
	}
	if _, ok := b.Take("b", r); !ok {
		t.Fatal("b refused because of a's requests")
	}
}

func TestBucketsStayBounded(t *testing.T) {
	clk := newFakeClock()
	const maxTracked = 640
	b := NewBuckets(maxTracked, clk.now)
	slow := Rate{0.001, 1} // one token per 1000 s: a bucket stays busy
	// A caller that has spent its token...
	b.Take("hot", slow)
	if _, ok := b.Take("hot", slow); ok {
		t.Fatal("hot: want refused")
	}
	// ...then a flood of distinct keys that each go idle a second later.
	fast := Rate{1, 1}
	for i := range 20 * maxTracked {
		b.Take(fmt.Sprint("spray", i), fast)
		if i%maxTracked == 0 {
			clk.advance(time.Second)
		}
		if n := b.Len(); n > maxTracked {
			t.Fatalf("after %d keys, %d tracked, want at most %d", i+1, n, maxTracked)
		}
	}
	// Idle buckets go first: the busy one is still remembered.
	if _, ok := b.Take("hot", slow); ok {
		t.Fatal("hot: forgotten while idle buckets were kept")
	}
}

func TestBucketsEvictSoonestFullWhenNoneIdle(t *testing.T) {
	clk := newFakeClock()
	b := NewBuckets(shards, clk.now) // one key per shard
	slow := Rate{0.001, 1}
	for i := range 10 * shards {
		b.Take(fmt.Sprint("busy", i), slow)
		if n := b.Len(); n > shards {
			t.Fatalf("%d tracked, want at most %d", n, shards)
		}
	}
}
