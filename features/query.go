package features

import (
	"errors"
	"math"

	"github.com/paulmach/orb"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/features/cql2"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// predicate keeps (true) or drops a feature.
type predicate func(*cache.Feature) bool

// itemsQuery is a parsed items request: which features, in which order,
// which page, and how to encode them.
type itemsQuery struct {
	Format       format
	Lang         string
	LangExplicit bool // lang came from the query: pages pass it on
	Limit        int
	Offset       int
	// Unpaged: a download (CSV, GeoPackage) gets every match, or limit
	// ones when given, whatever MaxLimit says.
	Unpaged bool
	BBox    *bbox       // nil: anywhere
	Filters []predicate // all must hold: datetime, attributes, CQL2
	// Region, when set, bounds every match (from the CQL2 filter's
	// spatial terms): the R-tree is searched instead of the whole layer.
	Region *orb.Bound
	Filter *cqlFilter // the filter parameter, for pages and links
	// Terms are necessary conditions on indexed attributes, from the
	// filter and the property parameters: plan.go finds candidates with
	// them, and Filters still decide.
	Terms        []cql2.Term
	SortBy       []sortKey // empty: id order
	Fields       []int     // attributes to write, in order
	SkipGeometry bool
	CRS          *crsRef    // of the response's coordinates
	Values       url.Values // the query as given, for links
}

// parseItemsRequest reads an items request's query string and headers.
func (h *Handler) parseItemsRequest(r *http.Request, l *layer.Layer) (*itemsQuery, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	fm, err := negotiateItems(r, q)
	if err != nil {
		return nil, err
	}
	if fm == formatHTML {
		dropBlank(q)
	}
	maxLimit := h.opts.MaxLimit
	if fm.download() {
		maxLimit = math.MaxInt
	}
	iq, err := parseItemsValues(q, l, h.opts.DefaultLimit, maxLimit)
	if err != nil {
		return nil, err
	}
	iq.Format = fm
	if fm.download() {
		iq.Unpaged = true
		if _, given := q["limit"]; !given {
			iq.Limit = math.MaxInt
		}
	}
	if err := h.parseFilter(q, l, iq); err != nil {
		return nil, err
	}
	if iq.Lang, iq.LangExplicit, err = language(r, q); err != nil {
		return nil, err
	}
	return iq, nil
}

// parseItemsValues reads the selection and paging parameters of an items
// request for layer l.
func parseItemsValues(q url.Values, l *layer.Layer, defaultLimit, maxLimit int) (*itemsQuery, error) {
	attrs := attributeParams(l)
	if err := checkKnown(q, itemsParams, attrs); err != nil {
		return nil, err
	}
	iq := &itemsQuery{Limit: defaultLimit, Values: q}
	var err error
	if iq.Limit, err = parseLimit(q, defaultLimit, maxLimit); err != nil {
		return nil, err
	}
	if iq.Offset, err = parseOffset(q); err != nil {
		return nil, err
	}
	if err := parseSelection(q, l, &iq.Fields, &iq.SkipGeometry, &iq.CRS); err != nil {
		return nil, err
	}
	bboxCRS, err := optionalCRS(q, "bbox-crs")
	if err != nil {
		return nil, err
	}
	if s, ok, err := single(q, "bbox"); err != nil {
		return nil, err
	} else if ok {
		b, err := parseBBox(s, bboxCRS)
		if err != nil {
			return nil, err
		}
		iq.BBox = &b
	} else if bboxCRS != nil {
		return nil, httpx.BadRequest("bbox-crs is given without bbox; it names the CRS of the bbox parameter")
	}
	if s, ok, err := single(q, "sortby"); err != nil {
		return nil, err
	} else if ok {
		if iq.SortBy, err = parseSortBy(s, l); err != nil {
			return nil, err
		}
	}
	if s, ok, err := single(q, "datetime"); err != nil {
		return nil, err
	} else if ok {
		field := temporalField(l)
		if field < 0 {
			return nil, httpx.BadRequest("collection %q has no time, so datetime cannot be used with it", l.ID)
		}
		iv, err := parseDatetime(s)
		if err != nil {
			return nil, err
		}
		iq.Filters = append(iq.Filters, timePredicate(field, l.Fields[field].Type, iv))
	}
	// Attributes in a fixed order, so the same query filters the same way.
	names := make([]string, 0, len(q))
	for name := range q {
		if _, ok := attrs[name]; ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		s, _, err := single(q, name)
		if err != nil {
			return nil, err
		}
		i := attrs[name]
		p, term, err := attrPredicate(l.Fields[i], i, s)
		if err != nil {
			return nil, err
		}
		iq.Filters = append(iq.Filters, p)
		iq.Terms = append(iq.Terms, term)
	}
	return iq, nil
}

// parseLimit reads limit: a whole number from 1; above maxLimit it is
// reduced to maxLimit, as OGC API Features allows.
func parseLimit(q url.Values, defaultLimit, maxLimit int) (int, error) {
	s, ok, err := single(q, "limit")
	if err != nil || !ok {
		return defaultLimit, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		return maxLimit, nil
	}
	if err != nil || n < 1 {
		return 0, httpx.BadRequest("limit must be a whole number from 1 to %d (larger ones are reduced to %d); got %q",
			maxLimit, maxLimit, truncate(s))
	}
	return min(n, maxLimit), nil
}

// parseOffset reads offset: a whole number from 0.
func parseOffset(q url.Values) (int, error) {
	s, ok, err := single(q, "offset")
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(strings.TrimSpace(s), "-") {
		return math.MaxInt, nil
	}
	if err != nil || n < 0 {
		return 0, httpx.BadRequest("offset must be a whole number, 0 or more (the number of features to skip); got %q", truncate(s))
	}
	return n, nil
}

// match reports whether f passes every filter.
func (iq *itemsQuery) match(f *cache.Feature) bool {
	for _, p := range iq.Filters {
		if !p(f) {
			return false
		}
	}
	return true
}

// parseSelection reads what every feature response may choose: crs (the
// output CRS), properties (which attributes, in order) and skipGeometry.
func parseSelection(q url.Values, l *layer.Layer, fields *[]int, skip *bool, out **crsRef) error {
	c, err := optionalCRS(q, "crs")
	if err != nil {
		return err
	}
	if c == nil {
		c = defaultCRS
	}
	*out = c
	*fields = allFields(l)
	if s, ok, err := single(q, "properties"); err != nil {
		return err
	} else if ok {
		if *fields, err = parseProperties(s, l); err != nil {
			return err
		}
	}
	if s, ok, err := single(q, "skipGeometry"); err != nil {
		return err
	} else if ok {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true":
			*skip = true
		case "false":
			*skip = false
		default:
			return httpx.BadRequest("skipGeometry must be true or false; got %q", truncate(s))
		}
	}
	return nil
}

// optionalCRS reads a CRS parameter; nil when it is absent.
func optionalCRS(q url.Values, name string) (*crsRef, error) {
	s, ok, err := single(q, name)
	if err != nil || !ok {
		return nil, err
	}
	return parseCRS(name, s)
}

// allFields is every attribute of l, in schema order.
func allFields(l *layer.Layer) []int {
	fs := make([]int, len(l.Fields))
	for i := range fs {
		fs[i] = i
	}
	return fs
}

// parseProperties reads properties=a,b: the attributes to return, in that
// order; an empty value returns none.
func parseProperties(s string, l *layer.Layer) ([]int, error) {
	fields := []int{}
	if strings.TrimSpace(s) == "" {
		return fields, nil
	}
	seen := make(map[int]bool)
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		i := l.FieldIndex(name)
		if i < 0 {
			names := make([]string, len(l.Fields))
			for k, f := range l.Fields {
				names[k] = f.Name
			}
			return nil, httpx.BadRequest("properties names %q, which collection %q does not have; it has %s",
				truncate(name), l.ID, strings.Join(names, ", "))
		}
		if !seen[i] {
			seen[i] = true
			fields = append(fields, i)
		}
	}
	return fields, nil
}
