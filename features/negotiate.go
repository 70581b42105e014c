package features

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// format is the encoding a response is given in.
type format int

const (
	formatJSON format = iota // JSON, or GeoJSON for features
	formatHTML
	formatCSV  // attributes and WKT geometry, a whole result
	formatGPKG // a GeoPackage file, a whole result
)

// download reports whether f is a whole-result file rather than a page.
func (f format) download() bool { return f == formatCSV || f == formatGPKG }

// negotiateItems picks an items response's format: those of negotiate,
// and the download formats by f=csv, f=gpkg or their media types.
func negotiateItems(r *http.Request, q url.Values) (format, error) {
	if vs, ok := q["f"]; ok && len(vs) == 1 {
		switch strings.ToLower(vs[0]) {
		case "csv":
			return formatCSV, nil
		case "gpkg", "geopackage":
			return formatGPKG, nil
		}
		f, err := negotiate(r, q, true)
		if err != nil {
			return 0, httpx.BadRequest("f must be json, geojson, html, csv or gpkg; got %q", truncate(vs[0]))
		}
		return f, nil
	}
	if _, ok := q["f"]; !ok {
		for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
			mt, qv := mediaRange(part)
			if qv <= 0 {
				continue
			}
			switch mt {
			case "text/csv":
				return formatCSV, nil
			case mediaGPKG:
				return formatGPKG, nil
			}
		}
	}
	return negotiate(r, q, true)
}

// negotiate picks the format: the f parameter when given, otherwise the
// Accept header. geoJSON says whether f=geojson is meaningful here.
func negotiate(r *http.Request, q url.Values, geoJSON bool) (format, error) {
	if vs, ok := q["f"]; ok {
		if len(vs) > 1 {
			return 0, httpx.BadRequest("f is given %d times; give it once", len(vs))
		}
		switch strings.ToLower(vs[0]) {
		case "json":
			return formatJSON, nil
		case "html":
			return formatHTML, nil
		case "geojson":
			if geoJSON {
				return formatJSON, nil
			}
		}
		want := "json or html"
		if geoJSON {
			want = "json, geojson or html"
		}
		return 0, httpx.BadRequest("f must be %s; got %q", want, truncate(vs[0]))
	}
	if prefersHTML(r.Header.Get("Accept")) {
		return formatHTML, nil
	}
	return formatJSON, nil
}

// prefersHTML reads an Accept header: HTML wins when text/html (or XHTML)
// has a higher quality than any JSON type, or the same quality as a
// wildcard only. Browsers send "text/html,...,*/*;q=0.8"; GIS clients send
// JSON types or nothing, which gets JSON.
func prefersHTML(accept string) bool {
	var htmlQ, jsonQ, wildQ float64 = -1, -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, q := mediaRange(part)
		switch {
		case mt == "text/html" || mt == "application/xhtml+xml":
			htmlQ = max(htmlQ, q)
		case mt == "application/json" || strings.HasSuffix(mt, "+json"):
			jsonQ = max(jsonQ, q)
		case mt == "*/*" || mt == "application/*" || mt == "text/*":
			wildQ = max(wildQ, q)
		}
	}
	return htmlQ > 0 && htmlQ > jsonQ && htmlQ >= wildQ
}

// mediaRange splits one Accept entry into its lower-case type and quality.
func mediaRange(part string) (string, float64) {
	mt, params, _ := strings.Cut(part, ";")
	q := 1.0
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
				q = f
			}
		}
	}
	return strings.ToLower(strings.TrimSpace(mt)), q
}

// Languages of the HTML pages.
const (
	langEn = "en"
	langZh = "zh"
)

// language picks the language of an HTML page: the lang parameter, else the
// Accept-Language entry with the highest quality among English and Chinese,
// else English. explicit says it came from the parameter, so that links
// between pages carry it on.
func language(r *http.Request, q url.Values) (lang string, explicit bool, err error) {
	if vs, ok := q["lang"]; ok {
		if len(vs) > 1 {
			return "", false, httpx.BadRequest("lang is given %d times; give it once", len(vs))
		}
		if l := langOf(vs[0]); l != "" {
			return l, true, nil
		}
		return "", false, httpx.BadRequest("lang must be en (English) or zh (繁體中文); got %q", truncate(vs[0]))
	}
	best, bestQ := langEn, 0.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, q := mediaRange(part)
		if l := langOf(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best, false, nil
}

// langOf maps a language tag (en, en-GB, zh, zh-HK, zh-Hant...) to one of
// ours, or "" when it is neither.
func langOf(tag string) string {
	tag = strings.ToLower(tag)
	for _, l := range []string{langEn, langZh} {
		if tag == l || strings.HasPrefix(tag, l+"-") {
			return l
		}
	}
	return ""
}
