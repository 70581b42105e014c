package tiles

import (
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// TileJSON is a TileJSON 3.0.0 document describing a vector tile source.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name,omitempty"`
	Description  string        `json:"description,omitempty"`
	Attribution  string        `json:"attribution,omitempty"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

// VectorLayer describes one MVT layer of a TileJSON source.
type VectorLayer struct {
	ID          string `json:"id"`
	Description string `json:"description,omitempty"`
	MinZoom     int    `json:"minzoom"`
	MaxZoom     int    `json:"maxzoom"`
	// Fields maps each attribute to "String", "Number" or "Boolean", the
	// type its values have in the tiles.
	Fields map[string]string `json:"fields"`
}

// errNoTileJSON answers a TileJSON request for a matrix set other than
// WebMercatorQuad: TileJSON knows no other.
func errNoTileJSON(id string) error {
	if tileMatrixSet(id) == nil {
		_, err := matrixSet(id)
		return err
	}
	return httpx.NotFound("TileJSON describes WebMercatorQuad tiles only, not %s; its tileset metadata is one level up", id)
}

func (h *Handler) collectionTileJSON(w http.ResponseWriter, r *http.Request) error {
	if id := r.PathValue("tileMatrixSetId"); id != WebMercatorQuadID {
		return errNoTileJSON(id)
	}
	snap, err := h.snapshot(r, r.PathValue("collectionId"))
	if err != nil {
		return err
	}
	tmpl := httpx.Base(r) + "/collections/" + url.PathEscape(snap.Layer().ID) + "/tiles/WebMercatorQuad/{z}/{y}/{x}"
	return writeJSON(w, r, newTileJSON([]*cache.Snapshot{snap}, tmpl))
}

func (h *Handler) layersTileJSON(w http.ResponseWriter, r *http.Request) error {
	if id := r.PathValue("layers"); tileMatrixSet(id) != nil {
		if id != WebMercatorQuadID {
			return errNoTileJSON(id)
		}
		return h.datasetTileJSON(w, r)
	}
	snaps, err := h.snapshots(r, r.PathValue("layers"))
	if err != nil {
		return err
	}
	ids := make([]string, len(snaps))
	for i, s := range snaps {
		ids[i] = url.PathEscape(s.Layer().ID)
	}
	tmpl := httpx.Base(r) + "/tiles/" + strings.Join(ids, ",") + "/{z}/{x}/{y}.mvt"
	return writeJSON(w, r, newTileJSON(snaps, tmpl))
}

// datasetTileJSON is /tiles/WebMercatorQuad/tilejson.json: the dataset
// tiles of the collections selected (all by default).
func (h *Handler) datasetTileJSON(w http.ResponseWriter, r *http.Request) error {
	snaps, err := h.selected(r)
	if err != nil {
		return err
	}
	_, tmpl, _ := tilesetPaths(httpx.Base(r), "", WebMercatorQuad, "")
	tmpl = strings.NewReplacer("{tileMatrix}", "{z}", "{tileRow}", "{y}", "{tileCol}", "{x}").Replace(tmpl)
	if q := r.URL.Query(); q.Has("collections") {
		tmpl += "?collections=" + strings.ReplaceAll(url.QueryEscape(q.Get("collections")), "%2C", ",")
	}
	return writeJSON(w, r, newTileJSON(snaps, tmpl))
}

func writeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	writeBody(w, r, body)
	return nil
}

// newTileJSON describes the snapshots served at the URL template tmpl.
func newTileJSON(snaps []*cache.Snapshot, tmpl string) TileJSON {
	doc := TileJSON{
		TileJSON:     "3.0.0",
		Scheme:       "xyz",
		Tiles:        []string{tmpl},
		MinZoom:      MaxZoom,
		VectorLayers: make([]VectorLayer, 0, len(snaps)),
	}
	var titles, departments []string
	for _, s := range snaps {
		l := s.Layer()
		minZ, maxZ := zoomRange(l)
		doc.MinZoom, doc.MaxZoom = min(doc.MinZoom, minZ), max(doc.MaxZoom, maxZ)
		doc.VectorLayers = append(doc.VectorLayers, VectorLayer{
			ID:          l.ID,
			Description: l.Description.In(""),
			MinZoom:     minZ,
			MaxZoom:     maxZ,
			Fields:      fieldTypes(l.Fields),
		})
		titles = append(titles, cmp.Or(l.Title.In(""), l.ID))
		if l.Department != "" && !slices.Contains(departments, l.Department) {
			departments = append(departments, l.Department)
		}
	}
	ext, hasExtent := extent(snaps)
	doc.Name = strings.Join(titles, ", ")
	if len(snaps) == 1 {
		doc.Description = snaps[0].Layer().Description.In("")
	}
	doc.Attribution = strings.Join(departments, ", ")
	if !hasExtent {
		ext = orb.Bound{Max: orb.Point{1, 1}} // the whole world
		doc.Bounds, doc.Center = boundsAndCenter(ext, ext.Center(), doc.MinZoom, doc.MaxZoom)
		return doc
	}
	doc.Bounds, doc.Center = boundsAndCenter(ext, dataCenter(snaps, ext), doc.MinZoom, doc.MaxZoom)
	return doc
}

// zoomRange is the layer's zoom range within the matrix set.
func zoomRange(l *layer.Layer) (int, int) {
	return min(max(l.MinZoom, 0), MaxZoom), min(max(l.MaxZoom, 0), MaxZoom)
}

// fieldTypes names each field's type as it appears in the tiles: dates,
// JSON and arrays are encoded as strings.
func fieldTypes(fields []layer.Field) map[string]string {
	m := make(map[string]string, len(fields))
	for _, f := range fields {
		switch f.Type {
		case layer.Integer, layer.Number:
			m[f.Name] = "Number"
		case layer.Boolean:
			m[f.Name] = "Boolean"
		default:
			m[f.Name] = "String"
		}
	}
	return m
}

// boundsAndCenter turns a world extent into TileJSON bounds (west, south,
// east, north, rounded outwards to a micro-degree) and a centre at world
// point c whose zoom shows the whole extent, within minZ..maxZ.
func boundsAndCenter(b orb.Bound, c orb.Point, minZ, maxZ int) ([4]float64, [3]float64) {
	west, north := crs.WorldToLonLat(b.Min[0], b.Min[1]) // world y grows southwards
	east, south := crs.WorldToLonLat(b.Max[0], b.Max[1])
	const micro = 1e6
	bounds := [4]float64{
		math.Floor(west*micro) / micro, math.Floor(south*micro) / micro,
		math.Ceil(east*micro) / micro, math.Ceil(north*micro) / micro,
	}
	_, _, zoom := boundsAndCenterZoom(b, minZ, maxZ)
	lon, lat := crs.WorldToLonLat(c[0], c[1])
	// The centre is rounded to a micro-degree inside the bounds.
	lon = min(max(math.Round(lon*micro)/micro, bounds[0]), bounds[2])
	lat = min(max(math.Round(lat*micro)/micro, bounds[1]), bounds[3])
	return bounds, [3]float64{lon, lat, float64(zoom)}
}

// boundsAndCenterZoom is the centre of extent b (lon, lat) and the zoom,
// within minZ..maxZ, that shows all of it.
func boundsAndCenterZoom(b orb.Bound, minZ, maxZ int) (float64, float64, int) {
	lon, lat := crs.WorldToLonLat((b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2)
	zoom := maxZ
	if span := max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]); span > 0 {
		zoom = int(math.Floor(-math.Log2(span)))
	}
	return lon, lat, min(max(zoom, minZ), maxZ)
}

// dataCenter is a point on the data near the middle of extent b: the
// centre of the feature nearest to the middle among those found in a box
// grown round it until one is (ties go to the lower id), so that a map
// opened there shows data, not the sea between two islands.
func dataCenter(snaps []*cache.Snapshot, b orb.Bound) orb.Point {
	mid := b.Center()
	half := max(b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]) / 256
	if half <= 0 {
		return mid
	}
	for range 9 {
		var (
			best  orb.Point
			bestD = math.Inf(1)
			bestF *cache.Feature
		)
		box := orb.Bound{Min: orb.Point{mid[0] - half, mid[1] - half}, Max: orb.Point{mid[0] + half, mid[1] + half}}
		for _, s := range snaps {
			s.Search(box, func(f *cache.Feature) bool {
				c := f.Bound.Center()
				if p, ok := f.Geom.(orb.Point); ok {
					c = p
				}
				d := math.Hypot(c[0]-mid[0], c[1]-mid[1])
				if d < bestD || d == bestD && bestF != nil && f.ID.Less(bestF.ID) {
					best, bestD, bestF = c, d, f
				}
				return true
			})
		}
		if bestF != nil {
			return best
		}
		half *= 2
	}
	return mid
}
