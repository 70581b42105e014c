package features

import (
	"errors"
	"net/url"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// cqlFilter is a request's compiled filter parameter, with its text for
// the HTML form and links.
type cqlFilter struct {
	Text   string // canonical cql2-text
	Lang   string // as given
	filter *cql2.Filter
}

// queryables is a layer's queryables for the CQL2 compiler: every
// attribute whose type CQL2 can compare, and the geometry.
type queryables struct{ l *layer.Layer }

func (q queryables) Queryable(name string) (cql2.Queryable, bool) {
	if i := q.l.FieldIndex(name); i >= 0 && queryable(q.l.Fields[i].Type) {
		return cql2.Queryable{Name: name, Type: q.l.Fields[i].Type, Index: i}, true
	}
	if strings.EqualFold(name, geometryQueryable) && q.l.FieldIndex(geometryQueryable) < 0 {
		return cql2.Queryable{Name: geometryQueryable, Type: cql2.GeometryType, Index: -1}, true
	}
	return cql2.Queryable{}, false
}

// defaultFilterLimits bound a filter's length and nesting, so that a
// hostile one costs no more than a large honest one; Options can change
// them.
var defaultFilterLimits = cql2.Limits{MaxLength: 64 << 10, MaxDepth: 64}

// filterLimits are the handler's configured limits.
func (h *Handler) filterLimits() cql2.Limits {
	l := defaultFilterLimits
	if h.opts.MaxFilterBytes > 0 {
		l.MaxLength = h.opts.MaxFilterBytes
	}
	if h.opts.MaxFilterDepth > 0 {
		l.MaxDepth = h.opts.MaxFilterDepth
	}
	return l
}

// parseFilter reads filter, filter-lang and filter-crs into iq.
func (h *Handler) parseFilter(q url.Values, l *layer.Layer, iq *itemsQuery) error {
	src, ok, err := single(q, "filter")
	if err != nil {
		return err
	}
	lang, langGiven, err := single(q, "filter-lang")
	if err != nil {
		return err
	}
	fcrs, err := optionalCRS(q, "filter-crs")
	if err != nil {
		return err
	}
	if !ok {
		if langGiven || fcrs != nil {
			return httpx.BadRequest("filter-lang and filter-crs describe the filter parameter, which is not given")
		}
		return nil
	}
	if fcrs == nil {
		fcrs = defaultCRS
	}
	expr, err := h.parseFilterText(src, lang, l)
	if err != nil {
		return err
	}
	toWorld := fcrs.toWorld()
	f, err := cql2.Compile(expr, queryables{l}, cql2.Options{
		Geometry: func(g orb.Geometry) (orb.Geometry, error) { return transformGeometry(g, toWorld), nil },
	})
	if err != nil {
		return filterError(err)
	}
	iq.Filter = &cqlFilter{Text: cql2.Text(expr), Lang: lang, filter: f}
	iq.Terms = append(iq.Terms, f.Terms()...)
	// The cached bound lets spatial terms skip most geometries.
	iq.Filters = append(iq.Filters, func(ft *cache.Feature) bool { return f.MatchBounded(ft.Props, ft.Geom, ft.Bound) })
	if b, ok := f.Bound(); ok {
		iq.Region = &b
	}
	return nil
}

// parseFilterText parses a filter in the language filter-lang names.
// "cql-text", the name of a draft of CQL2, is taken as cql2-text with
// dates written as strings: GDAL 3.6 sends its -where clauses to a server
// only in that dialect, and evaluates them itself otherwise.
func (h *Handler) parseFilterText(src, lang string, l *layer.Layer) (cql2.Expr, error) {
	var expr cql2.Expr
	var err error
	switch strings.ToLower(strings.TrimSpace(lang)) {
	case "", "cql2-text":
		expr, err = cql2.ParseText(src, h.filterLimits())
	case "cql2-json":
		expr, err = cql2.ParseJSON([]byte(src), h.filterLimits())
	case "cql-text":
		if expr, err = cql2.ParseLegacyText(src, h.filterLimits()); err == nil {
			expr, err = cql2.StringDates(expr, queryables{l})
		}
	default:
		return nil, httpx.BadRequest("filter-lang must be cql2-text (the default), cql2-json or cql-text (a draft's name, for older clients); got %q", truncate(lang))
	}
	if err != nil {
		return nil, filterError(err)
	}
	return expr, nil
}

// filterError turns a CQL2 parse or compile error into a 400 that says
// where and what.
func filterError(err error) error {
	var syn *cql2.SyntaxError
	if errors.As(err, &syn) {
		return &httpx.Error{Status: 400, Msg: "filter: " + syn.Error(), Err: err}
	}
	var sem *cql2.Error
	if errors.As(err, &sem) {
		return &httpx.Error{Status: 400, Msg: "filter: " + sem.Error(), Err: err}
	}
	return &httpx.Error{Status: 400, Msg: "filter: " + err.Error(), Err: err}
}
