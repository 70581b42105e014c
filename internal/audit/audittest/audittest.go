// Package audittest is the contract every audit.Log passes: what Append
// returns is what Entries reads back, filters select what they say, bad
// entries and queries are refused, and appenders in parallel, through
// several handles on one store, make one chain that verifies.
package audittest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/audit"
)

// Opener opens a handle on one log; every handle it returns shares the
// same storage (another Store instance on the same database or file), as
// replicas of one deployment would.
type Opener func(t *testing.T, c audit.Chain) audit.Log

// Run runs the contract. fresh makes a new, empty log and returns the way
// to open handles on it.
func Run(t *testing.T, fresh func(t *testing.T) Opener) {
	key, err := audit.NewChain([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("AppendAndRead", func(t *testing.T) { appendAndRead(t, fresh(t)(t, key), key) })
	t.Run("Filters", func(t *testing.T) { filters(t, fresh(t)(t, key)) })
	t.Run("Text", func(t *testing.T) { text(t, fresh(t)(t, key), key) })
	t.Run("BadInput", func(t *testing.T) { badInput(t, fresh(t)(t, key)) })
	t.Run("Keys", func(t *testing.T) { keys(t, fresh(t)(t, key), key) })
	t.Run("Concurrent", func(t *testing.T) { concurrent(t, fresh(t), key) })
}

// Sample is a plausible entry number i, varied in every field.
func Sample(i int) audit.Entry {
	e := audit.Entry{
		Actor: "lands/alice", Department: "lands", Method: "jwt", ACR: "high",
		Issuer: "https://iam.example.gov.hk", Action: audit.ActionReadUnmasked, Layer: "homecare",
		Request: fmt.Sprintf("GET /collections/homecare/items?limit=%d", i), Features: int64(i),
	}
	if i%3 == 1 {
		e.Actor, e.Department, e.Method, e.ACR, e.Issuer = "planning/etl", "planning", "api-key", "", ""
		e.Action, e.Layer, e.ChangeSeq = audit.ActionWrite, "buildings", int64(100+i)
	}
	if i%3 == 2 {
		e.Action, e.Layer, e.Request, e.ChangeSeq = audit.ActionImport, "buildings", "csdi import -layer buildings x.geojson", int64(200+i)
	}
	return e
}

// Collect reads every entry q selects, failing the test on an error.
func Collect(t *testing.T, l audit.Log, q audit.Query) []audit.Entry {
	t.Helper()
	var out []audit.Entry
	for e, err := range l.Entries(context.Background(), q) {
		if err != nil {
			t.Fatalf("Entries(%+v): %v", q, err)
		}
		out = append(out, e)
	}
	return out
}

// Equal reports whether two entries are the same, field by field.
func Equal(a, b audit.Entry) bool {
	return a.Seq == b.Seq && a.At.Equal(b.At) && a.Actor == b.Actor && a.Department == b.Department &&
		a.Method == b.Method && a.ACR == b.ACR && a.Issuer == b.Issuer && a.Action == b.Action &&
		a.Layer == b.Layer && a.Request == b.Request && a.Features == b.Features &&
		a.ChangeSeq == b.ChangeSeq && string(a.PrevHash) == string(b.PrevHash) && string(a.Hash) == string(b.Hash)
}

func mustAppend(t *testing.T, l audit.Log, e audit.Entry) audit.Entry {
	t.Helper()
	got, err := l.Append(context.Background(), e)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return got
}

func mustVerify(t *testing.T, l audit.Log, c audit.Chain, anchors ...audit.Anchor) audit.Report {
	t.Helper()
	rep, err := audit.Verify(l.Entries(context.Background(), audit.Query{}), c, anchors...)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func appendAndRead(t *testing.T, l audit.Log, c audit.Chain) {
	if rep := mustVerify(t, l, c); !rep.OK() || rep.Entries != 0 || rep.Head.Seq != 0 {
		t.Fatalf("an empty log: %+v", rep)
	}
	if h, err := audit.Head(context.Background(), l); err != nil || h.Seq != 0 {
		t.Fatalf("Head of an empty log: %v (%v)", h, err)
	}
	before := time.Now().Add(-5 * time.Second) // the database's clock may differ a little
	var appended []audit.Entry
	for i := range 5 {
		e := mustAppend(t, l, Sample(i))
		want := Sample(i)
		want.Seq, want.At, want.PrevHash, want.Hash = e.Seq, e.At, e.PrevHash, e.Hash
		if !Equal(e, want) {
			t.Errorf("Append changed the caller's fields:\n got %+v\nwant %+v", e, want)
		}
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d has seq %d", i+1, e.Seq)
		}
		if e.At.Before(before) || e.At.After(time.Now().Add(5*time.Second)) || e.At.Location() != time.UTC {
			t.Errorf("entry %d at %v: not now, or not UTC", e.Seq, e.At)
		}
		if i == 0 && string(e.PrevHash) != string(make([]byte, audit.HashSize)) {
			t.Errorf("the first entry's PrevHash is %x, want zeros", e.PrevHash)
		}
		if i > 0 && string(e.PrevHash) != string(appended[i-1].Hash) {
			t.Errorf("entry %d does not link to entry %d", e.Seq, i)
		}
		if len(e.Hash) != audit.HashSize || string(e.Hash) != string(c.Hash(e)) {
			t.Errorf("entry %d's hash %x is not the chain's", e.Seq, e.Hash)
		}
		appended = append(appended, e)
	}
	got := Collect(t, l, audit.Query{})
	if len(got) != len(appended) {
		t.Fatalf("read %d entries, appended %d", len(got), len(appended))
	}
	for i := range got {
		if !Equal(got[i], appended[i]) {
			t.Errorf("entry %d read back differs:\n got %+v\nwant %+v", i+1, got[i], appended[i])
		}
	}
	rep := mustVerify(t, l, c)
	if !rep.OK() || rep.Entries != 5 || rep.Head.Seq != 5 || string(rep.Head.Hash) != string(appended[4].Hash) {
		t.Errorf("Verify: %+v (%v)", rep, rep.Broken)
	}
	if h, err := audit.Head(context.Background(), l); err != nil || h.Seq != 5 || string(h.Hash) != string(rep.Head.Hash) {
		t.Errorf("Head: %v (%v), want %v", h, err, rep.Head)
	}
	// An anchor taken now holds while the log grows.
	mustAppend(t, l, Sample(5))
	if rep := mustVerify(t, l, c, rep.Head); !rep.OK() || rep.Entries != 6 {
		t.Errorf("Verify against an older anchor: %+v (%v)", rep, rep.Broken)
	}
	// Stopping early releases what the read held: the log goes on.
	for range l.Entries(context.Background(), audit.Query{}) {
		break
	}
	mustAppend(t, l, Sample(6))
}

func filters(t *testing.T, l audit.Log) {
	for i := range 9 {
		mustAppend(t, l, Sample(i))
	}
	all := Collect(t, l, audit.Query{})
	mid := all[4].At
	cases := []struct {
		name string
		q    audit.Query
		want []int64
	}{
		{"all", audit.Query{}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"layer", audit.Query{Layer: "homecare"}, []int64{1, 4, 7}},
		{"actor", audit.Query{Actor: "planning/etl"}, []int64{2, 5, 8}},
		{"department", audit.Query{Department: "lands"}, []int64{1, 3, 4, 6, 7, 9}},
		{"action", audit.Query{Action: audit.ActionImport}, []int64{3, 6, 9}},
		{"layer and action", audit.Query{Layer: "buildings", Action: audit.ActionWrite}, []int64{2, 5, 8}},
		{"limit", audit.Query{Limit: 2}, []int64{1, 2}},
		{"newest", audit.Query{Newest: true, Limit: 3}, []int64{9, 8, 7}},
		{"newest of a layer", audit.Query{Newest: true, Layer: "buildings", Limit: 2}, []int64{9, 8}},
		{"after", audit.Query{After: 7}, []int64{8, 9}},
		{"no match", audit.Query{Layer: "nothing"}, nil},
	}
	for _, tc := range cases {
		var got []int64
		for _, e := range Collect(t, l, tc.q) {
			got = append(got, e.Seq)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	// Time bounds: since is inclusive, until exclusive, whatever the
	// entries' clock (all nine may share a microsecond on a fast machine),
	// and a bound between two microseconds or in another zone means what
	// it says.
	hkt := time.FixedZone("HKT", 8*3600)
	for _, q := range []audit.Query{
		{Since: mid}, {Until: mid}, {Since: mid.In(hkt)}, {Until: mid.In(hkt)},
		{Since: mid.Add(500 * time.Nanosecond)}, {Until: mid.Add(500 * time.Nanosecond)},
		{Since: mid.Add(-500 * time.Nanosecond)}, {Until: mid.Add(-500 * time.Nanosecond)},
		{Since: all[2].At, Until: all[6].At}, {Since: mid.Add(-time.Hour), Until: mid.Add(time.Hour)},
		{Since: mid, Layer: "buildings", Limit: 1},
	} {
		var want, got []int64
		for _, e := range all {
			if q.Match(e) && (q.Limit == 0 || len(want) < q.Limit) {
				want = append(want, e.Seq)
			}
		}
		for _, e := range Collect(t, l, q) {
			got = append(got, e.Seq)
		}
		if !slices.Equal(got, want) {
			t.Errorf("since %v until %v: got %v, want %v", q.Since, q.Until, got, want)
		}
	}
	if got := len(Collect(t, l, audit.Query{Since: mid.Add(-time.Hour), Until: mid.Add(time.Hour)})); got != 9 {
		t.Errorf("a two-hour window around the entries holds %d", got)
	}
}

func text(t *testing.T, l audit.Log, c audit.Chain) {
	long := "GET /collections/x/items?filter=" + strings.Repeat("名", 2000)
	e := mustAppend(t, l, audit.Entry{Action: audit.ActionWrite, Actor: "a\x00b", Layer: "bad\xffutf8", Request: long})
	if len(e.Request) > audit.MaxRequest || !strings.HasSuffix(e.Request, "…") || !strings.HasPrefix(e.Request, "GET /collections/x/items?filter=名") {
		t.Errorf("a long request is kept as %d bytes ending %q", len(e.Request), e.Request[max(0, len(e.Request)-10):])
	}
	if strings.ContainsRune(e.Actor, 0) || e.Layer != "bad\uFFFDutf8" {
		t.Errorf("NUL or invalid UTF-8 kept: actor %q layer %q", e.Actor, e.Layer)
	}
	got := Collect(t, l, audit.Query{})
	if len(got) != 1 || !Equal(got[0], e) {
		t.Fatalf("read back %+v, want %+v", got, e)
	}
	if rep := mustVerify(t, l, c); !rep.OK() {
		t.Errorf("Verify: %v", rep.Broken)
	}
}

func badInput(t *testing.T, l audit.Log) {
	ctx := context.Background()
	for _, e := range []audit.Entry{
		{Actor: "x"},
		{Action: " "},
		{Action: audit.ActionWrite, Features: -1},
		{Action: audit.ActionWrite, ChangeSeq: -2},
	} {
		_, err := l.Append(ctx, e)
		var ee *audit.EntryError
		if !errors.As(err, &ee) {
			t.Errorf("Append(%+v): %v, want an EntryError", e, err)
		}
	}
	if got := Collect(t, l, audit.Query{}); len(got) != 0 {
		t.Errorf("refused entries were kept: %+v", got)
	}
	for _, q := range []audit.Query{
		{Limit: -1},
		{After: -1},
		{Since: time.Now(), Until: time.Now().Add(-time.Hour)},
	} {
		var qe *audit.QueryError
		for _, err := range l.Entries(ctx, q) {
			if !errors.As(err, &qe) {
				t.Errorf("Entries(%+v): %v, want a QueryError", q, err)
			}
			break
		}
		if qe == nil {
			t.Errorf("Entries(%+v) yielded no error", q)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := l.Append(cancelled, Sample(1)); err == nil {
		t.Error("Append with a cancelled context succeeded")
	}
}

func keys(t *testing.T, l audit.Log, c audit.Chain) {
	for i := range 3 {
		mustAppend(t, l, Sample(i))
	}
	other, _ := audit.NewChain([]byte("another key, also 32 bytes long!"))
	for name, wrong := range map[string]audit.Chain{"another key": other, "no key": {}} {
		rep := mustVerify(t, l, wrong)
		if rep.OK() || rep.Broken.Seq != 1 || rep.Broken.Kind != audit.Altered {
			t.Errorf("verified with %s: %+v", name, rep.Broken)
		}
	}
}

func concurrent(t *testing.T, open Opener, c audit.Chain) {
	const handles, workers, each = 2, 4, 25
	logs := make([]audit.Log, handles)
	for i := range logs {
		logs[i] = open(t, c)
	}
	var wg sync.WaitGroup
	errs := make(chan error, handles*workers)
	for h := range handles {
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					e := Sample(i)
					e.Actor = fmt.Sprintf("replica%d/worker%d", h, w)
					if _, err := logs[h].Append(context.Background(), e); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Append: %v", err)
	}
	rep := mustVerify(t, logs[0], c)
	if !rep.OK() || rep.Entries != handles*workers*each {
		t.Fatalf("after %d concurrent appends: %d entries, %v", handles*workers*each, rep.Entries, rep.Broken)
	}
	for h := range handles {
		for w := range workers {
			n := len(Collect(t, logs[1], audit.Query{Actor: fmt.Sprintf("replica%d/worker%d", h, w)}))
			if n != each {
				t.Errorf("replica%d/worker%d has %d entries, want %d", h, w, n, each)
			}
		}
	}
}
