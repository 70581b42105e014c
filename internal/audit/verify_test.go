package audit

import (
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"
)

// chainOf seals n entries with c.
func chainOf(t testing.TB, c Chain, n int) []Entry {
	t.Helper()
	var out []Entry
	var prev Anchor
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		e, err := c.Seal(prev, Entry{Actor: "lands/alice", Action: ActionReadUnmasked, Layer: "homecare",
			Request: "GET /collections/homecare/items", Features: int64(i)}, at.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		prev = Anchor{e.Seq, e.Hash}
	}
	return out
}

func seq(es []Entry) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		for _, e := range es {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// clone copies entries deeply, so a test can tamper with its copy.
func clone(es []Entry) []Entry {
	out := slices.Clone(es)
	for i := range out {
		out[i].PrevHash = slices.Clone(out[i].PrevHash)
		out[i].Hash = slices.Clone(out[i].Hash)
	}
	return out
}

// rehash recomputes the chain from entry i on, as someone who knows how
// (and, for a keyed chain, the key) would after changing entry i.
func rehash(c Chain, es []Entry, i int) {
	for ; i < len(es); i++ {
		if i > 0 {
			es[i].PrevHash = es[i-1].Hash
		}
		es[i].Hash = c.Hash(es[i])
	}
}

func TestVerify(t *testing.T) {
	c := keyed(t)
	good := chainOf(t, c, 10)
	head := Anchor{good[9].Seq, good[9].Hash}
	cases := []struct {
		name    string
		tamper  func(es []Entry) []Entry
		anchors []Anchor
		verify  Chain // the chain Verify uses; zero: c
		unkeyed bool
		seq     int64 // of the first break; 0: the chain verifies
		kind    BreakKind
		hint    string
	}{
		{name: "intact", tamper: func(es []Entry) []Entry { return es }},
		{name: "intact with its head anchored", tamper: func(es []Entry) []Entry { return es }, anchors: []Anchor{head}},
		{name: "empty", tamper: func(es []Entry) []Entry { return nil }},
		{name: "field updated", tamper: func(es []Entry) []Entry { es[4].Actor = "nobody"; return es }, seq: 5, kind: Altered},
		{name: "count updated", tamper: func(es []Entry) []Entry { es[6].Features = 0; return es }, seq: 7, kind: Altered},
		{name: "time updated", tamper: func(es []Entry) []Entry { es[2].At = es[2].At.Add(time.Hour); return es }, seq: 3, kind: Altered},
		{name: "hash updated", tamper: func(es []Entry) []Entry { es[3].Hash[0] ^= 1; return es }, seq: 4, kind: Altered},
		{name: "middle deleted", tamper: func(es []Entry) []Entry { return slices.Delete(es, 4, 6) }, seq: 7, kind: Missing, hint: "entries 5 to 6 were deleted"},
		{name: "first deleted", tamper: func(es []Entry) []Entry { return es[1:] }, seq: 2, kind: Missing, hint: "entry 1 was deleted"},
		{name: "tail deleted, no anchor", tamper: func(es []Entry) []Entry { return es[:7] }},
		{name: "tail deleted", tamper: func(es []Entry) []Entry { return es[:7] }, anchors: []Anchor{head}, seq: 10, kind: Truncated, hint: "entries 8 to 10 were deleted from the end"},
		{name: "all deleted", tamper: func(es []Entry) []Entry { return nil }, anchors: []Anchor{head}, seq: 10, kind: Truncated},
		{name: "duplicated", tamper: func(es []Entry) []Entry { return slices.Insert(es, 3, es[2]) }, seq: 3, kind: Unordered},
		{name: "swapped", tamper: func(es []Entry) []Entry { es[3], es[4] = es[4], es[3]; return es }, seq: 5, kind: Missing},
		{name: "relinked", tamper: func(es []Entry) []Entry { es[5].PrevHash = es[3].Hash; return es }, seq: 6, kind: Relinked},
		{name: "changed and rehashed by someone without the key", tamper: func(es []Entry) []Entry {
			es[4].Layer = "elsewhere"
			rehash(Chain{}, es, 4)
			return es
		}, seq: 5, kind: Altered, hint: "hashed without a key"},
		{name: "changed, middle rehashed", tamper: func(es []Entry) []Entry {
			es[4].Layer = "elsewhere"
			es[4].Hash = c.Hash(es[4])
			return es
		}, seq: 6, kind: Relinked},
		{name: "rewritten with the key, anchored", tamper: func(es []Entry) []Entry {
			es[4].Layer = "elsewhere"
			rehash(c, es, 4)
			return es
		}, anchors: []Anchor{head}, seq: 10, kind: AnchorMismatch},
		{name: "wrong key", tamper: func(es []Entry) []Entry { return es }, verify: func() Chain {
			o, _ := NewChain([]byte("some other key of 32 bytes......"))
			return o
		}(), seq: 1, kind: Altered, hint: "another key"},
		{name: "no key for a keyed log", tamper: func(es []Entry) []Entry { return es }, unkeyed: true, seq: 1, kind: Altered, hint: "verify with it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es := tc.tamper(clone(good))
			v := c
			if tc.verify.Keyed() {
				v = tc.verify
			}
			if tc.unkeyed {
				v = Chain{}
			}
			rep, err := Verify(seq(es), v, tc.anchors...)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Entries != int64(len(es)) {
				t.Errorf("read %d entries of %d", rep.Entries, len(es))
			}
			if tc.seq == 0 {
				if !rep.OK() {
					t.Fatalf("broken: %v", rep.Broken)
				}
				if len(es) > 0 && (rep.Head.Seq != es[len(es)-1].Seq || string(rep.Head.Hash) != string(es[len(es)-1].Hash)) {
					t.Errorf("head %v, want entry %d", rep.Head, es[len(es)-1].Seq)
				}
				return
			}
			if rep.OK() {
				t.Fatal("tampering not detected")
			}
			b := rep.Broken
			if b.Seq != tc.seq || b.Kind != tc.kind || !strings.Contains(b.Hint, tc.hint) {
				t.Errorf("got %v, want entry %d %s (%q)", b, tc.seq, tc.kind, tc.hint)
			}
			if !strings.Contains(b.Error(), "expected") || b.Expected == "" || b.Found == "" {
				t.Errorf("the break does not say what was expected and found: %v", b)
			}
		})
	}
}

func TestVerifyCountsBreaksOnce(t *testing.T) {
	c := keyed(t)
	es := slices.Delete(clone(chainOf(t, c, 10)), 3, 4)
	rep, err := Verify(seq(es), c)
	if err != nil || rep.Breaks != 1 || rep.Broken.Seq != 5 {
		t.Errorf("one deletion: %d breaks, first %v (%v)", rep.Breaks, rep.Broken, err)
	}
}

func TestVerifyReadError(t *testing.T) {
	boom := errors.New("connection lost")
	es := chainOf(t, keyed(t), 3)
	entries := func(yield func(Entry, error) bool) {
		if yield(es[0], nil) {
			yield(Entry{}, boom)
		}
	}
	if _, err := Verify(entries, keyed(t)); !errors.Is(err, boom) {
		t.Errorf("got %v, want the read error", err)
	}
}

func TestAnchor(t *testing.T) {
	es := chainOf(t, Chain{}, 3)
	a := Anchor{es[2].Seq, es[2].Hash}
	back, err := ParseAnchor(" " + a.String() + "\n")
	if err != nil || back.Seq != 3 || string(back.Hash) != string(a.Hash) {
		t.Errorf("round trip of %s: %v, %v", a, back, err)
	}
	for _, bad := range []string{"", "3", "x:00", "0:" + strings.Repeat("0", 64), "3:zz", "3:abcd", "-1:" + strings.Repeat("0", 64)} {
		if _, err := ParseAnchor(bad); err == nil {
			t.Errorf("ParseAnchor(%q) succeeded", bad)
		}
	}
}

// FuzzVerify: whatever the entries, Verify reports and never panics; an
// untouched chain always verifies.
func FuzzVerify(f *testing.F) {
	f.Add(int64(1), []byte{1, 2}, []byte{3}, "x", int64(0))
	f.Add(int64(0), []byte{}, []byte{}, "", int64(-5))
	f.Fuzz(func(t *testing.T, s int64, prev, h []byte, actor string, n int64) {
		c := keyed(t)
		es := append(chainOf(t, c, 2), Entry{Seq: s, PrevHash: prev, Hash: h, Actor: actor, Features: n})
		rep, err := Verify(seq(es), c, Anchor{Seq: s, Hash: h})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Entries != 3 {
			t.Fatalf("read %d entries", rep.Entries)
		}
		if rep2, _ := Verify(seq(es[:2]), c); !rep2.OK() {
			t.Fatalf("an untouched chain broke: %v", rep2.Broken)
		}
	})
}

func FuzzParseAnchor(f *testing.F) {
	f.Add("12:" + strings.Repeat("ab", 32))
	f.Add(":")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAnchor(s)
		if err == nil {
			if b, err := ParseAnchor(a.String()); err != nil || b.Seq != a.Seq || string(b.Hash) != string(a.Hash) {
				t.Errorf("%q parsed to %v, which does not round-trip (%v)", s, a, err)
			}
		}
	})
}

// BenchmarkVerify is the cost of checking one entry (the HMAC dominates).
func BenchmarkVerify(b *testing.B) {
	c := keyed(b)
	es := chainOf(b, c, 10000)
	b.ResetTimer()
	for b.Loop() {
		if rep, err := Verify(seq(es), c); err != nil || !rep.OK() {
			b.Fatal(err, rep.Broken)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(es)), "ns/entry")
}
