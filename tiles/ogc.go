package tiles

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Link relations of OGC API Tiles.
const (
	relTilingScheme   = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
	relTilingSchemes  = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
	relTilesetsVector = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
	relGeodata        = "http://www.opengis.net/def/rel/ogc/1.0/geodata"
)

// ConformanceClasses are the OGC API Tiles and TMS 2.0 conformance classes
// the tile endpoints implement, for the server's /conformance.
func ConformanceClasses() []string {
	const tiles, tms = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/", "http://www.opengis.net/spec/tms/2.0/conf/"
	return []string{
		tiles + "core",
		tiles + "tileset",
		tiles + "tilesets-list",
		tiles + "geodata-tilesets",
		tiles + "dataset-tilesets",
		tiles + "collections-selection",
		tiles + "oas30",
		tiles + "mvt",
		tms + "tilematrixset",
		tms + "json-tilematrixset",
		tms + "tilesetmetadata",
		tms + "json-tilesetmetadata",
		tms + "tilematrixsetlimits",
	}
}

// tmsDocument is the OGC TMS 2.0 JSON encoding of a TileMatrixSet: points
// and boxes in the CRS's axis order (northing first for EPSG:2326).
type tmsDocument struct {
	ID                string           `json:"id"`
	Title             string           `json:"title,omitempty"`
	URI               string           `json:"uri,omitempty"`
	CRS               string           `json:"crs"`
	OrderedAxes       []string         `json:"orderedAxes"`
	WellKnownScaleSet string           `json:"wellKnownScaleSet,omitempty"`
	BoundingBox       *boundingBox     `json:"boundingBox,omitempty"`
	TileMatrices      []tileMatrixJSON `json:"tileMatrices"`
	Links             []httpx.Link     `json:"links,omitempty"`
}

type tileMatrixJSON struct {
	ID               string     `json:"id"`
	ScaleDenominator float64    `json:"scaleDenominator"`
	CellSize         float64    `json:"cellSize"`
	CornerOfOrigin   string     `json:"cornerOfOrigin"`
	PointOfOrigin    [2]float64 `json:"pointOfOrigin"`
	TileWidth        int        `json:"tileWidth"`
	TileHeight       int        `json:"tileHeight"`
	MatrixWidth      int        `json:"matrixWidth"`
	MatrixHeight     int        `json:"matrixHeight"`
}

type boundingBox struct {
	LowerLeft   [2]float64 `json:"lowerLeft"`
	UpperRight  [2]float64 `json:"upperRight"`
	CRS         string     `json:"crs,omitempty"`
	OrderedAxes []string   `json:"orderedAxes,omitempty"`
}

// box encodes b ((easting, northing)) in the set's axis order.
func (s *TileMatrixSet) box(b orb.Bound) *boundingBox {
	return &boundingBox{LowerLeft: s.axisOrder(b.Min), UpperRight: s.axisOrder(b.Max), CRS: s.CRS, OrderedAxes: s.OrderedAxes}
}

// Document is the set's OGC TMS 2.0 JSON document.
func (s *TileMatrixSet) document() tmsDocument {
	d := tmsDocument{
		ID: s.ID, Title: s.Title, URI: s.URI, CRS: s.CRS, OrderedAxes: s.OrderedAxes,
		WellKnownScaleSet: s.WellKnownScaleSet, BoundingBox: s.box(s.Bound),
	}
	for _, m := range s.Matrices {
		d.TileMatrices = append(d.TileMatrices, tileMatrixJSON{
			ID: m.ID, ScaleDenominator: m.ScaleDenominator, CellSize: m.CellSize, CornerOfOrigin: m.CornerOfOrigin,
			PointOfOrigin: s.axisOrder(m.Origin), TileWidth: m.TileWidth, TileHeight: m.TileHeight,
			MatrixWidth: m.MatrixWidth, MatrixHeight: m.MatrixHeight,
		})
	}
	return d
}

func tmsPath(s *TileMatrixSet) string { return "/tileMatrixSets/" + s.ID }

func (h *Handler) tileMatrixSets(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "json"); err != nil {
		return err
	}
	base := httpx.Base(r)
	type ref struct {
		ID    string       `json:"id"`
		Title string       `json:"title,omitempty"`
		URI   string       `json:"uri,omitempty"`
		CRS   string       `json:"crs"`
		Links []httpx.Link `json:"links"`
	}
	doc := struct {
		TileMatrixSets []ref        `json:"tileMatrixSets"`
		Links          []httpx.Link `json:"links"`
	}{Links: []httpx.Link{{Href: base + "/tileMatrixSets", Rel: "self", Type: "application/json", Title: "this document"}}}
	for _, s := range TileMatrixSets {
		doc.TileMatrixSets = append(doc.TileMatrixSets, ref{ID: s.ID, Title: s.Title, URI: s.URI, CRS: s.CRS, Links: []httpx.Link{
			{Href: base + tmsPath(s), Rel: "self", Type: "application/json", Title: s.Title},
		}})
	}
	return writeJSON(w, r, doc)
}

func (h *Handler) tileMatrixSet(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "json"); err != nil {
		return err
	}
	s, err := matrixSet(r.PathValue("tileMatrixSetId"))
	if err != nil {
		return err
	}
	d := s.document()
	d.Links = []httpx.Link{{Href: httpx.Base(r) + tmsPath(s), Rel: "self", Type: "application/json", Title: "this document"}}
	return writeJSON(w, r, d)
}

// Limits are the tiles of one tile matrix a tileset has data in.
type Limits struct {
	TileMatrix string `json:"tileMatrix"`
	MinTileRow int    `json:"minTileRow"`
	MaxTileRow int    `json:"maxTileRow"`
	MinTileCol int    `json:"minTileCol"`
	MaxTileCol int    `json:"maxTileCol"`
}

func (l Limits) contains(t Tile) bool {
	return t.Y >= l.MinTileRow && t.Y <= l.MaxTileRow && t.X >= l.MinTileCol && t.X <= l.MaxTileCol
}

// extent is the union of the snapshots' extents (world coordinates).
func extent(snaps []*cache.Snapshot) (orb.Bound, bool) {
	var (
		out orb.Bound
		ok  bool
	)
	for _, s := range snaps {
		if b, has := s.Extent(); has {
			if ok {
				out = out.Union(b)
			} else {
				out, ok = b, true
			}
		}
	}
	return out, ok
}

// visible reports whether some layer of snaps is drawn at level z of s.
func visible(s *TileMatrixSet, snaps []*cache.Snapshot, z int) bool {
	zoom := s.mercatorZoomOf(z)
	for _, snap := range snaps {
		if l := snap.Layer(); zoom >= l.MinZoom && zoom <= l.MaxZoom {
			return true
		}
	}
	return false
}

// limitsAt is the range of tiles of level z that the snapshots' data,
// grown by the tile buffer, touches; ok is false when no layer is drawn at
// z or none has geometry (then nothing is advertised and nothing is 404).
func (h *Handler) limitsAt(s *TileMatrixSet, snaps []*cache.Snapshot, z int) (Limits, bool) {
	if !visible(s, snaps, z) {
		return Limits{}, false
	}
	ext, ok := extent(snaps)
	if !ok {
		return Limits{}, false
	}
	return limitsOf(s, s.worldBoundToGrid(ext), z, h.opts), true
}

func limitsOf(s *TileMatrixSet, grid orb.Bound, z int, opts Options) Limits {
	m := &s.Matrices[z]
	w, _ := m.span()
	g := w * float64(opts.pixelBuffer()) / float64(opts.Extent)
	topLeft := s.TileAt(z, orb.Point{grid.Min[0] - g, grid.Max[1] + g})
	bottomRight := s.TileAt(z, orb.Point{grid.Max[0] + g, grid.Min[1] - g})
	// Never beyond the tiles the set serves at all.
	sb := s.Bound
	stl, sbr := s.TileAt(z, orb.Point{sb.Min[0], sb.Max[1]}), s.TileAt(z, orb.Point{sb.Max[0], sb.Min[1]})
	return Limits{
		TileMatrix: m.ID,
		MinTileRow: max(topLeft.Y, stl.Y), MaxTileRow: min(bottomRight.Y, sbr.Y),
		MinTileCol: max(topLeft.X, stl.X), MaxTileCol: min(bottomRight.X, sbr.X),
	}
}

// tileset is an OGC tileset metadata document (TMS 2.0 tileset metadata,
// JSON), or, with only the summary fields, an entry of a tilesets list.
type tileset struct {
	Title               string         `json:"title,omitempty"`
	Description         string         `json:"description,omitempty"`
	DataType            string         `json:"dataType"`
	CRS                 string         `json:"crs"`
	TileMatrixSetURI    string         `json:"tileMatrixSetURI,omitempty"`
	Links               []httpx.Link   `json:"links"`
	TileMatrixSetLimits []Limits       `json:"tileMatrixSetLimits,omitempty"`
	Layers              []tilesetLayer `json:"layers,omitempty"`
	BoundingBox         *boundingBox   `json:"boundingBox,omitempty"`
	CenterPoint         *centerPoint   `json:"centerPoint,omitempty"`
}

// tilesetLayer describes one MVT layer of a tileset.
type tilesetLayer struct {
	ID                string         `json:"id"`
	Title             string         `json:"title,omitempty"`
	Description       string         `json:"description,omitempty"`
	DataType          string         `json:"dataType"`
	GeometryDimension *int           `json:"geometryDimension,omitempty"`
	FeatureType       string         `json:"featureType,omitempty"`
	MinTileMatrix     string         `json:"minTileMatrix"`
	MaxTileMatrix     string         `json:"maxTileMatrix"`
	BoundingBox       *boundingBox   `json:"boundingBox,omitempty"`
	PropertiesSchema  map[string]any `json:"propertiesSchema"`
	Links             []httpx.Link   `json:"links,omitempty"`
}

type centerPoint struct {
	Coordinates [2]float64 `json:"coordinates"`
	CRS         string     `json:"crs"`
	TileMatrix  string     `json:"tileMatrix"`
}

// tilesetPaths are where a tileset lives: its metadata, its tile template
// and, for WebMercatorQuad, its TileJSON. collection is empty for the
// dataset's tilesets, whose query carries the selection.
func tilesetPaths(base, collection string, s *TileMatrixSet, query string) (meta, tile, tileJSON string) {
	root := base + "/tiles/" + s.ID
	if collection != "" {
		root = base + "/collections/" + url.PathEscape(collection) + "/tiles/" + s.ID
	}
	q := ""
	if query != "" {
		q = "?" + query
	}
	meta, tile = root+q, root+"/{tileMatrix}/{tileRow}/{tileCol}"+q
	if s.isMercator() {
		tileJSON = root + "/tilejson.json" + q
	}
	return meta, tile, tileJSON
}

// summary is the tilesets-list entry of a tileset.
func summary(base, collection string, s *TileMatrixSet, query, title string) tileset {
	meta, tile, _ := tilesetPaths(base, collection, s, query)
	return tileset{
		Title: title + " (" + s.ID + ")", DataType: "vector", CRS: s.CRS, TileMatrixSetURI: s.URI,
		Links: []httpx.Link{
			{Href: meta, Rel: "self", Type: "application/json", Title: "the tileset"},
			{Href: base + tmsPath(s), Rel: relTilingScheme, Type: "application/json", Title: "the tile matrix set"},
			{Href: tile, Rel: "item", Type: ContentType, Title: "a tile", Templated: true},
		},
	}
}

type tilesetsList struct {
	Tilesets []tileset    `json:"tilesets"`
	Links    []httpx.Link `json:"links"`
}

func (h *Handler) collectionTilesets(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "json"); err != nil {
		return err
	}
	snap, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	l := snap.Layer()
	base := httpx.Base(r)
	doc := tilesetsList{Links: []httpx.Link{
		{Href: base + "/collections/" + url.PathEscape(l.ID) + "/tiles", Rel: "self", Type: "application/json", Title: "this document"},
		{Href: base + "/collections/" + url.PathEscape(l.ID), Rel: relGeodata, Type: "application/json", Title: "the collection"},
	}}
	for _, s := range TileMatrixSets {
		doc.Tilesets = append(doc.Tilesets, summary(base, l.ID, s, "", cmp.Or(l.Title.In(""), l.ID)))
	}
	return writeJSON(w, r, doc)
}

func (h *Handler) datasetTilesets(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "json"); err != nil {
		return err
	}
	base := httpx.Base(r)
	doc := tilesetsList{Links: []httpx.Link{{Href: base + "/tiles", Rel: "self", Type: "application/json", Title: "this document"}}}
	for _, s := range TileMatrixSets {
		doc.Tilesets = append(doc.Tilesets, summary(base, "", s, "", "All collections"))
	}
	return writeJSON(w, r, doc)
}

func (h *Handler) collectionTileset(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "json"); err != nil {
		return err
	}
	s, err := matrixSet(r.PathValue("tileMatrixSetId"))
	if err != nil {
		return err
	}
	snap, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	return writeJSON(w, r, h.tileset(r, s, snap.Layer().ID, []*cache.Snapshot{snap}, ""))
}

func (h *Handler) datasetTileset(w http.ResponseWriter, r *http.Request) error {
	if err := checkFormat(r, "json"); err != nil {
		return err
	}
	s, err := matrixSet(r.PathValue("tileMatrixSetId"))
	if err != nil {
		return err
	}
	snaps, err := h.selected(r)
	if err != nil {
		return err
	}
	query := ""
	if q := r.URL.Query(); q.Has("collections") {
		query = "collections=" + url.QueryEscape(q.Get("collections"))
		query = strings.ReplaceAll(query, "%2C", ",")
	}
	return writeJSON(w, r, h.tileset(r, s, "", snaps, query))
}

// tileset is the metadata of the tileset of snaps in set s.
func (h *Handler) tileset(r *http.Request, s *TileMatrixSet, collection string, snaps []*cache.Snapshot, query string) tileset {
	base := httpx.Base(r)
	meta, tile, tileJSON := tilesetPaths(base, collection, s, query)
	var titles []string
	for _, snap := range snaps {
		titles = append(titles, cmp.Or(snap.Layer().Title.In(""), snap.Layer().ID))
	}
	doc := tileset{
		Title: strings.Join(titles, ", "), DataType: "vector", CRS: s.CRS, TileMatrixSetURI: s.URI,
		Links: []httpx.Link{
			{Href: meta, Rel: "self", Type: "application/json", Title: "this document"},
			{Href: base + tmsPath(s), Rel: relTilingScheme, Type: "application/json", Title: "the tile matrix set"},
			{Href: tile, Rel: "item", Type: ContentType, Title: "Mapbox vector tiles", Templated: true},
		},
		Layers: []tilesetLayer{},
	}
	if collection != "" {
		doc.Description = snaps[0].Layer().Description.In("")
		doc.Links = append(doc.Links, httpx.Link{Href: base + "/collections/" + url.PathEscape(collection), Rel: relGeodata, Type: "application/json", Title: "the collection"})
	}
	if tileJSON != "" {
		doc.Links = append(doc.Links, httpx.Link{Href: tileJSON, Rel: "describedby", Type: "application/vnd.mapbox.tile+json", Title: "TileJSON 3.0.0"})
	}
	minZ, maxZ := math.MaxInt, -1
	for _, snap := range snaps {
		l := snap.Layer()
		lo, hi := levelRange(s, l)
		minZ, maxZ = min(minZ, lo), max(maxZ, hi)
		tl := tilesetLayer{
			ID: l.ID, Title: l.Title.In(""), Description: l.Description.In(""), DataType: "vector",
			GeometryDimension: geometryDimension(l.GeometryType), FeatureType: string(l.GeometryType),
			MinTileMatrix: strconv.Itoa(lo), MaxTileMatrix: strconv.Itoa(hi),
			PropertiesSchema: propertiesSchema(l),
			Links:            []httpx.Link{{Href: base + "/collections/" + url.PathEscape(l.ID), Rel: relGeodata, Type: "application/json", Title: "the collection"}},
		}
		if b, ok := snap.Extent(); ok {
			tl.BoundingBox = s.box(intersect(s.worldBoundToGrid(b), s.Bound))
		}
		doc.Layers = append(doc.Layers, tl)
	}
	ext, ok := extent(snaps)
	if !ok || maxZ < 0 {
		return doc
	}
	grid := intersect(s.worldBoundToGrid(ext), s.Bound)
	doc.BoundingBox = s.box(grid)
	for z := minZ; z <= maxZ; z++ {
		if visible(s, snaps, z) {
			doc.TileMatrixSetLimits = append(doc.TileMatrixSetLimits, limitsOf(s, grid, z, h.opts))
		}
	}
	c := s.worldToGrid(dataCenter(snaps, ext))
	_, _, zoom := boundsAndCenterZoom(ext, s.mercatorZoomOf(minZ), s.mercatorZoomOf(maxZ))
	doc.CenterPoint = &centerPoint{Coordinates: s.axisOrder(c), CRS: s.CRS, TileMatrix: strconv.Itoa(s.levelOf(zoom))}
	return doc
}

// levelRange is the range of levels of s at which layer l is drawn.
func levelRange(s *TileMatrixSet, l *layer.Layer) (int, int) {
	lo, hi := s.MaxMatrix(), 0
	for z := range s.Matrices {
		if mz := s.mercatorZoomOf(z); mz >= l.MinZoom && mz <= l.MaxZoom {
			lo, hi = min(lo, z), max(hi, z)
		}
	}
	if lo > hi {
		return 0, -1
	}
	return lo, hi
}

// geometryDimension is 0 for points, 1 for lines, 2 for polygons, and
// absent for a layer of mixed or any geometry.
func geometryDimension(t layer.GeometryType) *int {
	d := -1
	switch t {
	case layer.Point, layer.MultiPoint:
		d = 0
	case layer.LineString, layer.MultiLineString:
		d = 1
	case layer.Polygon, layer.MultiPolygon:
		d = 2
	}
	if d < 0 {
		return nil
	}
	return &d
}

// propertiesSchema is a JSON Schema of the attributes as the tiles carry
// them (see fieldTypes).
func propertiesSchema(l *layer.Layer) map[string]any {
	props := make(map[string]any, len(l.Fields))
	for _, f := range l.Fields {
		t := "string"
		switch fieldTypes([]layer.Field{f})[f.Name] {
		case "Number":
			t = "number"
			if f.Type == layer.Integer {
				t = "integer"
			}
		case "Boolean":
			t = "boolean"
		}
		p := map[string]any{"type": t}
		if title := f.Title.In(""); title != "" {
			p["title"] = title
		}
		if f.Type == layer.Date {
			p["format"] = "date"
		}
		props[f.Name] = p
	}
	return map[string]any{"type": "object", "properties": props}
}
