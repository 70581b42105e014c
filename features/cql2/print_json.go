package cql2

import (
	"encoding/json"
	"strconv"

	"github.com/paulmach/orb"
)

// JSON prints e as canonical cql2-json: compact, members in a fixed order,
// operator names in their standard spelling. ParseJSON(JSON(e)) yields a
// tree equal to e for every e the parsers accept.
func JSON(e Expr) []byte {
	return appendJSON(nil, e)
}

func appendJSON(b []byte, e Expr) []byte {
	switch n := e.(type) {
	case Property:
		b = append(b, `{"property":`...)
		b = appendJSONString(b, n.Name)
		return append(b, '}')
	case String:
		return appendJSONString(b, n.Value)
	case Number:
		return append(b, formatNumber(n)...)
	case Bool:
		return strconv.AppendBool(b, n.Value)
	case Date:
		return append(b, `{"date":"`+formatDate(n.Time)+`"}`...)
	case Timestamp:
		return append(b, `{"timestamp":"`+formatTimestamp(n.Time)+`"}`...)
	case Unbounded:
		return append(b, `".."`...)
	case Interval:
		b = append(b, `{"interval":[`...)
		b = appendIntervalEnd(b, n.Start)
		b = append(b, ',')
		b = appendIntervalEnd(b, n.End)
		return append(b, "]}"...)
	case Geometry:
		return appendGeoJSON(b, n.G)
	case BBox:
		b = append(b, `{"bbox":[`...)
		for i, v := range n.Values {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, formatFloat(v, false)...)
		}
		return append(b, "]}"...)
	case Array:
		return appendJSONList(b, n.Elems)
	case And:
		return appendOp(b, "and", n.Args...)
	case Or:
		return appendOp(b, "or", n.Args...)
	case Not:
		return appendOp(b, "not", n.X)
	case Comparison:
		return appendOp(b, n.Op, n.L, n.R)
	case Like:
		return appendOp(b, "like", n.X, n.Pattern)
	case Between:
		return appendOp(b, "between", n.X, n.Lo, n.Hi)
	case In:
		b = append(b, `{"op":"in","args":[`...)
		b = appendJSON(b, n.X)
		b = append(b, ',')
		b = appendJSONList(b, n.List)
		return append(b, "]}"...)
	case IsNull:
		return appendOp(b, "isNull", n.X)
	case Arith:
		return appendOp(b, n.Op, n.L, n.R)
	case Func:
		return appendOp(b, n.Name, n.Args...)
	case Spatial:
		return appendOp(b, n.Op, n.A, n.B)
	case Temporal:
		return appendOp(b, n.Op, n.A, n.B)
	case ArrayOp:
		return appendOp(b, n.Op, n.A, n.B)
	}
	return append(b, "null"...)
}

func appendOp(b []byte, op string, args ...Expr) []byte {
	b = append(b, `{"op":`...)
	b = appendJSONString(b, op)
	b = append(b, `,"args":`...)
	b = appendJSONList(b, args)
	return append(b, '}')
}

func appendJSONList(b []byte, xs []Expr) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSON(b, x)
	}
	return append(b, ']')
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // cannot fail for a string
	return append(b, q...)
}

func appendIntervalEnd(b []byte, e Expr) []byte {
	switch n := e.(type) {
	case Date:
		return append(b, `"`+formatDate(n.Time)+`"`...)
	case Timestamp:
		return append(b, `"`+formatTimestamp(n.Time)+`"`...)
	}
	return appendJSON(b, e)
}

func appendGeoJSON(b []byte, g orb.Geometry) []byte {
	if c, ok := g.(orb.Collection); ok {
		b = append(b, `{"type":"GeometryCollection","geometries":[`...)
		for i, m := range c {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendGeoJSON(b, m)
		}
		return append(b, "]}"...)
	}
	b = append(b, `{"type":"`+g.GeoJSONType()+`","coordinates":`...)
	b = appendCoords(b, g)
	return append(b, '}')
}

func appendCoords(b []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case orb.Point:
		b = append(b, '[')
		b = strconv.AppendFloat(b, g[0], 'g', -1, 64)
		b = append(b, ',')
		b = strconv.AppendFloat(b, g[1], 'g', -1, 64)
		return append(b, ']')
	case orb.MultiPoint:
		return appendPoints(b, g)
	case orb.LineString:
		return appendPoints(b, g)
	case orb.Ring:
		return appendPoints(b, g)
	case orb.Polygon:
		b = append(b, '[')
		for i, r := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, r)
		}
		return append(b, ']')
	case orb.MultiLineString:
		b = append(b, '[')
		for i, l := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPoints(b, l)
		}
		return append(b, ']')
	case orb.MultiPolygon:
		b = append(b, '[')
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendCoords(b, p)
		}
		return append(b, ']')
	}
	return append(b, "[]"...)
}

func appendPoints(b []byte, pts []orb.Point) []byte {
	b = append(b, '[')
	for i, p := range pts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendCoords(b, p)
	}
	return append(b, ']')
}
