package ingest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Mode is how an import meets the features a layer already has.
type Mode string

const (
	// Append adds the features; an id that exists already fails the run.
	Append Mode = "append"
	// Upsert adds the features, replacing those whose ids exist.
	Upsert Mode = "upsert"
	// Replace deletes every feature of the layer, then adds the input's,
	// in the same transaction (the deleted ones go to the history).
	Replace Mode = "replace"
)

// ParseMode reads a mode's name; empty means Append.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Append, nil
	case Append, Upsert, Replace:
		return m, nil
	}
	return "", fmt.Errorf("mode %q is not append, upsert or replace", s)
}

// ErrRejected is returned with a report whose problems kept the import
// from being written: nothing was.
var ErrRejected = errors.New("the input has problems; nothing was written")

// Options say how to import.
type Options struct {
	Mode   Mode
	DryRun bool   // validate everything, write nothing
	Actor  string // recorded in the change log
	// MaxProblems is how many problems the report lists (DefaultMaxProblems);
	// all are counted.
	MaxProblems int
	// BatchSize is how many records go to the store per Copy, and so how
	// many are held in memory at once (about four batches).
	BatchSize int
	// Progress, if set, counts features as the import goes.
	Progress *Progress
	// ConcurrentCheck checks each batch's geometries while the previous
	// batch is copied: on a connection of its own when the store can check
	// outside a transaction (PostGIS), else in a second, read-only
	// transaction. The writing transaction then has nothing to do between
	// batches, and all of them go to the store in one Copy. Only for
	// stores that run transactions side by side: one that serialises
	// writers (the embedded store) would wait on itself.
	ConcurrentCheck bool
}

// Progress counts an import's features as it goes, for another goroutine
// to report.
type Progress struct {
	Read    atomic.Int64 // decoded and checked
	Written atomic.Int64 // sent to the store (not yet committed)
	stage   atomic.Pointer[string]
}

// SetStage names what the import is doing ("checking", "writing").
func (p *Progress) SetStage(s string) { p.stage.Store(&s) }

// Stage is what the import is doing, "" before it starts.
func (p *Progress) Stage() string {
	if s := p.stage.Load(); s != nil {
		return *s
	}
	return ""
}

// DefaultMaxProblems is how many problems a report lists by default.
const DefaultMaxProblems = 1000

const (
	defaultBatch = 5000
	// validityChunk and validityPoints bound how many geometries, and
	// how many positions, go to the store's validity check at a time: a
	// whole batch of ordinary features in one statement (each statement
	// costs a round trip and a plan), but never one huge parameter.
	validityChunk  = 5000
	validityPoints = 1 << 20
)

// Report is what an import did, or would do, and what is wrong with it.
type Report struct {
	Layer    string `json:"layer"`
	Mode     Mode   `json:"mode"`
	DryRun   bool   `json:"dryRun"`
	Created  bool   `json:"created,omitempty"` // the layer's table was made for this import
	Features int64  `json:"features"`          // read from the input
	Written  int64  `json:"written"`
	Deleted  int64  `json:"deleted,omitempty"` // by Replace
	// Seq is the change-log sequence of the import's commit: a cache that
	// has applied it shows the import.
	Seq          int64     `json:"seq,omitempty"`
	ProblemCount int       `json:"problemCount"`
	Problems     []Problem `json:"problems"`
	// Schema is the layer a new table was (or, in a dry run, would be)
	// made with.
	Schema  *layer.Layer `json:"schema,omitempty"`
	Notes   []string     `json:"notes,omitempty"`
	Seconds float64      `json:"seconds"`
}

// OK reports whether the input had no problems.
func (r *Report) OK() bool { return r.ProblemCount == 0 }

// Run imports src into layer l through ed, all or nothing: when any
// feature has a problem (the store's own geometry check and its refusals
// included) nothing is written and the report lists them, with
// ErrRejected. With a nil ed (a dry run for a layer that does not exist
// yet) every check but the store's is made.
func Run(ctx context.Context, ed store.Editor, l *layer.Layer, src Source, opts Options) (Report, error) {
	var edit func(fn func(*layer.Layer, store.Tx) error) (store.Commit, error)
	if ed != nil {
		edit = func(fn func(*layer.Layer, store.Tx) error) (store.Commit, error) {
			return ed.Edit(ctx, l, opts.Actor, func(tx store.Tx) error { return fn(l, tx) })
		}
	}
	return run(ctx, ed, l, src, opts, edit)
}

// Creator is a store that creates a new layer's table in the transaction
// of its first edit (the PostGIS store does), so that a first import into
// a new layer is all or nothing too: the table is kept only with the
// features. fn gets the layer as the store made it.
type Creator interface {
	CreateAndEdit(ctx context.Context, l *layer.Layer, actor string, fn func(*layer.Layer, store.Tx) error) (layer.Layer, store.Commit, error)
}

// RunNew imports src into a new layer l that cr creates in the same
// transaction, as Run does into an existing one: with problems nothing,
// not even the table, is made. Every feature is checked on the way, so the
// input need not have been (Schema.Checked). opts.DryRun is not for it
// (see Run with a nil editor). The report's Schema is the layer as made.
func RunNew(ctx context.Context, cr Creator, l *layer.Layer, src Source, opts Options) (Report, error) {
	if opts.DryRun {
		return Report{}, errors.New("ingest: a dry run into a new layer has no store to go through")
	}
	made := *l
	created := false
	edit := func(fn func(*layer.Layer, store.Tx) error) (store.Commit, error) {
		var c store.Commit
		var err error
		made, c, err = cr.CreateAndEdit(ctx, l, opts.Actor, fn)
		created = err == nil
		return c, err
	}
	ed, _ := cr.(store.Editor)
	rep, err := run(ctx, ed, l, src, opts, edit)
	rep.Created, rep.Schema = created, &made
	return rep, err
}

// run is Run and RunNew: edit runs fn in the writing transaction, nil for
// a check without a store.
func run(ctx context.Context, ed store.Editor, l *layer.Layer, src Source, opts Options, edit func(fn func(*layer.Layer, store.Tx) error) (store.Commit, error)) (Report, error) {
	start := time.Now()
	if opts.Mode == "" {
		opts.Mode = Append
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = DefaultMaxProblems
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = defaultBatch
	}
	rep := Report{Layer: l.ID, Mode: opts.Mode, DryRun: opts.DryRun, Problems: []Problem{}}
	if n, ok := src.(interface{ Notes() []string }); ok {
		rep.Notes = n.Notes()
	}
	im := &importer{l: l, src: src, opts: opts, col: &collector{max: opts.MaxProblems}, ed: ed}
	stage := func(s string) {
		if opts.Progress != nil {
			opts.Progress.Read.Store(0)
			opts.Progress.Written.Store(0)
			opts.Progress.SetStage(s)
		}
	}
	var err error
	if edit == nil {
		stage("checking")
		err = im.pipeline(ctx, nil)
		rep.Notes = append(rep.Notes, "geometry validity was not checked by the store, as the layer does not exist yet")
	} else {
		var c store.Commit
		c, err = edit(func(l *layer.Layer, tx store.Tx) error {
			im.l = l // as the store has it
			if opts.Mode == Replace && !opts.DryRun {
				stage("deleting the layer's features")
				n, err := tx.DeleteAll(ctx)
				if err != nil {
					return err
				}
				im.deleted = n
			}
			if opts.DryRun {
				stage("checking")
			} else {
				stage("writing")
			}
			if err := im.pipeline(ctx, tx); err != nil {
				return err
			}
			if im.col.failed() {
				return ErrRejected
			}
			if opts.DryRun {
				return errDryRun
			}
			stage("committing")
			return nil
		})
		rep.Seq = c.Seq
	}
	rep.Features = im.features.Load()
	rep.Seconds = time.Since(start).Seconds()
	rep.ProblemCount, rep.Problems = im.col.result()
	switch {
	case errors.Is(err, errDryRun) || err == nil && opts.DryRun:
		err = nil
	case err == nil && im.col.failed():
		err = ErrRejected // validate-only run
	case err == nil:
		rep.Written, rep.Deleted = im.written, im.deleted
		return rep, nil
	}
	if rep.ProblemCount > 0 && (err == nil || errors.Is(err, ErrRejected)) {
		return rep, ErrRejected
	}
	if err != nil {
		return rep, fmt.Errorf("import into %s: %w", l.ID, err)
	}
	return rep, nil
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// importer is one run: a reader goroutine decodes and checks features
// into batches, the caller's goroutine checks their geometry with the
// store and copies them, so the two overlap.
type importer struct {
	ed       store.Editor
	l        *layer.Layer
	src      Source
	opts     Options
	col      *collector
	features atomic.Int64
	written  int64
	deleted  int64
	// idsGiven is decided by the first record of a layer whose server
	// assigns ids: whether the input's ids are kept.
	idsSeen, idsGiven bool
	// nextID numbers features without ids when the store does not.
	nextID int64
}

// batch is records ready to write and their positions in the input.
type batch struct {
	recs  []store.Record
	index []int
}

func (im *importer) pipeline(ctx context.Context, tx store.Tx) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 2)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- im.read(ctx, batches)
	}()
	var checked <-chan batch = batches
	var checkErr <-chan error
	if tx != nil && im.opts.ConcurrentCheck {
		checked, checkErr = im.checkAside(ctx, batches)
	}
	var err error
	if checkErr != nil && !im.opts.DryRun {
		// Nothing else needs the transaction between batches: one Copy
		// takes them all (see stream).
		err = im.stream(ctx, tx, checked)
		if err != nil {
			cancel()
		}
	}
	for b := range checked {
		if err != nil || im.col.failed() {
			continue // drain, so the reader can finish
		}
		if checkErr == nil {
			err = im.check(ctx, tx, b)
		}
		if err == nil {
			err = im.write(ctx, tx, b)
		}
		if err != nil {
			cancel()
		}
	}
	if checkErr != nil {
		if cerr := <-checkErr; err == nil && cerr != nil {
			err = cerr
		}
	}
	if rerr := <-readErr; err == nil && rerr != nil {
		err = rerr
	}
	return err
}

// errChecked ends the checking transaction, which writes nothing.
var errChecked = errors.New("geometries checked")

// checkAside checks the geometry of each batch — through the store's
// own check outside any transaction when it has one (validator), else in
// a transaction of its own — and passes the batch on, so checking and
// copying overlap. Whatever happens, every batch is passed on (or
// dropped after an error) and the returned channel is closed, so the
// reader and the writer can finish.
func (im *importer) checkAside(ctx context.Context, in <-chan batch) (<-chan batch, <-chan error) {
	out := make(chan batch, 1)
	done := make(chan error, 1)
	if v, ok := validatorOf(im.ed); ok {
		go func() {
			defer close(out)
			var failed error
			for b := range in {
				if failed == nil && !im.col.failed() {
					failed = im.check(ctx, v, b)
				}
				if failed == nil {
					out <- b
				}
			}
			done <- failed
		}()
		return out, done
	}
	go func() {
		defer close(out)
		var failed error
		_, err := im.ed.Edit(ctx, im.l, im.opts.Actor, func(vtx store.Tx) error {
			for b := range in {
				if failed == nil && !im.col.failed() {
					failed = im.check(ctx, vtx, b)
				}
				if failed == nil {
					out <- b
				}
			}
			if failed != nil {
				return failed
			}
			return errChecked
		})
		for range in {
			// Edit failed before fn could drain: let the reader finish.
		}
		if errors.Is(err, errChecked) {
			err = nil
		}
		done <- err
	}()
	return out, done
}

// read runs the source, sending full batches; after the first problem it
// goes on reading only to report every problem.
func (im *importer) read(ctx context.Context, out chan<- batch) error {
	cur := batch{}
	send := func() error {
		select {
		case out <- cur:
		case <-ctx.Done():
			return ctx.Err()
		}
		cur = batch{}
		return nil
	}
	err := im.src.Read(ctx, im.l, func(i int, r store.Record, ps []Problem) error {
		if i >= 0 {
			n := im.features.Add(1)
			if im.opts.Progress != nil {
				im.opts.Progress.Read.Store(n)
			}
		}
		if len(ps) == 0 {
			if p := im.checkID(i, &r); p != nil {
				ps = []Problem{*p}
			}
		}
		if len(ps) > 0 {
			im.col.add(ps...)
			return nil
		}
		if im.col.failed() {
			return nil
		}
		if cur.recs == nil {
			cur.recs = make([]store.Record, 0, im.opts.BatchSize)
			cur.index = make([]int, 0, im.opts.BatchSize)
		}
		cur.recs = append(cur.recs, r)
		cur.index = append(cur.index, i)
		if len(cur.recs) == im.opts.BatchSize {
			return send()
		}
		return nil
	})
	if err == nil && len(cur.recs) > 0 && !im.col.failed() {
		err = send()
	}
	return err
}

// checkID applies the layer's id rules: clients name features of a
// "client" layer and an upsert needs ids; a layer whose server names
// features keeps the input's ids when the input has them (all of them),
// or numbers them.
func (im *importer) checkID(i int, r *store.Record) *Problem {
	switch {
	case r.ID != nil && !im.l.ClientIDs() && im.opts.Mode != Upsert && im.idsSeen && !im.idsGiven:
		r.ID = nil // the first feature had none: the store numbers them all
	case r.ID != nil:
	case im.opts.Mode == Upsert:
		return &Problem{Index: i, Field: FieldID, Reason: "an upsert matches features by id: every feature needs one"}
	case im.l.ClientIDs():
		return &Problem{Index: i, Field: FieldID, Reason: fmt.Sprintf("collection %q is named by its clients: every feature needs an id", im.l.ID)}
	case im.idsSeen && im.idsGiven:
		return &Problem{Index: i, Field: FieldID, Reason: "this feature has no id although those before it have: give all features ids, or none"}
	}
	if !im.idsSeen {
		im.idsSeen, im.idsGiven = true, r.ID != nil
	}
	return nil
}

// validator is a store that checks geometries as Tx.Invalid does, but
// outside any transaction (the PostGIS store).
type validator interface {
	Invalid(ctx context.Context, gs []orb.Geometry) ([]store.InvalidGeometry, error)
}

// validatorOf finds the store's own geometry check behind ed, through the
// editors that wrap a store's (an audit trail's, a metric's), which say
// what they wrap with Unwrap.
func validatorOf(ed store.Editor) (validator, bool) {
	for ed != nil {
		if v, ok := ed.(validator); ok {
			return v, true
		}
		u, ok := ed.(interface{ Unwrap() store.Editor })
		if !ok {
			break
		}
		ed = u.Unwrap()
	}
	return nil, false
}

// check asks the store (v: the writing transaction, or the store itself)
// which of a batch's geometries are invalid.
func (im *importer) check(ctx context.Context, v validator, b batch) error {
	if v == nil {
		return nil
	}
	geoms := make([]orb.Geometry, 0, min(len(b.recs), validityChunk))
	for lo, hi := 0, 0; lo < len(b.recs); lo = hi {
		geoms = geoms[:0]
		points := 0
		for hi = lo; hi < len(b.recs) && len(geoms) < validityChunk && points < validityPoints; hi++ {
			g := b.recs[hi].Geometry
			geoms = append(geoms, g)
			points += pointCount(g)
		}
		bad, err := v.Invalid(ctx, geoms)
		if err != nil {
			return im.refused(err, b, lo)
		}
		for _, v := range bad {
			k := lo + v.Index
			im.col.add(Problem{Index: b.index[k], ID: b.recs[k].ID, Field: FieldGeometry, Reason: "invalid geometry: " + v.Reason})
		}
	}
	return nil
}

// pointCount is how many positions g has.
func pointCount(g orb.Geometry) int {
	switch g := g.(type) {
	case orb.Point:
		return 1
	case orb.MultiPoint:
		return len(g)
	case orb.LineString:
		return len(g)
	case orb.MultiLineString:
		n := 0
		for _, l := range g {
			n += len(l)
		}
		return n
	case orb.Polygon:
		n := 0
		for _, r := range g {
			n += len(r)
		}
		return n
	case orb.MultiPolygon:
		n := 0
		for _, p := range g {
			n += pointCount(p)
		}
		return n
	case orb.Collection:
		n := 0
		for _, m := range g {
			n += pointCount(m)
		}
		return n
	}
	return 0
}

// write copies a checked batch.
func (im *importer) write(ctx context.Context, tx store.Tx, b batch) error {
	if tx == nil || im.col.failed() || im.opts.DryRun {
		return nil
	}
	recs := b.recs
	if im.nextID > 0 && recs[0].ID == nil {
		im.number(recs)
	}
	n, err := tx.Copy(ctx, records(recs), im.opts.Mode == Upsert)
	var ve *store.ValueError
	if err != nil && recs[0].ID == nil && im.nextID == 0 && errors.As(err, &ve) && ve.Field == FieldID {
		// The store does not number copied features itself (no id
		// default): number them after an Insert picks the first. The
		// store locks the layer for that Insert's id until the commit.
		id, ierr := tx.Insert(ctx, recs[0])
		if ierr != nil {
			return im.refused(ierr, b, 0)
		}
		first, ok := id.(int64)
		if !ok {
			return im.refused(err, b, 0)
		}
		im.nextID = first + 1
		im.number(recs[1:])
		n, err = tx.Copy(ctx, records(recs[1:]), false)
		n++
	}
	if err != nil {
		return im.refused(err, b, 0)
	}
	im.written += n
	if im.opts.Progress != nil {
		im.opts.Progress.Written.Store(im.written)
	}
	return nil
}

// stream copies every checked batch in one Copy, so the store runs one
// statement for the whole input instead of one per batch: on PostGIS a
// batch's statement cost three round trips (a describe, the COPY, the id
// sequence's bump) and a change-log trigger call, and under load the gaps
// between batches were a seventh of an import's time. It ends early, and
// the caller drains the rest, after the first problem. The store's
// refusals name the features as closely as a stream can: an id or the
// last two batches sent.
func (im *importer) stream(ctx context.Context, tx store.Tx, in <-chan batch) error {
	var prev, cur batch
	first, sent := -1, int64(0)
	recs := func(yield func(store.Record, error) bool) {
		for b := range in {
			if im.col.failed() || ctx.Err() != nil {
				return
			}
			prev, cur = cur, b
			if first < 0 {
				first = b.index[0]
			}
			for _, r := range b.recs {
				if !yield(r, nil) {
					return
				}
			}
			sent += int64(len(b.recs))
			if im.opts.Progress != nil {
				im.opts.Progress.Written.Store(sent)
			}
		}
	}
	n, err := tx.Copy(ctx, recs, im.opts.Mode == Upsert)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err() // the records were cut short: never commit that
	}
	if err == nil {
		im.written = n
		return nil
	}
	if len(cur.recs) == 0 {
		return err
	}
	if errors.Is(err, store.ErrConflict) {
		reason := fmt.Sprintf("one of features %d to %d has an id the layer has already", first, cur.index[len(cur.index)-1])
		if im.opts.Mode == Append {
			reason += " (upsert replaces existing features)"
		}
		im.col.add(Problem{Index: first, Field: FieldID, Reason: fmt.Sprintf("%s: %v", reason, err)})
		return nil
	}
	both := batch{recs: append(slices.Clip(prev.recs), cur.recs...), index: append(slices.Clip(prev.index), cur.index...)}
	return im.refused(err, both, 0)
}

// records yields a batch to Copy.
func records(rs []store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// number gives records without ids the next ids.
func (im *importer) number(recs []store.Record) {
	for k := range recs {
		recs[k].ID = im.nextID
		im.nextID++
	}
}

// refused turns what the store refused because of the input into a
// problem; other errors stay errors.
func (im *importer) refused(err error, b batch, from int) error {
	var ve *store.ValueError
	switch {
	case errors.As(err, &ve):
		k := from
		if ve.ID != nil {
			for j, r := range b.recs {
				if r.ID == ve.ID {
					k = j
					break
				}
			}
		}
		im.col.add(Problem{Index: b.index[k], ID: ve.ID, Field: ve.Field, Reason: ve.Reason})
		return nil
	case errors.Is(err, store.ErrConflict):
		reason := fmt.Sprintf("one of features %d to %d has an id the layer has already", b.index[from], b.index[len(b.index)-1])
		if im.opts.Mode == Append {
			reason += " (upsert replaces existing features)"
		}
		im.col.add(Problem{Index: b.index[from], Field: FieldID, Reason: fmt.Sprintf("%s: %v", reason, err)})
		return nil
	}
	return err
}

// collector keeps the problems of a run: the first max listed, all
// counted. It is shared by the reader and the writer.
type collector struct {
	mu    sync.Mutex
	max   int
	list  []Problem
	count int
	bad   atomic.Bool
}

func (c *collector) add(ps ...Problem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range ps {
		c.count++
		if len(c.list) < c.max {
			c.list = append(c.list, p)
		}
	}
	c.bad.Store(c.count > 0)
}

func (c *collector) failed() bool { return c.bad.Load() }

func (c *collector) result() (int, []Problem) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.list)
	slices.SortStableFunc(out, func(a, b Problem) int { return a.Index - b.Index })
	if out == nil {
		out = []Problem{}
	}
	return c.count, out
}
