package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"time"
)

// Chain computes entry hashes. The zero Chain is unkeyed (SHA-256); one
// from NewChain with a key is keyed (HMAC-SHA-256), which is what a
// deployment should use: without the key nobody can recompute the chain
// after changing an entry.
type Chain struct {
	key []byte
}

// MinKeyLen is the shortest key NewChain accepts. Use 32 random bytes.
const MinKeyLen = 16

// NewChain returns a chain keyed with key, or the unkeyed chain for an
// empty key. The key is copied.
func NewChain(key []byte) (Chain, error) {
	if len(key) == 0 {
		return Chain{}, nil
	}
	if len(key) < MinKeyLen {
		return Chain{}, fmt.Errorf("audit key: %d bytes is too short: use at least %d (32 random bytes is best)", len(key), MinKeyLen)
	}
	return Chain{key: append([]byte(nil), key...)}, nil
}

// Keyed reports whether hashes are HMACs with a secret key.
func (c Chain) Keyed() bool { return len(c.key) > 0 }

// KeyID names the key without revealing it (the first 8 bytes of an HMAC
// of a fixed text, in hex), so an operator can tell which key a log was
// verified with; "" for the unkeyed chain.
func (c Chain) KeyID() string {
	if !c.Keyed() {
		return ""
	}
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("csdi audit key id"))
	return hex.EncodeToString(m.Sum(nil)[:8])
}

// Seal makes e the entry after prev (the zero Anchor: the first entry):
// it checks and normalises the caller's fields, and sets Seq, At (UTC,
// truncated to the microsecond every store keeps), PrevHash and Hash.
func (c Chain) Seal(prev Anchor, e Entry, at time.Time) (Entry, error) {
	e, err := normalise(e)
	if err != nil {
		return e, err
	}
	e.Seq = prev.Seq + 1
	e.At = at.UTC().Truncate(time.Microsecond)
	e.PrevHash = prev.Hash
	if prev.Seq == 0 {
		e.PrevHash = make([]byte, HashSize)
	}
	if len(e.PrevHash) != HashSize {
		return e, fmt.Errorf("audit: entry %d's hash is %d bytes, not %d", prev.Seq, len(prev.Hash), HashSize)
	}
	e.PrevHash = append([]byte(nil), e.PrevHash...)
	e.Hash = c.Hash(e)
	return e, nil
}

// Hash is e's hash: over the canonical encoding of every field but Hash,
// PrevHash included.
func (c Chain) Hash(e Entry) []byte {
	var h hash.Hash
	if c.Keyed() {
		h = hmac.New(sha256.New, c.key)
	} else {
		h = sha256.New()
	}
	h.Write(encode(e))
	return h.Sum(nil)
}

// encodingVersion starts every encoding, so a later layout can never
// produce the same bytes as this one.
const encodingVersion = "csdi-audit-v1"

// encode is the canonical, unambiguous encoding of e without its Hash:
// fixed-width big-endian integers, and every text or byte field preceded
// by its length, in a fixed order. No two different entries encode alike.
func encode(e Entry) []byte {
	b := make([]byte, 0, 256+len(e.Request))
	text := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	num := func(n int64) { b = binary.BigEndian.AppendUint64(b, uint64(n)) }
	text(encodingVersion)
	num(e.Seq)
	num(e.At.UnixMicro())
	text(e.Actor)
	text(e.Department)
	text(e.Method)
	text(e.ACR)
	text(e.Issuer)
	text(e.Action)
	text(e.Layer)
	text(e.Request)
	num(e.Features)
	num(e.ChangeSeq)
	text(string(e.PrevHash))
	return b
}
