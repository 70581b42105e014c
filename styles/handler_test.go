package styles

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// catalog is a fixed list of layers.
type catalog []*layer.Layer

func (c catalog) Layers() []*layer.Layer { return c }

func demoCatalog() catalog {
	var c catalog
	for _, l := range demo.Layers() {
		c = append(c, &l)
	}
	return c
}

const base = "http://csdi.test"

func serve(t *testing.T, c Catalog, path string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	NewHandler(c).Register(mux)
	rec := httptest.NewRecorder()
	httpx.WithBase(base, mux).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func getStyle(t *testing.T, c Catalog, id string) Style {
	t.Helper()
	rec := serve(t, c, "/styles/"+id)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /styles/%s: %d %s", id, rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != MediaType {
		t.Errorf("Content-Type %q, want %q", ct, MediaType)
	}
	var s Style
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestList(t *testing.T) {
	rec := serve(t, demoCatalog(), "/styles")
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var doc listDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range doc.Styles {
		ids = append(ids, s.ID)
		if len(s.Links) != 1 || s.Links[0].Href != base+"/styles/"+s.ID || s.Links[0].Rel != "stylesheet" {
			t.Errorf("style %s: links %+v", s.ID, s.Links)
		}
	}
	want := []string{"default", demo.BuildingsID, demo.RoadsID, demo.PublicToiletsID, demo.ClinicsID, demo.DistrictsID, demo.ElderlyHomeCareID}
	if !slices.Equal(ids, want) {
		t.Errorf("styles %v, want %v", ids, want)
	}
	if doc.Default != "default" {
		t.Errorf("default %q", doc.Default)
	}
}

func TestUnknownStyle(t *testing.T) {
	rec := serve(t, demoCatalog(), "/styles/nope")
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q", ct)
	}
}

// A style names only the layers of the catalogue it was given: a layer
// taken out of the catalogue (as privacy will, per caller) disappears from
// the list, from the default style and has no style of its own.
func TestStylesFollowTheCatalogue(t *testing.T) {
	c := demoCatalog()
	c = slices.DeleteFunc(c, func(l *layer.Layer) bool { return l.ID == demo.ElderlyHomeCareID })
	if rec := serve(t, c, "/styles/"+demo.ElderlyHomeCareID); rec.Code != http.StatusNotFound {
		t.Errorf("style of a layer not in the catalogue: %d", rec.Code)
	}
	if rec := serve(t, c, "/styles"); strings.Contains(rec.Body.String(), demo.ElderlyHomeCareID) {
		t.Errorf("list names a layer not in the catalogue: %s", rec.Body)
	}
	s := getStyle(t, c, "default")
	body, _ := json.Marshal(s)
	if strings.Contains(string(body), demo.ElderlyHomeCareID) {
		t.Errorf("default style names a layer not in the catalogue")
	}
	for _, l := range s.Layers {
		if l["source-layer"] == demo.ElderlyHomeCareID {
			t.Errorf("layer %v draws a hidden collection", l["id"])
		}
	}
}

func TestDefaultStyle(t *testing.T) {
	s := getStyle(t, demoCatalog(), "default")
	src, ok := s.Sources["csdi"]
	if !ok || len(s.Sources) != 1 {
		t.Fatalf("sources %+v", s.Sources)
	}
	wantURL := base + "/tiles/buildings,roads,public_toilets,clinics,districts,elderly_home_care/tilejson.json"
	if src.URL != wantURL || src.Type != "vector" {
		t.Errorf("source %+v, want url %s", src, wantURL)
	}
	// Draw order: the polygon layers (districts, the coarser, under
	// buildings), then roads, then the point layers.
	var order []string
	for _, l := range s.Layers {
		if l["source"] != "csdi" {
			t.Errorf("layer %v: source %v", l["id"], l["source"])
		}
		c, _ := l["metadata"].(map[string]any)[collectionKey].(string)
		if c != l["source-layer"] {
			t.Errorf("layer %v: collection %q, source-layer %v", l["id"], c, l["source-layer"])
		}
		if len(order) == 0 || order[len(order)-1] != c {
			order = append(order, c)
		}
	}
	want := []string{demo.DistrictsID, demo.BuildingsID, demo.RoadsID, demo.PublicToiletsID, demo.ClinicsID, demo.ElderlyHomeCareID}
	if !slices.Equal(order, want) {
		t.Errorf("draw order %v, want %v", order, want)
	}
	if s.Metadata.Name.Zh == "" || len(s.Metadata.Collections) != 6 {
		t.Errorf("metadata %+v", s.Metadata)
	}
	for _, c := range s.Metadata.Collections {
		if c.Title.En == "" || c.Title.Zh == "" || len(c.Fields) == 0 || len(c.Layers) == 0 {
			t.Errorf("collection metadata %+v", c)
		}
	}
}

// Every demo layer has a hand-made style with bilingual labels where it
// has name fields, and none on the sensitive layer.
func TestDemoLayerStyles(t *testing.T) {
	for _, l := range demoCatalog() {
		t.Run(l.ID, func(t *testing.T) {
			if _, ok, err := handMade(l.ID); !ok || err != nil {
				t.Fatalf("no hand-made style (%v)", err)
			}
			s := getStyle(t, demoCatalog(), l.ID)
			wantURL := base + "/collections/" + l.ID + "/tiles/WebMercatorQuad/tilejson.json"
			if len(s.Sources) != 1 || s.Sources[l.ID].URL != wantURL {
				t.Errorf("sources %+v", s.Sources)
			}
			if s.Metadata.Name.En != l.Title.En || s.Metadata.Name.Zh != l.Title.Zh {
				t.Errorf("name %+v", s.Metadata.Name)
			}
			labels := labelFields(s)
			hasNames := l.FieldIndex("name_en") >= 0 && l.FieldIndex("name_zh") >= 0
			if labels[`a literal \n`] {
				t.Errorf("a label shows a backslash and n instead of a line break")
			}
			if hasNames && !(labels["name_en"] && labels["name_zh"]) {
				t.Errorf("labels use %v, want name_en and name_zh", labels)
			}
			if l.Sensitive && len(labels) > 0 {
				t.Errorf("sensitive layer labelled with %v", labels)
			}
		})
	}
}

// labelFields lists the properties the style's text-fields read.
func labelFields(s Style) map[string]bool {
	out := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		if a, ok := v.([]any); ok {
			if len(a) == 2 && a[0] == "get" {
				out[a[1].(string)] = true
			}
			for _, x := range a {
				walk(x)
			}
		}
	}
	for _, l := range s.Layers {
		if layout, ok := l["layout"].(map[string]any); ok {
			walk(layout["text-field"])
			if b, _ := json.Marshal(layout["text-field"]); strings.Contains(string(b), `\\n`) {
				out[`a literal \n`] = true // a line break escaped once too often
			}
		}
	}
	return out
}

func TestGeneratedStyles(t *testing.T) {
	mk := func(id string, g layer.GeometryType, fields ...string) *layer.Layer {
		l := &layer.Layer{ID: id, Title: layer.Text{En: "T " + id, Zh: "圖層"}, GeometryType: g, MinZoom: 3, MaxZoom: 22}
		for _, f := range fields {
			l.Fields = append(l.Fields, layer.Field{Name: f, Type: layer.String})
		}
		return l
	}
	c := catalog{
		mk("parks", layer.MultiPolygon, "name_en", "name_zh"),
		mk("cycle_tracks", layer.LineString, "name_zh"),
		mk("bus_stops", layer.Point),
		mk("mixed", layer.AnyGeometry, "name"),
	}
	types := map[string][]string{
		"parks":        {"fill", "line", "symbol"},
		"cycle_tracks": {"line", "symbol"},
		"bus_stops":    {"circle"},
		"mixed":        {"fill", "line", "line", "circle"},
	}
	for _, l := range c {
		s := getStyle(t, c, l.ID)
		var got []string
		for _, sl := range s.Layers {
			got = append(got, sl["type"].(string))
			if sl["source"] != l.ID || sl["source-layer"] != l.ID {
				t.Errorf("%s: layer %v reads %v/%v", l.ID, sl["id"], sl["source"], sl["source-layer"])
			}
			if mz, _ := sl["minzoom"].(float64); mz < 3 {
				t.Errorf("%s: layer %v minzoom %v below the layer's", l.ID, sl["id"], sl["minzoom"])
			}
		}
		if !slices.Equal(got, types[l.ID]) {
			t.Errorf("%s: layer types %v, want %v", l.ID, got, types[l.ID])
		}
		if l.ID == "mixed" && len(labelFields(s)) > 0 {
			t.Errorf("a generic name field became a label")
		}
	}
	if Colour("parks") != Colour("parks") || Colour("parks") == Colour("bus_stops") {
		t.Errorf("colours: %s %s", Colour("parks"), Colour("bus_stops"))
	}
}

// A catalogue of more layers than one tile URL may combine gets several
// sources in the default style.
func TestDefaultStyleSplitsSources(t *testing.T) {
	var c catalog
	for i := range maxLayersPerSource + 3 {
		c = append(c, &layer.Layer{ID: "l" + strings.Repeat("x", i), GeometryType: layer.Point, MaxZoom: 22})
	}
	s := getStyle(t, c, "default")
	if len(s.Sources) != 2 {
		t.Fatalf("%d sources", len(s.Sources))
	}
	if n := strings.Count(s.Sources["csdi-2"].URL, ","); n != 2 {
		t.Errorf("second source %s", s.Sources["csdi-2"].URL)
	}
}

func TestOpenAPIPaths(t *testing.T) {
	p := OpenAPIPaths()
	for _, path := range []string{"/styles", "/styles/{styleId}"} {
		if _, ok := p[path]; !ok {
			t.Errorf("no %s", path)
		}
	}
	if _, err := json.Marshal(p); err != nil {
		t.Fatal(err)
	}
}
