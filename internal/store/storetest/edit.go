package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// EditBackend is a store under test that also edits layers, logs every
// change and keeps every version.
type EditBackend interface {
	Backend
	store.Editor
	store.ChangeLog
	store.History
	// Direct changes the database the way a department's own ETL or a GIS
	// client would: straight in the table, not through Edit. Each backend
	// implements it in its tests with its own SQL, on a connection of its
	// own.
	Direct(ctx context.Context, l *layer.Layer, d DirectEdit) error
}

// DirectEdit is one change made outside Edit.
type DirectEdit struct {
	// Op is store.OpUpdate (set Column to Value on feature ID) or
	// store.OpDelete (delete feature ID).
	Op     store.Op
	ID     any
	Column string
	Value  any
}

// RunEdit checks the write path of backend b: Edit and its Tx, the change
// log, history and rollback. open must return a backend on an empty
// database (or schema, or file); it is called once per sub-test.
func RunEdit(t *testing.T, open func(t *testing.T) EditBackend) {
	for _, c := range []struct {
		name string
		test func(*testing.T, EditBackend)
	}{
		{"RoundTrip", testEditRoundTrip},
		{"ServerIDs", testServerIDs},
		{"Refusals", testRefusals},
		{"ErrorRollsBack", testErrorRollsBack},
		{"CommitAndLog", testCommitAndLog},
		{"DirectWrites", testDirectWrites},
		{"Paging", testPaging},
		{"Wait", testWait},
		{"Fetch", testFetch},
		{"History", testHistory},
		{"Rollback", testRollback},
		{"BulkReplace", testBulkReplace},
		{"Invalid", testInvalid},
		{"CreateLayer", testCreateLayer},
		{"WriteLayerStillLogs", testWriteLayerStillLogs},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := open(t)
			defer b.Close()
			c.test(t, b)
		})
	}
}

// editFixtures writes the contract's layers and returns them: [0] has
// integer ids and every field type, [1] text ids and every geometry type.
func editFixtures(t *testing.T, b EditBackend) []Fixture {
	t.Helper()
	fx := Fixtures()
	for i := range fx {
		if err := b.WriteLayer(context.Background(), &fx[i].Layer, Seq(fx[i].Records)); err != nil {
			t.Fatalf("WriteLayer %s: %v", fx[i].Layer.ID, err)
		}
	}
	return fx
}

// edit runs fn in an Edit that must commit.
func edit(t *testing.T, b EditBackend, l *layer.Layer, actor string, fn func(store.Tx) error) store.Commit {
	t.Helper()
	c, err := b.Edit(context.Background(), l, actor, fn)
	if err != nil {
		t.Fatalf("Edit %s: %v", l.ID, err)
	}
	return c
}

func head(t *testing.T, b EditBackend) store.Cursor {
	t.Helper()
	c, err := b.Head(context.Background())
	if err != nil {
		t.Fatalf("Head: %v", err)
	}
	return c
}

// changesSince reads the whole log after c.
func changesSince(t *testing.T, b EditBackend, c store.Cursor) []store.Change {
	t.Helper()
	var out []store.Change
	for range 1000 {
		page, next, err := b.Changes(context.Background(), c, 100)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		c = next
	}
	t.Fatal("Changes never ran out")
	return nil
}

// byID loads a layer into a map by formatted id.
func byID(t *testing.T, b EditBackend, l *layer.Layer) map[string]store.Record {
	t.Helper()
	out := map[string]store.Record{}
	for _, r := range load(t, b, l) {
		out[fmt.Sprint(r.ID)] = r
	}
	return out
}

// sameLayer checks that a layer holds exactly want.
func sameLayer(t *testing.T, lid string, got, want map[string]store.Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d features, want %d (%v vs %v)", lid, len(got), len(want), keys(got), keys(want))
	}
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: feature %s is missing", lid, id)
			continue
		}
		compareRecord(t, lid, g, w)
	}
}

func keys(m map[string]store.Record) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// get reads one feature in its own Edit.
func get(t *testing.T, b EditBackend, l *layer.Layer, id any) (store.Record, bool) {
	t.Helper()
	var rec store.Record
	var ok bool
	edit(t, b, l, "reader", func(tx store.Tx) error {
		var err error
		rec, ok, err = tx.Get(context.Background(), id)
		return err
	})
	return rec, ok
}

func withProps(r store.Record, id any, g orb.Geometry, props ...any) store.Record {
	r.ID, r.Geometry = id, g
	if props != nil {
		r.Props = props
	}
	return r
}

func testEditRoundTrip(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	cases := []struct {
		fx       Fixture
		id       any
		first    store.Record // inserted
		replaced store.Record
	}{
		{fx[0], int64(10),
			withProps(fx[0].Records[0], int64(10), orb.Point{834000.125, 817000.5}),
			withProps(fx[0].Records[1], int64(10), orb.Point{834100, 817100})},
		{fx[1], "新 z-1",
			withProps(fx[1].Records[1], "新 z-1", fx[1].Records[1].Geometry, "多邊形 polygon"),
			withProps(fx[1].Records[5], "新 z-1", fx[1].Records[5].Geometry, "collection")},
	}
	for _, c := range cases {
		l := &c.fx.Layer
		check := func(step string, want store.Record) {
			t.Helper()
			got, ok := get(t, b, l, c.id)
			if !ok {
				t.Fatalf("%s %s: Get(%v) found nothing", l.ID, step, c.id)
			}
			compareRecord(t, l.ID+" "+step, got, want)
			// Tx.Get and Load must yield the same values of the same types
			// (ETags are computed from either).
			if loaded := byID(t, b, l)[fmt.Sprint(c.id)]; !reflect.DeepEqual(got, loaded) {
				t.Errorf("%s %s: Get returned %#v, Load %#v", l.ID, step, got, loaded)
			}
		}
		var id any
		edit(t, b, l, "tester", func(tx store.Tx) error {
			var err error
			id, err = tx.Insert(ctx, c.first)
			return err
		})
		if !reflect.DeepEqual(id, c.id) {
			t.Errorf("%s: Insert returned id %#v, want %#v", l.ID, id, c.id)
		}
		check("after insert", c.first)
		edit(t, b, l, "tester", func(tx store.Tx) error { return tx.Replace(ctx, c.replaced) })
		check("after replace", c.replaced)
		edit(t, b, l, "tester", func(tx store.Tx) error { return tx.Delete(ctx, c.id) })
		if _, ok := get(t, b, l, c.id); ok {
			t.Errorf("%s: feature %v is still there after Delete", l.ID, c.id)
		}
		want := map[string]store.Record{}
		for _, r := range c.fx.Records {
			want[fmt.Sprint(r.ID)] = r
		}
		sameLayer(t, l.ID, byID(t, b, l), want)
	}
}

func testServerIDs(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	rec := fx.Records[0]
	rec.ID = nil
	var ids []any
	edit(t, b, l, "tester", func(tx store.Tx) error {
		for range 2 {
			id, err := tx.Insert(ctx, rec)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	for _, id := range ids {
		i, ok := id.(int64)
		if !ok || i <= 3 {
			t.Fatalf("server-assigned ids %#v: want int64s above the existing 1-3", ids)
		}
	}
	if ids[0] == ids[1] {
		t.Fatalf("two inserts were given the same id %v", ids[0])
	}
	newest := max(ids[0].(int64), ids[1].(int64))
	edit(t, b, l, "tester", func(tx store.Tx) error { return tx.Delete(ctx, newest) })
	var again any
	edit(t, b, l, "tester", func(tx store.Tx) error {
		var err error
		again, err = tx.Insert(ctx, rec)
		return err
	})
	if again == newest {
		t.Errorf("the id %v of a deleted feature was given to a new one", newest)
	}
	got, ok := get(t, b, l, again)
	if !ok {
		t.Fatalf("Get(%v) after inserting it found nothing", again)
	}
	compareRecord(t, l.ID, got, withProps(rec, again, rec.Geometry))
}

func testRefusals(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	l := &fx[0].Layer
	before := byID(t, b, l)
	start := head(t, b)
	fail := func(name string, fn func(store.Tx) error) error {
		t.Helper()
		_, err := b.Edit(ctx, l, "tester", fn)
		if err == nil {
			t.Errorf("%s: Edit succeeded", name)
		}
		return err
	}
	dup := fx[0].Records[1]
	if err := fail("duplicate id", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, dup)
		return err
	}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Insert of an existing id: %v, want ErrConflict", err)
	}
	missing := withProps(fx[0].Records[0], int64(999), orb.Point{1, 2})
	if err := fail("replace missing", func(tx store.Tx) error { return tx.Replace(ctx, missing) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Replace of a missing id: %v, want ErrNotFound", err)
	}
	if err := fail("delete missing", func(tx store.Tx) error { return tx.Delete(ctx, int64(999)) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delete of a missing id: %v, want ErrNotFound", err)
	}
	edit(t, b, l, "tester", func(tx store.Tx) error {
		if _, ok, err := tx.Get(ctx, int64(999)); ok || err != nil {
			t.Errorf("Get of a missing id: found %v, error %v", ok, err)
		}
		return nil
	})
	values := []struct {
		name  string
		field string
		rec   store.Record
	}{
		{"text for an integer", "floors", withProps(fx[0].Records[0], int64(20), orb.Point{1, 2},
			"x", "many", 1.0, true, nil, nil, nil, nil)},
		{"line in a point layer", "", withProps(fx[0].Records[0], int64(21), orb.LineString{{0, 0}, {1, 1}})},
	}
	for _, v := range values {
		err := fail(v.name, func(tx store.Tx) error {
			_, err := tx.Insert(ctx, v.rec)
			return err
		})
		var ve *store.ValueError
		if !errors.As(err, &ve) {
			t.Errorf("%s: %v, want a *store.ValueError", v.name, err)
			continue
		}
		if v.field != "" && ve.Field != v.field {
			t.Errorf("%s: ValueError names field %q, want %q", v.name, ve.Field, v.field)
		}
	}
	sameLayer(t, l.ID, byID(t, b, l), before)
	if got := changesSince(t, b, start); len(got) != 0 {
		t.Errorf("refused edits were logged: %+v", got)
	}
}

func testErrorRollsBack(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	before := byID(t, b, l)
	start := head(t, b)
	boom := errors.New("the caller changed its mind")
	_, err := b.Edit(ctx, l, "tester", func(tx store.Tx) error {
		if _, err := tx.Insert(ctx, withProps(fx.Records[0], int64(30), orb.Point{1, 2})); err != nil {
			return err
		}
		if _, err := tx.Insert(ctx, withProps(fx.Records[0], nil, orb.Point{3, 4})); err != nil {
			return err
		}
		if err := tx.Replace(ctx, withProps(fx.Records[1], int64(1), orb.Point{5, 6})); err != nil {
			return err
		}
		if err := tx.Delete(ctx, int64(2)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Edit returned %v, want fn's error", err)
	}
	sameLayer(t, l.ID, byID(t, b, l), before)
	if got := changesSince(t, b, start); len(got) != 0 {
		t.Errorf("a rolled-back edit left %d change-log entries: %+v", len(got), got)
	}
	if h := head(t, b); h.Seq != start.Seq {
		t.Errorf("Head moved from %d to %d over a rolled-back edit", start.Seq, h.Seq)
	}
}

// wantChange checks one change-log entry.
func wantChange(t *testing.T, got store.Change, layerKey string, id any, op store.Op, actor string) {
	t.Helper()
	if got.Layer != layerKey || !reflect.DeepEqual(got.ID, id) || got.Op != op || (actor != "" && got.Actor != actor) {
		t.Errorf("change %+v, want layer %q id %#v op %v actor %q", got, layerKey, id, op, actor)
	}
	if got.Actor == "" {
		t.Errorf("change %+v has no actor", got)
	}
	if d := time.Since(got.At); d < -time.Minute || d > time.Hour {
		t.Errorf("change %+v is stamped %v, not about now", got, got.At)
	}
}

func testCommitAndLog(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	l, shapes := &fx[0].Layer, &fx[1].Layer
	start := head(t, b)
	c := edit(t, b, l, "alice", func(tx store.Tx) error {
		if _, err := tx.Insert(ctx, withProps(fx[0].Records[0], int64(20), orb.Point{1, 2})); err != nil {
			return err
		}
		if err := tx.Replace(ctx, withProps(fx[0].Records[1], int64(1), orb.Point{3, 4})); err != nil {
			return err
		}
		return tx.Delete(ctx, int64(2))
	})
	c2 := edit(t, b, shapes, "bob 陳", func(tx store.Tx) error { return tx.Delete(ctx, "a") })
	if c.Changes != 3 || c2.Changes != 1 {
		t.Errorf("commits report %d and %d changes, want 3 and 1", c.Changes, c2.Changes)
	}
	if c.Seq <= start.Seq || c2.Seq <= c.Seq {
		t.Errorf("commit seqs %d then %d after head %d: want increasing", c.Seq, c2.Seq, start.Seq)
	}
	if h := head(t, b); h.Seq != c2.Seq {
		t.Errorf("Head %d after the last commit at %d", h.Seq, c2.Seq)
	}
	got := changesSince(t, b, start)
	if len(got) != 4 {
		t.Fatalf("%d changes logged, want 4: %+v", len(got), got)
	}
	key, shapesKey := b.LayerKey(l), b.LayerKey(shapes)
	if key == shapesKey {
		t.Errorf("two layers share the key %q", key)
	}
	wantChange(t, got[0], key, int64(20), store.OpInsert, "alice")
	wantChange(t, got[1], key, int64(1), store.OpUpdate, "alice")
	wantChange(t, got[2], key, int64(2), store.OpDelete, "alice")
	wantChange(t, got[3], shapesKey, "a", store.OpDelete, "bob 陳")
	if got[2].Seq != c.Seq || got[3].Seq != c2.Seq {
		t.Errorf("commit seqs %d, %d; logged %d, %d", c.Seq, c2.Seq, got[2].Seq, got[3].Seq)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("changes out of order: %d after %d", got[i].Seq, got[i-1].Seq)
		}
	}
	// An edit that changes nothing commits nothing to the log.
	if c := edit(t, b, l, "alice", func(store.Tx) error { return nil }); c.Changes != 0 || c.Seq != 0 {
		t.Errorf("an empty edit reports %+v", c)
	}
}

func testDirectWrites(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	start := head(t, b)
	if err := b.Direct(ctx, l, DirectEdit{Op: store.OpUpdate, ID: int64(1), Column: "name", Value: "直接 direct"}); err != nil {
		t.Fatalf("Direct update: %v", err)
	}
	if err := b.Direct(ctx, l, DirectEdit{Op: store.OpDelete, ID: int64(2)}); err != nil {
		t.Fatalf("Direct delete: %v", err)
	}
	got := changesSince(t, b, start)
	if len(got) != 2 {
		t.Fatalf("%d changes logged for two direct writes, want 2: %+v", len(got), got)
	}
	wantChange(t, got[0], b.LayerKey(l), int64(1), store.OpUpdate, "")
	wantChange(t, got[1], b.LayerKey(l), int64(2), store.OpDelete, "")
	if r := byID(t, b, l)["1"]; r.Props[0] != "直接 direct" {
		t.Errorf("after the direct update, name is %#v", r.Props[0])
	}
	old, ok, err := b.AsOf(ctx, l, int64(1), start.Seq)
	if err != nil || !ok {
		t.Fatalf("AsOf before the direct update: %v, %v", ok, err)
	}
	compareRecord(t, l.ID, old, fx.Records[0])
	old, ok, err = b.AsOf(ctx, l, int64(2), start.Seq)
	if err != nil || !ok {
		t.Fatalf("AsOf before the direct delete: %v, %v", ok, err)
	}
	compareRecord(t, l.ID, old, fx.Records[1])
}

func testPaging(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	start := head(t, b)
	var want []any
	for i := range 5 {
		id := int64(40 + i)
		want = append(want, id)
		edit(t, b, l, "tester", func(tx store.Tx) error {
			_, err := tx.Insert(ctx, withProps(fx.Records[0], id, orb.Point{float64(i), 0}))
			return err
		})
	}
	var got []any
	c := start
	for _, n := range []int{2, 2, 1, 0} {
		page, next, err := b.Changes(ctx, c, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != n {
			t.Fatalf("a page of %d changes, want %d", len(page), n)
		}
		for _, ch := range page {
			if ch.Seq <= c.Seq {
				t.Errorf("change %d returned after cursor %d", ch.Seq, c.Seq)
			}
			got = append(got, ch.ID)
		}
		if n > 0 && next.Seq != page[n-1].Seq {
			t.Errorf("cursor %d after a page ending at %d", next.Seq, page[n-1].Seq)
		}
		if n == 0 && next.Seq != c.Seq {
			t.Errorf("an empty page moved the cursor from %d to %d", c.Seq, next.Seq)
		}
		c = next
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paged through ids %v, want %v", got, want)
	}
	if h := head(t, b); h.Seq != c.Seq {
		t.Errorf("Head %d, the cursor after reading everything %d", h.Seq, c.Seq)
	}
}

func testWait(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	c := head(t, b)
	changesSince(t, b, c) // the reader is up to date

	t.Run("times out", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { done <- b.Wait(ctx, 300*time.Millisecond) }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Wait: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Wait(300ms) has not returned after 20s")
		}
	})
	t.Run("wakes on a commit", func(t *testing.T) {
		done := make(chan error, 1)
		go func() { done <- b.Wait(ctx, time.Minute) }()
		time.Sleep(100 * time.Millisecond)
		edit(t, b, l, "tester", func(tx store.Tx) error { return tx.Delete(ctx, int64(1)) })
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Wait: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("Wait(1m) did not wake up within 20s of a commit")
		}
		if got := changesSince(t, b, c); len(got) != 1 {
			t.Errorf("after waking, %d changes to read, want 1", len(got))
		}
	})
	t.Run("ends with its context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- b.Wait(cctx, time.Minute) }()
		time.Sleep(50 * time.Millisecond)
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatal("Wait did not return within 20s of its context ending")
		}
	})
}

func testFetch(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	l, shapes := &fx[0].Layer, &fx[1].Layer
	edit(t, b, l, "tester", func(tx store.Tx) error { return tx.Delete(ctx, int64(2)) })
	loaded := byID(t, b, l)
	fetch := func(l *layer.Layer, ids ...any) map[string]store.Record {
		t.Helper()
		out := map[string]store.Record{}
		if err := b.Fetch(ctx, l, ids, func(r store.Record) error {
			out[fmt.Sprint(r.ID)] = r
			return nil
		}); err != nil {
			t.Fatalf("Fetch %v: %v", ids, err)
		}
		return out
	}
	got := fetch(l, int64(1), int64(2), int64(99), int64(3))
	if len(got) != 2 {
		t.Errorf("fetched %v, want features 1 and 3", keys(got))
	}
	for _, id := range []string{"1", "3"} {
		if !reflect.DeepEqual(got[id], loaded[id]) {
			t.Errorf("Fetch gave feature %s as %#v, Load as %#v", id, got[id], loaded[id])
		}
	}
	got = fetch(shapes, "b", "nope", "e")
	want := byID(t, b, shapes)
	delete(want, "a")
	delete(want, "c")
	delete(want, "d")
	delete(want, "f")
	sameLayer(t, shapes.ID, got, want)
	if got := fetch(l); len(got) != 0 {
		t.Errorf("Fetch of no ids gave %v", keys(got))
	}
}

func testHistory(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	for _, c := range []struct {
		fx  Fixture
		id  any
		gen func(i int) store.Record
	}{
		{fx[0], int64(50), func(i int) store.Record {
			r := fx[0].Records[i%2]
			return withProps(r, int64(50), orb.Point{833000 + float64(i), 816000})
		}},
		{fx[1], "h-1", func(i int) store.Record {
			return withProps(fx[1].Records[i], "h-1", fx[1].Records[i].Geometry, fmt.Sprintf("版本 %d", i))
		}},
	} {
		l := &c.fx.Layer
		versions := []store.Record{c.gen(0), c.gen(1), c.gen(2)}
		var seqs []int64
		seqs = append(seqs, edit(t, b, l, "v1", func(tx store.Tx) error {
			_, err := tx.Insert(ctx, versions[0])
			return err
		}).Seq)
		seqs = append(seqs, edit(t, b, l, "v2", func(tx store.Tx) error { return tx.Replace(ctx, versions[1]) }).Seq)
		// Another feature's change in between belongs to neither version.
		edit(t, b, l, "other", func(tx store.Tx) error { return tx.Delete(ctx, c.fx.Records[0].ID) })
		seqs = append(seqs, edit(t, b, l, "v3", func(tx store.Tx) error { return tx.Replace(ctx, versions[2]) }).Seq)
		seqs = append(seqs, edit(t, b, l, "gone", func(tx store.Tx) error { return tx.Delete(ctx, c.id) }).Seq)

		vs, err := b.Versions(ctx, l, c.id)
		if err != nil {
			t.Fatalf("Versions: %v", err)
		}
		wantOps := []store.Op{store.OpInsert, store.OpUpdate, store.OpUpdate, store.OpDelete}
		wantActors := []string{"v1", "v2", "v3", "gone"}
		if len(vs) != len(wantOps) {
			t.Fatalf("%s: %d versions of %v, want %d: %+v", l.ID, len(vs), c.id, len(wantOps), vs)
		}
		for i, v := range vs {
			if v.Seq != seqs[i] || v.Op != wantOps[i] || v.Actor != wantActors[i] || v.At.IsZero() {
				t.Errorf("%s: version %d is %+v, want seq %d op %v actor %s", l.ID, i, v, seqs[i], wantOps[i], wantActors[i])
			}
		}
		asOf := func(seq int64) (store.Record, bool) {
			t.Helper()
			r, ok, err := b.AsOf(ctx, l, c.id, seq)
			if err != nil {
				t.Fatalf("AsOf(%d): %v", seq, err)
			}
			return r, ok
		}
		if _, ok := asOf(seqs[0] - 1); ok {
			t.Errorf("%s: AsOf before the insert found the feature", l.ID)
		}
		for i, seq := range seqs[:3] {
			r, ok := asOf(seq)
			if !ok {
				t.Errorf("%s: AsOf(%d) found nothing, want version %d", l.ID, seq, i+1)
				continue
			}
			compareRecord(t, fmt.Sprintf("%s v%d", l.ID, i+1), r, versions[i])
		}
		if r, ok := asOf(seqs[2] - 1); !ok {
			t.Errorf("%s: AsOf between versions 2 and 3 found nothing", l.ID)
		} else {
			compareRecord(t, l.ID+" between", r, versions[1])
		}
		if _, ok := asOf(seqs[3]); ok {
			t.Errorf("%s: AsOf after the delete found the feature", l.ID)
		}
		if vs, err := b.Versions(ctx, l, c.fx.Records[1].ID); err != nil || len(vs) != 0 {
			t.Errorf("%s: a feature never edited has versions %+v (%v)", l.ID, vs, err)
		}
		// A feature never changed since it was written is as it is now.
		if r, ok, err := b.AsOf(ctx, l, c.fx.Records[1].ID, seqs[0]); err != nil || !ok {
			t.Errorf("%s: AsOf of an unchanged feature: %v, %v", l.ID, ok, err)
		} else {
			compareRecord(t, l.ID+" unchanged", r, c.fx.Records[1])
		}
	}
}

func testRollback(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	// The state to come back to: an insert and an update after the load.
	edit(t, b, l, "setup", func(tx store.Tx) error {
		if _, err := tx.Insert(ctx, withProps(fx.Records[0], int64(60), orb.Point{833500, 816500})); err != nil {
			return err
		}
		return tx.Replace(ctx, withProps(fx.Records[1], int64(1), orb.Point{833001, 816001}))
	})
	mark := head(t, b)
	want := byID(t, b, l)
	time.Sleep(20 * time.Millisecond)
	at := time.Now()
	time.Sleep(20 * time.Millisecond)

	damage := func() {
		t.Helper()
		edit(t, b, l, "bad push", func(tx store.Tx) error {
			if _, err := tx.Insert(ctx, withProps(fx.Records[0], int64(61), orb.Point{1, 1})); err != nil {
				return err
			}
			if err := tx.Replace(ctx, withProps(fx.Records[0], int64(1), orb.Point{2, 2}, "壞 bad", int64(0), 0.0, false, nil, nil, nil, nil)); err != nil {
				return err
			}
			if err := tx.Replace(ctx, withProps(fx.Records[2], int64(60), nil)); err != nil {
				return err
			}
			return tx.Delete(ctx, int64(3))
		})
		if err := b.Direct(ctx, l, DirectEdit{Op: store.OpUpdate, ID: int64(2), Column: "name", Value: "etl"}); err != nil {
			t.Fatal(err)
		}
		if err := b.Direct(ctx, l, DirectEdit{Op: store.OpDelete, ID: int64(61)}); err != nil {
			t.Fatal(err)
		}
	}
	damage()
	before := head(t, b)
	c, err := b.Rollback(ctx, l, mark.Seq, time.Time{}, "ops 運維")
	if err != nil {
		t.Fatalf("Rollback to %d: %v", mark.Seq, err)
	}
	sameLayer(t, l.ID+" rolled back to a seq", byID(t, b, l), want)
	logged := changesSince(t, b, before)
	if c.Changes == 0 || int64(len(logged)) != c.Changes || c.Seq != logged[len(logged)-1].Seq {
		t.Errorf("Rollback committed %+v; the log has %d entries after it", c, len(logged))
	}
	for _, ch := range logged {
		if ch.Actor != "ops 運維" {
			t.Errorf("rollback change %+v is not the rollback's actor's", ch)
		}
	}
	// Feature 61 was inserted and deleted after the mark: nothing to do.
	for _, ch := range logged {
		if ch.ID == int64(61) {
			t.Errorf("the rollback touched feature 61, which did not exist at either end: %+v", ch)
		}
	}

	damage()
	if _, err := b.Rollback(ctx, l, 0, at, "ops"); err != nil {
		t.Fatalf("Rollback to %v: %v", at, err)
	}
	sameLayer(t, l.ID+" rolled back to a time", byID(t, b, l), want)
}

func testBulkReplace(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	fresh := []store.Record{
		withProps(fx.Records[0], int64(100), orb.Point{1, 1}),
		withProps(fx.Records[1], int64(101), orb.Point{2, 2}),
		withProps(fx.Records[2], int64(102), nil),
	}
	var deleted, copied int64
	edit(t, b, l, "import", func(tx store.Tx) error {
		var err error
		if deleted, err = tx.DeleteAll(ctx); err != nil {
			return err
		}
		copied, err = tx.Copy(ctx, Seq(fresh), false)
		return err
	})
	if deleted != 3 || copied != 3 {
		t.Errorf("DeleteAll %d, Copy %d; want 3 and 3", deleted, copied)
	}
	want := map[string]store.Record{}
	for _, r := range fresh {
		want[fmt.Sprint(r.ID)] = r
	}
	sameLayer(t, l.ID+" replaced", byID(t, b, l), want)
	if vs, err := b.Versions(ctx, l, int64(1)); err != nil || len(vs) == 0 || vs[len(vs)-1].Op != store.OpDelete {
		t.Errorf("DeleteAll left feature 1 with versions %+v (%v), want a delete last", vs, err)
	}

	upsert := []store.Record{
		withProps(fx.Records[2], int64(100), orb.Point{9, 9}),
		withProps(fx.Records[0], int64(103), orb.Point{3, 3}),
		withProps(fx.Records[0], nil, orb.Point{4, 4}),
	}
	var n int64
	edit(t, b, l, "import", func(tx store.Tx) error {
		var err error
		n, err = tx.Copy(ctx, Seq(upsert), true)
		return err
	})
	if n != 3 {
		t.Errorf("Copy upsert wrote %d, want 3", n)
	}
	got := byID(t, b, l)
	if len(got) != 5 {
		t.Errorf("after upserting 2 of 3 records and adding 2, the layer has %v", keys(got))
	}
	want["100"], want["103"] = upsert[0], upsert[1]
	for id, r := range got {
		if _, ok := want[id]; !ok {
			want[id] = withProps(upsert[2], r.ID, upsert[2].Geometry) // the one given a new id
		}
	}
	sameLayer(t, l.ID+" upserted", got, want)

	before := got
	_, err := b.Edit(ctx, l, "import", func(tx store.Tx) error {
		_, err := tx.Copy(ctx, Seq([]store.Record{withProps(fx.Records[0], int64(200), orb.Point{5, 5}), upsert[1]}), false)
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("Copy of an existing id without upsert: %v, want ErrConflict", err)
	}
	sameLayer(t, l.ID+" after a failed copy", byID(t, b, l), before)

	boom := errors.New("source failed")
	_, err = b.Edit(ctx, l, "import", func(tx store.Tx) error {
		_, err := tx.Copy(ctx, func(yield func(store.Record, error) bool) {
			if yield(withProps(fx.Records[0], int64(300), orb.Point{6, 6}), nil) {
				yield(store.Record{}, boom)
			}
		}, false)
		return err
	})
	if !errors.Is(err, boom) {
		t.Errorf("Copy from a failing source: %v, want its error", err)
	}
	sameLayer(t, l.ID+" after a failed source", byID(t, b, l), before)
}

func testInvalid(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	l := &fx[1].Layer // any geometry type, EPSG:4326
	start := head(t, b)
	square := orb.Polygon{{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.4}, {114.1, 22.3}}}
	bowtie := orb.Polygon{{{114.1, 22.3}, {114.2, 22.4}, {114.2, 22.3}, {114.1, 22.4}, {114.1, 22.3}}}
	holeOutside := orb.Polygon{square[0], {{115, 23}, {115.1, 23}, {115.1, 23.1}, {115, 23}}}
	gs := []orb.Geometry{square, bowtie, orb.Point{114.1, 22.3}, holeOutside, fx[1].Records[1].Geometry}
	var bad []store.InvalidGeometry
	edit(t, b, l, "validator", func(tx store.Tx) error {
		var err error
		bad, err = tx.Invalid(ctx, gs)
		return err
	})
	if len(bad) != 2 || bad[0].Index != 1 || bad[1].Index != 3 {
		t.Fatalf("Invalid found %+v, want the bow-tie (1) and the hole outside its shell (3)", bad)
	}
	for _, g := range bad {
		if g.Reason == "" {
			t.Errorf("geometry %d is invalid for no reason", g.Index)
		}
	}
	if got := changesSince(t, b, start); len(got) != 0 {
		t.Errorf("Invalid wrote to the log: %+v", got)
	}
}

func testCreateLayer(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)
	def := layer.Layer{
		ID: "contract_new", Title: layer.Text{En: "New", Zh: "新圖層"},
		Source:       layer.Source{Table: "contract_new", GeometryColumn: "geom", SRID: 2326},
		GeometryType: layer.Point,
		Fields: []layer.Field{
			{Name: "name", Type: layer.String, Required: true},
			{Name: "count", Type: layer.Integer},
			{Name: "when", Type: layer.DateTime},
		},
	}
	l, err := b.CreateLayer(ctx, &def)
	if err != nil {
		t.Fatalf("CreateLayer: %v", err)
	}
	if l.Source.Table != def.Source.Table || l.Source.IDColumn == "" || l.GeometryType != layer.Point {
		t.Errorf("CreateLayer returned source %+v of %q", l.Source, l.GeometryType)
	}
	for _, f := range def.Fields {
		if i := l.FieldIndex(f.Name); i < 0 || l.Fields[i].Type != f.Type {
			t.Errorf("the created layer lacks field %+v: %+v", f, l.Fields)
		}
	}
	if got := discovered(t, b, def.Source.Table); got.Source.IDColumn != l.Source.IDColumn {
		t.Errorf("Layers reports id column %q, CreateLayer %q", got.Source.IDColumn, l.Source.IDColumn)
	}
	if got := load(t, b, &l); len(got) != 0 {
		t.Errorf("a new layer has %d features", len(got))
	}
	start := head(t, b)
	rec := store.Record{Geometry: orb.Point{833000, 816000}, Props: make([]any, len(l.Fields))}
	rec.Props[l.FieldIndex("name")] = "新 feature"
	rec.Props[l.FieldIndex("count")] = int64(7)
	rec.Props[l.FieldIndex("when")] = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	var id any
	edit(t, b, &l, "creator", func(tx store.Tx) error {
		id, err = tx.Insert(ctx, rec)
		return err
	})
	if _, ok := id.(int64); !ok {
		t.Errorf("the new layer assigned id %#v, want an int64", id)
	}
	got := load(t, b, &l)
	if len(got) != 1 {
		t.Fatalf("%d features after one insert", len(got))
	}
	compareRecord(t, l.ID, got[0], withProps(rec, id, rec.Geometry))
	log := changesSince(t, b, start)
	if len(log) != 1 {
		t.Fatalf("%d changes logged, want 1", len(log))
	}
	wantChange(t, log[0], b.LayerKey(&l), id, store.OpInsert, "creator")

	missing := rec
	missing.Props = slices.Clone(rec.Props)
	missing.Props[l.FieldIndex("name")] = nil
	_, err = b.Edit(ctx, &l, "creator", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, missing)
		return err
	})
	var ve *store.ValueError
	if !errors.As(err, &ve) || ve.Field != "name" {
		t.Errorf("a feature without its required name: %v, want a ValueError for name", err)
	}

	if _, err := b.CreateLayer(ctx, &def); !errors.Is(err, store.ErrLayerExists) {
		t.Errorf("CreateLayer of an existing layer: %v, want ErrLayerExists", err)
	}
	taken := fx[0].Layer
	taken.ID = "contract_other"
	if _, err := b.CreateLayer(ctx, &taken); !errors.Is(err, store.ErrLayerExists) {
		t.Errorf("CreateLayer on an existing table: %v, want ErrLayerExists", err)
	}

	codes := layer.Layer{
		ID: "contract_codes", IDs: "client",
		Source:       layer.Source{Table: "contract_codes", IDColumn: "code", GeometryColumn: "geom", SRID: 4326},
		GeometryType: layer.Polygon,
		Fields:       []layer.Field{{Name: "kind", Type: layer.String}},
	}
	cl, err := b.CreateLayer(ctx, &codes)
	if err != nil {
		t.Fatalf("CreateLayer with client ids: %v", err)
	}
	square := orb.Polygon{{{114.1, 22.3}, {114.2, 22.3}, {114.2, 22.4}, {114.1, 22.4}, {114.1, 22.3}}}
	edit(t, b, &cl, "creator", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{ID: "HK-001", Geometry: square, Props: []any{"區 district"}})
		return err
	})
	if r, ok := get(t, b, &cl, "HK-001"); !ok || r.ID != "HK-001" {
		t.Errorf("client-named feature read back as %#v (found %v)", r.ID, ok)
	}
}

func testWriteLayerStillLogs(t *testing.T, b EditBackend) {
	ctx := context.Background()
	fx := editFixtures(t, b)[0]
	l := &fx.Layer
	edit(t, b, l, "tester", func(tx store.Tx) error { return tx.Delete(ctx, int64(3)) })
	start := head(t, b)
	if err := b.WriteLayer(ctx, l, Seq(fx.Records[:2])); err != nil {
		t.Fatalf("WriteLayer: %v", err)
	}
	log := changesSince(t, b, start)
	reloaded := false
	for _, ch := range log {
		if ch.Layer == b.LayerKey(l) && ch.Op == store.OpReload {
			reloaded = true
		}
	}
	if !reloaded {
		t.Errorf("rewriting the layer logged %+v, want a reload", log)
	}
	start = head(t, b)
	edit(t, b, l, "tester", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, withProps(fx.Records[0], int64(70), orb.Point{1, 1}))
		return err
	})
	if err := b.Direct(ctx, l, DirectEdit{Op: store.OpUpdate, ID: int64(1), Column: "name", Value: "after rewrite"}); err != nil {
		t.Fatal(err)
	}
	log = changesSince(t, b, start)
	if len(log) != 2 {
		t.Fatalf("%d changes logged after the rewrite, want 2: %+v", len(log), log)
	}
	wantChange(t, log[0], b.LayerKey(l), int64(70), store.OpInsert, "tester")
	wantChange(t, log[1], b.LayerKey(l), int64(1), store.OpUpdate, "")
}
