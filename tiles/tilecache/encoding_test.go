package tilecache

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

func TestEncodingsRoundTrip(t *testing.T) {
	c := New(Options{})
	for _, size := range []int{MinCompressSize, 1 << 10, 30 << 10, 200 << 10} {
		raw := synthTile(t, size)
		e := put(t, c, Key{Tileset: "t", Z: size}, []string{"a"}, orb.Bound{}, raw)
		seen := map[string]bool{}
		for enc := range numEncodings {
			before := c.Stats()
			body := e.Body(enc)
			if e.Encoding(enc) != enc {
				t.Errorf("%d bytes: %v sent as %v", len(raw), enc, e.Encoding(enc))
			}
			got, err := decompress(enc, body)
			if err != nil || !bytes.Equal(got, raw) {
				t.Errorf("%d bytes, %v: decompressed to %d bytes (err %v), want the raw %d", len(raw), enc, len(got), err, len(raw))
			}
			if enc != Identity && len(body) >= len(raw) {
				t.Errorf("%d bytes, %v: %d bytes compressed", len(raw), enc, len(body))
			}
			after := c.Stats()
			if enc != Identity && (after.Bytes-before.Bytes != int64(len(body)) || after.Compressions != before.Compressions+1) {
				t.Errorf("%v: bytes %d → %d and compressions %d → %d for a %d-byte variant",
					enc, before.Bytes, after.Bytes, before.Compressions, after.Compressions, len(body))
			}
			if again := e.Body(enc); &again[0] != &body[0] || c.Stats().Compressions != after.Compressions {
				t.Errorf("%v: the variant was made again", enc)
			}
			tag := e.ETag(enc)
			if seen[tag] || !strings.HasPrefix(tag, `"`) || !strings.HasSuffix(tag, `"`) || strings.Count(tag, `"`) != 2 {
				t.Errorf("%v: ETag %s is malformed or shared", enc, tag)
			}
			seen[tag] = true
		}
	}
	checkInvariants(t, c)
}

func TestETagFollowsContent(t *testing.T) {
	a := newEntry(Key{Tileset: "x"}, nil, orb.Bound{}, []byte("same bytes"), nil)
	b := newEntry(Key{Tileset: "y", Z: 3}, []string{"l"}, orb.Bound{}, []byte("same bytes"), nil)
	d := newEntry(Key{Tileset: "x"}, nil, orb.Bound{}, []byte("other bytes"), nil)
	if a.ETag(Identity) != b.ETag(Identity) || a.ETag(Identity) == d.ETag(Identity) {
		t.Errorf("ETags %s %s %s: want equal for equal bytes only", a.ETag(Identity), b.ETag(Identity), d.ETag(Identity))
	}
}

func TestSmallTilesNotCompressed(t *testing.T) {
	for _, raw := range [][]byte{{}, []byte("tiny"), make([]byte, MinCompressSize-1)} {
		e := newEntry(Key{}, nil, orb.Bound{}, raw, nil)
		for enc := range numEncodings {
			if e.Encoding(enc) != Identity || !bytes.Equal(e.Body(enc), raw) || e.ETag(enc) != e.ETag(Identity) {
				t.Errorf("%d bytes in %v: sent as %v", len(raw), enc, e.Encoding(enc))
			}
		}
	}
}

func TestConcurrentCompressOnce(t *testing.T) {
	c := New(Options{})
	raw := synthTile(t, 50<<10)
	e := put(t, c, Key{Tileset: "t"}, []string{"a"}, orb.Bound{}, raw)
	var wg sync.WaitGroup
	bodies := make([][]byte, 16)
	for i := range bodies {
		wg.Go(func() { bodies[i] = e.Body(Encoding(1 + i%3)) })
	}
	wg.Wait()
	for i, b := range bodies {
		if &b[0] != &e.Body(Encoding(1 + i%3))[0] {
			t.Errorf("caller %d got a different variant", i)
		}
	}
	if n := c.Stats().Compressions; n != 3 {
		t.Errorf("%d compressions, want one per encoding, 3", n)
	}
	checkInvariants(t, c)
}

var negotiateCases = []struct {
	header string
	want   Encoding
}{
	{"", Identity},
	{"   ", Identity},
	{"gzip", Gzip},
	{"x-gzip", Gzip},
	{"GZIP", Gzip},
	{"gzip, deflate, br, zstd", Brotli}, // Chrome
	{"gzip, deflate, br", Brotli},       // Firefox, Safari
	{"gzip, deflate", Gzip},
	{"deflate", Identity},
	{"zstd, gzip", Zstd},
	{"br;q=0.5, gzip", Gzip},
	{"br;q=0, zstd;q=0, gzip;q=0.001", Gzip},
	{"gzip;q=0", Identity},
	{"gzip;q=0, identity;q=0", Identity}, // nothing acceptable: identity anyway
	{"*", Brotli},
	{"*;q=0.5, gzip", Gzip},
	{"*;q=0, identity", Identity},
	{"*;q=0", Identity},
	{"*, br;q=0", Zstd},
	{"identity", Identity},
	{"identity, gzip;q=0.5", Identity},
	{"gzip;q=0.5", Gzip}, // identity is only a fallback
	{"identity;q=0.5, gzip;q=0.5", Gzip},
	{"gzip;q=0.8, br;q=0.9, zstd;q=1.0", Zstd},
	{"br ; q=1 , gzip", Brotli},
	{"br;level=5;q=0.4, gzip;q=0.3", Brotli},
	{"br;q=abc, gzip", Gzip}, // a malformed q drops the element
	{"br;q=1.5, gzip", Gzip}, // so does one out of range
	{"br;q=-0, gzip;q=0", Identity},
	{"br;q=0, br;q=1", Brotli}, // the highest q of a repeated coding
	{",,, ,gzip,,", Gzip},
	{"compress, deflate", Identity},
	{"br;q=0.0001, gzip;q=0.0001", Identity}, // rounds to 0
}

func TestNegotiate(t *testing.T) {
	for _, tc := range negotiateCases {
		if got := Negotiate(tc.header); got != tc.want {
			t.Errorf("Negotiate(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func FuzzNegotiate(f *testing.F) {
	for _, tc := range negotiateCases {
		f.Add(tc.header)
	}
	f.Fuzz(func(t *testing.T, header string) {
		got := Negotiate(header)
		if got >= numEncodings {
			t.Fatalf("Negotiate(%q) = %v", header, got)
		}
		// A coding is only chosen if the client named it or "*".
		lower := strings.ToLower(header)
		if got != Identity && !strings.Contains(lower, got.String()) && !strings.Contains(header, "*") {
			t.Fatalf("Negotiate(%q) = %v, which the header does not name", header, got)
		}
	})
}
