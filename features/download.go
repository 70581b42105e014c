package features

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"

	"github.com/paulmach/orb"

	accessctl "github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// GeoPackageWriter writes records as the one layer l of a GeoPackage to
// dst. The server wires the embedded store's exporter in; this package
// never imports a store backend. A record, its Props and its Geometry are
// valid only until the writer asks for the next one: downloads reuse them.
type GeoPackageWriter func(ctx context.Context, dst io.Writer, l *layer.Layer, records iter.Seq2[store.Record, error]) (int64, error)

// utf8BOM starts a CSV download so that Excel reads it as UTF-8 and shows
// Chinese names as they are.
const utf8BOM = "\uFEFF"

// attachment names the downloaded file.
func attachment(w http.ResponseWriter, l *layer.Layer, ext string) {
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, l.ID, ext))
}

// countDownload tells the audit trail how many features a download of a
// sensitive layer's full view sends, before its first byte: that takes a
// pass over the matches, so it is made only for such a read.
func countDownload(r *http.Request, s *cache.Snapshot, iq *itemsQuery) {
	id := s.Layer().ID
	if !accessctl.ReadsInFull(r.Context(), id) {
		return
	}
	n := 0
	eachMatch(s, iq, func(*cache.Feature) bool { n++; return true })
	accessctl.Served(r.Context(), id, n)
}

// writeCSV streams every match of iq as CSV: id, the chosen attributes,
// and the geometry as WKT in the requested CRS (unless skipGeometry).
// Rows are appended to the stream's buffer without allocating (see
// csvwrite.go).
func (h *Handler) writeCSV(w http.ResponseWriter, r *http.Request, s *cache.Snapshot, iq *itemsQuery) error {
	l := s.Layer()
	w.Header().Set("Content-Type", mediaCSV+"; charset=utf-8; header=present")
	attachment(w, l, "csv")
	st := newStream(r.Context(), w)
	st.buf = append(st.buf, utf8BOM...)
	st.buf = append(st.buf, "id"...)
	for _, i := range iq.Fields {
		st.buf = append(st.buf, ',')
		st.buf = appendCSVField(st.buf, l.Fields[i].Name)
	}
	if !iq.SkipGeometry {
		st.buf = append(st.buf, ",geometry_wkt"...)
	}
	st.buf = append(st.buf, '\n')
	toOut := iq.CRS.fromWorldXY()
	var scratch []byte
	eachMatch(s, iq, func(f *cache.Feature) bool {
		st.buf, scratch = appendCSVRow(st.buf, scratch, f, iq.Fields, iq.SkipGeometry, toOut)
		st.maybeFlush()
		return st.err == nil
	})
	return clientGone(st.close())
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
	// One record, its props and a geometry buffer serve every feature: the
	// writer is done with a record when it asks for the next (see
	// GeoPackageWriter), and a long download makes no garbage per feature.
	records := func(yield func(store.Record, error) bool) {
		rec := store.Record{Props: make([]any, len(iq.Fields))}
		var geoms geomBuffer
		eachMatch(s, iq, func(f *cache.Feature) bool {
			if f.ID.IsNum {
				rec.ID = f.ID.Num
			} else {
				rec.ID = f.ID.Str
			}
			for n, i := range iq.Fields {
				rec.Props[n] = prop(f, i)
			}
			rec.Geometry = nil
			if !iq.SkipGeometry && f.Geom != nil {
				rec.Geometry = geoms.transform(f.Geom, toOut)
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
