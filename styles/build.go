package styles

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"net/url"
	"slices"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Labels and glyphs. A style names no "glyphs" URL: MapLibre GL JS (5.11
// and later; the viewer vendors 6.x) then draws every label's glyphs itself
// with TinySDF from the browser's own fonts, taking text-font as a CSS font
// family list. That works offline by construction, and it is how Chinese
// labels look best: Han characters drawn from a 24 px SDF range PBF lose
// their strokes, and the ranges a page of Traditional Chinese names touches
// would cost several megabytes of Noto Sans CJK PBFs to serve. The price is
// that clients which need glyph PBFs (MapLibre Native, older GL JS) show no
// labels for these styles; serving PBFs can be added then, as a "glyphs" URL
// here. The stack below asks for Noto (Debian's fonts-noto-core and
// fonts-noto-cjk, Android, ChromeOS) and the platform's Traditional Chinese
// UI fonts; TinySDF falls back to sans-serif after them.

// labelFont is the text-font of every generated label.
var labelFont = []string{"Noto Sans", "Noto Sans CJK TC", "Noto Sans TC", "Microsoft JhengHei", "PingFang TC"}

// defaultStyleID is the style of every layer of the catalogue together. A
// layer whose id is "default" is shown in it but has no style of its own.
const defaultStyleID = "default"

// MaxLayersPerSource is how many layers one source of the default style
// combines into one tile request; it matches the tiles package's limit on
// the layers of one /tiles/{layers} URL.
const maxLayersPerSource = 64

// collectionKey is the metadata key of every style layer naming the
// collection it draws, for viewers that toggle collections.
const collectionKey = "csdi:collection"

//go:embed defaults/*.json
var defaultFiles embed.FS

// fileStyle is the part of a hand-made style file this package uses: its
// layers, which draw source and source-layer both named by the layer id.
type fileStyle struct {
	Layers []map[string]any `json:"layers"`
}

// handMade returns the layers of the style file for layer id, if there is
// one. The files are read afresh each time, so callers may change them.
func handMade(id string) ([]map[string]any, bool, error) {
	b, err := defaultFiles.ReadFile("defaults/" + id + ".json")
	if err != nil {
		return nil, false, nil // no file for this layer: not an error
	}
	var f fileStyle
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, false, fmt.Errorf("styles: defaults/%s.json: %w", id, err)
	}
	return f.Layers, true, nil
}

// Style is a MapLibre style document (version 8).
type Style struct {
	Version  int               `json:"version"`
	Name     string            `json:"name"`
	Metadata Metadata          `json:"metadata"`
	Sources  map[string]Source `json:"sources"`
	Layers   []map[string]any  `json:"layers"`
}

// Metadata is what a style says about itself beyond MapLibre's needs: its
// bilingual name and, per collection drawn, its title and fields, so that a
// viewer can name things in either language without another request.
type Metadata struct {
	Name        layer.Text   `json:"csdi:name"`
	Collections []Collection `json:"csdi:collections"`
}

// Collection describes one collection a style draws.
type Collection struct {
	ID           string             `json:"id"`
	Title        layer.Text         `json:"title"`
	Department   string             `json:"department,omitempty"`
	GeometryType layer.GeometryType `json:"geometryType"`
	Fields       []Field            `json:"fields"`
	// MinZoom and MaxZoom are the zooms the collection's tiles have
	// features at.
	MinZoom int `json:"minZoom"`
	MaxZoom int `json:"maxZoom"`
	// Layers are the ids of the style layers drawing the collection.
	Layers []string `json:"layers"`
}

// Field is one attribute with its bilingual title.
type Field struct {
	Name  string     `json:"name"`
	Title layer.Text `json:"title"`
}

// Source is a vector source read from the server's TileJSON.
type Source struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// geometryRank orders a style's layers: polygons below lines below points.
func geometryRank(t layer.GeometryType) int {
	switch t {
	case layer.Polygon, layer.MultiPolygon:
		return 0
	case layer.LineString, layer.MultiLineString:
		return 1
	case layer.Point, layer.MultiPoint:
		return 3
	}
	return 2 // mixed geometry: between lines and points
}

// drawOrder sorts layers for the default style: polygons < lines <
// points; within a class, coarse layers (lower minzoom, say districts)
// below detailed ones (buildings); then the catalogue's order.
func drawOrder(layers []*layer.Layer) []*layer.Layer {
	out := slices.Clone(layers)
	slices.SortStableFunc(out, func(a, b *layer.Layer) int {
		return cmp.Or(cmp.Compare(geometryRank(a.GeometryType), geometryRank(b.GeometryType)),
			cmp.Compare(a.MinZoom, b.MinZoom))
	})
	return out
}

// layerStyle builds the style of one layer, its tiles read through the
// TileJSON below base.
func layerStyle(base string, l *layer.Layer) (*Style, error) {
	s := &Style{
		Version: 8,
		Name:    cmp.Or(l.Title.In("en"), l.ID),
		Metadata: Metadata{
			Name: layer.Text{En: cmp.Or(l.Title.En, l.ID), Zh: l.Title.Zh},
		},
		Sources: map[string]Source{
			l.ID: {Type: "vector", URL: base + "/collections/" + url.PathEscape(l.ID) + "/tiles/WebMercatorQuad/tilejson.json"},
		},
	}
	if err := s.add(l, l.ID); err != nil {
		return nil, err
	}
	return s, nil
}

// defaultStyle builds the style of every layer together. Layers share
// combined sources (one tile request for up to maxLayersPerSource layers).
func defaultStyle(base string, layers []*layer.Layer) (*Style, error) {
	s := &Style{
		Version: 8,
		Name:    "All layers",
		Metadata: Metadata{
			Name:        layer.Text{En: "All layers", Zh: "所有圖層"},
			Collections: []Collection{},
		},
		Sources: map[string]Source{},
		Layers:  []map[string]any{},
	}
	ordered := drawOrder(layers)
	sourceOf := make(map[string]string, len(ordered))
	for i := 0; i < len(layers); i += maxLayersPerSource {
		chunk := layers[i:min(i+maxLayersPerSource, len(layers))]
		name := "csdi"
		if i > 0 {
			name = fmt.Sprintf("csdi-%d", i/maxLayersPerSource+1)
		}
		ids := make([]string, len(chunk))
		for j, l := range chunk {
			ids[j] = url.PathEscape(l.ID)
			sourceOf[l.ID] = name
		}
		s.Sources[name] = Source{Type: "vector", URL: base + "/tiles/" + strings.Join(ids, ",") + "/tilejson.json"}
	}
	for _, l := range ordered {
		if err := s.add(l, sourceOf[l.ID]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// add appends the style layers of l, reading source, and describes l in
// the metadata.
func (s *Style) add(l *layer.Layer, source string) error {
	layers, ok, err := handMade(l.ID)
	if err != nil {
		return err
	}
	if !ok {
		layers = generated(l)
	}
	c := Collection{ID: l.ID, Title: layer.Text{En: cmp.Or(l.Title.En, l.ID), Zh: l.Title.Zh},
		Department: l.Department, GeometryType: l.GeometryType, Fields: make([]Field, len(l.Fields)),
		MinZoom: l.MinZoom, MaxZoom: l.MaxZoom}
	for i, f := range l.Fields {
		c.Fields[i] = Field{Name: f.Name, Title: f.Title}
	}
	for _, sl := range layers {
		sl["source"] = source
		sl["source-layer"] = l.ID
		md, _ := sl["metadata"].(map[string]any)
		if md == nil {
			md = map[string]any{}
		}
		md[collectionKey] = l.ID
		sl["metadata"] = md
		c.Layers = append(c.Layers, fmt.Sprint(sl["id"]))
	}
	s.Layers = append(s.Layers, layers...)
	s.Metadata.Collections = append(s.Metadata.Collections, c)
	return nil
}

// Colour returns a layer's generated colour, derived from its id so that
// it stays the same across restarts and servers: a hue from the id's hash
// at a saturation and lightness that read on a light map.
func Colour(id string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id))
	return fmt.Sprintf("hsl(%d, 65%%, 42%%)", h.Sum32()%360)
}

// generated is the default drawing of a layer without a hand-made style:
// by geometry type, in the layer's colour, labelled by name_en/name_zh if
// it has them. Layer-generic fields such as "name" are never used as
// labels: on a sensitive layer they can be a person's name.
func generated(l *layer.Layer) []map[string]any {
	colour := Colour(l.ID)
	id := func(suffix string) string { return l.ID + "-" + suffix }
	isType := func(types ...string) any {
		return []any{"in", []any{"geometry-type"}, []any{"literal", types}}
	}
	fill := map[string]any{
		"id": id("fill"), "type": "fill",
		"paint": map[string]any{"fill-color": colour, "fill-opacity": 0.35},
	}
	outline := map[string]any{
		"id": id("outline"), "type": "line",
		"paint": map[string]any{"line-color": colour, "line-width": 1.2},
	}
	line := map[string]any{
		"id": id("line"), "type": "line",
		"layout": map[string]any{"line-cap": "round", "line-join": "round"},
		"paint": map[string]any{"line-color": colour,
			"line-width": []any{"interpolate", []any{"linear"}, []any{"zoom"}, 8, 1, 16, 4}},
	}
	circle := map[string]any{
		"id": id("circle"), "type": "circle",
		"paint": map[string]any{
			"circle-color":        colour,
			"circle-radius":       []any{"interpolate", []any{"linear"}, []any{"zoom"}, 8, 2.5, 16, 6},
			"circle-stroke-color": "#ffffff",
			"circle-stroke-width": 1,
		},
	}
	var out []map[string]any
	switch geometryRank(l.GeometryType) {
	case 0:
		out = append(out, fill, outline)
	case 1:
		out = append(out, line)
	case 3:
		out = append(out, circle)
	default: // any geometry: each kind drawn as its own
		fill["filter"] = isType("Polygon", "MultiPolygon")
		outline["filter"] = isType("Polygon", "MultiPolygon")
		line["filter"] = isType("LineString", "MultiLineString")
		circle["filter"] = isType("Point", "MultiPoint")
		out = append(out, fill, outline, line, circle)
	}
	if text := labelText(l); text != nil {
		label := map[string]any{
			"id": id("label"), "type": "symbol",
			"minzoom": max(l.MinZoom, 14),
			"layout": map[string]any{
				"text-field":    text,
				"text-font":     labelFont,
				"text-size":     11,
				"text-optional": true,
			},
			"paint": map[string]any{"text-color": "#263238", "text-halo-color": "#ffffff", "text-halo-width": 1.2},
		}
		if geometryRank(l.GeometryType) == 1 {
			label["layout"].(map[string]any)["symbol-placement"] = "line"
		} else {
			label["layout"].(map[string]any)["text-anchor"] = "top"
			label["layout"].(map[string]any)["text-offset"] = []any{0, 0.8}
		}
		out = append(out, label)
	}
	for _, sl := range out {
		if l.MinZoom > 0 {
			sl["minzoom"] = max(l.MinZoom, intOr(sl["minzoom"]))
		}
	}
	return out
}

func intOr(v any) int {
	n, _ := v.(int)
	return n
}

// labelText is the text-field of a layer's labels: English over Chinese
// on two lines where it has both name fields, the one it has otherwise,
// nil where it has neither.
func labelText(l *layer.Layer) any {
	hasEn, hasZh := l.FieldIndex("name_en") >= 0, l.FieldIndex("name_zh") >= 0
	switch {
	case hasEn && hasZh:
		return []any{"let",
			"en", []any{"coalesce", []any{"get", "name_en"}, ""},
			"zh", []any{"coalesce", []any{"get", "name_zh"}, ""},
			[]any{"case",
				[]any{"all", []any{"!=", []any{"var", "en"}, ""}, []any{"!=", []any{"var", "zh"}, ""}},
				[]any{"concat", []any{"var", "en"}, "\n", []any{"var", "zh"}},
				[]any{"concat", []any{"var", "en"}, []any{"var", "zh"}}}}
	case hasEn:
		return []any{"get", "name_en"}
	case hasZh:
		return []any{"get", "name_zh"}
	}
	return nil
}
