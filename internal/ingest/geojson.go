package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// GeoJSONOptions say how to read a GeoJSON input.
type GeoJSONOptions struct {
	// SRID of the input positions; zero means the FeatureCollection's
	// legacy "crs" member when it has one, else CRS84 (4326).
	SRID int
	// MaxFeatureBytes bounds one feature's text (DefaultMaxFeatureBytes).
	MaxFeatureBytes int
}

// geoJSONSource streams a FeatureCollection, a GeoJSON text sequence or
// newline-delimited GeoJSON (see featureStream) through the Decoder.
type geoJSONSource struct {
	open Opener
	size int64
	opts GeoJSONOptions
	read atomic.Int64
}

// NewGeoJSON is a GeoJSON source of size bytes (zero if unknown).
func NewGeoJSON(open Opener, size int64, opts GeoJSONOptions) Source {
	return &geoJSONSource{open: open, size: size, opts: opts}
}

func (s *geoJSONSource) Progress() (int64, int64) { return s.read.Load(), s.size }
func (s *geoJSONSource) Close() error             { return nil }

// stream opens the input for one pass.
func (s *geoJSONSource) stream() (*featureStream, io.Closer, error) {
	rc, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	s.read.Store(0)
	return newFeatureStream(countingReader{rc, &s.read}, s.opts.MaxFeatureBytes), rc, nil
}

// inputSRID is the SRID of the positions: the option, else the legacy crs
// member (which must come before the features to be used), else CRS84.
func (s *geoJSONSource) inputSRID(fs *featureStream) (int, *Problem) {
	if s.opts.SRID != 0 {
		return s.opts.SRID, nil
	}
	raw, _ := fs.Member("crs")
	if raw == nil {
		return 4326, nil
	}
	srid, err := legacyCRS(raw)
	if err != nil {
		p := fileProblem("crs", err.Error()+"; give the input CRS explicitly (--crs)")
		return 0, &p
	}
	return srid, nil
}

// legacyCRS reads a GeoJSON 2008 "crs" member of type name, as GDAL still
// writes for data not in CRS84.
func legacyCRS(raw json.RawMessage) (int, error) {
	var c struct {
		Type       string `json:"type"`
		Properties struct {
			Name string `json:"name"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.Type != "name" || c.Properties.Name == "" {
		return 0, fmt.Errorf("the \"crs\" member %s is not a named CRS", truncate(string(raw)))
	}
	return ParseCRS(c.Properties.Name)
}

// lateCRS checks, at the end of the input, a crs member that came after
// the features: too late to have been used, so it must agree.
func (s *geoJSONSource) lateCRS(fs *featureStream, used int) *Problem {
	raw, late := fs.Member("crs")
	if raw == nil || !late || s.opts.SRID != 0 {
		return nil
	}
	srid, err := legacyCRS(raw)
	if err != nil || srid != used {
		p := fileProblem("crs", "the \"crs\" member comes after the features, which were read as EPSG:"+fmt.Sprint(used)+"; give the input CRS explicitly (--crs)")
		return &p
	}
	return nil
}

func (s *geoJSONSource) Read(ctx context.Context, l *layer.Layer, fn func(int, store.Record, []Problem) error) error {
	fs, c, err := s.stream()
	if err != nil {
		return err
	}
	defer c.Close()
	// The first feature is read here: the members before it (the legacy
	// crs) say how to decode them all.
	first, err := fs.Next()
	if err != nil && err != io.EOF {
		return s.streamEnd(fs, 0, 0, err, fn)
	}
	srid, p := s.inputSRID(fs)
	if p != nil {
		return fn(-1, store.Record{}, []Problem{*p})
	}
	tr, err := storageTransform(srid, l.Source.SRID)
	if err != nil {
		return fn(-1, store.Record{}, []Problem{fileProblem("crs", err.Error())})
	}
	dec := NewDecoder(l, DecodeOptions{ToStorage: tr})
	type decoded struct {
		recs []store.Record
		ps   [][]Problem
	}
	work := func(ch *rawChunk) {
		d := decoded{recs: make([]store.Record, len(ch.ends)), ps: make([][]Problem, len(ch.ends))}
		for k := range ch.ends {
			d.recs[k], d.ps[k] = dec.Decode(ch.first+k, ch.feature(k))
		}
		ch.out = d
	}
	emit := func(ch *rawChunk) error {
		d := ch.out.(decoded)
		for k := range d.recs {
			if err := fn(ch.first+k, d.recs[k], d.ps[k]); err != nil {
				return err
			}
		}
		if ch.err != nil {
			return s.streamEnd(fs, srid, ch.first+len(ch.ends), ch.err, fn)
		}
		return nil
	}
	return eachChunk(ctx, fs, first, func() { c.Close() }, work, emit)
}

// streamEnd reports how the input ended: cleanly (with a check of a late
// crs member), broken at feature i (a problem), or unreadable (an error).
func (s *geoJSONSource) streamEnd(fs *featureStream, srid, i int, err error, fn func(int, store.Record, []Problem) error) error {
	if err == io.EOF {
		if p := s.lateCRS(fs, srid); p != nil {
			return fn(-1, store.Record{}, []Problem{*p})
		}
		return nil
	}
	var syn *SyntaxError
	if errors.As(err, &syn) {
		return fn(i, store.Record{}, []Problem{{Index: i, Reason: syn.Error()}})
	}
	return err
}

func (s *geoJSONSource) Infer(ctx context.Context) (Schema, []Problem, error) {
	return s.infer(ctx, true)
}

// InferTypes is Infer without its checks of each feature (JSON syntax,
// the decoder's checks of type, id and geometry, ids given by all or
// none): under half the work, for an import that decodes, and so checks,
// every feature again before anything it writes is kept (see Creator).
// For a file without problems the schema is Infer's; for one with, the
// import says what they are.
func (s *geoJSONSource) InferTypes(ctx context.Context) (Schema, []Problem, error) {
	return s.infer(ctx, false)
}

// infer reads the input once for Infer (check) or InferTypes.
func (s *geoJSONSource) infer(ctx context.Context, check bool) (Schema, []Problem, error) {
	fs, c, err := s.stream()
	if err != nil {
		return Schema{}, nil, err
	}
	defer c.Close()
	var problems []Problem
	count := 0
	collect := func(i int, _ store.Record, ps []Problem) error {
		count += len(ps)
		if room := DefaultMaxProblems - len(problems); room > 0 {
			problems = append(problems, ps[:min(room, len(ps))]...)
		}
		return nil
	}
	first, err := fs.Next()
	if err != nil && err != io.EOF {
		err = s.streamEnd(fs, 0, 0, err, collect)
		return Schema{}, problems, err
	}
	srid, p := s.inputSRID(fs)
	if p != nil {
		return Schema{}, []Problem{*p}, nil
	}
	// Workers parse; the schema is built in input order, so fields keep
	// the order they first appear in.
	type seen struct {
		id   any
		geom layer.GeometryType
		// names are slices of the chunk's text, read before it is reused.
		names  [][]byte
		kinds  []valueKind
		bad    []Problem
		parsed bool // the feature is JSON
	}
	type parts struct{ typ, id, geom, props []byte }
	work := func(ch *rawChunk) {
		out := make([]seen, len(ch.ends))
		members := make([]parts, len(ch.ends))
		// The chunk's property names and kinds, back to back; each
		// feature's are a window of these.
		var names [][]byte
		var kinds []valueKind
		for k := range ch.ends {
			raw := ch.feature(k)
			// One validating pass, then the decoder's cutters: no value
			// is decoded that inference does not need. Types alone need
			// no validation: the import that follows decodes each feature
			// again and refuses the file for any that is not JSON; until
			// then the cutters stay in bounds on any text.
			if check && !validJSON(raw) {
				out[k].bad = []Problem{{Index: ch.first + k, Reason: "invalid JSON: " + jsonError(raw)}}
				continue
			}
			out[k].parsed = true
			var id, geom, props []byte
			eachMember(raw, func(key, v []byte) {
				switch string(key) {
				case "type":
					members[k].typ = v
				case "id":
					id = v
				case "geometry":
					geom = v
				case "properties":
					props = v
				}
			})
			members[k].id, members[k].geom, members[k].props = id, geom, props
			out[k].id = jsonID(id)
			eachMember(geom, func(key, v []byte) {
				if string(key) == "type" {
					t, _ := unquoteBytes(v)
					out[k].geom = geoJSONType(geometryName(t))
				}
			})
			start := len(names)
			eachMember(props, func(name, v []byte) {
				names = append(names, name)
				kinds = append(kinds, jsonKind(v))
			})
			out[k].names, out[k].kinds = names[start:len(names):len(names)], kinds[start:len(kinds):len(kinds)]
		}
		if !check {
			ch.out = out
			return
		}
		// Every other check the decoder makes: what is left to go wrong
		// with the inferred layer, whose types hold every value they were
		// inferred from, is the feature's type, id and geometry. So a new
		// layer's file is known to be good, or not, after this one pass.
		// The decoder is given the feature without its properties, and a
		// layer of any geometry without attributes.
		loose := NewDecoder(&layer.Layer{ID: "inferred", GeometryType: layer.AnyGeometry, Source: layer.Source{SRID: srid}}, DecodeOptions{})
		var text []byte
		for k := range out {
			if out[k].bad != nil {
				continue
			}
			m := members[k]
			text = append(text[:0], '{')
			for j, kv := range [][2][]byte{{[]byte(`"type"`), m.typ}, {[]byte(`"id"`), m.id}, {[]byte(`"geometry"`), m.geom}} {
				if kv[1] == nil {
					continue
				}
				if j > 0 && len(text) > 1 {
					text = append(text, ',')
				}
				text = append(append(append(text, kv[0]...), ':'), kv[1]...)
			}
			text = append(text, '}')
			// The text is made of valid JSON values: no need to check it again.
			_, out[k].bad = loose.decodeValid(ch.first+k, text)
			if p := m.props; p != nil && p[0] != '{' && !isNull(p) {
				out[k].bad = append(out[k].bad, Problem{Index: ch.first + k, ID: out[k].id,
					Reason: fmt.Sprintf("\"properties\" must be an object or null, got %s", shortJSON(p))})
			}
		}
		ch.out = out
	}
	b := newSchemaBuilder(false)
	firstHasID := false
	var total int64
	emit := func(ch *rawChunk) error {
		for k, f := range ch.out.([]seen) {
			total++
			// As the import will: when the first feature has an id, every
			// feature needs one.
			if i := ch.first + k; i == 0 {
				firstHasID = f.id != nil
			} else if check && firstHasID && f.id == nil && f.parsed {
				collect(i, store.Record{}, []Problem{{Index: i, Field: FieldID, Reason: "this feature has no id although those before it have: give all features ids, or none"}})
			}
			if f.bad != nil {
				collect(0, store.Record{}, f.bad)
				continue
			}
			b.id(f.id)
			if f.geom != "" {
				b.geoms[f.geom] = true
			}
			for j, name := range f.names {
				b.valueOf(name, f.kinds[j])
			}
		}
		if ch.err != nil {
			return s.streamEnd(fs, srid, ch.first+len(ch.ends), ch.err, collect)
		}
		return nil
	}
	if err := eachChunk(ctx, fs, first, func() { c.Close() }, work, emit); err != nil {
		return Schema{}, nil, err
	}
	sc := b.schema(srid)
	sc.Checked, sc.Features, sc.ProblemCount = check, total, count
	return sc, problems, nil
}

// jsonID is a feature id as the decoder reads it, for inference.
func jsonID(raw json.RawMessage) any {
	if isNull(raw) {
		return nil
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
		return nil
	}
	if n, ok := integer(raw); ok {
		return n
	}
	return nil
}

// geoJSONType maps a GeoJSON type name to the catalogue's.
func geoJSONType(t string) layer.GeometryType {
	switch gt := layer.GeometryType(t); gt {
	case layer.Point, layer.LineString, layer.Polygon, layer.MultiPoint,
		layer.MultiLineString, layer.MultiPolygon, layer.GeometryCollection:
		return gt
	}
	return layer.AnyGeometry
}
