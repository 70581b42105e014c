package ingest

import (
	"context"
	"io"
	"runtime"
	"sync"
)

// Features are cut from the stream in order and decoded on every core:
// decoding is most of an import's work in Go, and one core would leave the
// others idle while the store waits. A chunk holds up to chunkFeatures
// features or chunkBytes of text, and only a few chunks are in flight, so
// memory stays bounded.
const (
	chunkFeatures = 256
	chunkBytes    = 1 << 20
)

// rawChunk is consecutive features of the input and what a worker made of
// them.
type rawChunk struct {
	first int    // index of the first feature
	buf   []byte // their text, back to back
	ends  []int  // where each ends in buf
	// err ends the input after this chunk's features: io.EOF, a
	// SyntaxError or a read error.
	err  error
	out  any // set by the worker
	done chan struct{}
}

func (c *rawChunk) feature(k int) []byte {
	start := 0
	if k > 0 {
		start = c.ends[k-1]
	}
	return c.buf[start:c.ends[k]]
}

// eachChunk reads fs to its end (first, already read, is feature 0; nil
// when the input has none), runs work on each chunk on GOMAXPROCS workers
// and calls emit with the chunks in input order. Nothing may keep a
// chunk's text (buf) after emit returns: the chunk is reused. It returns
// emit's error, or the context's; stop is called to unblock a read when it
// returns early. The last chunk emitted carries the error that ended the
// input.
func eachChunk(ctx context.Context, fs *featureStream, first []byte, stop func(), work func(*rawChunk), emit func(*rawChunk) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := max(1, runtime.GOMAXPROCS(0))
	jobs := make(chan *rawChunk, workers)
	order := make(chan *rawChunk, 2*workers)
	// free holds emitted chunks, whose buffers the splitter reuses: what
	// work and emit make of a chunk copies its text, so after emit the
	// chunk is garbage, and growing fresh buffers for every chunk was most
	// of what an import allocated.
	free := make(chan *rawChunk, 3*workers+2)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range jobs {
				work(c)
				close(c.done)
			}
		}()
	}
	split := make(chan struct{})
	go func() {
		defer close(split)
		defer close(order)
		defer close(jobs)
		i, pending, empty := 0, first, first == nil
		for {
			var c *rawChunk
			select {
			case c = <-free:
				*c = rawChunk{buf: c.buf[:0], ends: c.ends[:0]}
			default:
				c = &rawChunk{}
			}
			c.first, c.done = i, make(chan struct{})
			for len(c.ends) < chunkFeatures && len(c.buf) < chunkBytes {
				var raw []byte
				var err error
				switch {
				case empty:
					err = io.EOF
				case pending != nil:
					// Copied below before the stream is read again.
					raw, pending = pending, nil
				default:
					raw, err = fs.Next()
				}
				if err != nil {
					c.err = err
					break
				}
				c.buf = append(c.buf, raw...)
				c.ends = append(c.ends, len(c.buf))
				i++
			}
			select {
			case order <- c:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	finish := func() {
		cancel()
		stop()
		<-split
		for range order {
		}
		wg.Wait()
	}
	for c := range order {
		select {
		case <-c.done:
		case <-ctx.Done():
			finish()
			return ctx.Err()
		}
		if err := emit(c); err != nil {
			finish()
			return err
		}
		select {
		case free <- c:
		default:
		}
	}
	<-split
	wg.Wait()
	return nil
}
