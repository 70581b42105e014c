package audit

import (
	"context"
	"iter"
	"slices"
	"sync"
	"time"
)

// Memory is a Log in memory, for tests of code that audits. AppendTx
// ignores its transaction: there is none to join.
type Memory struct {
	chain Chain
	mu    sync.Mutex
	log   []Entry
}

var _ TxLog = (*Memory)(nil)

// NewMemory returns an empty log hashing with c.
func NewMemory(c Chain) *Memory { return &Memory{chain: c} }

// Append seals and keeps e.
func (m *Memory) Append(ctx context.Context, e Entry) (Entry, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var prev Anchor
	if n := len(m.log); n > 0 {
		prev = Anchor{Seq: m.log[n-1].Seq, Hash: m.log[n-1].Hash}
	}
	e, err := m.chain.Seal(prev, e, time.Now())
	if err != nil {
		return Entry{}, err
	}
	m.log = append(m.log, e)
	return e, nil
}

// AppendTx is Append.
func (m *Memory) AppendTx(ctx context.Context, _ any, e Entry) (Entry, error) {
	return m.Append(ctx, e)
}

// Entries yields the entries q selects from a snapshot of the log.
func (m *Memory) Entries(ctx context.Context, q Query) iter.Seq2[Entry, error] {
	if err := q.Check(); err != nil {
		return Fail(err)
	}
	m.mu.Lock()
	snap := slices.Clone(m.log)
	m.mu.Unlock()
	if q.Newest {
		slices.Reverse(snap)
	}
	return func(yield func(Entry, error) bool) {
		n := 0
		for _, e := range snap {
			if err := ctx.Err(); err != nil {
				yield(Entry{}, err)
				return
			}
			if !q.Match(e) {
				continue
			}
			if !yield(e, nil) {
				return
			}
			if n++; q.Limit > 0 && n >= q.Limit {
				return
			}
		}
	}
}
