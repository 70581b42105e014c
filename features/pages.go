package features

import (
	"net/http"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// The HTML pages of collections and features: what each template is given
// beyond the layout.

// collectionPage is a collection's metadata, a map of a sample of it, and
// the ways into its features: a filter form, the queryables, downloads.
type collectionPage struct {
	collectionDoc
	Map        *svgMap
	Action     string // the items page the filter form asks
	Queryables string
	Downloads  []downloadLink
}

// newCollectionPage builds the HTML page of a collection described by doc.
func (h *Handler) newCollectionPage(base string, s *cache.Snapshot, doc collectionDoc, lang string, explicit bool) collectionPage {
	l := s.Layer()
	return collectionPage{
		collectionDoc: doc,
		Map:           h.sampleMap(base, s, lang, explicit),
		Action:        base + itemsPath(l),
		Queryables:    href(base, collectionPath(l)+"/queryables", lang, explicit),
		Downloads:     h.layerDownloads(base, l, lang),
	}
}

// layerDownloads link a whole layer in each download format, after the
// first page as GeoJSON (paged: the whole layer may be too big for one).
func (h *Handler) layerDownloads(base string, l *layer.Layer, lang string) []downloadLink {
	names := map[string]string{"json": "GeoJSON", "csv": "CSV", "gpkg": "GeoPackage"}
	first := download{"json", mediaGeoJSON, layer.Text{En: "the first page of features as GeoJSON", Zh: "首頁要素（GeoJSON）"}}
	var out []downloadLink
	for _, d := range append([]download{first}, h.downloads()...) {
		out = append(out, downloadLink{
			Label: names[d.f],
			Title: d.title.In(lang),
			Href:  httpx.WithQuery(base, itemsPath(l), nil, "f", d.f),
		})
	}
	return out
}

// sampleSize is how many features a collection page draws.
const sampleSize = 200

// sampleMap draws the first features in id order within the layer's
// extent: enough to see what the layer holds, cheap for any size.
func (h *Handler) sampleMap(base string, s *cache.Snapshot, lang string, explicit bool) *svgMap {
	extent, ok := s.Extent()
	if !ok {
		return nil
	}
	sample := make([]*cache.Feature, 0, min(sampleSize, s.Len()))
	s.Ascend(0, func(f *cache.Feature) bool {
		sample = append(sample, f)
		return len(sample) < sampleSize
	})
	return newSVGMap(sample, extent, func(f *cache.Feature) string {
		return href(base, itemPath(s, f), lang, explicit)
	})
}

// column is an attribute column of the items table.
type column struct {
	Name  string
	Title layer.Text
	Type  layer.FieldType
	// SortHref re-sorts the page by this column (the other way when it is
	// the current first key); SortMark shows the current order.
	SortHref string
	SortMark string
}

// itemRow is one feature in the items table.
type itemRow struct {
	ID    string
	Href  string
	Cells []string
}

// itemsPage is one page of features as a map and a table.
type itemsPage struct {
	Collection collectionDoc
	Columns    []column
	Rows       []itemRow
	Map        *svgMap
	From, To   int // 1-based positions of the first and last row shown
	Matched    int
	Next, Prev string
	// The query form: what is in use, to show and edit.
	Filter, FilterLang, SortBy, BBox, Limit string
	CRS                                     string
	CRSs                                    []*crsRef
	Action                                  string // the form's target
	Downloads                               []downloadLink
	Queryables                              string // link to the queryables page
}

// downloadLink is the current query in another format.
type downloadLink struct {
	Label string
	Title string // a longer description, where the label is a format name
	Href  string
}

// renderItems answers an items request with an HTML page.
func (h *Handler) renderItems(w http.ResponseWriter, r *http.Request, s *cache.Snapshot, iq *itemsQuery, p page) error {
	l := s.Layer()
	base := httpx.Base(r)
	links := itemsLinks(base, l, iq, p.Matched, formatHTML, nil)
	body := itemsPage{
		Collection: h.describe(base, s),
		Columns:    sortColumns(base, l, iq),
		Matched:    p.Matched,
		SortBy:     iq.Values.Get("sortby"),
		BBox:       iq.Values.Get("bbox"),
		Limit:      iq.Values.Get("limit"),
		CRS:        iq.CRS.URI,
		CRSs:       supportedCRS,
		Action:     base + itemsPath(l),
		Queryables: href(base, collectionPath(l)+"/queryables", iq.Lang, iq.LangExplicit),
	}
	if iq.Filter != nil {
		body.Filter, body.FilterLang = iq.Values.Get("filter"), iq.Values.Get("filter-lang")
	}
	for _, d := range append([]download{{"json", mediaGeoJSON, layer.Text{En: "this page as GeoJSON", Zh: "本頁 GeoJSON"}}}, h.downloads()...) {
		set := []string{"f", d.f}
		if d.f != "json" {
			set = append(set, "offset", "", "limit", "")
		}
		body.Downloads = append(body.Downloads, downloadLink{Label: d.title.In(iq.Lang), Href: httpx.WithQuery(base, itemsPath(l), iq.Values, set...)})
	}
	if len(p.Features) > 0 {
		body.From, body.To = iq.Offset+1, iq.Offset+len(p.Features)
	}
	for _, ln := range links {
		switch ln.Rel {
		case "next":
			body.Next = ln.Href
		case "prev":
			body.Prev = ln.Href
		}
	}
	itemHref := func(f *cache.Feature) string { return href(base, itemPath(s, f), iq.Lang, iq.LangExplicit) }
	for _, f := range p.Features {
		body.Rows = append(body.Rows, itemRow{ID: f.ID.String(), Href: itemHref(f), Cells: selectedCells(l, f, iq.Fields)})
	}
	body.Map = newSVGMap(p.Features, orb.Bound{}, itemHref)
	pd, err := h.newPage(r, iq.Values, links, body)
	if err != nil {
		return err
	}
	return writePage(w, "items.html", pd)
}

// attribute is one row of a feature's attribute table.
type attribute struct {
	Name  string
	Title layer.Text
	Value string
}

// itemPage is one feature: its attributes and a map of it.
type itemPage struct {
	Collection collectionDoc
	ID         string
	Geometry   string
	Attributes []attribute
	Map        *svgMap
}

// renderItem answers a single feature request with an HTML page.
func (h *Handler) renderItem(w http.ResponseWriter, r *http.Request, s *cache.Snapshot, f *cache.Feature, ir *itemRequest) error {
	l := s.Layer()
	base := httpx.Base(r)
	body := itemPage{Collection: h.describe(base, s), ID: f.ID.String()}
	if f.Geom != nil {
		body.Geometry = f.Geom.GeoJSONType()
	}
	for i, v := range cells(l, f) {
		fd := l.Fields[i]
		body.Attributes = append(body.Attributes, attribute{Name: fd.Name, Title: fd.Title, Value: v})
	}
	self := href(base, itemPath(s, f), ir.Lang, ir.LangExplicit)
	body.Map = newSVGMap([]*cache.Feature{f}, orb.Bound{}, func(*cache.Feature) string { return self })
	pd, err := h.newPage(r, ir.Values, itemLinks(base, s, f, ir.Values, formatHTML), body)
	if err != nil {
		return err
	}
	return writePage(w, "item.html", pd)
}

// cells are a feature's attribute values as text, one per field.
func cells(l *layer.Layer, f *cache.Feature) []string {
	out := make([]string, len(l.Fields))
	for i, fd := range l.Fields {
		if i < len(f.Props) {
			out[i] = displayValue(f.Props[i], fd.Type)
		}
	}
	return out
}

// sortColumns are the columns of an items page, each linking to the same
// query sorted by it.
func sortColumns(base string, l *layer.Layer, iq *itemsQuery) []column {
	cs := make([]column, 0, len(iq.Fields))
	for _, i := range iq.Fields {
		f := l.Fields[i]
		c := column{Name: f.Name, Title: f.Title, Type: f.Type}
		if sortable(f.Type) {
			order := f.Name
			if len(iq.SortBy) > 0 && iq.SortBy[0].Field == i {
				if iq.SortBy[0].Descending {
					c.SortMark = "▼"
				} else {
					c.SortMark, order = "▲", "-"+f.Name
				}
			}
			c.SortHref = httpx.WithQuery(base, itemsPath(l), iq.Values, "sortby", order, "offset", "")
		}
		cs = append(cs, c)
	}
	return cs
}

// selectedCells are the values of the chosen fields as text.
func selectedCells(l *layer.Layer, f *cache.Feature, fields []int) []string {
	out := make([]string, len(fields))
	for n, i := range fields {
		if i < len(f.Props) {
			out[n] = displayValue(f.Props[i], l.Fields[i].Type)
		}
	}
	return out
}
