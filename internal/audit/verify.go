package audit

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// Anchor is a point of the chain: an entry's Seq and Hash. The head's
// anchor, written down where the log's keepers cannot reach, is what shows
// a log cut short: an intact chain that ends before it, or whose entry at
// its seq hashes differently, is not the log that was anchored.
type Anchor struct {
	Seq  int64
	Hash []byte
}

// String is "seq:hex", the form ParseAnchor reads.
func (a Anchor) String() string {
	return strconv.FormatInt(a.Seq, 10) + ":" + hex.EncodeToString(a.Hash)
}

// ParseAnchor reads "seq:hex", as Anchor.String writes it.
func ParseAnchor(s string) (Anchor, error) {
	seqText, hashText, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Anchor{}, fmt.Errorf("audit anchor %q: want SEQ:HASH (as csdi audit verify prints it)", s)
	}
	seq, err := strconv.ParseInt(seqText, 10, 64)
	if err != nil || seq < 1 {
		return Anchor{}, fmt.Errorf("audit anchor %q: the sequence number must be a whole number from 1", s)
	}
	h, err := hex.DecodeString(hashText)
	if err != nil || len(h) != HashSize {
		return Anchor{}, fmt.Errorf("audit anchor %q: the hash must be %d hex digits", s, 2*HashSize)
	}
	return Anchor{Seq: seq, Hash: h}, nil
}

// BreakKind says how the chain is broken.
type BreakKind string

// The ways a chain breaks.
const (
	// Altered: an entry's fields do not hash to its Hash (it was changed,
	// or the wrong key is used to verify).
	Altered BreakKind = "altered"
	// Missing: entries are missing before this one (deleted).
	Missing BreakKind = "missing"
	// Unordered: an entry repeats or goes back in seq.
	Unordered BreakKind = "unordered"
	// Relinked: an entry's PrevHash is not the previous entry's Hash (the
	// previous entry was changed and rehashed, or this one was).
	Relinked BreakKind = "relinked"
	// AnchorMismatch: the entry at an anchor's seq has another hash.
	AnchorMismatch BreakKind = "anchor-mismatch"
	// Truncated: the log ends before an anchor (entries deleted at the end).
	Truncated BreakKind = "truncated"
)

// Break is where a chain first fails to verify, with what was expected
// there and what was found.
type Break struct {
	Seq      int64     `json:"seq"` // the entry at fault (for Truncated, the anchor's seq)
	Kind     BreakKind `json:"kind"`
	Expected string    `json:"expected"`
	Found    string    `json:"found"`
	Hint     string    `json:"hint,omitempty"` // a likely cause, when one can be told
}

func (b *Break) Error() string {
	s := fmt.Sprintf("audit log broken at entry %d (%s): expected %s, found %s", b.Seq, b.Kind, b.Expected, b.Found)
	if b.Hint != "" {
		s += ": " + b.Hint
	}
	return s
}

// Report is what Verify found.
type Report struct {
	Entries int64  // how many entries were read
	Head    Anchor // the last entry's; zero for an empty log
	Keyed   bool   // verified with a key (HMAC) rather than plain SHA-256
	KeyID   string // Chain.KeyID of that key
	// Broken is the first break, nil when the chain is whole; Breaks
	// counts them all (after a break, checking goes on from the entry
	// found, so one deletion counts once).
	Broken *Break
	Breaks int
}

// OK reports whether the chain verified.
func (r Report) OK() bool { return r.Broken == nil }

// Verify checks a whole log, read in seq order from the first entry (as a
// Log's Entries with the zero Query yields it): that every entry hashes to
// its Hash under c, links to the one before, follows it in seq without a
// gap, and matches every anchor given. A broken chain is reported in the
// Report, not as an error; the error is for entries that could not be
// read.
func Verify(entries iter.Seq2[Entry, error], c Chain, anchors ...Anchor) (Report, error) {
	rep := Report{Keyed: c.Keyed(), KeyID: c.KeyID()}
	fail := func(b *Break) {
		rep.Breaks++
		if rep.Broken == nil {
			rep.Broken = b
		}
	}
	prev := Anchor{Hash: make([]byte, HashSize)}
	for e, err := range entries {
		if err != nil {
			return rep, fmt.Errorf("audit: verify: %w", err)
		}
		rep.Entries++
		switch {
		case e.Seq <= prev.Seq:
			fail(&Break{Seq: e.Seq, Kind: Unordered, Expected: fmt.Sprintf("entry %d", prev.Seq+1),
				Found: fmt.Sprintf("entry %d again or out of order", e.Seq)})
		case e.Seq != prev.Seq+1:
			fail(&Break{Seq: e.Seq, Kind: Missing, Expected: fmt.Sprintf("entry %d", prev.Seq+1),
				Found: fmt.Sprintf("entry %d", e.Seq), Hint: missing(prev.Seq+1, e.Seq-1) + " deleted"})
		case !bytes.Equal(e.PrevHash, prev.Hash):
			fail(&Break{Seq: e.Seq, Kind: Relinked, Expected: "previous hash " + hex.EncodeToString(prev.Hash),
				Found: hex.EncodeToString(e.PrevHash),
				Hint:  fmt.Sprintf("entry %d was changed and rehashed, or this entry's link was changed", prev.Seq)})
		default:
			if want := c.Hash(e); !bytes.Equal(want, e.Hash) {
				fail(&Break{Seq: e.Seq, Kind: Altered, Expected: "hash " + hex.EncodeToString(want),
					Found: hex.EncodeToString(e.Hash), Hint: alteredHint(c, e)})
			}
		}
		for _, a := range anchors {
			if a.Seq == e.Seq && !bytes.Equal(a.Hash, e.Hash) {
				fail(&Break{Seq: e.Seq, Kind: AnchorMismatch, Expected: "anchored hash " + hex.EncodeToString(a.Hash),
					Found: hex.EncodeToString(e.Hash), Hint: "the log was rewritten since the anchor was taken"})
			}
		}
		prev = Anchor{Seq: e.Seq, Hash: e.Hash}
	}
	if rep.Entries > 0 {
		rep.Head = prev
	}
	for _, a := range anchors {
		if a.Seq > prev.Seq {
			fail(&Break{Seq: a.Seq, Kind: Truncated, Expected: fmt.Sprintf("the log to reach entry %d", a.Seq),
				Found: fmt.Sprintf("it ends at entry %d", prev.Seq), Hint: missing(prev.Seq+1, a.Seq) + " deleted from the end"})
		}
	}
	return rep, nil
}

func missing(from, to int64) string {
	if from == to {
		return fmt.Sprintf("entry %d was", from)
	}
	return fmt.Sprintf("entries %d to %d were", from, to)
}

// alteredHint tells a wrong or missing key from a changed entry, where it
// can: an entry that hashes right without the key was written (or forged)
// by someone without it.
func alteredHint(c Chain, e Entry) string {
	if c.Keyed() && bytes.Equal(Chain{}.Hash(e), e.Hash) {
		return "the entry is hashed without a key: written by a csdi without the audit key, or forged"
	}
	if e.Seq == 1 && !c.Keyed() {
		return "the entry was changed, or the log was written with an audit key: verify with it"
	}
	if e.Seq == 1 {
		return "the entry was changed, or the log is verified with another key than it was written with"
	}
	return "the entry was changed after it was written"
}
