package tilecache

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// BenchmarkCompress measures each codec at candidate levels on synthetic
// tiles, reporting the compressed size as a percentage of the raw one
// ("%size"); it is how the levels in encoding.go were chosen.
func BenchmarkCompress(b *testing.B) {
	for _, size := range []int{1 << 10, 30 << 10, 400 << 10} {
		raw := synthTile(b, size)
		for _, lvl := range []int{1, 3, 5, 6, 9} {
			w, _ := gzip.NewWriterLevel(nil, lvl)
			b.Run(fmt.Sprintf("%dKB/gzip-%d", size>>10, lvl), func(b *testing.B) {
				benchCodec(b, raw, func(dst *bytes.Buffer) {
					w.Reset(dst)
					_, _ = w.Write(raw)
					_ = w.Close()
				})
			})
		}
		for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression} {
			enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl), zstd.WithEncoderCRC(false), zstd.WithWindowSize(1<<20), zstd.WithLowerEncoderMem(true))
			b.Run(fmt.Sprintf("%dKB/zstd-%d", size>>10, lvl), func(b *testing.B) {
				benchCodec(b, raw, func(dst *bytes.Buffer) {
					dst.Write(enc.EncodeAll(raw, nil))
				})
			})
		}
		for _, lvl := range []int{1, 3, 4, 5, 6} {
			bw := brotli.NewWriterOptions(nil, brotli.WriterOptions{Quality: lvl, LGWin: 20})
			b.Run(fmt.Sprintf("%dKB/br-%d", size>>10, lvl), func(b *testing.B) {
				benchCodec(b, raw, func(dst *bytes.Buffer) {
					bw.Reset(dst)
					_, _ = bw.Write(raw)
					_ = bw.Close()
				})
			})
		}
	}
}

func benchCodec(b *testing.B, raw []byte, enc func(*bytes.Buffer)) {
	var buf bytes.Buffer
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		buf.Reset()
		enc(&buf)
	}
	b.ReportMetric(100*float64(buf.Len())/float64(len(raw)), "%size")
}

// BenchmarkDecompress measures what a client pays to decode each encoding
// at the chosen level.
func BenchmarkDecompress(b *testing.B) {
	raw := synthTile(b, 30<<10)
	for _, enc := range []Encoding{Gzip, Zstd, Brotli} {
		comp := compress(enc, raw)
		b.Run(enc.String(), func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				if _, err := decompress(enc, comp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
