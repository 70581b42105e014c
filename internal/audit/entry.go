package audit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Entry is one audited event.
//
// The caller fills who (from the request's principal), what and how much;
// Append fills Seq, At, PrevHash and Hash. A caller that has an
// auth.Principal p sets Actor: p.Actor(), Department: p.Department,
// Method: string(p.Method), ACR: p.ACR, Issuer: p.Issuer.
type Entry struct {
	Seq int64     // 1, 2, 3, ... in chain order, without gaps
	At  time.Time // when it was appended, UTC, microsecond precision

	Actor      string // "department/subject", "anonymous", or a command's name
	Department string
	Method     string // how the actor authenticated: "api-key", "jwt", "" (none)
	ACR        string // the authentication level (acr claim), if any
	Issuer     string // the token issuer that vouched for the actor, if any

	Action  string // ActionWrite, ActionReadUnmasked, ...
	Layer   string // the layer's id
	Request string // method, path and query (see Request), or a command line
	// Features is how many features were written or returned.
	Features int64
	// ChangeSeq is the highest change-log seq a write made; 0 for reads.
	ChangeSeq int64

	PrevHash []byte // the previous entry's Hash; HashSize zero bytes for the first
	Hash     []byte // the chain's hash of every field above
}

// Actions csdi records. Action is free text so that later kinds need no
// schema change, but these are the ones to use.
const (
	ActionWrite        = "write"         // a Part 4 create, replace, update or delete
	ActionImport       = "import"        // a bulk import (HTTP or csdi import)
	ActionRollback     = "rollback"      // a layer put back to an earlier state
	ActionReadUnmasked = "read-unmasked" // a sensitive layer read through its full view
)

// Bounds on the text an entry keeps, in bytes. A longer value is cut at a
// character boundary and ends in "…", so a hostile URL cannot bloat the log.
const (
	MaxRequest = 2048
	MaxField   = 512
)

// HashSize is the length of every Hash and PrevHash.
const HashSize = 32

// EntryError is an entry Append refuses.
type EntryError struct {
	Field  string
	Reason string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("audit entry: %s: %s", e.Field, e.Reason)
}

// Request formats an HTTP request for Entry.Request: "GET /path?query".
// The caller passes r.Method, r.URL.Path and r.URL.RawQuery; Append bounds
// the length.
func Request(method, path, rawQuery string) string {
	if rawQuery == "" {
		return method + " " + path
	}
	return method + " " + path + "?" + rawQuery
}

// Check reports what Append would refuse in e's caller-filled fields, as
// an *EntryError, so a store can refuse a bad entry before it locks the log.
func (e Entry) Check() error {
	_, err := normalise(e)
	return err
}

// normalise checks e's caller-filled fields and makes its text storable
// and bounded: valid UTF-8 without NUL (PostgreSQL text cannot hold it),
// cut to MaxField or MaxRequest. Both stores hash and store the result, so
// what is read back hashes the same.
func normalise(e Entry) (Entry, error) {
	if strings.TrimSpace(e.Action) == "" {
		return e, &EntryError{"action", "is empty"}
	}
	if e.Features < 0 {
		return e, &EntryError{"features", fmt.Sprintf("is negative (%d)", e.Features)}
	}
	if e.ChangeSeq < 0 {
		return e, &EntryError{"change_seq", fmt.Sprintf("is negative (%d)", e.ChangeSeq)}
	}
	for _, f := range []*string{&e.Actor, &e.Department, &e.Method, &e.ACR, &e.Issuer, &e.Action, &e.Layer} {
		*f = clean(*f, MaxField)
	}
	e.Request = clean(e.Request, MaxRequest)
	return e, nil
}

// clean makes s valid UTF-8 without NUL bytes and at most limit bytes.
func clean(s string, limit int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if len(s) <= limit {
		return s
	}
	const ellipsis = "…"
	cut := limit - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
