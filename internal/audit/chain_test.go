package audit

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func keyed(t testing.TB) Chain {
	t.Helper()
	c, err := NewChain(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewChain(t *testing.T) {
	if c, err := NewChain(nil); err != nil || c.Keyed() || c.KeyID() != "" {
		t.Errorf("no key: %v, keyed %v", err, c.Keyed())
	}
	if _, err := NewChain([]byte("short")); err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("a 5-byte key: %v", err)
	}
	key := append([]byte(nil), testKey...)
	c, err := NewChain(key)
	if err != nil || !c.Keyed() {
		t.Fatalf("a 32-byte key: %v", err)
	}
	id := c.KeyID()
	key[0] ^= 1 // the chain keeps its own copy
	if c.KeyID() != id || len(id) != 16 {
		t.Errorf("KeyID %q changed with the caller's slice, or is not 8 bytes of hex", id)
	}
	other, _ := NewChain(key)
	if other.KeyID() == id {
		t.Error("two keys share a KeyID")
	}
}

func TestSeal(t *testing.T) {
	c := keyed(t)
	at := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.FixedZone("HKT", 8*3600))
	first, err := c.Seal(Anchor{}, Entry{Action: ActionWrite, Layer: "roads", Features: 3, ChangeSeq: 17}, at)
	if err != nil {
		t.Fatal(err)
	}
	if first.Seq != 1 || !bytes.Equal(first.PrevHash, make([]byte, HashSize)) || len(first.Hash) != HashSize {
		t.Errorf("first entry: %+v", first)
	}
	if first.At.Location() != time.UTC || first.At.Nanosecond() != 123456000 || !first.At.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("At %v: want UTC, truncated to the microsecond", first.At)
	}
	second, err := c.Seal(Anchor{first.Seq, first.Hash}, Entry{Action: ActionReadUnmasked}, at)
	if err != nil {
		t.Fatal(err)
	}
	if second.Seq != 2 || !bytes.Equal(second.PrevHash, first.Hash) {
		t.Errorf("second entry does not follow the first: %+v", second)
	}
	if _, err := c.Seal(Anchor{Seq: 4, Hash: []byte{1, 2}}, Entry{Action: ActionWrite}, at); err == nil {
		t.Error("Seal after an anchor with a 2-byte hash succeeded")
	}
	// Same fields, same hash; a key changes it.
	again, _ := c.Seal(Anchor{}, Entry{Action: ActionWrite, Layer: "roads", Features: 3, ChangeSeq: 17}, at)
	if !bytes.Equal(again.Hash, first.Hash) {
		t.Error("sealing the same entry twice gave two hashes")
	}
	if bytes.Equal((Chain{}).Hash(first), first.Hash) {
		t.Error("the keyed and unkeyed hashes agree")
	}
}

// TestHashCoversEveryField changes each field in turn: every change must
// change the hash, and Hash itself must not be hashed.
func TestHashCoversEveryField(t *testing.T) {
	c := keyed(t)
	base, _ := c.Seal(Anchor{}, Entry{Actor: "a", Department: "d", Method: "jwt", ACR: "x", Issuer: "i",
		Action: "write", Layer: "l", Request: "r", Features: 1, ChangeSeq: 2}, time.Unix(1e9, 0))
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		e := base
		e.PrevHash = append([]byte(nil), base.PrevHash...)
		e.Hash = append([]byte(nil), base.Hash...)
		f := reflect.ValueOf(&e).Elem().Field(i)
		switch f.Interface().(type) {
		case string:
			f.SetString(f.String() + "!")
		case int64:
			f.SetInt(f.Int() + 1)
		case time.Time:
			f.Set(reflect.ValueOf(e.At.Add(time.Microsecond)))
		case []byte:
			b := f.Bytes()
			b[0] ^= 1
		}
		changed := !bytes.Equal(c.Hash(e), base.Hash)
		if name == "Hash" && changed {
			t.Errorf("the hash covers Hash itself")
		}
		if name != "Hash" && !changed {
			t.Errorf("changing %s leaves the hash as it was", name)
		}
	}
}

// TestEncodingUnambiguous: moving bytes from one field to the next must
// change the encoding (length prefixes), so no two entries share a hash.
func TestEncodingUnambiguous(t *testing.T) {
	a := Entry{Actor: "ab", Department: "c", Action: "w"}
	b := Entry{Actor: "a", Department: "bc", Action: "w"}
	if bytes.Equal(encode(a), encode(b)) {
		t.Error("two entries differing only in a field boundary encode alike")
	}
}

func TestNormalise(t *testing.T) {
	cases := []struct {
		in, want string
		limit    int
	}{
		{"plain", "plain", 10},
		{"a\x00b", "a\uFFFDb", 10},
		{"bad\xff", "bad\uFFFD", 10},
		{"abcdefghijk", "abcdefg…", 10},
		{"名名名名", "名名…", 10}, // 12 bytes: cut on a character boundary
	}
	for _, tc := range cases {
		if got := clean(tc.in, tc.limit); got != tc.want || len(got) > tc.limit {
			t.Errorf("clean(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
		}
	}
	if got := Request("GET", "/a", ""); got != "GET /a" {
		t.Errorf("Request without a query: %q", got)
	}
	if got := Request("POST", "/a", "x=1"); got != "POST /a?x=1" {
		t.Errorf("Request with a query: %q", got)
	}
}

func FuzzEncodingUnambiguous(f *testing.F) {
	f.Add("ab", "c", "r", "ab", "c", "r", int64(1), int64(1))
	f.Add("", "", "", "", "", "", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, a1, d1, r1, a2, d2, r2 string, n1, n2 int64) {
		e1 := Entry{Actor: a1, Department: d1, Request: r1, Features: n1, At: time.Unix(0, 0)}
		e2 := Entry{Actor: a2, Department: d2, Request: r2, Features: n2, At: time.Unix(0, 0)}
		same := a1 == a2 && d1 == d2 && r1 == r2 && n1 == n2
		if bytes.Equal(encode(e1), encode(e2)) != same {
			t.Errorf("encode(%+v) vs encode(%+v): equal %v, entries equal %v", e1, e2, !same, same)
		}
	})
}
