package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// CSVOptions say how to read a CSV input (UTF-8, comma-separated, a header
// row first; a byte order mark is skipped).
type CSVOptions struct {
	// SRID of the coordinates; zero means CRS84 (4326), or HK1980 Grid
	// (2326) when the columns are easting and northing.
	SRID int
	// Column names; empty ones are found by name (case-insensitive): the
	// geometry as WKT in geometry_wkt or wkt (csdi's own f=csv download),
	// or coordinates in lon|lng|longitude|x and lat|latitude|y, or
	// easting and northing; the feature id in id.
	WKT, X, Y, ID string
}

// csvSource reads CSV rows as features, cell by cell, one row in memory.
type csvSource struct {
	open Opener
	size int64
	opts CSVOptions
	read atomic.Int64
}

// NewCSV is a CSV source of size bytes (zero if unknown).
func NewCSV(open Opener, size int64, opts CSVOptions) Source {
	return &csvSource{open: open, size: size, opts: opts}
}

func (s *csvSource) Progress() (int64, int64) { return s.read.Load(), s.size }
func (s *csvSource) Close() error             { return nil }

// csvLayout is where a CSV's id, geometry and attributes are.
type csvLayout struct {
	header   []string
	id       int // -1: none
	wkt      int // -1: coordinates in x, y instead
	x, y     int // -1: no geometry columns
	srid     int
	attrs    []int // the other columns, in order
	maxCells int
}

// csvReader is one pass over the input.
type csvReader struct {
	c      io.Closer
	r      *csv.Reader
	layout csvLayout
}

func (s *csvSource) start() (*csvReader, *Problem, error) {
	rc, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	s.read.Store(0)
	br := bufio.NewReaderSize(countingReader{rc, &s.read}, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1 // checked per row, to report it as a problem
	header, err := r.Read()
	if err != nil {
		rc.Close()
		if errors.Is(err, io.EOF) {
			p := fileProblem("", "the CSV is empty: it needs a header row")
			return nil, &p, nil
		}
		p := fileProblem("", "the CSV header cannot be read: "+csvErrorText(err))
		return nil, &p, nil
	}
	header = append([]string(nil), header...)
	layout, problem := s.locate(header)
	if problem != nil {
		rc.Close()
		return nil, problem, nil
	}
	return &csvReader{c: rc, r: r, layout: layout}, nil, nil
}

// locate finds the id, geometry and attribute columns of a header.
func (s *csvSource) locate(header []string) (csvLayout, *Problem) {
	l := csvLayout{header: header, id: -1, wkt: -1, x: -1, y: -1, srid: s.opts.SRID, maxCells: len(header)}
	seen := map[string]bool{}
	for _, h := range header {
		if !utf8.ValidString(h) {
			p := fileProblem("", "the CSV header is not UTF-8 text; save the file as UTF-8")
			return l, &p
		}
		if seen[h] {
			p := fileProblem(h, fmt.Sprintf("column %q appears twice in the header", truncate(h)))
			return l, &p
		}
		seen[h] = true
	}
	find := func(flag string, names ...string) (int, *Problem) {
		if flag != "" {
			for i, h := range header {
				if h == flag {
					return i, nil
				}
			}
			p := fileProblem(flag, fmt.Sprintf("there is no column %q in the header", truncate(flag)))
			return -1, &p
		}
		for _, n := range names {
			for i, h := range header {
				if strings.EqualFold(strings.TrimSpace(h), n) {
					return i, nil
				}
			}
		}
		return -1, nil
	}
	var p *Problem
	if l.id, p = find(s.opts.ID, "id"); p != nil {
		return l, p
	}
	if s.opts.X == "" && s.opts.Y == "" {
		if l.wkt, p = find(s.opts.WKT, "geometry_wkt", "wkt"); p != nil {
			return l, p
		}
	}
	if l.wkt < 0 {
		if l.x, p = find(s.opts.X, "lon", "lng", "long", "longitude", "x"); p != nil {
			return l, p
		}
		if l.y, p = find(s.opts.Y, "lat", "latitude", "y"); p != nil {
			return l, p
		}
		if l.x < 0 && l.y < 0 && s.opts.X == "" && s.opts.Y == "" {
			l.x, _ = find("", "easting", "east", "hk1980_e")
			l.y, _ = find("", "northing", "north", "hk1980_n")
			if l.x >= 0 && l.y >= 0 && l.srid == 0 {
				l.srid = 2326
			}
		}
		if (l.x < 0) != (l.y < 0) {
			p := fileProblem(FieldGeometry, "the CSV has one coordinate column but not the other; name both with --x and --y")
			return l, &p
		}
		if l.x < 0 {
			p := fileProblem(FieldGeometry, "the CSV has no geometry columns: expected geometry_wkt or wkt, lon and lat, or easting and northing (or name them with --wkt, --x and --y)")
			return l, &p
		}
	}
	if l.srid == 0 {
		l.srid = 4326
	}
	for i := range header {
		if i != l.id && i != l.wkt && i != l.x && i != l.y {
			l.attrs = append(l.attrs, i)
		}
	}
	return l, nil
}

// row reads the next row; it returns io.EOF at the end, and a problem
// (with a nil error) for a row the CSV reader cannot parse.
func (c *csvReader) row(index int) ([]string, *Problem, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return nil, nil, io.EOF
	}
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		if errors.Is(perr.Err, csv.ErrFieldCount) {
			// FieldsPerRecord is -1: not reported; kept for safety.
			return rec, nil, nil
		}
		return nil, &Problem{Index: index, Reason: "CSV: " + csvErrorText(err)}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if len(rec) != len(c.layout.header) {
		return nil, &Problem{Index: index, Reason: fmt.Sprintf("row has %d cells, the header has %d", len(rec), len(c.layout.header))}, nil
	}
	return rec, nil, nil
}

func csvErrorText(err error) string {
	var perr *csv.ParseError
	if errors.As(err, &perr) {
		return fmt.Sprintf("%v (line %d, column %d)", perr.Err, perr.Line, perr.Column)
	}
	return err.Error()
}

// fatal reports whether a row problem means the rest cannot be read: a
// quote left open swallows the rest of the file.
func fatalCSV(p *Problem) bool { return strings.Contains(p.Reason, "extraneous or missing \"") }

func (s *csvSource) Read(ctx context.Context, l *layer.Layer, fn func(int, store.Record, []Problem) error) error {
	cr, p, err := s.start()
	if err != nil {
		return err
	}
	if p != nil {
		return fn(-1, store.Record{}, []Problem{*p})
	}
	defer cr.c.Close()
	lay := cr.layout
	// Each attribute column is a field of the layer, by name.
	target := make([]int, len(lay.attrs))
	for k, col := range lay.attrs {
		target[k] = l.FieldIndex(lay.header[col])
		if target[k] < 0 {
			return fn(-1, store.Record{}, []Problem{fileProblem(lay.header[col],
				fmt.Sprintf("unknown attribute: collection %q has no attribute %q", l.ID, truncate(lay.header[col])))})
		}
	}
	tr, err := storageTransform(lay.srid, l.Source.SRID)
	if err != nil {
		return fn(-1, store.Record{}, []Problem{fileProblem("crs", err.Error())})
	}
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		row, p, err := cr.row(i)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if p != nil {
			if err := fn(i, store.Record{}, []Problem{*p}); err != nil || fatalCSV(p) {
				return err
			}
			continue
		}
		ps := problems{index: i}
		r := store.Record{Props: make([]any, len(l.Fields))}
		if lay.id >= 0 {
			r.ID = csvID(row[lay.id])
			ps.id = r.ID
		}
		for k, col := range lay.attrs {
			f := l.Fields[target[k]]
			v, reason := textValue(f.Type, row[col])
			if reason != "" {
				ps.add(f.Name, "%s", reason)
				continue
			}
			r.Props[target[k]] = v
		}
		g, reason := lay.geometry(row)
		if reason != "" {
			ps.add(FieldGeometry, "%s", reason)
		} else if g != nil {
			if tr != nil {
				g = transform(g, tr)
			}
			r.Geometry = g
		}
		if len(ps.list) == 0 {
			ps.list = Check(l, i, r)
			r.Geometry = Conform(l, r.Geometry)
		}
		if err := fn(i, r, ps.list); err != nil {
			return err
		}
	}
}

// geometry reads a row's geometry in the input CRS; nil for empty cells.
func (lay *csvLayout) geometry(row []string) (orb.Geometry, string) {
	if lay.wkt >= 0 {
		text := strings.TrimSpace(row[lay.wkt])
		if text == "" {
			return nil, ""
		}
		g, srid, err := ParseWKT(text)
		if err != nil {
			return nil, err.Error()
		}
		if srid != 0 && srid != lay.srid {
			return nil, fmt.Sprintf("the WKT says SRID=%d but the input is read as EPSG:%d (give --crs)", srid, lay.srid)
		}
		return g, ""
	}
	xs, ys := strings.TrimSpace(row[lay.x]), strings.TrimSpace(row[lay.y])
	if xs == "" && ys == "" {
		return nil, ""
	}
	x, errX := strconv.ParseFloat(xs, 64)
	y, errY := strconv.ParseFloat(ys, 64)
	if errX != nil || errY != nil || !finite(x) || !finite(y) {
		return nil, fmt.Sprintf("coordinates %q, %q are not two numbers", truncate(xs), truncate(ys))
	}
	return orb.Point{x, y}, ""
}

// csvID is an id cell: a whole number is an int64, other text a string,
// empty none.
func csvID(s string) any {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && (len(s) == 1 || s[0] != '0') {
		return n
	}
	return s
}

// textValue converts a CSV cell to the Go type of t, as csdi's own f=csv
// writes each type: an empty cell is null; dates as ISO 8601 (a
// date-time at UTC midnight may be written as its date); JSON and arrays
// as JSON text. The string is the problem, empty when there is none.
func textValue(t layer.FieldType, s string) (any, string) {
	if s == "" {
		return nil, ""
	}
	if !utf8.ValidString(s) {
		return nil, "is not UTF-8 text; save the file as UTF-8"
	}
	bad := func() (any, string) { return nil, fmt.Sprintf("must be %s, got %q", describe(t), truncate(s)) }
	switch t {
	case layer.String:
		return s, ""
	case layer.Integer:
		n, ok := integer(json.RawMessage(strings.TrimSpace(s)))
		if !ok || !plainDecimal(strings.TrimSpace(s)) {
			return bad()
		}
		return n, ""
	case layer.Number:
		v := strings.TrimSpace(s)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !plainDecimal(v) || math.IsInf(f, 0) {
			return bad()
		}
		return f, ""
	case layer.Boolean:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "t", "yes", "y", "1":
			return true, ""
		case "false", "f", "no", "n", "0":
			return false, ""
		}
		return bad()
	case layer.Date:
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
		if err != nil {
			return bad()
		}
		return d, ""
	case layer.DateTime:
		v := strings.TrimSpace(s)
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			return d, ""
		}
		at, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return bad()
		}
		return at.UTC(), ""
	case layer.JSON, layer.Array:
		v, reason := decodeValue(t, json.RawMessage(strings.TrimSpace(s)))
		if reason != "" {
			return nil, reason
		}
		return v, ""
	}
	return nil, fmt.Sprintf("has an unknown type %q", t)
}

func (s *csvSource) Infer(ctx context.Context) (Schema, []Problem, error) {
	cr, p, err := s.start()
	if err != nil {
		return Schema{}, nil, err
	}
	if p != nil {
		return Schema{}, []Problem{*p}, nil
	}
	defer cr.c.Close()
	lay := cr.layout
	b := newSchemaBuilder(true)
	for _, col := range lay.attrs {
		b.names = append(b.names, lay.header[col])
		b.kinds[lay.header[col]] = kindNull
	}
	var problems []Problem
	for i := 0; ; i++ {
		if i&1023 == 0 && ctx.Err() != nil {
			return Schema{}, nil, ctx.Err()
		}
		row, p, err := cr.row(i)
		if err == io.EOF {
			break
		}
		if err != nil {
			return Schema{}, nil, err
		}
		if p != nil {
			problems = append(problems, *p)
			if fatalCSV(p) {
				break
			}
			continue
		}
		var id any
		if lay.id >= 0 {
			id = csvID(row[lay.id])
		}
		b.id(id)
		for _, col := range lay.attrs {
			b.value(lay.header[col], textKind(row[col]))
		}
		if g, reason := lay.geometry(row); reason == "" {
			b.geometry(g)
		}
	}
	return b.schema(lay.srid), problems, nil
}
