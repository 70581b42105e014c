// Package gpkgfile reads one layer of a GeoPackage file for import, through
// the embedded store's own reader (internal/store/gpkg), so that every
// GeoPackage csdi can serve it can also import. It is a package of its own
// so that ingest, which the HTTP handlers use, never imports a store
// backend: the server hands this opener in.
package gpkgfile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
)

// Open opens layer name (a layer id or table name; empty: the only feature
// layer) of the GeoPackage at path as an import source.
func Open(ctx context.Context, path, name string) (ingest.Source, error) {
	if !gpkg.Exists(path) {
		return nil, fmt.Errorf("%s is not a GeoPackage: the file is missing or empty", path)
	}
	warn := &warnings{}
	st, err := gpkg.Open(path, gpkg.Options{Logger: slog.New(warn)})
	if err != nil {
		return nil, err
	}
	layers, err := st.Layers(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	var names []string
	var found *layer.Layer
	for i := range layers {
		l := &layers[i]
		names = append(names, l.ID)
		if name == "" && len(layers) == 1 || name != "" && (l.ID == name || strings.EqualFold(l.Source.Table, name)) {
			found = l
		}
	}
	if found == nil {
		st.Close()
		switch {
		case len(layers) == 0:
			return nil, fmt.Errorf("%s has no feature layers", path)
		case name == "":
			return nil, fmt.Errorf("%s has %d layers (%s): choose one with --source-layer", path, len(layers), strings.Join(names, ", "))
		}
		return nil, fmt.Errorf("%s has no layer %q; it has %s", path, name, strings.Join(names, ", "))
	}
	s := &source{st: st, src: *found, warn: warn}
	s.notes = warn.take()
	return s, nil
}

// source is one layer of an open GeoPackage.
type source struct {
	st    *gpkg.Store
	src   layer.Layer
	warn  *warnings
	notes []string
	done  atomic.Int64
}

func (s *source) Close() error { return s.st.Close() }

// Progress counts rows, not bytes: a GeoPackage is not read front to back.
func (s *source) Progress() (int64, int64) { return 0, 0 }

// Notes are what the reader left out (columns of types csdi cannot hold).
func (s *source) Notes() []string { return s.notes }

// Infer takes the schema from the GeoPackage's own declarations: no pass
// over the rows is needed.
func (s *source) Infer(ctx context.Context) (ingest.Schema, []ingest.Problem, error) {
	if !crs.Supported(s.src.Source.SRID) {
		return ingest.Schema{}, []ingest.Problem{{Index: -1, Field: ingest.FieldGeometry, Reason: fmt.Sprintf(
			"the layer is in EPSG:%d, which csdi cannot transform; convert it first, e.g. ogr2ogr -t_srs EPSG:4326", s.src.Source.SRID)}}, nil
	}
	sc := ingest.Schema{Fields: s.src.Fields, GeometryType: s.src.GeometryType, SRID: s.src.Source.SRID}
	if s.src.Source.IDColumn != "" {
		sc.IDs = "integer"
	}
	if sc.GeometryType == "" {
		sc.GeometryType = layer.AnyGeometry
	}
	return sc, nil, nil
}

func (s *source) Read(ctx context.Context, l *layer.Layer, fn func(int, store.Record, []ingest.Problem) error) error {
	target := make([]int, len(s.src.Fields))
	for k, f := range s.src.Fields {
		target[k] = l.FieldIndex(f.Name)
		if target[k] < 0 {
			return fn(-1, store.Record{}, []ingest.Problem{{Index: -1, Field: f.Name,
				Reason: fmt.Sprintf("unknown attribute: collection %q has no attribute %q", l.ID, f.Name)}})
		}
	}
	tr, err := ingest.StorageTransform(s.src.Source.SRID, l.Source.SRID)
	if err != nil {
		return fn(-1, store.Record{}, []ingest.Problem{{Index: -1, Field: "crs", Reason: err.Error()}})
	}
	i := 0
	s.warn.rows(func() int { return i })
	err = s.st.Load(ctx, &s.src, func(r store.Record) error {
		// Rows the store could not decode were skipped: each is a problem.
		for _, p := range s.warn.takeRows() {
			if err := fn(p.Index, store.Record{}, []ingest.Problem{p}); err != nil {
				return err
			}
			i++
		}
		out := store.Record{ID: r.ID, Props: make([]any, len(l.Fields))}
		var ps []ingest.Problem
		for k, v := range r.Props {
			f := l.Fields[target[k]]
			cv, reason := convert(v, s.src.Fields[k].Type, f.Type)
			if reason != "" {
				ps = append(ps, ingest.Problem{Index: i, ID: r.ID, Field: f.Name, Reason: reason})
				continue
			}
			out.Props[target[k]] = cv
		}
		if r.Geometry != nil {
			out.Geometry = r.Geometry
			if tr != nil {
				out.Geometry = ingest.Transform(r.Geometry, tr)
			}
		}
		if len(ps) == 0 {
			ps = ingest.Check(l, i, out)
			out.Geometry = ingest.Conform(l, out.Geometry)
		}
		err := fn(i, out, ps)
		i++
		return err
	})
	var unsupported *gpkg.UnsupportedSRIDError
	if errors.As(err, &unsupported) {
		return fn(-1, store.Record{}, []ingest.Problem{{Index: -1, Field: ingest.FieldGeometry, Reason: unsupported.Error()}})
	}
	if err != nil {
		return err
	}
	for _, p := range s.warn.takeRows() {
		if err := fn(p.Index, store.Record{}, []ingest.Problem{p}); err != nil {
			return err
		}
	}
	return nil
}

// convert takes a value of the GeoPackage column's type to the layer
// field's type where no information is lost; the string is the problem.
func convert(v any, from, to layer.FieldType) (any, string) {
	if v == nil || from == to {
		return v, ""
	}
	switch to {
	case layer.Number:
		if n, ok := v.(int64); ok {
			return float64(n), ""
		}
	case layer.Integer:
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), ""
		}
	case layer.DateTime:
		if d, ok := v.(time.Time); ok {
			return d, ""
		}
	case layer.Date:
		if d, ok := v.(time.Time); ok && d.Equal(d.Truncate(24*time.Hour)) {
			return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), ""
		}
	case layer.String:
		if s, ok := v.(string); ok {
			return s, ""
		}
	case layer.JSON:
		if b, err := json.Marshal(v); err == nil {
			return json.RawMessage(b), ""
		}
	}
	return nil, fmt.Sprintf("the layer holds %s values here, the GeoPackage column has %s %v", to, from, v)
}

// warnings is a slog handler that keeps what the GeoPackage reader warns
// about: skipped columns become notes, skipped rows problems.
type warnings struct {
	mu      sync.Mutex
	notes   []string
	skipped []ingest.Problem
	index   func() int
}

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnings) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnings) WithGroup(string) slog.Handler                { return w }

func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	attrs := map[string]any{}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.Any()
		return true
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case attrs["column"] != nil:
		w.notes = append(w.notes, fmt.Sprintf("column %v (%v) is not imported: csdi has no attribute type for it", attrs["column"], attrs["type"]))
	case w.index != nil && attrs["rows"] != nil:
		// The summary after the first rows: those past the cap were not
		// reported one by one.
		w.skipped = append(w.skipped, ingest.Problem{Index: -1, Reason: fmt.Sprintf("%v rows in all cannot be decoded", attrs["rows"])})
	case w.index != nil:
		w.skipped = append(w.skipped, ingest.Problem{Index: w.index(), ID: attrs["id"], Reason: fmt.Sprintf("the row cannot be decoded: %v", attrs["err"])})
	default:
		w.notes = append(w.notes, r.Message)
	}
	return nil
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := w.notes
	w.notes = nil
	return n
}

func (w *warnings) rows(index func() int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.index = index
}

func (w *warnings) takeRows() []ingest.Problem {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.skipped
	w.skipped = nil
	return p
}
