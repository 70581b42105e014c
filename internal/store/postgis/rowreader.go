package postgis

import (
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// rowReader turns the raw values of one result row into a Record. Its
// decoders are chosen once per query from the result's column types, so a
// row costs no type look-ups and no maps.
type rowReader struct {
	hasID  bool
	idDec  decodeFunc
	geomAt int
	// hadDec decodes, for a guarded load, the column after the geometry:
	// whether the table's geometry was not NULL. A NULL geometry with it
	// true is one PostGIS could not transform (see loadQuery).
	hadDec  decodeFunc
	srid    int
	propsAt int
	props   []propColumn
	row     int64 // 1-based, counting skipped rows too
	warn    *warnings
}

type propColumn struct {
	name string
	typ  layer.FieldType
	dec  decodeFunc
}

// newRowReader reads the rows of loadQuery(l, guarded). pgx reports a query
// that failed on the server (a dropped connection, a restart) only through
// rows.Err, leaving the result without columns, so a short column list is
// that error rather than something to index into.
func newRowReader(l *layer.Layer, guarded bool, m *pgtype.Map, rows pgx.Rows, warn *warnings) (*rowReader, error) {
	fds := rows.FieldDescriptions()
	if want := columnCount(l, guarded); len(fds) < want {
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("the query returned %d columns, want %d", len(fds), want)
	}
	r := &rowReader{hasID: l.Source.IDColumn != "", srid: l.Source.SRID, warn: warn}
	at := 0
	if r.hasID {
		r.idDec = decoderFor(m, fds[0])
		at++
	}
	r.geomAt = at
	at++
	if guarded && reprojected(l) {
		r.hadDec = decoderFor(m, fds[at])
		at++
	}
	r.propsAt = at
	for i, f := range l.Fields {
		r.props = append(r.props, propColumn{name: f.Name, typ: f.Type, dec: decoderFor(m, fds[at+i])})
	}
	return r, nil
}

// columnCount is how many columns loadQuery(l, guarded) selects.
func columnCount(l *layer.Layer, guarded bool) int {
	n := 1 + len(l.Fields) // geometry and properties
	if l.Source.IDColumn != "" {
		n++
	}
	if guarded && reprojected(l) {
		n++
	}
	return n
}

// read decodes one row; false when the row must be skipped.
func (r *rowReader) read(raw [][]byte) (store.Record, bool) {
	r.row++
	var rec store.Record
	if r.hasID {
		id, ok := r.id(raw[0])
		if !ok {
			return rec, false
		}
		rec.ID = id
	} else {
		rec.ID = r.row
	}
	if b := raw[r.geomAt]; b != nil {
		g, err := decodeGeometry(b)
		if err != nil {
			r.warn.add("postgis: geometry cannot be decoded; row skipped", "id", rec.ID, "error", err)
			return rec, false
		}
		rec.Geometry = g
	} else if r.hadDec != nil && r.untransformed(raw[r.geomAt+1]) {
		r.warn.add("postgis: geometry cannot be transformed to EPSG:4326; row skipped",
			"id", rec.ID, "srid", r.srid)
		return rec, false
	}
	rec.Props = make([]any, len(r.props))
	for i, p := range r.props {
		b := raw[r.propsAt+i]
		if b == nil {
			continue
		}
		v, err := p.dec(b)
		if err == nil {
			v, err = coerce(v, p.typ)
		}
		if err != nil {
			r.warn.add("postgis: value cannot be converted; served as null",
				"id", rec.ID, "field", p.name, "error", err)
			continue
		}
		rec.Props[i] = v
	}
	return rec, true
}

// id is an int64 for integer id columns and a string for any other; a NULL
// or unreadable id skips the row, as a feature without one cannot be
// addressed.
func (r *rowReader) id(b []byte) (any, bool) {
	if b == nil {
		r.warn.add("postgis: id is NULL; row skipped", "row", r.row)
		return nil, false
	}
	v, err := r.idDec(b)
	if err == nil {
		if _, isInt := v.(int64); !isInt {
			v, err = toString(v)
		}
	}
	if err != nil {
		r.warn.add("postgis: id cannot be read; row skipped", "row", r.row, "error", err)
		return nil, false
	}
	return v, true
}

// untransformed reports, for a NULL geometry in a guarded load, whether the
// table's geometry was not NULL: PostGIS could not transform it.
func (r *rowReader) untransformed(had []byte) bool {
	if had == nil {
		return false
	}
	v, err := r.hadDec(had)
	b, _ := v.(bool)
	return err == nil && b
}
