package postgis

import (
	"github.com/jackc/pgx/v5/pgconn"
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
	props  []propColumn
	row    int64 // 1-based, counting skipped rows too
	warn   *warnings
}

type propColumn struct {
	name string
	typ  layer.FieldType
	dec  decodeFunc
}

func newRowReader(l *layer.Layer, m *pgtype.Map, fds []pgconn.FieldDescription, warn *warnings) *rowReader {
	r := &rowReader{hasID: l.Source.IDColumn != "", warn: warn}
	at := 0
	if r.hasID {
		r.idDec = decoderFor(m, fds[0])
		at = 1
	}
	r.geomAt = at
	for i, f := range l.Fields {
		r.props = append(r.props, propColumn{name: f.Name, typ: f.Type, dec: decoderFor(m, fds[at+1+i])})
	}
	return r
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
	}
	rec.Props = make([]any, len(r.props))
	base := r.geomAt + 1
	for i, p := range r.props {
		b := raw[base+i]
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
