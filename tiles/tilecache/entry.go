package tilecache

import (
	"encoding/base64"
	"sync"
	"unsafe"

	"github.com/paulmach/orb"
	"github.com/zeebo/xxh3"
)

// Entry is one cached tile: its raw MVT bytes, their ETag and its
// compressed variants, made on first demand. An Entry is immutable apart
// from those variants and safe for concurrent use; it stays valid for a
// caller that holds it after the cache has dropped it.
type Entry struct {
	key    Key
	layers []string
	bound  orb.Bound
	raw    []byte
	etags  [numEncodings]string
	vars   [numEncodings]variant // Identity unused
	shard  *shard                // for counting the variants' bytes

	// Guarded by shard.mu.
	prev, next *Entry // LRU list, most recent at the front
	resident   bool   // in shard.items
	size       int64  // bytes counted against the budget

	// Guarded by Cache.idxMu.
	indexed bool // in the spatial index of each of its layers
}

type variant struct {
	once sync.Once
	data []byte
}

// entryOverhead estimates the memory an entry costs beyond its bodies and
// names: the struct, its map slot and LRU links, its four ETags.
var entryOverhead = int64(unsafe.Sizeof(Entry{})) + 64 + 4*48

// layerOverhead estimates the cost of each of an entry's layers beyond the
// name: its string header and its item in the layer's R-tree.
const layerOverhead = 16 + 48

func newEntry(key Key, layers []string, bound orb.Bound, raw []byte, s *shard) *Entry {
	e := &Entry{key: key, layers: layers, bound: bound, raw: raw, shard: s}
	// XXH3-128: a tile's ETag tells its versions apart, it does not
	// stand against forgery (the tile is the server's own), and SHA-256
	// spent some 300 µs on a 450 KB tile, a twentieth of a cold one.
	sum := xxh3.Hash128(raw).Bytes()
	var tag [2 + 22 + 4]byte // quotes, 128 bits in base64url, longest suffix
	tag[0] = '"'
	base64.RawURLEncoding.Encode(tag[1:23], sum[:])
	for enc := range numEncodings {
		t := append(tag[:23], etagSuffix[enc]...)
		e.etags[enc] = string(append(t, '"'))
	}
	e.size = entryOverhead + int64(len(raw)+len(key.Tileset))
	for _, l := range layers {
		e.size += int64(len(l)) + layerOverhead
	}
	return e
}

// etagSuffix tells apart the ETags of one tile's representations: RFC 9110
// §8.8.3 forbids two representations with different content-codings from
// sharing a strong validator.
var etagSuffix = [numEncodings]string{Identity: "", Gzip: "-gz", Zstd: "-zst", Brotli: "-br"}

// Key is the tile.
func (e *Entry) Key() Key { return e.key }

// Empty reports whether the tile has no content (HTTP 204).
func (e *Entry) Empty() bool { return len(e.raw) == 0 }

// Raw is the tile's MVT bytes, without content-coding. Do not modify them.
func (e *Entry) Raw() []byte { return e.raw }

// Encoding is the encoding a client that negotiated enc is sent: enc
// itself, or Identity for an empty tile or one smaller than
// MinCompressSize.
func (e *Entry) Encoding(enc Encoding) Encoding {
	if enc >= numEncodings || len(e.raw) < MinCompressSize {
		return Identity
	}
	return enc
}

// ETag is the strong entity tag, quoted, of the tile in e.Encoding(enc): a
// 128-bit hash of the raw bytes, suffixed per content-coding. Equal tiles
// have equal tags in every process, so a client revalidates against any
// replica and across restarts.
func (e *Entry) ETag(enc Encoding) string { return e.etags[e.Encoding(enc)] }

// Body is the tile in e.Encoding(enc). A compressed variant is made on the
// first call for its encoding (concurrent callers wait for that one
// compression) and counted against the cache's byte budget while the entry
// is cached. Do not modify the bytes.
func (e *Entry) Body(enc Encoding) []byte {
	enc = e.Encoding(enc)
	if enc == Identity {
		return e.raw
	}
	v := &e.vars[enc]
	v.once.Do(func() {
		v.data = compress(enc, e.raw)
		if e.shard != nil {
			e.shard.grow(e, int64(len(v.data)))
		}
	})
	return v.data
}
