package features

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// predicate keeps (true) or drops a feature.
type predicate func(*cache.Feature) bool

// itemsQuery is a parsed items request: which features, which page, and
// how to encode them. Later parts add their stages' inputs here (output
// CRS, CQL2 filter, sort keys, property list).
type itemsQuery struct {
	Format       format
	Lang         string
	LangExplicit bool // lang came from the query: pages pass it on
	Limit        int
	Offset       int
	BBox         *bbox       // nil: anywhere
	Filters      []predicate // all must hold: datetime, attributes
	Values       url.Values  // the query as given, for links
}

// parseItemsRequest reads an items request's query string and headers.
func (h *Handler) parseItemsRequest(r *http.Request, l *layer.Layer) (*itemsQuery, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	iq, err := parseItemsValues(q, l, h.opts.DefaultLimit, h.opts.MaxLimit)
	if err != nil {
		return nil, err
	}
	if iq.Format, err = negotiate(r, q, true); err != nil {
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
	if s, ok, err := single(q, "bbox"); err != nil {
		return nil, err
	} else if ok {
		b, err := parseBBox(s)
		if err != nil {
			return nil, err
		}
		iq.BBox = &b
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
		p, err := attrPredicate(l.Fields[i], i, s)
		if err != nil {
			return nil, err
		}
		iq.Filters = append(iq.Filters, p)
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
