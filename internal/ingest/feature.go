// Package ingest turns features from outside — GeoJSON from a Part 4
// request or a file, rows from CSV or GeoPackage readers — into store
// records of one layer, and says precisely what is wrong with those that
// cannot be written. Nothing here writes: callers validate every feature
// first, then write all or nothing.
package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Problem is one reason a feature cannot be written.
type Problem struct {
	Index  int    `json:"index"` // the feature's position in the request or file, from 0
	ID     any    `json:"id,omitempty"`
	Field  string `json:"field,omitempty"` // an attribute name, "geometry", "id", or "" for the feature as a whole
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "feature %d", p.Index)
	if p.ID != nil {
		fmt.Fprintf(&b, " (id %v)", p.ID)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, ": %s", p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// Field names a Problem can carry besides attribute names.
const (
	FieldGeometry = "geometry"
	FieldID       = "id"
)

// DecodeOptions say how positions from outside reach the store.
type DecodeOptions struct {
	// ToStorage transforms a position as the client sent it (in its CRS's
	// axis order) to the layer's storage SRID with x = easting/longitude;
	// nil = identity. It returns NaN for a position outside its CRS's
	// range, which the decoder reports as such.
	ToStorage func(x, y float64) (float64, float64)
}

// Decoder turns GeoJSON Feature objects into store.Records of one layer
// (Props aligned with l.Fields, values of the Go types layer.FieldType
// documents). It is safe for concurrent use.
type Decoder struct {
	l      *layer.Layer
	opts   DecodeOptions
	fields map[string]int
}

// NewDecoder makes a decoder for features of l.
func NewDecoder(l *layer.Layer, opts DecodeOptions) *Decoder {
	fields := make(map[string]int, len(l.Fields))
	for i, f := range l.Fields {
		fields[f.Name] = i
	}
	return &Decoder{l: l, opts: opts, fields: fields}
}

// Decode reads one Feature object. The record's ID comes from the
// Feature's "id" (an integral number → int64, a string → string; nil when
// absent or null); its geometry is transformed with ToStorage, and promoted
// to the layer's Multi* type when the layer is one (see Conform). Every
// problem of the feature is reported; the record is only meaningful when
// there are none.
func (d *Decoder) Decode(index int, raw []byte) (store.Record, []Problem) {
	raw = bytes.TrimSpace(raw)
	// One validating pass; after it the members are cut out of the text
	// without decoding it again.
	if !validJSON(raw) {
		return store.Record{}, []Problem{{Index: index, Reason: "invalid JSON: " + jsonError(raw)}}
	}
	return d.decodeValid(index, raw)
}

// decodeValid is Decode of text known to be valid JSON.
func (d *Decoder) decodeValid(index int, raw []byte) (store.Record, []Problem) {
	var ps problems
	ps.index = index
	// Members are matched exactly, as GeoJSON names them; others (bbox,
	// links) are ignored.
	var typ, id, geom, props []byte
	isObject := eachMember(raw, func(key, v []byte) {
		switch string(key) {
		case "type":
			typ = v
		case "id":
			id = v
		case "geometry":
			geom = v
		case "properties":
			props = v
		}
	})
	if !isObject {
		ps.add("", "not a GeoJSON Feature object")
		return store.Record{}, ps.list
	}
	if t, ok := unquoteBytes(typ); !ok || string(t) != "Feature" {
		ps.add("", "not a GeoJSON Feature: its \"type\" must be \"Feature\", got %s", shortJSON(typ))
		return store.Record{}, ps.list
	}
	r := store.Record{Props: make([]any, len(d.l.Fields))}
	r.ID = d.decodeID(&ps, id)
	ps.id = r.ID
	d.decodeProps(&ps, props, r.Props)
	r.Geometry = d.decodeGeometry(&ps, geom)
	return r, ps.list
}

// problems collects a feature's problems.
type problems struct {
	index int
	id    any
	list  []Problem
}

func (ps *problems) add(field, format string, args ...any) {
	ps.list = append(ps.list, Problem{Index: ps.index, ID: ps.id, Field: field, Reason: fmt.Sprintf(format, args...)})
}

func (d *Decoder) decodeID(ps *problems, raw json.RawMessage) any {
	if isNull(raw) {
		return nil
	}
	switch raw[0] {
	case '"':
		s, _ := unquote(raw)
		if s == "" {
			ps.add(FieldID, "must not be an empty string")
			return nil
		}
		return s
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		n, ok := integer(raw)
		if !ok {
			ps.add(FieldID, "%s is not a whole number that fits 64 bits", shortJSON(raw))
			return nil
		}
		return n
	}
	ps.add(FieldID, "must be a string or a whole number, got %s", shortJSON(raw))
	return nil
}

func (d *Decoder) decodeProps(ps *problems, raw json.RawMessage, props []any) {
	// wrong marks attributes given a value that was refused: reported
	// once, as wrong, not again as missing.
	var wrong []bool
	if !isNull(raw) {
		isObject := eachMember(raw, func(key, v []byte) {
			i, ok := d.fields[string(key)]
			if !ok {
				name := string(key)
				ps.add(name, "unknown attribute: collection %q has no attribute %q", d.l.ID, truncate(name))
				return
			}
			val, err := decodeValue(d.l.Fields[i].Type, v)
			if err != "" {
				ps.add(d.l.Fields[i].Name, "%s", err)
				if wrong == nil {
					wrong = make([]bool, len(props))
				}
				wrong[i] = true
				return
			}
			props[i] = val
		})
		if !isObject {
			ps.add("", "\"properties\" must be an object or null, got %s", shortJSON(raw))
			return
		}
	}
	for i, f := range d.l.Fields {
		if f.Required && props[i] == nil && (wrong == nil || !wrong[i]) {
			ps.add(f.Name, "required attribute is missing or null")
		}
	}
}

// decodeValue converts one JSON value to the Go type of t; the string is
// the problem, empty when there is none.
func decodeValue(t layer.FieldType, raw json.RawMessage) (any, string) {
	if isNull(raw) {
		return nil, ""
	}
	want := func() string { return fmt.Sprintf("must be %s, got %s", describe(t), shortJSON(raw)) }
	switch t {
	case layer.String:
		s, ok := unquote(raw)
		if !ok {
			return nil, want()
		}
		return s, ""
	case layer.Integer:
		if !isNumber(raw) {
			return nil, want()
		}
		n, ok := integer(raw)
		if !ok {
			return nil, want()
		}
		return n, ""
	case layer.Number:
		if !isNumber(raw) {
			return nil, want()
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil || math.IsInf(f, 0) {
			return nil, fmt.Sprintf("%s is out of the range of a 64-bit floating-point number", shortJSON(raw))
		}
		return f, ""
	case layer.Boolean:
		switch string(raw) {
		case "true":
			return true, ""
		case "false":
			return false, ""
		}
		return nil, want()
	case layer.Date, layer.DateTime:
		s, ok := unquote(raw)
		if !ok {
			return nil, want()
		}
		if t == layer.Date {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return nil, want()
			}
			return d, ""
		}
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, want()
		}
		return at.UTC(), ""
	case layer.JSON:
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return nil, "invalid JSON: " + jsonErrorText(err)
		}
		return json.RawMessage(b.Bytes()), ""
	case layer.Array:
		out := []any{}
		problem := ""
		isArray := eachElement(raw, func(i int, e []byte) {
			v, ok := arrayElement(e)
			if !ok && problem == "" {
				problem = fmt.Sprintf("element %d must be a string, number, boolean or null, got %s", i, shortJSON(e))
			}
			out = append(out, v)
		})
		if !isArray {
			return nil, want()
		}
		if problem != "" {
			return nil, problem
		}
		return out, ""
	}
	return nil, fmt.Sprintf("has an unknown type %q", t)
}

// arrayElement is one scalar of an array attribute: a whole number is an
// int64, another number a float64.
func arrayElement(raw json.RawMessage) (any, bool) {
	switch {
	case isNull(raw):
		return nil, true
	case raw[0] == '"':
		return unquote(raw)
	case string(raw) == "true":
		return true, true
	case string(raw) == "false":
		return false, true
	case isNumber(raw):
		if n, ok := integer(raw); ok && !bytes.ContainsAny(raw, ".eE") {
			return n, true
		}
		f, err := strconv.ParseFloat(string(raw), 64)
		return f, err == nil && !math.IsInf(f, 0)
	}
	return nil, false
}

func describe(t layer.FieldType) string {
	switch t {
	case layer.String:
		return "a string"
	case layer.Integer:
		return "a whole number"
	case layer.Number:
		return "a number"
	case layer.Boolean:
		return "true or false"
	case layer.Date:
		return "a date as \"YYYY-MM-DD\""
	case layer.DateTime:
		return "a date and time as RFC 3339 (\"2024-03-15T08:30:00Z\")"
	case layer.Array:
		return "an array"
	}
	return string(t)
}

// integer reads a JSON number that is a whole number within int64: "12",
// and also "12.0" or "1.2e1", which some writers produce for integers.
func integer(raw json.RawMessage) (int64, bool) {
	if n, err := strconv.ParseInt(string(raw), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	// Beyond 2^53 a float64 no longer holds every integer, so "1e20" could
	// not mean one exact value.
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

func isNumber(raw json.RawMessage) bool {
	return len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// shortJSON shows a value in a message, cut short: a message must not
// echo a megabyte back.
func shortJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "nothing"
	}
	return truncate(string(raw))
}

func truncate(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// jsonError explains why raw is not valid JSON.
func jsonError(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return jsonErrorText(err)
	}
	return "not valid JSON"
}

// jsonErrorText keeps encoding/json's explanation and drops its Go type
// names, which mean nothing to a client.
func jsonErrorText(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("%s (at byte %d)", strings.TrimPrefix(syn.Error(), "json: "), syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("unexpected %s (at byte %d)", typ.Value, typ.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// decodeGeometry reads the "geometry" member: null is a feature without
// geometry; a missing member is a problem (GeoJSON requires it).
func (d *Decoder) decodeGeometry(ps *problems, raw json.RawMessage) orb.Geometry {
	if len(raw) == 0 {
		ps.add(FieldGeometry, "the \"geometry\" member is missing; use null for a feature without geometry")
		return nil
	}
	if isNull(raw) {
		return nil
	}
	g, err := parseGeometry(raw, 0)
	if err != "" {
		ps.add(FieldGeometry, "%s", err)
		return nil
	}
	if reason := typeProblem(d.l, g); reason != "" {
		ps.add(FieldGeometry, "%s", reason)
		return nil
	}
	if d.opts.ToStorage != nil {
		g = transform(g, d.opts.ToStorage)
	}
	// Checked before Conform, so a problem names the parts as sent.
	for _, reason := range shapeProblems(d.l.Source.SRID, g) {
		ps.add(FieldGeometry, "%s", reason)
	}
	return Conform(d.l, g)
}

// maxCollectionDepth bounds GeometryCollections nested in each other, so a
// hostile request cannot recurse without end.
const maxCollectionDepth = 8

// parseGeometry reads a GeoJSON geometry as sent, checking its structure
// (the nesting of its coordinates, positions of two or more numbers) but
// not its shape: shapeProblems does that after the transform to storage.
func parseGeometry(raw json.RawMessage, depth int) (orb.Geometry, string) {
	var rawType, coordinates, geometries []byte
	isObject := eachMember(raw, func(key, v []byte) {
		switch string(key) {
		case "type":
			rawType = v
		case "coordinates":
			coordinates = v
		case "geometries":
			geometries = v
		}
	})
	if !isObject {
		return nil, fmt.Sprintf("must be a GeoJSON geometry object or null, got %s", shortJSON(raw))
	}
	name, ok := unquoteBytes(rawType)
	if !ok {
		return nil, fmt.Sprintf("the geometry's \"type\" must be a string, got %s", shortJSON(rawType))
	}
	typ := geometryName(name)
	if typ == "GeometryCollection" {
		if depth >= maxCollectionDepth {
			return nil, fmt.Sprintf("GeometryCollections are nested more than %d deep", maxCollectionDepth)
		}
		c := orb.Collection{}
		problem := ""
		isArray := eachElement(geometries, func(i int, m []byte) {
			if problem != "" {
				return
			}
			g, err := parseGeometry(m, depth+1)
			if err != "" {
				problem = fmt.Sprintf("member %d of the GeometryCollection: %s", i, err)
			}
			c = append(c, g)
		})
		if !isArray {
			return nil, "a GeometryCollection needs a \"geometries\" array"
		}
		if problem != "" {
			return nil, problem
		}
		return c, ""
	}
	levels, ok := coordinateLevels[typ]
	if !ok {
		return nil, fmt.Sprintf("unknown geometry type %s; use Point, LineString, Polygon, their Multi* forms or GeometryCollection", truncate(strconv.Quote(typ)))
	}
	if isNull(coordinates) {
		return nil, fmt.Sprintf("a %s needs \"coordinates\"", typ)
	}
	return parseCoordinates(typ, levels, coordinates)
}

// geometryName is a geometry type's name as a string, allocated only for
// names GeoJSON does not have.
func geometryName(b []byte) string {
	switch string(b) {
	case "Point":
		return "Point"
	case "MultiPoint":
		return "MultiPoint"
	case "LineString":
		return "LineString"
	case "MultiLineString":
		return "MultiLineString"
	case "Polygon":
		return "Polygon"
	case "MultiPolygon":
		return "MultiPolygon"
	case "GeometryCollection":
		return "GeometryCollection"
	}
	return string(b)
}

// coordinateLevels is how deep each type's positions are nested.
var coordinateLevels = map[string]int{
	"Point": 0, "MultiPoint": 1, "LineString": 1,
	"MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3,
}

// parseCoordinates reads coordinates nested levels deep. The fast path
// scans the bytes straight into orb types; anything it does not take as it
// is (nulls, strings, wrong nesting, numbers beyond float64) goes through
// a slow walk that names the offending position.
func parseCoordinates(typ string, levels int, raw json.RawMessage) (orb.Geometry, string) {
	if g, ok := scanCoordinates(typ, raw); ok {
		return g, ""
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, "invalid coordinates: " + jsonErrorText(err)
	}
	pos, err := walkCoordinates(v, levels, "coordinates")
	if err != "" {
		return nil, err
	}
	return build(typ, pos), ""
}

// scanCoordinates reads well-formed coordinates of type typ; ok is false
// for anything else. raw is valid JSON already (the whole feature was
// unmarshalled), so every number token is a JSON number.
func scanCoordinates(typ string, raw []byte) (orb.Geometry, bool) {
	s := coordScanner{b: raw}
	var g orb.Geometry
	ok := false
	switch typ {
	case "Point":
		var p orb.Point
		p, ok = s.position()
		g = p
	case "MultiPoint":
		var ps []orb.Point
		ps, ok = s.points()
		g = orb.MultiPoint(ps)
	case "LineString":
		var ps []orb.Point
		ps, ok = s.points()
		g = orb.LineString(ps)
	case "MultiLineString":
		var ls []orb.LineString
		ls, ok = lines[orb.LineString](&s)
		g = orb.MultiLineString(ls)
	case "Polygon":
		var rs []orb.Ring
		rs, ok = lines[orb.Ring](&s)
		g = orb.Polygon(rs)
	case "MultiPolygon":
		var ps []orb.Polygon
		ps, ok = s.polygons()
		g = orb.MultiPolygon(ps)
	}
	s.space()
	return g, ok && s.i == len(s.b)
}

// coordScanner reads nested arrays of numbers from JSON text.
type coordScanner struct {
	b []byte
	i int
}

func (s *coordScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\n' || s.b[s.i] == '\t' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *coordScanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *coordScanner) number() (float64, bool) {
	s.space()
	if f, end, ok := plainNumber(s.b, s.i); ok {
		s.i = end
		return f, true
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
			break
		}
		s.i++
	}
	if s.i == start {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	return f, err == nil
}

// plainNumber reads the number at b[i] when it is written as coordinates
// nearly always are — -?digits(.digits)?, fifteen digits at most, no
// exponent — and returns it and the index past it; ok is false for any
// other text, which strconv then reads. The digits make an integer below
// 2^53 and the point a division by an exact power of ten, so the one
// rounding of that division gives the float strconv.ParseFloat gives
// (its own fast path is the same arithmetic), with less work per number.
func plainNumber(b []byte, i int) (float64, int, bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var mant uint64
	digits, start := 0, i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		mant = mant*10 + uint64(b[i]-'0')
		digits++
	}
	if digits == 0 {
		return 0, 0, false
	}
	frac := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			mant = mant*10 + uint64(b[i]-'0')
			digits++
			frac++
		}
		if frac == 0 {
			return 0, 0, false
		}
	}
	if digits > 15 || i < len(b) && (b[i] == 'e' || b[i] == 'E' || b[i] == '.' || b[i] == '+' || b[i] == '-') || b[start] == '0' && i-start > 1 && b[start+1] != '.' {
		return 0, 0, false
	}
	f := float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, i, true
}

// pow10 are the powers of ten a float64 holds exactly, as many as
// fifteen fraction digits need.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// array reads [item, item, ...], calling item for each.
func (s *coordScanner) array(item func() bool) bool {
	if !s.next('[') {
		return false
	}
	for first := true; ; first = false {
		if s.next(']') {
			return true
		}
		if !first && !s.next(',') {
			return false
		}
		if !item() {
			return false
		}
	}
}

// position reads [x, y, ...]: two or more numbers, the first two kept.
func (s *coordScanner) position() (orb.Point, bool) {
	var p orb.Point
	n := 0
	ok := s.array(func() bool {
		f, ok := s.number()
		if n < 2 {
			p[n] = f
		}
		n++
		return ok
	})
	return p, ok && n >= 2
}

func (s *coordScanner) points() ([]orb.Point, bool) {
	ps := make([]orb.Point, 0, 8)
	ok := s.array(func() bool {
		p, ok := s.position()
		ps = append(ps, p)
		return ok
	})
	return ps, ok
}

// lines reads an array of point arrays as line strings or rings, the
// types the geometry is made of, so nothing is copied into them after.
func lines[T ~[]orb.Point](s *coordScanner) ([]T, bool) {
	var ls []T
	ok := s.array(func() bool {
		l, ok := s.points()
		ls = append(ls, T(l))
		return ok
	})
	return ls, ok
}

func (s *coordScanner) polygons() ([]orb.Polygon, bool) {
	var ps []orb.Polygon
	ok := s.array(func() bool {
		p, ok := lines[orb.Ring](s)
		ps = append(ps, orb.Polygon(p))
		return ok
	})
	return ps, ok
}

// walkCoordinates checks coordinates nested levels deep and returns them as
// nested []any ending in orb.Points.
func walkCoordinates(v any, levels int, path string) (any, string) {
	arr, ok := v.([]any)
	if !ok {
		if levels == 0 {
			return nil, fmt.Sprintf("%s must be a position: an array of two or more numbers", path)
		}
		return nil, fmt.Sprintf("%s must be an array", path)
	}
	if levels == 0 {
		if len(arr) < 2 {
			return nil, fmt.Sprintf("%s must be a position: an array of two or more numbers", path)
		}
		var p orb.Point
		for i, c := range arr {
			n, ok := c.(json.Number)
			if !ok {
				return nil, fmt.Sprintf("%s[%d] must be a number", path, i)
			}
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil || math.IsInf(f, 0) {
				return nil, fmt.Sprintf("%s[%d] is not a finite number", path, i)
			}
			if i < 2 {
				p[i] = f
			}
		}
		return p, ""
	}
	out := make([]any, len(arr))
	for i, e := range arr {
		var err string
		if out[i], err = walkCoordinates(e, levels-1, fmt.Sprintf("%s[%d]", path, i)); err != "" {
			return nil, err
		}
	}
	return out, ""
}

// build makes the orb geometry of type typ from walked coordinates.
func build(typ string, v any) orb.Geometry {
	pts := func(v any) []orb.Point {
		a := v.([]any)
		out := make([]orb.Point, len(a))
		for i, p := range a {
			out[i] = p.(orb.Point)
		}
		return out
	}
	lines := func(v any) [][]orb.Point {
		a := v.([]any)
		out := make([][]orb.Point, len(a))
		for i, l := range a {
			out[i] = pts(l)
		}
		return out
	}
	polygon := func(v any) orb.Polygon {
		ls := lines(v)
		p := make(orb.Polygon, len(ls))
		for i, l := range ls {
			p[i] = l
		}
		return p
	}
	switch typ {
	case "Point":
		return v.(orb.Point)
	case "MultiPoint":
		return orb.MultiPoint(pts(v))
	case "LineString":
		return orb.LineString(pts(v))
	case "MultiLineString":
		ls := lines(v)
		m := make(orb.MultiLineString, len(ls))
		for i, l := range ls {
			m[i] = l
		}
		return m
	case "Polygon":
		return polygon(v)
	case "MultiPolygon":
		a := v.([]any)
		m := make(orb.MultiPolygon, len(a))
		for i, p := range a {
			m[i] = polygon(p)
		}
		return m
	}
	return nil
}

// transform maps every position of g, which the decoder owns, in place.
func transform(g orb.Geometry, tr func(x, y float64) (float64, float64)) orb.Geometry {
	each := func(ps []orb.Point) {
		for i, p := range ps {
			ps[i][0], ps[i][1] = tr(p[0], p[1])
		}
	}
	switch g := g.(type) {
	case orb.Point:
		g[0], g[1] = tr(g[0], g[1])
		return g
	case orb.MultiPoint:
		each(g)
	case orb.LineString:
		each(g)
	case orb.MultiLineString:
		for _, l := range g {
			each(l)
		}
	case orb.Polygon:
		for _, r := range g {
			each(r)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				each(r)
			}
		}
	case orb.Collection:
		for i := range g {
			g[i] = transform(g[i], tr)
		}
	}
	return g
}

// The helpers below cut JSON text that json.Valid has accepted into its
// parts without decoding it again: one validating pass per feature, then
// slices. They stay in bounds on any input, valid or not.

// eachMember calls fn with each member of the object raw: its key
// (unescaped; a slice of raw unless it had escapes, so fn compares it as
// string(key) without allocating) and its value's text. It reports
// whether raw is an object.
func eachMember(raw []byte, fn func(key, value []byte)) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	i++
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case '}':
			return true
		case ',':
			i++
			continue
		case '"':
		default:
			return false
		}
		end := skipString(raw, i)
		key, ok := unquoteBytes(raw[i:end])
		if !ok {
			return false
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return false
		}
		i = skipSpace(raw, i+1)
		end = skipValue(raw, i)
		fn(key, raw[i:end])
		i = end
	}
}

// eachElement calls fn with each element's text of the array raw. It
// reports whether raw is an array.
func eachElement(raw []byte, fn func(i int, value []byte)) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return false
	}
	i++
	for n := 0; ; {
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case ']':
			return true
		case ',':
			i++
			continue
		}
		end := skipValue(raw, i)
		if end == i {
			return false
		}
		fn(n, raw[i:end])
		n++
		i = end
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		if i >= len(b) {
			break
		}
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// structural marks the bytes that skipValue looks at inside an object or
// array; it passes over all others (most of a coordinate array) in a
// tight loop.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			c := b[i]
			if !structural[c] {
				i++
				continue
			}
			switch c {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	}
	for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
		i++
	}
	return i
}

// unquoteBytes is unquote without a copy for strings without escapes.
func unquoteBytes(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return body, true
	}
	s, ok := unquote(raw)
	return []byte(s), ok
}

// unquote decodes a JSON string's text; ok is false for anything else.
// Strings without escapes (nearly all) are a slice away.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if bytes.IndexByte(body, '\\') < 0 && utf8.Valid(body) {
		return string(body), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
