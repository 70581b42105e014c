package features

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

//go:embed templates/*.html
var templateFiles embed.FS

// pageTemplates holds each page parsed with the shared layout; they are
// read-only once built.
var pageTemplates = mustParsePages(
	"landing.html", "conformance.html", "api.html",
	"collections.html", "collection.html", "items.html", "item.html",
	"queryables.html",
)

func mustParsePages(names ...string) map[string]*template.Template {
	funcs := template.FuncMap{"thousands": thousands}
	m := make(map[string]*template.Template, len(names))
	for _, n := range names {
		m[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+n))
	}
	return m
}

// pageData is what every template is given: the page's own Body and what
// the layout needs (language, links to the JSON form and to the other
// language).
type pageData struct {
	Lang            string // langEn or langZh
	HTMLLang        string
	SiteTitle       string
	SiteDescription string
	JSONHref        string
	JSONType        string
	LangEnHref      string
	LangZhHref      string
	Version         string
	Body            any

	base         string
	langExplicit bool
}

// T is the interface text for key in the page's language.
func (p *pageData) T(key string) string { return uiText(key, p.Lang) }

// Text picks a bilingual text in the page's language.
func (p *pageData) Text(t layer.Text) string { return t.In(p.Lang) }

// Other is a bilingual text in the language the page is not in, or "" when
// it is the same or missing.
func (p *pageData) Other(t layer.Text) string {
	other := langZh
	if p.Lang == langZh {
		other = langEn
	}
	if s := t.In(other); s != t.In(p.Lang) {
		return s
	}
	return ""
}

// LangExplicit reports whether the reader chose the language with lang=,
// so forms carry it on.
func (p *pageData) LangExplicit() bool { return p.langExplicit }

// Href links to another HTML page of the service, keeping the language the
// reader chose. set are parameter name/value pairs.
func (p *pageData) Href(path string, set ...string) string {
	return href(p.base, path, p.Lang, p.langExplicit, set...)
}

// newPage fills the layout's part of a page for request r.
func (h *Handler) newPage(r *http.Request, q url.Values, links []httpx.Link, body any) (*pageData, error) {
	lang, explicit, err := language(r, q)
	if err != nil {
		return nil, err
	}
	base := httpx.Base(r)
	p := &pageData{
		Lang:            lang,
		HTMLLang:        "en",
		SiteTitle:       h.opts.Title.In(lang),
		SiteDescription: h.opts.Description.In(lang),
		LangEnHref:      httpx.WithQuery(base, r.URL.EscapedPath(), q, "lang", langEn),
		LangZhHref:      httpx.WithQuery(base, r.URL.EscapedPath(), q, "lang", langZh),
		Version:         h.opts.Version,
		Body:            body,
		base:            base,
		langExplicit:    explicit,
	}
	if lang == langZh {
		p.HTMLLang = "zh-Hant-HK"
	}
	for _, l := range links {
		if l.Rel == "alternate" {
			p.JSONHref, p.JSONType = l.Href, l.Type
			break
		}
	}
	return p, nil
}

// renderHTML answers with the named page.
func (h *Handler) renderHTML(w http.ResponseWriter, r *http.Request, q url.Values, name string, links []httpx.Link, body any) error {
	p, err := h.newPage(r, q, links, body)
	if err != nil {
		return err
	}
	return writePage(w, name, p)
}

// writePage executes a page into memory first, so a template failure is a
// clean 500 rather than half a page.
func writePage(w http.ResponseWriter, name string, p *pageData) error {
	t, ok := pageTemplates[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", htmlCharset)
	hd.Set("Content-Language", p.HTMLLang)
	hd.Add("Vary", "Accept")
	hd.Add("Vary", "Accept-Language")
	_, err := w.Write(buf.Bytes())
	return clientGone(err)
}

// thousands formats n with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
