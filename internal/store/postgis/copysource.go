package postgis

import (
	"bytes"
	"fmt"

	"github.com/paulmach/orb/encoding/ewkb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// recordSource feeds records to pgx's binary COPY as rows of the columns
// createTable made. The geometry goes as EWKB, which PostGIS's binary input
// function reads directly, SRID included: no text round trip, no staging
// table. pgx encodes each row before asking for the next, so the row and
// geometry buffers are reused.
type recordSource struct {
	next   func() (store.Record, error, bool)
	l      *layer.Layer
	ids    idKind
	values []any
	geom   bytes.Buffer
	enc    *ewkb.Encoder
	err    error
	n      int // records read, for error messages
	// nilIDs lets a record without an id through as NULL, for a staging
	// table that numbers them afterwards.
	nilIDs bool
}

func newRecordSource(l *layer.Layer, ids idKind, ncols int, next func() (store.Record, error, bool)) *recordSource {
	s := &recordSource{next: next, l: l, ids: ids, values: make([]any, ncols)}
	s.enc = ewkb.NewEncoder(&s.geom).SetSRID(l.Source.SRID)
	return s
}

func (s *recordSource) Next() bool {
	rec, err, ok := s.next()
	if !ok {
		return false
	}
	s.n++
	if err != nil {
		s.err = fmt.Errorf("record %d: %w", s.n, err)
		return false
	}
	if err := s.fill(rec); err != nil {
		s.err = fmt.Errorf("record %d (id %v): %w", s.n, rec.ID, err)
		return false
	}
	return true
}

func (s *recordSource) Values() ([]any, error) { return s.values, nil }

func (s *recordSource) Err() error { return s.err }

func (s *recordSource) fill(rec store.Record) error {
	i := 0
	if s.ids != noID && rec.ID == nil && s.nilIDs {
		s.values[i] = nil
		i++
	} else if s.ids != noID {
		if rec.ID == nil {
			return fmt.Errorf("the record has no id")
		}
		var err error
		if s.ids == integerID || s.ids == identityID {
			s.values[i], err = toInt(rec.ID)
		} else {
			s.values[i], err = toString(rec.ID)
		}
		if err != nil {
			return fmt.Errorf("id: %w", err)
		}
		i++
	}
	s.values[i] = nil
	if rec.Geometry != nil {
		s.geom.Reset()
		if err := s.enc.Encode(rec.Geometry); err != nil {
			return fmt.Errorf("geometry: %w", err)
		}
		s.values[i] = s.geom.Bytes()
	}
	i++
	if len(rec.Props) != len(s.l.Fields) {
		return fmt.Errorf("%d values for %d fields", len(rec.Props), len(s.l.Fields))
	}
	for j, f := range s.l.Fields {
		v, err := copyValue(rec.Props[j], f.Type)
		if err != nil {
			return fmt.Errorf("field %q: %w", f.Name, err)
		}
		s.values[i+j] = v
	}
	return nil
}

// copyValue is v as pgx encodes it into the field's column (see columnType).
func copyValue(v any, t layer.FieldType) (any, error) {
	v, err := coerce(v, t)
	if err != nil || t != layer.Array || v == nil {
		return v, err
	}
	elems := v.([]any)
	out := make([]*string, len(elems))
	for i, e := range elems {
		if e == nil {
			continue
		}
		s, err := toString(e)
		if err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		str := s.(string)
		out[i] = &str
	}
	return out, nil
}
