package ingest

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Check validates a record already typed (by the CSV and GeoPackage
// readers, or the decoder) against layer l: the id an int64, a non-empty
// string or nil; one value per field, each nil or of the Go type its
// layer.FieldType documents; required fields present; and the geometry (in
// l.Source.SRID, x = easting/longitude) as shapeProblems describes. It
// returns every problem, not the first.
//
// A Multi* layer accepts the single form of its type (a Polygon for a
// MultiPolygon layer): GeoPackages made by GDAL often mix them. Callers
// write Conform(l, g), never the single form, so a store with a typed
// geometry column takes it.
func Check(l *layer.Layer, index int, r store.Record) []Problem {
	ps := problems{index: index}
	switch id := r.ID.(type) {
	case nil, int64:
		ps.id = id
	case string:
		if id == "" {
			ps.add(FieldID, "must not be an empty string")
		}
		ps.id = id
	default:
		ps.add(FieldID, "must be a whole number or a string, got %T", r.ID)
	}
	if len(r.Props) != len(l.Fields) {
		ps.add("", "has %d attribute values, the layer has %d attributes", len(r.Props), len(l.Fields))
	} else {
		for i, f := range l.Fields {
			v := r.Props[i]
			if v == nil {
				if f.Required {
					ps.add(f.Name, "required attribute is missing or null")
				}
				continue
			}
			if reason := valueProblem(f.Type, v); reason != "" {
				ps.add(f.Name, "%s", reason)
			}
		}
	}
	if r.Geometry != nil {
		if reason := typeProblem(l, r.Geometry); reason != "" {
			ps.add(FieldGeometry, "%s", reason)
		} else {
			for _, reason := range shapeProblems(l.Source.SRID, r.Geometry) {
				ps.add(FieldGeometry, "%s", reason)
			}
		}
	}
	return ps.list
}

// valueProblem says why v is not a value of type t, or "".
func valueProblem(t layer.FieldType, v any) string {
	wrong := func() string { return fmt.Sprintf("must be %s, got a %T", describe(t), v) }
	switch t {
	case layer.String:
		if _, ok := v.(string); !ok {
			return wrong()
		}
	case layer.Integer:
		if _, ok := v.(int64); !ok {
			return wrong()
		}
	case layer.Number:
		f, ok := v.(float64)
		if !ok {
			return wrong()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "must be a finite number"
		}
	case layer.Boolean:
		if _, ok := v.(bool); !ok {
			return wrong()
		}
	case layer.Date:
		d, ok := v.(time.Time)
		if !ok {
			return wrong()
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			return fmt.Sprintf("a date must be a day at UTC midnight, got %s", d.Format(time.RFC3339Nano))
		}
	case layer.DateTime:
		if _, ok := v.(time.Time); !ok {
			return wrong()
		}
	case layer.JSON:
		raw, ok := v.(json.RawMessage)
		if !ok {
			return wrong()
		}
		if !json.Valid(raw) {
			return "is not valid JSON"
		}
	case layer.Array:
		a, ok := v.([]any)
		if !ok {
			return wrong()
		}
		for i, e := range a {
			switch e := e.(type) {
			case nil, string, int64, bool:
			case float64:
				if math.IsNaN(e) || math.IsInf(e, 0) {
					return fmt.Sprintf("element %d must be a finite number", i)
				}
			default:
				return fmt.Sprintf("element %d must be a string, number, boolean or null, got a %T", i, e)
			}
		}
	default:
		return fmt.Sprintf("has an unknown type %q", t)
	}
	return ""
}

// multiOf is the Multi* type that holds each single type.
var multiOf = map[layer.GeometryType]layer.GeometryType{
	layer.Point:      layer.MultiPoint,
	layer.LineString: layer.MultiLineString,
	layer.Polygon:    layer.MultiPolygon,
}

// geometryType names g's type as the catalogue does; "" for a type a layer
// cannot hold (orb.Ring, orb.Bound).
func geometryType(g orb.Geometry) layer.GeometryType {
	switch g.(type) {
	case orb.Point:
		return layer.Point
	case orb.MultiPoint:
		return layer.MultiPoint
	case orb.LineString:
		return layer.LineString
	case orb.MultiLineString:
		return layer.MultiLineString
	case orb.Polygon:
		return layer.Polygon
	case orb.MultiPolygon:
		return layer.MultiPolygon
	case orb.Collection:
		return layer.GeometryCollection
	}
	return ""
}

// typeProblem says why a geometry of g's type cannot go into l, or "".
// A layer of "Geometry" (or no declared type) takes any; a Multi* layer
// also takes its single form.
func typeProblem(l *layer.Layer, g orb.Geometry) string {
	got := geometryType(g)
	if got == "" {
		return fmt.Sprintf("unsupported geometry type %T", g)
	}
	want := l.GeometryType
	if want == "" || want == layer.AnyGeometry || want == got || multiOf[got] == want {
		return ""
	}
	return fmt.Sprintf("collection %q holds %s geometries, got a %s", l.ID, want, got)
}

// Conform returns g in the form layer l stores: a single geometry promoted
// to the layer's Multi* type (a Polygon becomes a MultiPolygon of one);
// anything else unchanged.
func Conform(l *layer.Layer, g orb.Geometry) orb.Geometry {
	if multiOf[geometryType(g)] != l.GeometryType {
		return g
	}
	switch g := g.(type) {
	case orb.Point:
		return orb.MultiPoint{g}
	case orb.LineString:
		return orb.MultiLineString{g}
	case orb.Polygon:
		return orb.MultiPolygon{g}
	}
	return g
}

// maxShapeProblems caps what one geometry reports: a million-vertex
// polygon with a bad vertex in each is one problem to its sender.
const maxShapeProblems = 10

// shapeProblems checks a geometry in storage SRID srid: every part
// non-empty, line strings of two or more positions, polygon rings closed
// and of four or more positions, coordinates finite and, when the crs
// package knows srid, within the world (longitude ±180°, latitude ±90°).
// Self-intersection and the like are the store's to judge (Tx.Invalid).
func shapeProblems(srid int, g orb.Geometry) []string {
	var c shapeChecker
	c.walk(g, place{})
	if len(c.problems) == 0 && c.finite {
		if reason := rangeProblem(srid, g.Bound()); reason != "" {
			c.problems = append(c.problems, reason)
		}
	}
	return c.problems
}

type shapeChecker struct {
	problems []string
	finite   bool // set by walk: false once a non-finite coordinate is seen
	started  bool
}

func (c *shapeChecker) add(format string, args ...any) {
	if len(c.problems) < maxShapeProblems {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// place is a part of a geometry, named ("ring 1 of polygon 2") only when
// a problem needs it: most geometries have none, and naming every ring of
// every feature of an import costs more than checking it.
type place struct {
	up   string // the enclosing part's name, "" for the whole geometry
	kind string // "ring", "polygon", ...; "" for the whole geometry
	i    int
}

// in is part i of kind within p.
func (p place) in(kind string, i int) place { return place{up: p.String(), kind: kind, i: i} }

func (p place) String() string {
	if p.kind == "" {
		return p.up
	}
	part := p.kind + " " + strconv.Itoa(p.i)
	if p.up == "" {
		return part
	}
	return part + " of " + p.up
}

// whole is the place's name, "the geometry" for the whole.
func (p place) whole() string {
	if s := p.String(); s != "" {
		return s
	}
	return "the geometry"
}

// part is part i of kind within p, without naming p until needed.
type part struct {
	of   place
	kind string
	i    int
}

func (p part) place() place { return p.of.in(p.kind, p.i) }

func (c *shapeChecker) points(ps []orb.Point, at place) bool {
	if i := c.badPosition(ps); i >= 0 {
		c.add("position %d of %s is outside the range of its coordinate reference system or not a finite number", i, at.whole())
		return false
	}
	return true
}

// badPosition is the index of the first position of ps that is not
// finite, or -1.
func (c *shapeChecker) badPosition(ps []orb.Point) int {
	if !c.started {
		c.started, c.finite = true, true
	}
	for i, p := range ps {
		if !finite(p[0]) || !finite(p[1]) {
			c.finite = false
			return i
		}
	}
	return -1
}

func (c *shapeChecker) walk(g orb.Geometry, at place) {
	switch g := g.(type) {
	case orb.Point:
		c.points([]orb.Point{g}, at)
	case orb.MultiPoint:
		if len(g) == 0 {
			c.add("%s is empty; use null for a feature without geometry", at.whole())
		}
		c.points(g, at)
	case orb.LineString:
		c.line(g, part{of: at})
	case orb.MultiLineString:
		if len(g) == 0 {
			c.add("%s is empty; use null for a feature without geometry", at.whole())
		}
		for i, l := range g {
			c.line(orb.LineString(l), part{at, "line", i})
		}
	case orb.Polygon:
		c.polygon(g, part{of: at})
	case orb.MultiPolygon:
		if len(g) == 0 {
			c.add("%s is empty; use null for a feature without geometry", at.whole())
		}
		for i, p := range g {
			c.polygon(p, part{at, "polygon", i})
		}
	case orb.Collection:
		if len(g) == 0 {
			c.add("%s is empty; use null for a feature without geometry", at.whole())
		}
		for i, m := range g {
			c.walk(m, at.in("member", i))
		}
	default:
		c.add("unsupported geometry type %T", g)
	}
}

// line checks a line string at p (the whole of p.of when p.kind is "").
func (c *shapeChecker) line(l orb.LineString, p part) {
	if len(l) < 2 {
		c.add("%s has %d position(s); a line string needs at least 2", p.where().whole(), len(l))
	}
	if i := c.badPosition(l); i >= 0 {
		c.add("position %d of %s is outside the range of its coordinate reference system or not a finite number", i, p.where().whole())
	}
}

// where is the place p names: its container itself when it has no kind.
func (p part) where() place {
	if p.kind == "" {
		return p.of
	}
	return p.place()
}

func (c *shapeChecker) polygon(pg orb.Polygon, p part) {
	if len(pg) == 0 {
		c.add("%s has no rings; use null for a feature without geometry", p.where().whole())
	}
	for i, r := range pg {
		if j := c.badPosition(r); j >= 0 {
			c.add("position %d of %s is outside the range of its coordinate reference system or not a finite number", j, p.where().in("ring", i).whole())
			continue
		}
		if len(r) < 4 {
			c.add("%s has %d position(s); a polygon ring needs at least 4", p.where().in("ring", i).whole(), len(r))
			continue
		}
		if r[0] != r[len(r)-1] {
			c.add("%s is not closed: its first and last positions differ", p.where().in("ring", i).whole())
		}
	}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// rangeProblem checks that a bound in srid lies within the world. The
// corners stand for the whole geometry: enough to catch swapped axes and
// coordinates in the wrong CRS without a projection per vertex. A corner
// must reach a longitude and latitude and come back to itself: a projected
// grid's formulas give some answer far outside their area, not an error.
func rangeProblem(srid int, b orb.Bound) string {
	for _, p := range []orb.Point{b.Min, b.Max, {b.Min[0], b.Max[1]}, {b.Max[0], b.Min[1]}} {
		if !inWorld(srid, p) {
			return fmt.Sprintf("coordinates (%g, %g) are outside the range of EPSG:%d (are the axes swapped, or the coordinates in another CRS?)", p[0], p[1], srid)
		}
	}
	return ""
}

// rangeCell is a square of a CRS's plane: 0.1° or 10 km a side.
type rangeCell struct {
	srid int
	x, y int64
}

// validCells remembers cells whose corners are all in the world, so a
// million features in one city cost a few projections, not four each.
// Only valid cells are kept, and only so many.
var (
	validCells     sync.Map // rangeCell → struct{}
	validCellCount atomic.Int64
)

const maxValidCells = 100_000

// inWorld reports whether p (x first, in srid) is a place on Earth: a
// corner of a cell known to be, or one that survives the round trip.
func inWorld(srid int, p orb.Point) bool {
	size := 10_000.0
	if srid == 4326 || srid == 4490 {
		size = 0.1
	}
	fx, fy := math.Floor(p[0]/size), math.Floor(p[1]/size)
	if math.Abs(fx) < 1e15 && math.Abs(fy) < 1e15 {
		cell := rangeCell{srid, int64(fx), int64(fy)}
		if _, ok := validCells.Load(cell); ok {
			return true
		}
		x0, y0 := fx*size, fy*size
		if roundTrips(srid, orb.Point{x0, y0}) && roundTrips(srid, orb.Point{x0 + size, y0}) &&
			roundTrips(srid, orb.Point{x0, y0 + size}) && roundTrips(srid, orb.Point{x0 + size, y0 + size}) {
			if validCellCount.Add(1) <= maxValidCells {
				validCells.Store(cell, struct{}{})
			}
			return true
		}
	}
	return roundTrips(srid, p)
}

// roundTrips reports whether p (in srid) maps to a longitude and latitude
// and back to itself. An SRID csdi does not transform passes: the store
// judges those.
func roundTrips(srid int, p orb.Point) bool {
	toLL, err := crs.ToLonLat(srid)
	if err != nil {
		return true
	}
	fromLL, err := crs.FromLonLat(srid)
	if err != nil {
		return true
	}
	const eps = 1e-9
	lon, lat := toLL(p[0], p[1])
	if !finite(lon) || !finite(lat) || math.Abs(lon) > 180+eps || math.Abs(lat) > 90+eps {
		return false
	}
	x, y := fromLL(lon, lat)
	tolerance := 1e-6 * max(1, math.Abs(p[0]), math.Abs(p[1]))
	return math.Abs(x-p[0]) <= tolerance && math.Abs(y-p[1]) <= tolerance
}
