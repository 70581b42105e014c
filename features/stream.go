package features

import (
	"context"
	"io"
	"sync"
)

// flushSize is how much a stream buffers before writing: large enough for
// few syscalls, small enough that a big page starts arriving at once.
const flushSize = 32 << 10

var streamBuffers = sync.Pool{New: func() any {
	b := make([]byte, 0, flushSize+flushSize/2)
	return &b
}}

// stream buffers appended bytes and writes them out every flushSize. After
// the first failed write it keeps its error and drops everything, so the
// encoders need not check each step.
type stream struct {
	w   io.Writer
	ctx context.Context
	buf []byte
	err error
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
	}
	s.buf = s.buf[:0]
}

// close flushes what is left, returns the buffer to the pool and reports
// the first error.
func (s *stream) close() error {
	s.flush()
	if cap(s.buf) <= 4*flushSize {
		b := s.buf[:0]
		streamBuffers.Put(&b)
	}
	s.buf = nil
	return s.err
}
