package privacy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"strconv"

	"github.com/csdi-hk/csdi/internal/cache"
)

// Every secret the package uses is derived from the one configured key, a
// separate key per purpose, so that a pseudonymous id, an attribute hash and
// a displacement seed can never be compared with one another.
//
// Attribute hashes use one key for every layer: the same HKID hashes to the
// same pseudonym wherever it appears, so masked layers can be joined.
// Feature ids and displacement use a key per layer.

// MinKeyLen is the shortest masking key Compile accepts: 128 bits.
const MinKeyLen = 16

// pseudonymLen is how many base32 characters a pseudonym keeps: 80 bits,
// so two of a layer's ten million features share one with odds below 1e-10.
const pseudonymLen = 16

// Prefixes say what a pseudonym stands for, and keep it from ever reading
// as a number.
const (
	idPrefix   = "p_"
	hashPrefix = "h_"
)

var pseudonymEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// subkey derives the key for one purpose from the configured key.
func subkey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("csdi/privacy/v1/" + purpose))
	return m.Sum(nil)
}

// pseudonym is the keyed HMAC of msg as a short, prefixed base32 string.
func pseudonym(key []byte, prefix string, msg []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	sum := m.Sum(nil)
	return prefix + pseudonymEncoding.EncodeToString(sum[:10])[:pseudonymLen]
}

// idBytes spells an id so that the number 5 and the string "5" differ.
func idBytes(id cache.ID) []byte {
	if id.IsNum {
		return strconv.AppendInt([]byte("n:"), id.Num, 10)
	}
	return append([]byte("s:"), id.Str...)
}

// PseudonymID is the masked view's id for the feature with the real id:
// stable for a key and layer, not reversible without the key, and ordered
// by the pseudonym, not by the real id.
func (p *Policy) PseudonymID(id cache.ID) cache.ID {
	return cache.StrID(pseudonym(p.idKey, idPrefix, idBytes(id)))
}

// seed is a keyed, per-feature source of pseudo-random numbers: the HMAC of
// the parts, read 8 bytes at a time.
type seed struct {
	sum []byte
}

func newSeed(key []byte, parts ...[]byte) seed {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(p)))
		m.Write(n[:]) // length-prefixed: the parts cannot run together
		m.Write(p)
	}
	return seed{sum: m.Sum(nil)}
}

// unit returns the i-th (0–3) uniform number in [0, 1).
func (s seed) unit(i int) float64 {
	return float64(binary.BigEndian.Uint64(s.sum[8*i:])>>11) / (1 << 53)
}
