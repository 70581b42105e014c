package tilecache

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Encoding is an HTTP content-coding the cache can store a tile in.
type Encoding uint8

// The encodings, in the order Negotiate prefers them when the client gives
// several the same q-value, best first: Brotli, then zstd, then gzip, then
// none. See the package documentation for why.
const (
	Identity Encoding = iota // no content-coding: the raw MVT bytes
	Gzip
	Zstd
	Brotli
	numEncodings
)

// String is the encoding's content-coding token, as sent in
// Content-Encoding.
func (e Encoding) String() string {
	switch e {
	case Identity:
		return "identity"
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	case Brotli:
		return "br"
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// preference lists the encodings best first; it breaks ties between equal
// q-values in Negotiate.
var preference = [numEncodings]Encoding{Brotli, Zstd, Gzip, Identity}

// Negotiate picks the content-coding to answer a request whose
// Accept-Encoding header is acceptEncoding, following RFC 9110 §12.5.3:
//
//   - the highest q-value wins; q=0 excludes a coding; a coding the header
//     does not name gets the q-value of "*" if present, else 0;
//   - identity is acceptable unless "identity;q=0", or "*;q=0" without an
//     entry for identity, excludes it; an empty header allows identity only;
//   - codings are matched case-insensitively, "x-gzip" is gzip, unknown
//     codings are ignored, and an element with a malformed q-value is
//     ignored (as if absent);
//   - ties go to the server's preference: br, zstd, gzip, identity.
//
// When the header excludes every coding the cache has, identity included,
// Negotiate still answers Identity: RFC 9110 lets a server ignore the
// header rather than answer 406, and a tile is more use than an error.
func Negotiate(acceptEncoding string) Encoding {
	const unset = -1
	q := [numEncodings]int{unset, unset, unset, unset} // thousandths
	star := unset
	for rest := acceptEncoding; rest != ""; {
		var elem string
		elem, rest, _ = strings.Cut(rest, ",")
		name, params, _ := strings.Cut(elem, ";")
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		qv, ok := parseQ(params)
		if !ok {
			continue
		}
		var slot *int
		switch {
		case name == "*":
			slot = &star
		case strings.EqualFold(name, "br"):
			slot = &q[Brotli]
		case strings.EqualFold(name, "zstd"):
			slot = &q[Zstd]
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			slot = &q[Gzip]
		case strings.EqualFold(name, "identity"):
			slot = &q[Identity]
		default:
			continue
		}
		// A coding named twice keeps its highest q-value: the header is
		// the client's, and it asked for it at least that much.
		if qv > *slot {
			*slot = qv
		}
	}
	for e := range q {
		if q[e] != unset {
			continue
		}
		switch {
		case star != unset:
			q[e] = star
		case Encoding(e) == Identity:
			// Acceptable by default, but below any coding the client
			// named: "gzip;q=0.5" still means "gzip, please".
			q[e] = 1
		default:
			q[e] = 0
		}
	}
	best, bestQ := Identity, 0
	for _, e := range preference {
		if q[e] > bestQ {
			best, bestQ = e, q[e]
		}
	}
	return best
}

// parseQ reads the q parameter among a coding's parameters (the text after
// its first ';'), in thousandths: 1000 when absent, ok false when present
// but not a number in [0, 1].
func parseQ(params string) (int, bool) {
	for rest := params; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, ";")
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 1 {
			return 0, false
		}
		return int(math.Round(f * 1000)), true
	}
	return 1000, true
}

// MinCompressSize is the smallest tile the cache compresses. Below it a
// content-coding saves a few bytes at best (gzip alone adds 18 bytes of
// framing, and the response headers are several hundred bytes) while the
// client still pays a decoder, so such tiles are always sent as they are.
const MinCompressSize = 256

// Compression levels, chosen with BenchmarkCompress on synthetic tiles of
// 1, 30 and 400 KB (figures in the package documentation): for each codec
// the level past which a slower setting buys little. A variant is made
// once and then served from memory, but that once is on the request path
// of the first client that asks, so encode time counts.
const (
	gzipLevel = 3 // 2-3 points smaller than 1; 5 and 6 are ~1 point smaller for 1.7x the time
	// Brotli 5 is 4-5 points smaller than 4 on tiles up to tens of KB, for
	// 1.4x the time; on large tiles it gains 1 point for 2x the time, so
	// large tiles get 4.
	brotliLevel      = 5
	brotliLargeLevel = 4
	brotliLarge      = 128 << 10
)

// zstdLevel is zstd's default (about the C library's level 3): 3 points
// smaller than SpeedFastest, while the better level gains under half a
// point for 1.3-1.5x the time.
const zstdLevel = zstd.SpeedDefault

var (
	gzipPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzipLevel) // the level is valid
		return w
	}}
	// A 2^20 window covers the largest tiles; the default 2^22 only costs
	// memory per writer.
	brotliPool = sync.Pool{New: func() any {
		return brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: brotliLevel, LGWin: 20})
	}}
	brotliLargePool = sync.Pool{New: func() any {
		return brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: brotliLargeLevel, LGWin: 20})
	}}
	zstdOnce sync.Once
	zstdEnc  *zstd.Encoder
)

// zstdEncoder is the process's one zstd encoder; EncodeAll is safe for
// concurrent use and keeps its own pool of block encoders.
func zstdEncoder() *zstd.Encoder {
	zstdOnce.Do(func() {
		zstdEnc, _ = zstd.NewWriter(nil, // the options are valid
			zstd.WithEncoderLevel(zstdLevel),
			zstd.WithEncoderCRC(false), // HTTP has its own integrity; saves 4 bytes
			zstd.WithWindowSize(1<<20),
			zstd.WithLowerEncoderMem(true))
	})
	return zstdEnc
}

// compress returns raw in encoding e, in a slice of its own exact length (so
// the bytes the cache counts are the bytes it holds).
func compress(e Encoding, raw []byte) []byte {
	switch e {
	case Gzip:
		var buf bytes.Buffer
		buf.Grow(len(raw)/2 + 64)
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(&buf)
		_, _ = zw.Write(raw) // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		gzipPool.Put(zw)
		return bytes.Clone(buf.Bytes())
	case Zstd:
		out := zstdEncoder().EncodeAll(raw, make([]byte, 0, len(raw)/2+64))
		return bytes.Clone(out)
	case Brotli:
		var buf bytes.Buffer
		buf.Grow(len(raw)/2 + 64)
		pool := &brotliPool
		if len(raw) > brotliLarge {
			pool = &brotliLargePool
		}
		bw := pool.Get().(*brotli.Writer)
		bw.Reset(&buf)
		_, _ = bw.Write(raw)
		_ = bw.Close()
		pool.Put(bw)
		return bytes.Clone(buf.Bytes())
	}
	return raw
}
