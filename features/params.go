package features

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// paramSet is the query parameters an endpoint understands. Later parts add
// theirs here (crs, bbox-crs, filter, sortby, properties...): until then a
// request using them is refused rather than silently answered without them.
type paramSet map[string]bool

func newParamSet(names ...string) paramSet {
	s := make(paramSet, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

var (
	// commonParams are understood everywhere.
	commonParams = newParamSet("f", "lang")
	// itemsParams are the items endpoint's own, besides one per attribute.
	itemsParams = newParamSet("f", "lang", "bbox", "bbox-crs", "limit", "offset", "datetime",
		"crs", "filter", "filter-lang", "filter-crs", "sortby", "properties", "skipGeometry")
	// itemParams are the single feature endpoint's.
	itemParams = newParamSet("f", "lang", "crs", "properties", "skipGeometry", "version")
)

// parseQuery reads a raw query string strictly: a malformed one is refused
// rather than half-read, as url.Values from r.URL.Query() would be.
func parseQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, httpx.BadRequest("the query string is malformed (%v); encode special characters as %%XX", err)
	}
	return q, nil
}

// dropBlank forgets the parameters given only blank values. An HTML form
// sends every field, a blank one as "filter=": for a person that means
// "not set", where an API client's blank value stays an error.
func dropBlank(q url.Values) {
	for k, vs := range q {
		if !slices.ContainsFunc(vs, func(v string) bool { return strings.TrimSpace(v) != "" }) {
			delete(q, k)
		}
	}
}

// checkKnown refuses parameters outside known and the attribute names
// attrs (nil for none), naming them and what is accepted.
func checkKnown(q url.Values, known paramSet, attrs map[string]int) error {
	var unknown []string
	for k := range q {
		if !known[k] {
			if _, ok := attrs[k]; !ok {
				unknown = append(unknown, k)
			}
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	accepted := make([]string, 0, len(known)+len(attrs))
	for k := range known {
		accepted = append(accepted, k)
	}
	slices.Sort(accepted)
	for i, u := range unknown {
		unknown[i] = truncate(u)
	}
	msg := "unknown query parameter"
	if len(unknown) > 1 {
		msg += "s"
	}
	msg += " " + strings.Join(quoteAll(unknown), ", ") + "; this endpoint accepts " + strings.Join(accepted, ", ")
	if len(attrs) > 0 {
		msg += " and one parameter per filterable attribute (see /api)"
	}
	return httpx.BadRequest("%s", msg)
}

// single returns the one value of a parameter; present is false when it is
// absent, and giving it twice is an error.
func single(q url.Values, name string) (value string, present bool, err error) {
	vs, ok := q[name]
	if !ok {
		return "", false, nil
	}
	if len(vs) != 1 {
		return "", false, httpx.BadRequest("%s is given %d times; give it once", truncate(name), len(vs))
	}
	return vs[0], true, nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// truncate shortens client input quoted back in an error message.
func truncate(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
