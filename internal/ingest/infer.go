package ingest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Schema is what a first pass over a file says a new layer should be.
type Schema struct {
	Fields       []layer.Field
	GeometryType layer.GeometryType
	SRID         int // of the input coordinates
	// IDs is how the features name themselves: "integer" or "string"
	// when every feature has an id of that kind, "" otherwise.
	IDs      string
	Features int64 // read, with or without problems
	// ProblemCount counts every problem; Infer lists the first
	// DefaultMaxProblems.
	ProblemCount int
	// Checked says that inference also checked every feature as an import
	// into the inferred layer would (all but the store's geometry check):
	// with no problems, the file need not be read again before the new
	// layer's table is created.
	Checked bool
}

// valueKind is what a value looks like, from the narrowest to the widest.
type valueKind uint8

const (
	kindNull valueKind = iota
	kindBoolean
	kindInteger
	kindNumber
	kindDate
	kindDateTime
	kindString
	kindJSON
)

var kindType = map[valueKind]layer.FieldType{
	kindNull: layer.String, kindBoolean: layer.Boolean, kindInteger: layer.Integer,
	kindNumber: layer.Number, kindDate: layer.Date, kindDateTime: layer.DateTime,
	kindString: layer.String, kindJSON: layer.JSON,
}

// widen is the kind that holds values of kinds a and b, so that every
// value inferred from is valid in the type inferred. In JSON a string and
// a number cannot share a typed column, so what does not fit a scalar type
// becomes json; CSV cells are all text, so there it becomes string (text
// says so).
func widen(a, b valueKind, text bool) valueKind {
	switch {
	case a == b || b == kindNull:
		return a
	case a == kindNull:
		return b
	}
	if a > b {
		a, b = b, a
	}
	switch {
	case a == kindInteger && b == kindNumber:
		return b
	case a == kindDate && b == kindDateTime && text:
		// A CSV date-time cell may be a date (csdi's f=csv writes UTC
		// midnight so); in JSON a date-time must be RFC 3339.
		return b
	case text, a >= kindDate && b == kindString, a == kindDate && b == kindDateTime:
		return kindString
	}
	return kindJSON
}

// schemaBuilder accumulates the kinds of each property and the geometry
// types seen, in first-seen order.
type schemaBuilder struct {
	text  bool // values are CSV text
	names []string
	kinds map[string]valueKind
	geoms map[layer.GeometryType]bool
	ids   string // "integer", "string", "mixed", "missing" or "" before the first feature
	count int64
}

func newSchemaBuilder(text bool) *schemaBuilder {
	return &schemaBuilder{text: text, kinds: map[string]valueKind{}, geoms: map[layer.GeometryType]bool{}}
}

func (b *schemaBuilder) value(name string, k valueKind) {
	old, ok := b.kinds[name]
	if !ok {
		b.names = append(b.names, name)
	}
	b.kinds[name] = widen(old, k, b.text)
}

// valueOf is value for a name in JSON text, allocated only when new.
func (b *schemaBuilder) valueOf(name []byte, k valueKind) {
	old, ok := b.kinds[string(name)]
	if !ok {
		b.value(string(name), k)
		return
	}
	if w := widen(old, k, b.text); w != old {
		b.kinds[string(name)] = w
	}
}

func (b *schemaBuilder) geometry(g orb.Geometry) {
	if g != nil {
		b.geoms[geometryType(g)] = true
	}
}

func (b *schemaBuilder) id(id any) {
	kind := "missing"
	switch id.(type) {
	case int64:
		kind = "integer"
	case string:
		kind = "string"
	}
	switch {
	case b.count == 0:
		b.ids = kind
	case b.ids != kind:
		b.ids = "mixed"
	}
	b.count++
}

// schema is the result. Fields are named as in the file; columnNames
// later makes them safe column names.
func (b *schemaBuilder) schema(srid int) Schema {
	s := Schema{SRID: srid, Features: b.count, GeometryType: unifyGeometry(b.geoms)}
	for _, n := range b.names {
		s.Fields = append(s.Fields, layer.Field{Name: n, Type: kindType[b.kinds[n]]})
	}
	if b.ids == "integer" || b.ids == "string" {
		s.IDs = b.ids
	}
	return s
}

// unifyGeometry is the one type that holds every type seen: itself when
// there is one, the Multi* form when singles and multis of one family
// mix, and Geometry (any) otherwise or when there was no geometry.
func unifyGeometry(seen map[layer.GeometryType]bool) layer.GeometryType {
	var only layer.GeometryType
	for t := range seen {
		if only == "" {
			only = t
			continue
		}
		if family(t) != family(only) || family(t) == "" {
			return layer.AnyGeometry
		}
		only = family(t)
	}
	if only == "" {
		return layer.AnyGeometry
	}
	return only
}

// family is the Multi* type of a single or multi type, "" for collections.
func family(t layer.GeometryType) layer.GeometryType {
	if m, ok := multiOf[t]; ok {
		return m
	}
	switch t {
	case layer.MultiPoint, layer.MultiLineString, layer.MultiPolygon:
		return t
	}
	return ""
}

// jsonKind is the kind of one JSON property value.
func jsonKind(raw []byte) valueKind {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return kindNull
	}
	switch raw[0] {
	case 'n':
		return kindNull
	case 't', 'f':
		return kindBoolean
	case '"':
		if body, ok := unquoteBytes(raw); ok && !maybeDate(body) {
			return kindString // without a string's allocation
		}
		s, ok := unquote(raw)
		if !ok {
			return kindString
		}
		return stringKind(s)
	case '{', '[':
		return kindJSON
	}
	if bytes.ContainsAny(raw, ".eE") {
		return kindNumber
	}
	if _, err := strconv.ParseInt(string(raw), 10, 64); err != nil {
		return kindNumber
	}
	return kindInteger
}

// maybeDate reports whether s starts as dates and date-times do, with a
// four-digit year and a dash, as time.Parse requires of both.
func maybeDate[T string | []byte](s T) bool {
	if len(s) < len(time.DateOnly) || s[4] != '-' {
		return false
	}
	for i := range 4 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// stringKind tells dates and date-times from other strings.
func stringKind(s string) valueKind {
	if !maybeDate(s) {
		return kindString
	}
	if len(s) == len(time.DateOnly) {
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			return kindDate
		}
	}
	if len(s) >= len("2006-01-02T15:04:05Z") && len(s) <= 40 {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return kindDateTime
		}
	}
	return kindString
}

// textKind is the kind of one CSV cell. Integers with a leading zero
// ("007", a code) stay strings, and so do Inf, NaN and hex floats.
func textKind(s string) valueKind {
	if s == "" {
		return kindNull
	}
	switch strings.ToLower(s) {
	case "true", "false":
		return kindBoolean
	}
	if plainDecimal(s) {
		digits := strings.TrimPrefix(s, "-")
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			if len(digits) > 1 && digits[0] == '0' {
				return kindString
			}
			return kindInteger
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && finite(f) {
			if len(digits) > 1 && digits[0] == '0' && digits[1] != '.' {
				return kindString
			}
			return kindNumber
		}
	}
	if s[0] == '{' || s[0] == '[' {
		if json.Valid([]byte(s)) {
			return kindJSON
		}
	}
	return stringKind(s)
}

// plainDecimal reports whether s is written like -12.5e3: digits, one
// leading minus, a point, an exponent.
func plainDecimal(s string) bool {
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '-' && (i == 0 || s[i-1] == 'e' || s[i-1] == 'E'), c == '+' && i > 0 && (s[i-1] == 'e' || s[i-1] == 'E'):
		case c == '.' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return digits
}

// NewLayer is the layer a new table for schema s gets: table named after
// id, ids kept from the file when every feature has one (a text column for
// string ids, whose features clients then name; integers otherwise, which
// the server assigns where a feature has none).
func NewLayer(id string, s Schema) layer.Layer {
	l := layer.Layer{
		ID:           id,
		Title:        layer.Text{En: id},
		GeometryType: s.GeometryType,
		Source:       layer.Source{Table: TableName(id), IDColumn: "id", GeometryColumn: "geom", SRID: s.SRID},
		MaxZoom:      layer.DefaultMaxZoom,
		IDs:          "server",
	}
	if s.IDs == "string" {
		l.IDs = "client"
	}
	taken := map[string]bool{"id": true, "geom": true}
	for _, f := range s.Fields {
		col := columnName(f.Name, taken)
		if col != f.Name {
			f.Column = col
		}
		l.Fields = append(l.Fields, f)
	}
	return l
}

// maxIdentifier is PostgreSQL's limit on a name, in bytes.
const maxIdentifier = 63

// TableName is the table a new layer id is stored in: lower case letters,
// digits and '_', starting with a letter.
func TableName(id string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(id) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		name = "t_" + name
	}
	if len(name) > maxIdentifier {
		name = name[:maxIdentifier]
	}
	return name
}

// columnName is the column a property is stored in: its own name when it
// is a usable, unused one (compared without case, as SQLite does), else a
// numbered or shortened variant.
func columnName(name string, taken map[string]bool) string {
	base := name
	if len(base) > maxIdentifier-4 {
		base = truncateBytes(base, maxIdentifier-4)
	}
	col := base
	for n := 2; col == "" || taken[strings.ToLower(col)] || len(col) > maxIdentifier; n++ {
		col = base + "_" + strconv.Itoa(n)
	}
	taken[strings.ToLower(col)] = true
	return col
}

// truncateBytes cuts s to at most n bytes on a UTF-8 boundary.
func truncateBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}
