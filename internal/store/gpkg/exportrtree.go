package gpkg

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"os"
	"slices"
)

// An export builds its spatial index without holding it: each row's cell
// goes to a spool file as the row is written; the cells are then sorted
// along a Hilbert curve by an external merge sort (runs of spoolChunk
// cells) and packed, in that order, into full nodes bottom-up, with one
// open node per level (a Hilbert-packed R-tree). The nodes, the rowid map
// and the parent map are written to the rtree's shadow tables (format in
// rtreeload.go) through virtual tables, one pass each over the merge.

// spoolChunk is the cells sorted in memory at a time (512 KiB of them).
const spoolChunk = 1 << 14

// mergeBudget is the memory for the merge's read buffers, shared by the
// runs.
const mergeBudget = 4 << 20

// cellSpool is a file of rtreeCellSize records: id, then the box.
type cellSpool struct {
	f   *os.File
	w   *bufio.Writer
	n   int
	rec [rtreeCellSize]byte
}

func newCellSpool(dir string) (*cellSpool, error) {
	f, err := os.CreateTemp(dir, "cells-*")
	if err != nil {
		return nil, fmt.Errorf("spatial index spool: %w", err)
	}
	return &cellSpool{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (s *cellSpool) add(c rtreeCell) error {
	putCell(s.rec[:], c)
	s.n++
	if _, err := s.w.Write(s.rec[:]); err != nil {
		return fmt.Errorf("spatial index spool: %w", err)
	}
	return nil
}

func (s *cellSpool) close() { s.f.Close() }

func putCell(b []byte, c rtreeCell) {
	binary.LittleEndian.PutUint64(b, uint64(c.id))
	for i, v := range c.box {
		binary.LittleEndian.PutUint32(b[8+4*i:], math.Float32bits(v))
	}
}

func getCell(b []byte) rtreeCell {
	c := rtreeCell{id: int64(binary.LittleEndian.Uint64(b))}
	for i := range c.box {
		c.box[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[8+4*i:]))
	}
	return c
}

// keyedCell is a cell and its place on the Hilbert curve.
type keyedCell struct {
	key uint64
	c   rtreeCell
}

func compareKeyed(a, b keyedCell) int {
	if c := cmp.Compare(a.key, b.key); c != 0 {
		return c
	}
	return cmp.Compare(a.c.id, b.c.id)
}

// sortedCells is the spool's cells in runs, each sorted by Hilbert key.
type sortedCells struct {
	f       *os.File
	runs    []int64         // start offset of each run, then the end
	readers []*bufio.Reader // one per run, reused by every merge
}

func (s *sortedCells) close() { s.f.Close() }

// sortSpool cuts the spool into sorted runs, with keys over extent.
func sortSpool(s *cellSpool, dir string, extent envelope) (*sortedCells, error) {
	if err := s.w.Flush(); err != nil {
		return nil, fmt.Errorf("spatial index spool: %w", err)
	}
	out, err := os.CreateTemp(dir, "runs-*")
	if err != nil {
		return nil, fmt.Errorf("spatial index sort: %w", err)
	}
	sc := &sortedCells{f: out, runs: []int64{0}}
	in := bufio.NewReaderSize(io.NewSectionReader(s.f, 0, int64(s.n)*rtreeCellSize), 64<<10)
	w := bufio.NewWriterSize(out, 64<<10)
	chunk := make([]keyedCell, 0, min(s.n, spoolChunk))
	var rec [rtreeCellSize + 8]byte
	curve := newHilbert(extent)
	offset := int64(0)
	for left := s.n; left > 0; {
		chunk = chunk[:0]
		for ; left > 0 && len(chunk) < spoolChunk; left-- {
			if _, err := io.ReadFull(in, rec[:rtreeCellSize]); err != nil {
				sc.close()
				return nil, fmt.Errorf("spatial index sort: %w", err)
			}
			c := getCell(rec[:])
			chunk = append(chunk, keyedCell{curve.key(c), c})
		}
		slices.SortFunc(chunk, compareKeyed)
		for _, kc := range chunk {
			binary.LittleEndian.PutUint64(rec[:], kc.key)
			putCell(rec[8:], kc.c)
			if _, err := w.Write(rec[:]); err != nil {
				sc.close()
				return nil, fmt.Errorf("spatial index sort: %w", err)
			}
		}
		offset += int64(len(chunk)) * int64(len(rec))
		sc.runs = append(sc.runs, offset)
	}
	if err := w.Flush(); err != nil {
		sc.close()
		return nil, fmt.Errorf("spatial index sort: %w", err)
	}
	return sc, nil
}

// runHead is the next cell of one run in the merge.
type runHead struct {
	kc keyedCell
	r  *bufio.Reader
}

type runHeap []runHead

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return compareKeyed(h[i].kc, h[j].kc) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(runHead)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// cells yields every cell in Hilbert order, merging the runs.
func (s *sortedCells) cells() iter.Seq2[rtreeCell, error] {
	return func(yield func(rtreeCell, error) bool) {
		k := len(s.runs) - 1
		if s.readers == nil {
			size := max(4<<10, mergeBudget/max(k, 1))
			for range k {
				s.readers = append(s.readers, bufio.NewReaderSize(nil, size))
			}
		}
		var rec [rtreeCellSize + 8]byte
		read := func(r *bufio.Reader) (keyedCell, bool, error) {
			if _, err := io.ReadFull(r, rec[:]); err != nil {
				if errors.Is(err, io.EOF) {
					return keyedCell{}, false, nil
				}
				return keyedCell{}, false, err
			}
			return keyedCell{binary.LittleEndian.Uint64(rec[:]), getCell(rec[8:])}, true, nil
		}
		h := make(runHeap, 0, k)
		for i := range k {
			r := s.readers[i]
			r.Reset(io.NewSectionReader(s.f, s.runs[i], s.runs[i+1]-s.runs[i]))
			kc, ok, err := read(r)
			if err != nil {
				yield(rtreeCell{}, err)
				return
			}
			if ok {
				h = append(h, runHead{kc, r})
			}
		}
		heap.Init(&h)
		for len(h) > 0 {
			if !yield(h[0].kc.c, nil) {
				return
			}
			kc, ok, err := read(h[0].r)
			if err != nil {
				yield(rtreeCell{}, err)
				return
			}
			if ok {
				h[0].kc = kc
				heap.Fix(&h, 0)
			} else {
				heap.Pop(&h)
			}
		}
	}
}

// hilbert maps a cell's centre onto a Hilbert curve over a 2^16 × 2^16
// grid laid over the extent.
type hilbert struct{ x0, y0, sx, sy float64 }

const hilbertSide = 1 << 16

func newHilbert(e envelope) hilbert {
	h := hilbert{x0: e.min[0], y0: e.min[1]}
	if w := e.max[0] - e.min[0]; w > 0 {
		h.sx = (hilbertSide - 1) / w
	}
	if d := e.max[1] - e.min[1]; d > 0 {
		h.sy = (hilbertSide - 1) / d
	}
	return h
}

func (h hilbert) key(c rtreeCell) uint64 {
	cx := (float64(c.box[0]) + float64(c.box[1])) / 2
	cy := (float64(c.box[2]) + float64(c.box[3])) / 2
	x := uint32(min(max((cx-h.x0)*h.sx, 0), hilbertSide-1))
	y := uint32(min(max((cy-h.y0)*h.sy, 0), hilbertSide-1))
	var d uint64
	for s := uint32(hilbertSide / 2); s > 0; s /= 2 {
		var rx, ry uint32
		if x&s != 0 {
			rx = 1
		}
		if y&s != 0 {
			ry = 1
		}
		d += uint64(s) * uint64(s) * uint64((3*rx)^ry)
		if ry == 0 { // rotate the quadrant
			if rx == 1 {
				x, y = hilbertSide-1-x, hilbertSide-1-y
			}
			x, y = y, x
		}
	}
	return d
}

// rtreeWrite is one row of a shadow table: a node (no, blob), a leaf
// entry (rowid → node) or a parent entry (child node → node).
type rtreeWrite struct {
	kind byte // 'n', 'r' or 'p'
	a, b int64
	blob []byte // 'n': valid until the next write
}

// packRTree packs cells, in order, into nodes of perNode cells, each
// nodeSize bytes, emitting every shadow-table row. Node 1 is the root.
func packRTree(cells iter.Seq2[rtreeCell, error], perNode, nodeSize int, emit func(rtreeWrite) bool) error {
	p := &packer{perNode: perNode, blob: make([]byte, nodeSize), next: 2, emit: emit}
	for c, err := range cells {
		if err != nil {
			return err
		}
		if !p.add(0, c) {
			return errStopped
		}
	}
	if !p.finish() {
		return errStopped
	}
	return nil
}

// errStopped: the consumer of the writes stopped reading them.
var errStopped = errors.New("spatial index: writes no longer read")

// packer keeps one open node per level.
type packer struct {
	perNode int
	open    [][]rtreeCell
	written []int // nodes written per level
	next    int64
	blob    []byte
	emit    func(rtreeWrite) bool
}

func (p *packer) add(level int, c rtreeCell) bool {
	for len(p.open) <= level {
		p.open = append(p.open, make([]rtreeCell, 0, p.perNode))
		p.written = append(p.written, 0)
	}
	p.open[level] = append(p.open[level], c)
	if len(p.open[level]) < p.perNode {
		return true
	}
	return p.flush(level)
}

// flush writes level's open node as node p.next and adds its cell to the
// level above.
func (p *packer) flush(level int) bool {
	no := p.next
	p.next++
	if !p.write(no, level, -1) {
		return false
	}
	c := rtreeCell{id: no, box: cover(p.open[level])}
	p.open[level] = p.open[level][:0]
	p.written[level]++
	return p.add(level+1, c)
}

// finish closes the open nodes bottom-up; the first level that has only
// its open node is the root's.
func (p *packer) finish() bool {
	for level := 0; level < len(p.open); level++ {
		if level == len(p.open)-1 && p.written[level] == 0 {
			return p.write(1, level, level)
		}
		if len(p.open[level]) > 0 && !p.flush(level) {
			return false
		}
	}
	return true // no cells: the root CREATE VIRTUAL TABLE made stays
}

// write emits node no (its depth set for the root only) and the entries
// that point into it.
func (p *packer) write(no int64, level, depth int) bool {
	cells := p.open[level]
	clear(p.blob)
	if depth >= 0 {
		binary.BigEndian.PutUint16(p.blob, uint16(depth))
	}
	binary.BigEndian.PutUint16(p.blob[2:], uint16(len(cells)))
	off := 4
	for _, c := range cells {
		binary.BigEndian.PutUint64(p.blob[off:], uint64(c.id))
		for i, v := range c.box {
			binary.BigEndian.PutUint32(p.blob[off+8+4*i:], math.Float32bits(v))
		}
		off += rtreeCellSize
	}
	if !p.emit(rtreeWrite{kind: 'n', a: no, blob: p.blob}) {
		return false
	}
	kind := byte('p')
	if level == 0 {
		kind = 'r'
	}
	for _, c := range cells {
		if !p.emit(rtreeWrite{kind: kind, a: c.id, b: no}) {
			return false
		}
	}
	return true
}

// rtreeRows is the rowSource of one shadow table: the packer's writes of
// one kind. Values are boxed once per node, not per row.
type rtreeRows struct {
	kind   byte
	pull   func() (rtreeWrite, bool)
	stop   func()
	cur    rtreeWrite
	blob   any   // the node blob, boxed once: always the same slice
	b      int64 // the node the boxed b holds
	boxedB any
	fail   *error
}

func (r *rtreeRows) schema() string {
	if r.kind == 'n' {
		return "CREATE TABLE x(data)"
	}
	return "CREATE TABLE x(node)"
}

func (r *rtreeRows) next() bool {
	for {
		w, ok := r.pull()
		if !ok {
			return false
		}
		if w.kind == r.kind {
			r.cur = w
			return true
		}
	}
}

func (r *rtreeRows) err() error   { return *r.fail }
func (r *rtreeRows) rowid() int64 { return r.cur.a }
func (r *rtreeRows) column(int) any {
	if r.kind == 'n' {
		if r.blob == nil {
			r.blob = r.cur.blob
		}
		return r.blob
	}
	if r.boxedB == nil || r.b != r.cur.b {
		r.b, r.boxedB = r.cur.b, r.cur.b
	}
	return r.boxedB
}

// buildRTree writes the index of the spooled cells into rtree r, whose
// root is empty, within tx.
func buildRTree(ctx context.Context, tx *sql.Tx, r string, spool *cellSpool, dir string, extent envelope) error {
	if spool.n == 0 {
		return nil
	}
	var nodeSize int
	q := fmt.Sprintf("SELECT length(data) FROM %s WHERE nodeno = 1", quote(r+"_node"))
	if err := tx.QueryRowContext(ctx, q).Scan(&nodeSize); err != nil {
		return fmt.Errorf("spatial index: read root node: %w", err)
	}
	perNode := (nodeSize - 4) / rtreeCellSize
	if perNode < 2 {
		return fmt.Errorf("spatial index: node of %d bytes holds fewer than 2 cells", nodeSize)
	}
	sorted, err := sortSpool(spool, dir, extent)
	if err != nil {
		return err
	}
	defer sorted.close()
	passes := []struct {
		kind  byte
		query string
	}{
		{'n', "INSERT OR REPLACE INTO " + quote(r+"_node") + " (nodeno, data) SELECT rowid, data FROM %s"},
		{'r', "INSERT INTO " + quote(r+"_rowid") + " (rowid, nodeno) SELECT rowid, node FROM %s ORDER BY rowid"},
		{'p', "INSERT INTO " + quote(r+"_parent") + " (nodeno, parentnode) SELECT rowid, node FROM %s"},
	}
	for _, pass := range passes {
		var packErr error
		writes := func(yield func(rtreeWrite) bool) {
			packErr = packRTree(sorted.cells(), perNode, nodeSize, yield)
		}
		pull, stop := iter.Pull(writes)
		src := &rtreeRows{kind: pass.kind, pull: pull, stop: stop, fail: &packErr}
		err := insertFrom(ctx, tx, src, pass.query)
		stop()
		if packErr != nil && !errors.Is(packErr, errStopped) {
			return fmt.Errorf("spatial index: %w", packErr)
		}
		if err != nil {
			return fmt.Errorf("spatial index: %w", err)
		}
	}
	return nil
}
