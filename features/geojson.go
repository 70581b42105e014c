package features

import (
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// geoJSON encodes cached features of one layer as GeoJSON, for one
// response at a time. Coordinates go from world coordinates to CRS84
// through a per-feature lonLatSeries, or through toOut when set (Part 2's
// other CRSs), and are rounded by appendCoord.
type geoJSON struct {
	layer        *layer.Layer
	fields       []int    // which fields to write, in order
	keys         [][]byte // `"name":` for each field, escaped once
	skipGeometry bool
	toOut        crs.Transform
	series       lonLatSeries
}

// newGeoJSON encodes every attribute and the geometry in CRS84.
func newGeoJSON(l *layer.Layer) *geoJSON {
	return newGeoJSONFor(l, allFields(l), false, defaultCRS)
}

// newGeoJSONFor encodes the attributes fields, in that order, the
// geometry unless skipGeometry, in CRS c.
func newGeoJSONFor(l *layer.Layer, fields []int, skipGeometry bool, c *crsRef) *geoJSON {
	g := &geoJSON{layer: l, fields: fields, skipGeometry: skipGeometry}
	g.keys = make([][]byte, len(l.Fields))
	for i, f := range l.Fields {
		g.keys[i] = append(appendString(nil, f.Name), ':')
	}
	if c != defaultCRS {
		g.toOut = c.fromWorld()
	}
	return g
}

// writeCollection streams one page as a FeatureCollection.
func (g *geoJSON) writeCollection(s *stream, p page, links []httpx.Link, stamp time.Time) {
	s.buf = append(s.buf, `{"type":"FeatureCollection","numberMatched":`...)
	s.buf = strconv.AppendInt(s.buf, int64(p.Matched), 10)
	s.buf = append(s.buf, `,"numberReturned":`...)
	s.buf = strconv.AppendInt(s.buf, int64(len(p.Features)), 10)
	s.buf = append(s.buf, `,"timeStamp":"`...)
	s.buf = stamp.UTC().AppendFormat(s.buf, time.RFC3339)
	s.buf = append(s.buf, `","links":`...)
	s.buf = appendLinks(s.buf, links)
	s.buf = append(s.buf, `,"features":[`...)
	for i, f := range p.Features {
		if i%pageWarmBatch == 0 { // a batch at a time, so it is still in cache when written
			warmPage(p.Features[i:min(i+pageWarmBatch, len(p.Features))], g.fields, g.skipGeometry)
		}
		if i > 0 {
			s.buf = append(s.buf, ',')
		}
		s.buf = g.appendFeature(s.buf, f, nil)
		s.maybeFlush()
		if s.err != nil {
			return
		}
	}
	s.buf = append(s.buf, "]}\n"...)
}

// appendFeature appends one Feature, with links when given.
func (g *geoJSON) appendFeature(b []byte, f *cache.Feature, links []httpx.Link) []byte {
	b = append(b, `{"type":"Feature","id":`...)
	b = appendID(b, f.ID)
	b = append(b, `,"geometry":`...)
	if g.skipGeometry {
		b = append(b, "null"...)
	} else {
		if g.toOut == nil {
			g.series.reset(f.Bound)
		}
		b = g.appendGeometry(b, f.Geom)
	}
	b = append(b, `,"properties":{`...)
	for n, i := range g.fields {
		if n > 0 {
			b = append(b, ',')
		}
		b = append(b, g.keys[i]...)
		var v any
		if i < len(f.Props) {
			v = f.Props[i]
		}
		b = appendValue(b, v, g.layer.Fields[i].Type)
	}
	b = append(b, '}')
	if links != nil {
		b = append(b, `,"links":`...)
		b = appendLinks(b, links)
	}
	return append(b, '}')
}

// appendID writes a numeric id as a number and any other as a string.
func appendID(b []byte, id cache.ID) []byte {
	if id.IsNum {
		return strconv.AppendInt(b, id.Num, 10)
	}
	return appendString(b, id.Str)
}

// appendGeometry appends a GeoJSON geometry object, or null.
func (g *geoJSON) appendGeometry(b []byte, geom orb.Geometry) []byte {
	switch geom := geom.(type) {
	case nil:
		return append(b, "null"...)
	case orb.Point:
		b = append(b, `{"type":"Point","coordinates":`...)
		b = g.appendPoint(b, geom)
	case orb.MultiPoint:
		b = append(b, `{"type":"MultiPoint","coordinates":`...)
		b = g.appendPoints(b, geom)
	case orb.LineString:
		b = append(b, `{"type":"LineString","coordinates":`...)
		b = g.appendPoints(b, geom)
	case orb.MultiLineString:
		b = append(b, `{"type":"MultiLineString","coordinates":[`...)
		for i, l := range geom {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.appendPoints(b, l)
		}
		b = append(b, ']')
	case orb.Ring:
		return g.appendGeometry(b, orb.Polygon{geom})
	case orb.Bound:
		return g.appendGeometry(b, geom.ToPolygon())
	case orb.Polygon:
		b = append(b, `{"type":"Polygon","coordinates":`...)
		b = g.appendRings(b, geom)
	case orb.MultiPolygon:
		b = append(b, `{"type":"MultiPolygon","coordinates":[`...)
		for i, p := range geom {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.appendRings(b, p)
		}
		b = append(b, ']')
	case orb.Collection:
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, m := range geom {
			if i > 0 {
				b = append(b, ',')
			}
			b = g.appendGeometry(b, m)
		}
		b = append(b, ']')
	default:
		return append(b, "null"...)
	}
	return append(b, '}')
}

func (g *geoJSON) appendRings(b []byte, p orb.Polygon) []byte {
	b = append(b, '[')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.appendPoints(b, r)
	}
	return append(b, ']')
}

func (g *geoJSON) appendPoints(b []byte, ps []orb.Point) []byte {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.appendPoint(b, p)
	}
	return append(b, ']')
}

func (g *geoJSON) appendPoint(b []byte, p orb.Point) []byte {
	var x, y float64
	if g.toOut == nil {
		x, y = g.series.lonLat(p[0], p[1])
	} else {
		x, y = g.toOut(p[0], p[1])
	}
	b = append(b, '[')
	b = appendCoord(b, x)
	b = append(b, ',')
	b = appendCoord(b, y)
	return append(b, ']')
}

// appendLinks appends a JSON array of links.
func appendLinks(b []byte, links []httpx.Link) []byte {
	b = append(b, '[')
	for i, l := range links {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"href":`...)
		b = appendString(b, l.Href)
		b = append(b, `,"rel":`...)
		b = appendString(b, l.Rel)
		if l.Type != "" {
			b = append(b, `,"type":`...)
			b = appendString(b, l.Type)
		}
		if l.Title != "" {
			b = append(b, `,"title":`...)
			b = appendString(b, l.Title)
		}
		if l.Templated {
			b = append(b, `,"templated":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
