package gpkg

import (
	"context"
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// featureRows is the rowSource of an export's features: it pulls records,
// checks and converts them as WriteLayer's table writer does, encodes
// their geometry into one reused buffer, and spools each one's index cell.
//
// Values already of the SQL type (strings, int64 integers, float64
// numbers) are handed over in the interface the record holds them in, and
// blobs of one length in the same boxed slice of the buffer, so a row
// allocates nothing; SQLite copies each value as soon as it has it.
type featureRows struct {
	ctx   context.Context
	l     *layer.Layer
	plan  *tablePlan
	kind  idKind
	pull  func() (store.Record, error, bool)
	cells *cellSpool
	// autoID numbers rows without an integer id, as SQLite would: one
	// above the largest key so far.
	autoID int64
	n      int // records read, the first (WriteLayer's) included
	extent envelope

	id     int64 // the row's key (its rowid)
	strID  any   // stringIDs: the id, as the record holds it
	geom   any   // nil or a blob of blob's
	values []any // by field
	blob   []byte
	boxes  map[int]any // blob[:n], boxed, by n
	failed error
}

func newFeatureRows(ctx context.Context, l *layer.Layer, plan *tablePlan, kind idKind, maxKey int64,
	pull func() (store.Record, error, bool), cells *cellSpool) *featureRows {
	return &featureRows{ctx: ctx, l: l, plan: plan, kind: kind, pull: pull, cells: cells, autoID: maxKey + 1, n: 1,
		extent: newEnvelope(), values: make([]any, len(l.Fields)), boxes: map[int]any{}}
}

// schema: for string ids an id column first; then the geometry and one
// column per field. The rowid is the row's key.
func (r *featureRows) schema() string {
	var b strings.Builder
	b.WriteString("CREATE TABLE x(")
	if r.kind == stringIDs {
		b.WriteString("id, ")
	}
	b.WriteString("geom")
	for i := range r.l.Fields {
		fmt.Fprintf(&b, ", c%d", i)
	}
	b.WriteString(")")
	return b.String()
}

// insertSQL inserts every row of the virtual table into the layer's table.
func (r *featureRows) insertSQL() string {
	cols := []string{quote(r.plan.key(r.kind))}
	sel := []string{"rowid"}
	if r.kind == stringIDs {
		cols, sel = append(cols, quote(r.plan.idColumn)), append(sel, "id")
	}
	cols, sel = append(cols, quote(r.plan.geom)), append(sel, "geom")
	for i, c := range r.plan.columns {
		cols, sel = append(cols, quote(c)), append(sel, fmt.Sprintf("c%d", i))
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %%s", quote(r.plan.table),
		strings.Join(cols, ", "), strings.Join(sel, ", "))
}

func (r *featureRows) err() error   { return r.failed }
func (r *featureRows) rowid() int64 { return r.id }
func (r *featureRows) column(i int) any {
	if r.kind == stringIDs {
		if i == 0 {
			return r.strID
		}
		i--
	}
	if i == 0 {
		return r.geom
	}
	return r.values[i-1]
}

func (r *featureRows) next() bool {
	if r.failed != nil {
		return false
	}
	rec, err, ok := r.pull()
	if !ok {
		return false
	}
	if err != nil {
		r.failed = fmt.Errorf("after %d records: %w", r.n, err)
		return false
	}
	index := r.n
	if r.n++; r.n%1024 == 0 {
		if err := r.ctx.Err(); err != nil {
			r.failed = err
			return false
		}
	}
	if err := r.convert(rec); err != nil {
		r.failed = fmt.Errorf("record %d (id %v): %w", index, rec.ID, err)
		return false
	}
	return true
}

// convert makes rec the current row.
func (r *featureRows) convert(rec store.Record) error {
	kind, err := kindOf(rec.ID)
	if err != nil {
		return err
	}
	if kind != r.kind {
		return fmt.Errorf("id %v (%T): the layer's first record had %s ids", rec.ID, rec.ID, r.kind)
	}
	switch {
	case kind == stringIDs:
		r.id, r.strID = r.autoID, rec.ID
	case rec.ID == nil:
		r.id = r.autoID
	default:
		r.id, _ = asInt64(rec.ID)
	}
	r.autoID = max(r.autoID, r.id+1)
	if len(rec.Props) != len(r.l.Fields) {
		return fmt.Errorf("%d props for %d fields", len(rec.Props), len(r.l.Fields))
	}
	for i, f := range r.l.Fields {
		if r.values[i], err = sqlValue(f, rec.Props[i]); err != nil {
			return err
		}
	}
	return r.geometry(rec)
}

// geometry encodes the record's geometry as the table writer does and
// spools its index cell (none for NULL and empty geometries).
func (r *featureRows) geometry(rec store.Record) error {
	r.geom = nil
	if rec.Geometry == nil {
		return nil
	}
	blob, env, err := encodeChecked(r.blob[:0], rec.Geometry, r.l.GeometryType, r.plan.srid)
	if err != nil {
		return err
	}
	if cap(blob) != cap(r.blob) {
		clear(r.boxes) // a new array: the boxed slices are of the old one
	}
	r.blob = blob
	box, ok := r.boxes[len(blob)]
	if !ok {
		box = blob
		r.boxes[len(blob)] = box
	}
	r.geom = box
	if env.n == 0 {
		return nil
	}
	r.extent.merge(env)
	return r.cells.add(newRTreeCell(r.id, env))
}

// encodeChecked appends g's blob to dst after the checks WriteLayer makes:
// a type the layer allows, finite coordinates.
func encodeChecked(dst []byte, g orb.Geometry, want layer.GeometryType, srid int) ([]byte, envelope, error) {
	geom, err := normalise(g)
	if err != nil {
		return dst, envelope{}, err
	}
	if want != "" && want != layer.AnyGeometry && geom.GeoJSONType() != string(want) {
		return dst, envelope{}, fmt.Errorf("a %s in a layer of %s geometries", geom.GeoJSONType(), want)
	}
	env := newEnvelope()
	env.add(geom)
	if env.n > 0 && !env.finite() {
		return dst, envelope{}, fmt.Errorf("geometry has NaN or infinite coordinates")
	}
	return appendBlob(dst, geom, int32(srid), env), env, nil
}

// sqlValue is toSQL without a new interface for the values that need no
// conversion.
func sqlValue(f layer.Field, v any) (any, error) {
	switch v.(type) {
	case nil:
		return nil, nil
	case string:
		if f.Type == layer.String {
			return v, nil
		}
	case int64:
		if f.Type == layer.Integer {
			return v, nil
		}
	case float64:
		if f.Type == layer.Number {
			return v, nil
		}
	}
	return toSQL(f, v)
}
