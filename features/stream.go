package features

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// flushSize is how much a stream buffers before writing: large enough
// that a page of 100 features (about 40 KB) goes out whole, with its
// length, small enough that a big page starts arriving at once.
const flushSize = 64 << 10

var streamBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, flushSize+flushSize/2)
	return &b
}}

// stream buffers appended bytes and writes them out every flushSize. After
// the first failed write it keeps its error and drops everything, so the
// encoders need not check each step.
type stream struct {
	w       io.Writer
	ctx     context.Context
	buf     []byte
	err     error
	written bool // something went out before close
}

func newStream(ctx context.Context, w io.Writer) *stream {
	return &stream{w: w, ctx: ctx, buf: (*streamBuffers.Get().(*[]byte))[:0]}
}

// maybeFlush writes the buffer out once it is full, and stops the stream
// when the client has gone.
func (s *stream) maybeFlush() {
	if len(s.buf) >= flushSize {
		s.flush()
	}
}

func (s *stream) flush() {
	if s.err == nil {
		s.err = s.ctx.Err()
	}
	if s.err == nil && len(s.buf) > 0 {
		_, s.err = s.w.Write(s.buf)
		s.written = true
	}
	s.buf = s.buf[:0]
}

// close flushes what is left, returns the buffer to the pool and reports
// the first error. A body that fits the buffer is sent with its length:
// one write instead of HTTP/1.1 chunks, which on loopback saves the
// client as many wake-ups as the server system calls.
func (s *stream) close() error {
	if h, ok := s.w.(interface{ Header() http.Header }); ok && !s.written && s.err == nil {
		h.Header().Set("Content-Length", strconv.Itoa(len(s.buf)))
	}
	s.flush()
	if cap(s.buf) <= 4*flushSize {
		b := s.buf[:0]
		streamBuffers.Put(&b)
	}
	s.buf = nil
	return s.err
}
