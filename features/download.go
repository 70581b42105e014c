package features

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strconv"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// GeoPackageWriter writes records as the one layer l of a GeoPackage to
// dst. The server wires the embedded store's exporter in; this package
// never imports a store backend.
type GeoPackageWriter func(ctx context.Context, dst io.Writer, l *layer.Layer, records iter.Seq2[store.Record, error]) (int64, error)

// utf8BOM starts a CSV download so that Excel reads it as UTF-8 and shows
// Chinese names as they are.
const utf8BOM = "\uFEFF"

// attachment names the downloaded file.
func attachment(w http.ResponseWriter, l *layer.Layer, ext string) {
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, l.ID, ext))
}

// writeCSV streams every match of iq as CSV: id, the chosen attributes,
// and the geometry as WKT in the requested CRS (unless skipGeometry).
func (h *Handler) writeCSV(w http.ResponseWriter, r *http.Request, s *cache.Snapshot, iq *itemsQuery) error {
	l := s.Layer()
	w.Header().Set("Content-Type", mediaCSV+"; charset=utf-8; header=present")
	attachment(w, l, "csv")
	st := newStream(r.Context(), w)
	st.buf = append(st.buf, utf8BOM...)
	cw := csv.NewWriter(streamWriter{st})
	header := []string{"id"}
	for _, i := range iq.Fields {
		header = append(header, l.Fields[i].Name)
	}
	if !iq.SkipGeometry {
		header = append(header, "geometry_wkt")
	}
	_ = cw.Write(header) // errors stay in st
	toOut := iq.CRS.fromWorldXY()
	row := make([]string, len(header))
	var wkt []byte
	eachMatch(s, iq, func(f *cache.Feature) bool {
		row[0] = f.ID.String()
		for n, i := range iq.Fields {
			row[n+1] = csvValue(prop(f, i))
		}
		if !iq.SkipGeometry {
			wkt = appendWKT(wkt[:0], f.Geom, toOut)
			row[len(row)-1] = string(wkt)
		}
		_ = cw.Write(row)
		cw.Flush()
		st.maybeFlush()
		return st.err == nil
	})
	cw.Flush()
	return clientGone(st.close())
}

// streamWriter lets encoding/csv append to a stream's buffer.
type streamWriter struct{ s *stream }

func (w streamWriter) Write(p []byte) (int, error) {
	w.s.buf = append(w.s.buf, p...)
	return len(p), w.s.err
}

// csvValue writes one attribute as CSV text: dates as ISO 8601, arrays
// and JSON as JSON, NULL as an empty cell.
func csvValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 && v.Location() == time.UTC {
			return v.Format(time.DateOnly)
		}
		return v.Format(time.RFC3339Nano)
	case json.RawMessage:
		return string(v)
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Sprint(v)
		}
		return string(b)
	}
}

// writeGeoPackage sends every match of iq as a GeoPackage in the requested
// CRS, built through the GeoPackageWriter.
func (h *Handler) writeGeoPackage(w http.ResponseWriter, r *http.Request, s *cache.Snapshot, iq *itemsQuery) error {
	if h.opts.GeoPackage == nil {
		return &httpx.Error{Status: http.StatusNotAcceptable, Msg: "this server does not offer GeoPackage downloads; use f=csv or f=json"}
	}
	l := s.Layer()
	out := exportLayer(l, iq)
	toOut := iq.CRS.fromWorldXY()
	records := func(yield func(store.Record, error) bool) {
		eachMatch(s, iq, func(f *cache.Feature) bool {
			rec := store.Record{Props: make([]any, len(iq.Fields))}
			if f.ID.IsNum {
				rec.ID = f.ID.Num
			} else {
				rec.ID = f.ID.Str
			}
			for n, i := range iq.Fields {
				rec.Props[n] = prop(f, i)
			}
			if !iq.SkipGeometry && f.Geom != nil {
				rec.Geometry = transformGeometry(f.Geom, toOut)
			}
			return yield(rec, nil)
		})
	}
	w.Header().Set("Content-Type", mediaGPKG)
	attachment(w, l, "gpkg")
	if _, err := h.opts.GeoPackage(r.Context(), w, out, records); err != nil {
		return clientGone(fmt.Errorf("features: GeoPackage of %s: %w", l.ID, err))
	}
	return nil
}

// exportLayer describes the downloaded table: the chosen attributes, a
// geometry column in the requested CRS, the layer's id as its table name.
func exportLayer(l *layer.Layer, iq *itemsQuery) *layer.Layer {
	out := &layer.Layer{
		ID:           l.ID,
		Title:        l.Title,
		Description:  l.Description,
		Department:   l.Department,
		Keywords:     l.Keywords,
		License:      l.License,
		GeometryType: l.GeometryType,
		MinZoom:      l.MinZoom,
		MaxZoom:      l.MaxZoom,
		Source: layer.Source{
			Table:          l.ID,
			IDColumn:       "fid",
			GeometryColumn: "geom",
			SRID:           iq.CRS.SRID,
		},
	}
	for _, i := range iq.Fields {
		f := l.Fields[i]
		f.Column = ""
		out.Fields = append(out.Fields, f)
	}
	return out
}

// appendWKT appends g as Well-Known Text, each vertex mapped by t.
func appendWKT(b []byte, g orb.Geometry, t crs.Transform) []byte {
	switch g := g.(type) {
	case nil:
		return b
	case orb.Point:
		b = append(b, "POINT("...)
		b = appendWKTPoint(b, g, t)
		return append(b, ')')
	case orb.MultiPoint:
		if len(g) == 0 {
			return append(b, "MULTIPOINT EMPTY"...)
		}
		b = append(b, "MULTIPOINT("...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '(')
			b = appendWKTPoint(b, p, t)
			b = append(b, ')')
		}
		return append(b, ')')
	case orb.LineString:
		if len(g) == 0 {
			return append(b, "LINESTRING EMPTY"...)
		}
		b = append(b, "LINESTRING"...)
		return appendWKTPath(b, g, t)
	case orb.MultiLineString:
		if len(g) == 0 {
			return append(b, "MULTILINESTRING EMPTY"...)
		}
		b = append(b, "MULTILINESTRING("...)
		for i, l := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendWKTPath(b, l, t)
		}
		return append(b, ')')
	case orb.Ring:
		return appendWKT(b, orb.Polygon{g}, t)
	case orb.Bound:
		return appendWKT(b, g.ToPolygon(), t)
	case orb.Polygon:
		if len(g) == 0 {
			return append(b, "POLYGON EMPTY"...)
		}
		b = append(b, "POLYGON"...)
		return appendWKTRings(b, g, t)
	case orb.MultiPolygon:
		if len(g) == 0 {
			return append(b, "MULTIPOLYGON EMPTY"...)
		}
		b = append(b, "MULTIPOLYGON("...)
		for i, p := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendWKTRings(b, p, t)
		}
		return append(b, ')')
	case orb.Collection:
		if len(g) == 0 {
			return append(b, "GEOMETRYCOLLECTION EMPTY"...)
		}
		b = append(b, "GEOMETRYCOLLECTION("...)
		for i, m := range g {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendWKT(b, m, t)
		}
		return append(b, ')')
	}
	return b
}

func appendWKTRings(b []byte, p orb.Polygon, t crs.Transform) []byte {
	b = append(b, '(')
	for i, r := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendWKTPath(b, r, t)
	}
	return append(b, ')')
}

func appendWKTPath(b []byte, ps []orb.Point, t crs.Transform) []byte {
	b = append(b, '(')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendWKTPoint(b, p, t)
	}
	return append(b, ')')
}

func appendWKTPoint(b []byte, p orb.Point, t crs.Transform) []byte {
	x, y := t(p[0], p[1])
	b = appendCoord(b, x)
	b = append(b, ' ')
	return appendCoord(b, y)
}
