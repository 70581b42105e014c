package gpkg

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// tableWriter inserts a layer's rows with a prepared statement, reusing
// one argument slice and one blob buffer, and collects the spatial index
// entries to bulk-load at the end.
type tableWriter struct {
	l      *layer.Layer
	plan   *tablePlan
	kind   idKind
	key    string
	tx     *sql.Tx
	ctx    context.Context // without cancellation: see newTableWriter
	row    *sql.Stmt
	args   []any
	blob   []byte
	extent envelope
	index  []rtreeCell
}

// newTableWriter creates the table for ids of kind, and its rtree.
func newTableWriter(ctx context.Context, tx *sql.Tx, l *layer.Layer, plan *tablePlan, kind idKind) (*tableWriter, error) {
	if kind == stringIDs && plan.idColumn == "" {
		return nil, fmt.Errorf("string ids need the layer's source id column to be set")
	}
	if _, err := tx.ExecContext(ctx, plan.createSQL(kind)); err != nil {
		return nil, fmt.Errorf("create table: %w", err)
	}
	if err := createRTree(ctx, tx, plan.table, plan.geom); err != nil {
		return nil, err
	}
	var err error
	w := &tableWriter{
		l: l, plan: plan, kind: kind, key: plan.key(kind), tx: tx,
		// With a cancellable context the driver starts a watcher goroutine
		// per statement; the record loop checks ctx itself instead.
		ctx:    context.WithoutCancel(ctx),
		args:   make([]any, 2+len(plan.columns)),
		extent: newEnvelope(),
	}
	if w.row, err = tx.PrepareContext(ctx, plan.insertSQL(kind)); err != nil {
		return nil, fmt.Errorf("prepare insert: %w", err)
	}
	return w, nil
}

func (w *tableWriter) close() { w.row.Close() }

func (w *tableWriter) insert(rec store.Record) error {
	id, err := w.id(rec.ID)
	if err != nil {
		return err
	}
	w.args[0] = id
	env, err := w.geometry(rec.Geometry)
	if err != nil {
		return err
	}
	if len(rec.Props) != len(w.l.Fields) {
		return fmt.Errorf("%d props for %d fields", len(rec.Props), len(w.l.Fields))
	}
	for i, f := range w.l.Fields {
		if w.args[2+i], err = toSQL(f, rec.Props[i]); err != nil {
			return err
		}
	}
	res, err := w.row.ExecContext(w.ctx, w.args...)
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	if env.n == 0 {
		return nil // NULL or empty geometry: not in the index (spec F.3)
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	w.index = append(w.index, newRTreeCell(rowid, env))
	return nil
}

func (w *tableWriter) id(id any) (any, error) {
	kind, err := kindOf(id)
	if err != nil {
		return nil, err
	}
	if kind != w.kind {
		return nil, fmt.Errorf("id %v (%T): the layer's first record had %s ids", id, id, w.kind)
	}
	if kind == intIDs && id != nil {
		i, _ := asInt64(id)
		return i, nil
	}
	return id, nil
}

// geometry encodes g into w.args[1] and returns its envelope.
func (w *tableWriter) geometry(g orb.Geometry) (envelope, error) {
	w.args[1] = nil
	if g == nil {
		return envelope{}, nil
	}
	blob, env, err := appendGeometryBlob(w.blob[:0], g, w.l.GeometryType, w.plan.srid)
	if err != nil {
		return envelope{}, err
	}
	w.blob = blob
	w.args[1] = w.blob
	w.extent.merge(env)
	return env, nil
}

// appendGeometryBlob appends the blob of the non-nil geometry g in srid to
// dst, after checking that it is of the type want (any, when want is "" or
// Geometry) and has only finite coordinates; it returns g's envelope too.
func appendGeometryBlob(dst []byte, g orb.Geometry, want layer.GeometryType, srid int) ([]byte, envelope, error) {
	g, err := normalise(g)
	if err != nil {
		return dst, envelope{}, err
	}
	if want != "" && want != layer.AnyGeometry && g.GeoJSONType() != string(want) {
		return dst, envelope{}, fmt.Errorf("a %s in a layer of %s geometries", g.GeoJSONType(), want)
	}
	env := newEnvelope()
	env.add(g)
	if env.n > 0 && !env.finite() {
		return dst, envelope{}, fmt.Errorf("geometry has NaN or infinite coordinates")
	}
	return appendBlob(dst, g, int32(srid), env), env, nil
}

// finish adds the triggers, the GeoPackage registrations and the metadata.
func (w *tableWriter) finish(ctx context.Context) error {
	p := w.plan
	if err := loadRTree(ctx, w.tx, rtreeName(p.table, p.geom), w.index); err != nil {
		return err
	}
	if err := finishRTree(ctx, w.tx, p.table, p.geom, w.key); err != nil {
		return err
	}
	identifier := w.l.Title.En
	if identifier == "" {
		identifier = p.table
	}
	var taken int
	if err := w.tx.QueryRowContext(ctx, `SELECT count(*) FROM gpkg_contents WHERE identifier = ?`, identifier).Scan(&taken); err != nil {
		return fmt.Errorf("register table: %w", err)
	}
	if taken > 0 { // identifier is UNIQUE; two layers may share a title
		identifier = p.table
	}
	var minX, minY, maxX, maxY any
	if w.extent.n > 0 {
		minX, minY, maxX, maxY = w.extent.min[0], w.extent.min[1], w.extent.max[0], w.extent.max[1]
	}
	_, err := w.tx.ExecContext(ctx, `INSERT INTO gpkg_contents
		(table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id)
		VALUES (?, 'features', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)`,
		p.table, identifier, w.l.Description.En, minX, minY, maxX, maxY, p.srid)
	if err != nil {
		return fmt.Errorf("register table: %w", err)
	}
	_, err = w.tx.ExecContext(ctx, `INSERT INTO gpkg_geometry_columns
		(table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (?, ?, ?, ?, 0, 0)`,
		p.table, p.geom, p.geomType, p.srid)
	if err != nil {
		return fmt.Errorf("register geometry column: %w", err)
	}
	meta := *w.l
	meta.Source.GeometryColumn = p.geom
	if w.kind == intIDs {
		meta.Source.IDColumn = w.key
	}
	return saveMetadata(ctx, w.tx, &meta)
}
