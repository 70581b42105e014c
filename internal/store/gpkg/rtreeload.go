package gpkg

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// Inserting into SQLite's rtree one row at a time costs three times as much
// as writing the feature rows (ChooseLeaf and node splits for every entry).
// A layer write builds the whole index at once instead: it packs the boxes
// into full nodes with Sort-Tile-Recursive and writes the rtree's shadow
// tables directly, in the format rtree.c documents at its top:
//
//	%_node(nodeno INTEGER PRIMARY KEY, data BLOB)  -- node 1 is the root
//	%_parent(nodeno INTEGER PRIMARY KEY, parentnode INTEGER)
//	%_rowid(rowid INTEGER PRIMARY KEY, nodeno INTEGER)
//
// A node blob holds the tree depth (root only) and the cell count as
// big-endian 16-bit integers, then cells of a big-endian 64-bit rowid or
// child node number and four big-endian float32 coordinates (minx, maxx,
// miny, maxy). The tests check the result with SQLite's rtreecheck().

// rtreeCellSize is the bytes per cell of a 2D rtree: id and four float32s.
const rtreeCellSize = 8 + 4*4

// rtreeCell is one entry of a node: a feature's rowid in a leaf, a child
// node number above.
type rtreeCell struct {
	id  int64
	box [4]float32 // minx, maxx, miny, maxy, rounded outwards
}

func newRTreeCell(id int64, e envelope) rtreeCell {
	return rtreeCell{id: id, box: [4]float32{
		down32(e.min[0]), up32(e.max[0]), down32(e.min[1]), up32(e.max[1]),
	}}
}

// down32 and up32 round to float32 so the stored box still contains the
// float64 one, as rtree.c does for the values it is given.
func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// rtreeNode is one packed node with its number and its cells.
type rtreeNode struct {
	no    int64
	cells []rtreeCell
}

// loadRTree fills the empty rtree r with cells (one per feature); it must
// run in the transaction that created r.
func loadRTree(ctx context.Context, tx *sql.Tx, r string, cells []rtreeCell) error {
	if len(cells) == 0 {
		return nil // CREATE VIRTUAL TABLE made the empty root
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

	// Pack level by level until one node's worth is left: that is the root.
	var levels [][]rtreeNode // levels[0] are the leaves
	next := int64(2)
	for len(cells) > perNode {
		nodes := packLevel(cells, perNode, &next)
		levels = append(levels, nodes)
		cells = make([]rtreeCell, len(nodes))
		for i, n := range nodes {
			cells[i] = rtreeCell{id: n.no, box: cover(n.cells)}
		}
	}
	root := rtreeNode{no: 1, cells: cells}

	w, err := newShadowWriter(ctx, tx, r)
	if err != nil {
		return err
	}
	defer w.close()
	blob := make([]byte, nodeSize)
	if err := w.node(root, len(levels), blob); err != nil {
		return err
	}
	var leafOf []rowidNode // where each feature's entry is
	for depth, nodes := range levels {
		for _, n := range nodes {
			if err := w.node(n, -1, blob); err != nil {
				return err
			}
			for _, c := range n.cells {
				if depth == 0 {
					leafOf = append(leafOf, rowidNode{c.id, n.no})
				} else if err := w.parent(c.id, n.no); err != nil {
					return err
				}
			}
		}
	}
	for _, c := range root.cells {
		if len(levels) == 0 {
			leafOf = append(leafOf, rowidNode{c.id, 1})
		} else if err := w.parent(c.id, 1); err != nil {
			return err
		}
	}
	// In rowid order the %_rowid b-tree is appended to, not split all over.
	slices.SortFunc(leafOf, func(a, b rowidNode) int { return cmp.Compare(a.rowid, b.rowid) })
	for _, m := range leafOf {
		if err := w.rowid(m.rowid, m.node); err != nil {
			return err
		}
	}
	return nil
}

type rowidNode struct{ rowid, node int64 }

// packLevel groups cells into nodes of at most perNode cells with
// Sort-Tile-Recursive: vertical slices by x, then runs by y within each, so
// each node covers a compact area. Node numbers are taken from *next.
func packLevel(cells []rtreeCell, perNode int, next *int64) []rtreeNode {
	nodeCount := ceilDiv(len(cells), perNode)
	sliceCount := int(math.Ceil(math.Sqrt(float64(nodeCount))))
	slices.SortFunc(cells, func(a, b rtreeCell) int { return cmpCenter(a, b, 0) })
	nodes := make([]rtreeNode, 0, nodeCount)
	for _, slab := range split(cells, sliceCount) {
		slices.SortFunc(slab, func(a, b rtreeCell) int { return cmpCenter(a, b, 2) })
		for _, run := range split(slab, ceilDiv(len(slab), perNode)) {
			nodes = append(nodes, rtreeNode{no: *next, cells: run})
			*next++
		}
	}
	return nodes
}

// split cuts s into n runs whose lengths differ by at most one, so no node
// is left nearly empty.
func split(s []rtreeCell, n int) [][]rtreeCell {
	out := make([][]rtreeCell, 0, n)
	for i := range n {
		lo, hi := len(s)*i/n, len(s)*(i+1)/n
		if hi > lo {
			out = append(out, s[lo:hi])
		}
	}
	return out
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// cmpCenter orders cells by the centre of their box along x (axis 0) or
// y (axis 2).
func cmpCenter(a, b rtreeCell, axis int) int {
	ca := float64(a.box[axis]) + float64(a.box[axis+1])
	cb := float64(b.box[axis]) + float64(b.box[axis+1])
	switch {
	case ca < cb:
		return -1
	case ca > cb:
		return 1
	}
	return 0
}

// cover is the box around cells.
func cover(cells []rtreeCell) [4]float32 {
	b := cells[0].box
	for _, c := range cells[1:] {
		b[0] = min(b[0], c.box[0])
		b[1] = max(b[1], c.box[1])
		b[2] = min(b[2], c.box[2])
		b[3] = max(b[3], c.box[3])
	}
	return b
}

// shadowWriter writes an rtree's shadow tables with prepared statements.
type shadowWriter struct {
	ctx                       context.Context
	root, nodes, parents, ids *sql.Stmt
}

func newShadowWriter(ctx context.Context, tx *sql.Tx, r string) (*shadowWriter, error) {
	w := &shadowWriter{ctx: context.WithoutCancel(ctx)}
	stmts := []struct {
		dst **sql.Stmt
		sql string
	}{
		{&w.root, fmt.Sprintf("UPDATE %s SET data = ? WHERE nodeno = 1", quote(r+"_node"))},
		{&w.nodes, fmt.Sprintf("INSERT INTO %s (nodeno, data) VALUES (?, ?)", quote(r+"_node"))},
		{&w.parents, fmt.Sprintf("INSERT INTO %s (nodeno, parentnode) VALUES (?, ?)", quote(r+"_parent"))},
		{&w.ids, fmt.Sprintf("INSERT INTO %s (rowid, nodeno) VALUES (?, ?)", quote(r+"_rowid"))},
	}
	for _, s := range stmts {
		st, err := tx.PrepareContext(ctx, s.sql)
		if err != nil {
			w.close()
			return nil, fmt.Errorf("spatial index: %w", err)
		}
		*s.dst = st
	}
	return w, nil
}

func (w *shadowWriter) close() {
	for _, s := range []*sql.Stmt{w.root, w.nodes, w.parents, w.ids} {
		if s != nil {
			s.Close()
		}
	}
}

// node writes n into blob (depth >= 0 only for the root) and stores it.
func (w *shadowWriter) node(n rtreeNode, depth int, blob []byte) error {
	clear(blob)
	if depth >= 0 {
		binary.BigEndian.PutUint16(blob, uint16(depth))
	}
	binary.BigEndian.PutUint16(blob[2:], uint16(len(n.cells)))
	off := 4
	for _, c := range n.cells {
		binary.BigEndian.PutUint64(blob[off:], uint64(c.id))
		for i, v := range c.box {
			binary.BigEndian.PutUint32(blob[off+8+4*i:], math.Float32bits(v))
		}
		off += rtreeCellSize
	}
	var err error
	if n.no == 1 {
		_, err = w.root.ExecContext(w.ctx, blob)
	} else {
		_, err = w.nodes.ExecContext(w.ctx, n.no, blob)
	}
	if err != nil {
		return fmt.Errorf("spatial index: write node %d: %w", n.no, err)
	}
	return nil
}

func (w *shadowWriter) parent(child, parent int64) error {
	if _, err := w.parents.ExecContext(w.ctx, child, parent); err != nil {
		return fmt.Errorf("spatial index: write parent of node %d: %w", child, err)
	}
	return nil
}

func (w *shadowWriter) rowid(rowid, node int64) error {
	if _, err := w.ids.ExecContext(w.ctx, rowid, node); err != nil {
		return fmt.Errorf("spatial index: write rowid %d: %w", rowid, err)
	}
	return nil
}
