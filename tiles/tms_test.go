package tiles

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/store"
)

func TestWebMercatorQuadDefinition(t *testing.T) {
	s := WebMercatorQuad
	if len(s.Matrices) != MaxZoom+1 {
		t.Fatalf("%d matrices", len(s.Matrices))
	}
	// OGC 17-083r4 Annex D values, level 0 and 24.
	m0, m24 := s.Matrices[0], s.Matrices[24]
	if math.Abs(m0.ScaleDenominator-559082264.0287178) > 1e-6 || math.Abs(m0.CellSize-156543.03392804097) > 1e-8 ||
		math.Abs(m24.CellSize-0.009330691929342784) > 1e-12 || m24.MatrixWidth != 1<<24 {
		t.Errorf("matrices 0 %+v, 24 %+v", m0, m24)
	}
	d := s.document()
	if o := d.TileMatrices[0].PointOfOrigin; d.OrderedAxes[0] != "X" || math.Abs(o[0]+20037508.3427892) > 1e-6 || math.Abs(o[1]-20037508.3427892) > 1e-6 {
		t.Errorf("document %+v", d.TileMatrices[0])
	}
	// A tile's CRS bound matches its world bound.
	tile := testTile
	b := s.TileBound(tile)
	wb := s.WorldBound(tile, DefaultExtent, 0)
	if g := s.worldToGrid(wb.Min); math.Abs(g[0]-b.Min[0]) > 1e-6 || math.Abs(g[1]-b.Max[1]) > 1e-6 {
		t.Errorf("world %v → %v, want top left of %v", wb.Min, g, b)
	}
	if wb != tile.Bound() {
		t.Errorf("world bound %v, want %v", wb, tile.Bound())
	}
}

// TestHK1980GridDefinition pins the LandsD HK80 grid and, above all, the
// axis order of its JSON encoding: EPSG:2326 is (northing, easting).
func TestHK1980GridDefinition(t *testing.T) {
	s := HK1980Grid
	d := s.document()
	body, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CRS          string   `json:"crs"`
		OrderedAxes  []string `json:"orderedAxes"`
		TileMatrices []struct {
			ID            string
			CellSize      float64
			PointOfOrigin [2]float64
			TileWidth     int
		} `json:"tileMatrices"`
		BoundingBox struct {
			LowerLeft, UpperRight [2]float64
		} `json:"boundingBox"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.CRS != "http://www.opengis.net/def/crs/EPSG/0/2326" || len(doc.OrderedAxes) != 2 || doc.OrderedAxes[0] != "N" || doc.OrderedAxes[1] != "E" {
		t.Errorf("crs %s axes %v", doc.CRS, doc.OrderedAxes)
	}
	if len(doc.TileMatrices) != 21 {
		t.Fatalf("%d matrices", len(doc.TileMatrices))
	}
	for z, m := range doc.TileMatrices {
		if m.PointOfOrigin != [2]float64{8353100, -4786700} {
			t.Errorf("matrix %d: origin %v, want [northing 8353100, easting -4786700]", z, m.PointOfOrigin)
		}
		if want := 156543.03392800014 / math.Exp2(float64(z)); math.Abs(m.CellSize-want) > 1e-9 || m.TileWidth != 256 {
			t.Errorf("matrix %d: cell %v", z, m.CellSize)
		}
	}
	// LandsD's published level 10 and 20 resolutions.
	if math.Abs(doc.TileMatrices[10].CellSize-152.87405657041106) > 1e-9 || math.Abs(doc.TileMatrices[20].CellSize-0.14929107082380833) > 1e-9 {
		t.Errorf("levels 10, 20: %v %v", doc.TileMatrices[10].CellSize, doc.TileMatrices[20].CellSize)
	}
	// The bounding box is northing first: Hong Kong's northings (~800 km)
	// and eastings (~800-870 km) overlap, so check with a point whose
	// order matters: Mong Kok at E 835 k, N 820 k lies inside it.
	e, n := mustFrom(t)(mongKokLon, mongKokLat)
	ll, ur := doc.BoundingBox.LowerLeft, doc.BoundingBox.UpperRight
	if !(ll[0] < n && n < ur[0] && ll[1] < e && e < ur[1]) || ur[1]-ll[1] < ur[0]-ll[0] {
		t.Errorf("bounding box %v %v (N, E) does not hold Mong Kok N %.0f E %.0f, or is not wider east-west", ll, ur, n, e)
	}
	// Levels are their WebMercatorQuad equivalents.
	for z := range s.Matrices {
		if s.mercatorZoomOf(z) != z {
			t.Errorf("level %d is zoom %d", z, s.mercatorZoomOf(z))
		}
	}
}

func mustFrom(t testing.TB) crs.Transform {
	from, err := crs.FromLonLat(2326)
	if err != nil {
		t.Fatal(err)
	}
	return from
}

func TestHK1980GridTiles(t *testing.T) {
	s := HK1980Grid
	e, n := mustFrom(t)(mongKokLon, mongKokLat)
	for z := 0; z <= s.MaxMatrix(); z++ {
		tile := s.TileAt(z, orb.Point{e, n})
		if !s.Valid(tile) {
			t.Fatalf("level %d: tile %v of Mong Kok not valid", z, tile)
		}
		b := s.TileBound(tile)
		if !b.Contains(orb.Point{e, n}) {
			t.Errorf("level %d: tile %v bound %v misses Mong Kok", z, tile, b)
		}
		// The world search box holds the whole tile.
		wb := s.WorldBound(tile, DefaultExtent, DefaultBuffer)
		to, _ := crs.ToLonLat(2326)
		for _, p := range densify(intersect(b, s.Bound), 8) {
			wx, wy := crs.LonLatToWorld(to(p[0], p[1]))
			if !wb.Contains(orb.Point{wx, wy}) {
				t.Errorf("level %d: world box %v misses tile point %v", z, wb, p)
				break
			}
		}
	}
	// Far from Hong Kong nothing is served.
	far := s.TileAt(12, orb.Point{e + 500_000, n})
	if s.Valid(far) {
		t.Errorf("tile %v 500 km east is valid", far)
	}
	if s.Valid(Tile{Z: 21}) || s.Valid(Tile{Z: 2, X: 4}) {
		t.Error("tiles outside the matrix are valid")
	}
}

// TestHK1980GridEncode puts a point and a square in a HK1980 Grid tile and
// checks they land where the HK1980 maths says, within a tile unit.
func TestHK1980GridEncode(t *testing.T) {
	s := HK1980Grid
	from := mustFrom(t)
	to, _ := crs.ToLonLat(2326)
	const z = 16
	e, n := from(mongKokLon, mongKokLat)
	tile := s.TileAt(z, orb.Point{e, n})
	b := s.TileBound(tile)
	pixel := func(lon, lat float64) orb.Point {
		e, n := from(lon, lat)
		return orb.Point{(e - b.Min[0]) / (b.Max[0] - b.Min[0]) * DefaultExtent, (b.Max[1] - n) / (b.Max[1] - b.Min[1]) * DefaultExtent}
	}
	// A square of 100 m by 100 m drawn in the grid, from 200 m inside the
	// tile's top left corner.
	var ring orb.Ring
	for _, c := range [][2]float64{{200, 200}, {300, 200}, {300, 300}, {200, 300}, {200, 200}} {
		lon, lat := to(b.Min[0]+c[0], b.Max[1]-c[1])
		ring = append(ring, orb.Point{lon, lat})
	}
	snap := build(t, newLayer("hk"),
		store.Record{ID: int64(1), Geometry: orb.Point{mongKokLon, mongKokLat}},
		store.Record{ID: int64(2), Geometry: orb.Polygon{ring}},
	)
	data, err := EncodeTile(t.Context(), s, tile, nil, Options{})
	if err != nil || len(data) != 0 {
		t.Fatalf("no layers: %d bytes, %v", len(data), err)
	}
	data, err = EncodeTile(t.Context(), s, tile, []*cache.Snapshot{snap}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	layers := decodeTile(t, data, DefaultBuffer)
	if len(layers) != 1 || len(layers[0].Features) != 2 {
		t.Fatalf("layers %+v", layers)
	}
	for _, f := range layers[0].Features {
		switch f.ID {
		case 1:
			want := pixel(mongKokLon, mongKokLat)
			if p, ok := f.Geometry.(orb.Point); !ok || dist(p, want) > 0.71 {
				t.Errorf("point at %v, want %v", f.Geometry, want)
			}
		case 2:
			k := DefaultExtent / (b.Max[0] - b.Min[0]) // tile units a metre
			want := orb.Polygon{{{200 * k, 200 * k}, {300 * k, 200 * k}, {300 * k, 300 * k}, {200 * k, 300 * k}, {200 * k, 200 * k}}}
			if !near(f.Geometry, want, 0.71) {
				t.Errorf("square %v, want %v", f.Geometry, want)
			}
		}
	}
	// Outside the area served: an error, not a tile.
	if _, err := EncodeTile(t.Context(), s, Tile{Z: 3}, []*cache.Snapshot{snap}, Options{}); err == nil {
		t.Error("tile 3/0/0 of HK1980Grid encoded")
	}
}
