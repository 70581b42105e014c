package tiles

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
)

// A TileMatrixSet is a tiling scheme (OGC 17-083r4, Two Dimensional Tile
// Matrix Set 2.0): a CRS and one regular grid of tiles per level.
//
// Coordinates inside this package are always (x, y) = (easting, northing);
// the JSON encoding (see tmsDocument) writes points and boxes in the CRS's
// own axis order, which for EPSG:2326 is (northing, easting).
type TileMatrixSet struct {
	ID    string
	Title string
	// URI is the set's registered identifier; empty for a set of our own.
	URI string
	// CRS is the OGC URI of the reference system.
	CRS string
	// OrderedAxes are the CRS's axis abbreviations in its authority order.
	OrderedAxes []string
	// WellKnownScaleSet is the OGC URI of the scale set followed, if any.
	WellKnownScaleSet string
	// Matrices are the levels, coarsest first; Matrices[z].ID is z.
	Matrices []TileMatrix
	// Bound is the area tiles are served for, in (easting, northing): the
	// whole matrix for WebMercatorQuad, the CRS's area of use for HK1980.
	Bound orb.Bound

	srid         int
	northEast    bool    // the CRS's first axis is northing
	refLatitude  float64 // where the zoom equivalent to WebMercatorQuad is taken
	mercatorZoom []int   // per matrix: the WebMercatorQuad zoom of equal resolution
}

// TileMatrix is one level of a TileMatrixSet. Origin is in (easting,
// northing); the JSON encoding writes it in the CRS's axis order.
type TileMatrix struct {
	ID               string
	ScaleDenominator float64
	CellSize         float64
	CornerOfOrigin   string // always "topLeft" here: rows run southwards
	Origin           orb.Point
	TileWidth        int
	TileHeight       int
	MatrixWidth      int
	MatrixHeight     int
}

// span is the width and height of one tile in CRS units.
func (m *TileMatrix) span() (float64, float64) {
	return m.CellSize * float64(m.TileWidth), m.CellSize * float64(m.TileHeight)
}

// standardPixel is OGC's "standardized rendering pixel size" (0.28 mm),
// which ties a cell size to a scale denominator.
const standardPixel = 0.00028

// Identifiers of the matrix sets served.
const (
	WebMercatorQuadID = "WebMercatorQuad"
	HK1980GridID      = "HK1980Grid"
)

// webMercatorHalf is half the side of the Web Mercator square, in metres:
// π times the WGS 84 semi-major axis.
const webMercatorHalf = math.Pi * 6378137

// WebMercatorQuad is OGC's well-known definition
// (http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad): one
// 256-pixel tile at level 0, doubling each level, origin at the top left of
// the Web Mercator square. Its tiles are the XYZ tiles z/x/y with column x
// and row y.
var WebMercatorQuad = newWebMercatorQuad()

func newWebMercatorQuad() *TileMatrixSet {
	s := &TileMatrixSet{
		ID:                WebMercatorQuadID,
		Title:             "Google Maps Compatible for the World",
		URI:               "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad",
		CRS:               "http://www.opengis.net/def/crs/EPSG/0/3857",
		OrderedAxes:       []string{"X", "Y"},
		WellKnownScaleSet: "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
		Bound:             orb.Bound{Min: orb.Point{-webMercatorHalf, -webMercatorHalf}, Max: orb.Point{webMercatorHalf, webMercatorHalf}},
		srid:              3857,
	}
	cell0 := 2 * webMercatorHalf / 256
	for z := 0; z <= MaxZoom; z++ {
		cell := cell0 / float64(uint64(1)<<z)
		s.Matrices = append(s.Matrices, TileMatrix{
			ID: strconv.Itoa(z), ScaleDenominator: cell / standardPixel, CellSize: cell,
			CornerOfOrigin: "topLeft", Origin: orb.Point{-webMercatorHalf, webMercatorHalf},
			TileWidth: 256, TileHeight: 256, MatrixWidth: 1 << z, MatrixHeight: 1 << z,
		})
		s.mercatorZoom = append(s.mercatorZoom, z)
	}
	return s
}

// The HK1980 Grid tile matrix set is the grid of the Lands Department's
// HK80 map tiles (the CSDI basemap, e.g.
// https://mapapi.geodata.gov.hk/gs/api/v1.0.0/xyz/basemap/HK80/{z}/{x}/{y}.png,
// and the tileInfo of its HK80 vector and ArcGIS services): origin at
// easting -4 786 700, northing 8 353 100 (top left), 256-pixel tiles, and
// the Web Mercator resolution ladder in HK1980 metres, 156 543.033 928 m a
// pixel at level 0 halving per level, to level 20 (0.149 m). A tile of ours
// is therefore the same square of ground as LandsD's basemap tile with the
// same z/x/y, so our vector tiles overlay their raster tiles exactly. The
// scale denominators are the cell sizes over OGC's 0.28 mm pixel (LandsD's
// ArcGIS services quote them at 96 dpi instead).
const (
	hk80OriginE   = -4786700.0
	hk80OriginN   = 8353100.0
	hk80Cell0     = 156543.03392800014
	hk80MaxMatrix = 20
)

// HK1980 Grid's area of use (EPSG:2326, "China - Hong Kong - onshore and
// offshore"), in degrees.
const (
	hkWest, hkSouth, hkEast, hkNorth = 113.76, 22.13, 114.51, 22.58
	hkRefLatitude                    = 22.35
)

// HK1980Grid tiles EPSG:2326 on LandsD's HK80 map tile grid.
var HK1980Grid = newHK1980Grid()

func newHK1980Grid() *TileMatrixSet {
	s := &TileMatrixSet{
		ID:          HK1980GridID,
		Title:       "Hong Kong 1980 Grid (the Lands Department's HK80 map tile grid)",
		CRS:         "http://www.opengis.net/def/crs/EPSG/0/2326",
		OrderedAxes: []string{"N", "E"},
		srid:        2326,
		northEast:   true,
		refLatitude: hkRefLatitude,
	}
	// The area of use, densified into grid coordinates, rounded outwards to
	// whole metres.
	from, _ := crs.FromLonLat(2326)
	var b orb.Bound
	first := true
	for _, p := range densify(orb.Bound{Min: orb.Point{hkWest, hkSouth}, Max: orb.Point{hkEast, hkNorth}}, 32) {
		e, n := from(p[0], p[1])
		if first {
			b, first = orb.Bound{Min: orb.Point{e, n}, Max: orb.Point{e, n}}, false
		}
		b = b.Extend(orb.Point{e, n})
	}
	s.Bound = orb.Bound{
		Min: orb.Point{math.Floor(b.Min[0]), math.Floor(b.Min[1])},
		Max: orb.Point{math.Ceil(b.Max[0]), math.Ceil(b.Max[1])},
	}
	for z := 0; z <= hk80MaxMatrix; z++ {
		cell := hk80Cell0 / float64(uint64(1)<<z)
		s.Matrices = append(s.Matrices, TileMatrix{
			ID: strconv.Itoa(z), ScaleDenominator: cell / standardPixel, CellSize: cell,
			CornerOfOrigin: "topLeft", Origin: orb.Point{hk80OriginE, hk80OriginN},
			TileWidth: 256, TileHeight: 256, MatrixWidth: 1 << z, MatrixHeight: 1 << z,
		})
		s.mercatorZoom = append(s.mercatorZoom, equivalentZoom(cell, hkRefLatitude))
	}
	return s
}

// equivalentZoom is the WebMercatorQuad zoom whose ground resolution at
// latitude lat is nearest to cell metres: layer zoom ranges and the
// rendering rules are written in WebMercatorQuad zooms. For the HK80 grid
// (the Mercator ladder in true metres) it is the level itself, since
// log2(1/cos 22.35°) = 0.11.
func equivalentZoom(cell, lat float64) int {
	mercatorCell0 := 2 * webMercatorHalf / 256 * math.Cos(lat*math.Pi/180)
	return int(math.Round(math.Log2(mercatorCell0 / cell)))
}

// TileMatrixSets are the matrix sets served, WebMercatorQuad first.
var TileMatrixSets = []*TileMatrixSet{WebMercatorQuad, HK1980Grid}

// tileMatrixSet finds a served matrix set by id.
func tileMatrixSet(id string) *TileMatrixSet {
	for _, s := range TileMatrixSets {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// isMercator reports whether the set is WebMercatorQuad, whose tiles are a
// scale and a shift of the cache's world coordinates.
func (s *TileMatrixSet) isMercator() bool { return s.srid == 3857 }

// MaxMatrix is the deepest level.
func (s *TileMatrixSet) MaxMatrix() int { return len(s.Matrices) - 1 }

// InMatrix reports whether tile t (Z level, X column, Y row) exists.
func (s *TileMatrixSet) InMatrix(t Tile) bool {
	if t.Z < 0 || t.Z > s.MaxMatrix() {
		return false
	}
	m := &s.Matrices[t.Z]
	return t.X >= 0 && t.X < m.MatrixWidth && t.Y >= 0 && t.Y < m.MatrixHeight
}

// Valid reports whether tile t exists and touches the set's Bound: tiles
// elsewhere are not served (outside Hong Kong the HK1980 Grid means
// nothing).
func (s *TileMatrixSet) Valid(t Tile) bool {
	if !s.InMatrix(t) {
		return false
	}
	b := s.TileBound(t)
	return b.Max[0] > s.Bound.Min[0] && b.Min[0] < s.Bound.Max[0] &&
		b.Max[1] > s.Bound.Min[1] && b.Min[1] < s.Bound.Max[1]
}

// TileBound is tile t's area in the CRS, (easting, northing).
func (s *TileMatrixSet) TileBound(t Tile) orb.Bound {
	m := &s.Matrices[t.Z]
	w, h := m.span()
	minX := m.Origin[0] + float64(t.X)*w
	maxY := m.Origin[1] - float64(t.Y)*h
	return orb.Bound{Min: orb.Point{minX, maxY - h}, Max: orb.Point{minX + w, maxY}}
}

// TileAt is the tile of level z holding p (easting, northing), clamped to
// the matrix.
func (s *TileMatrixSet) TileAt(z int, p orb.Point) Tile {
	m := &s.Matrices[z]
	w, h := m.span()
	col := int(math.Floor((p[0] - m.Origin[0]) / w))
	row := int(math.Floor((m.Origin[1] - p[1]) / h))
	return Tile{Z: z, X: min(max(col, 0), m.MatrixWidth-1), Y: min(max(row, 0), m.MatrixHeight-1)}
}

// mercatorZoomOf is the WebMercatorQuad zoom equivalent to level z.
func (s *TileMatrixSet) mercatorZoomOf(z int) int { return s.mercatorZoom[z] }

// levelOf is the level whose WebMercatorQuad equivalent is nearest zoom.
func (s *TileMatrixSet) levelOf(zoom int) int {
	best := 0
	for z, mz := range s.mercatorZoom {
		if abs(mz-zoom) < abs(s.mercatorZoom[best]-zoom) {
			best = z
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// WorldBound is the area, in the cache's world coordinates, that tile t
// grown by buffer tile units (of extent) covers: the R-tree search box. For
// a set other than WebMercatorQuad the buffered tile (cut to the set's
// Bound) has its edges densified and transformed, and their envelope is
// returned.
func (s *TileMatrixSet) WorldBound(t Tile, extent uint32, buffer int) orb.Bound {
	if s.isMercator() {
		n := float64(uint64(1) << t.Z)
		g := float64(buffer) / float64(extent)
		return orb.Bound{
			Min: orb.Point{(float64(t.X) - g) / n, (float64(t.Y) - g) / n},
			Max: orb.Point{(float64(t.X) + 1 + g) / n, (float64(t.Y) + 1 + g) / n},
		}
	}
	b := s.TileBound(t)
	g := (b.Max[0] - b.Min[0]) * float64(buffer) / float64(extent)
	b = orb.Bound{Min: orb.Point{b.Min[0] - g, b.Min[1] - g}, Max: orb.Point{b.Max[0] + g, b.Max[1] + g}}
	b = intersect(b, s.Bound)
	return s.gridToWorldBound(b)
}

// gridToWorldBound is the world envelope of a box of grid coordinates,
// densified so that curved edges are covered, grown by a thousandth of its
// size to cover what lies between the samples.
func (s *TileMatrixSet) gridToWorldBound(b orb.Bound) orb.Bound {
	to, _ := crs.ToLonLat(s.srid)
	var out orb.Bound
	for i, p := range densify(b, 16) {
		wx, wy := crs.LonLatToWorld(to(p[0], p[1]))
		if i == 0 {
			out = orb.Bound{Min: orb.Point{wx, wy}, Max: orb.Point{wx, wy}}
		}
		out = out.Extend(orb.Point{wx, wy})
	}
	gx, gy := (out.Max[0]-out.Min[0])/1000, (out.Max[1]-out.Min[1])/1000
	return orb.Bound{Min: orb.Point{out.Min[0] - gx, out.Min[1] - gy}, Max: orb.Point{out.Max[0] + gx, out.Max[1] + gy}}
}

// worldToGrid maps world coordinates to the set's CRS (easting, northing).
func (s *TileMatrixSet) worldToGrid(p orb.Point) orb.Point {
	if s.isMercator() {
		return orb.Point{(p[0] - 0.5) * 2 * webMercatorHalf, (0.5 - p[1]) * 2 * webMercatorHalf}
	}
	from, _ := crs.FromLonLat(s.srid)
	e, n := from(crs.WorldToLonLat(p[0], p[1]))
	return orb.Point{e, n}
}

// worldBoundToGrid is the grid envelope of a world box, densified.
func (s *TileMatrixSet) worldBoundToGrid(b orb.Bound) orb.Bound {
	var out orb.Bound
	for i, p := range densify(b, 16) {
		q := s.worldToGrid(p)
		if i == 0 {
			out = orb.Bound{Min: q, Max: q}
		}
		out = out.Extend(q)
	}
	return out
}

// axisOrder writes an (easting, northing) point in the CRS's axis order.
func (s *TileMatrixSet) axisOrder(p orb.Point) [2]float64 {
	if s.northEast {
		return [2]float64{p[1], p[0]}
	}
	return [2]float64{p[0], p[1]}
}

// densify samples the edges of b, n points an edge, corners included.
func densify(b orb.Bound, n int) []orb.Point {
	pts := make([]orb.Point, 0, 4*n)
	for i := range n {
		f := float64(i) / float64(n)
		x := b.Min[0] + f*(b.Max[0]-b.Min[0])
		y := b.Min[1] + f*(b.Max[1]-b.Min[1])
		pts = append(pts,
			orb.Point{x, b.Min[1]}, orb.Point{b.Max[0], y},
			orb.Point{b.Max[0] - (x - b.Min[0]), b.Max[1]}, orb.Point{b.Min[0], b.Max[1] - (y - b.Min[1])})
	}
	return pts
}

func intersect(a, b orb.Bound) orb.Bound {
	return orb.Bound{
		Min: orb.Point{max(a.Min[0], b.Min[0]), max(a.Min[1], b.Min[1])},
		Max: orb.Point{min(a.Max[0], b.Max[0]), min(a.Max[1], b.Max[1])},
	}
}
