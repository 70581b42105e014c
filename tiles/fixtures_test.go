package tiles

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// Mong Kok, Kowloon: the centre of the test data.
const mongKokLon, mongKokLat = 114.17, 22.32

// tileAt is the tile of zoom z holding lon/lat.
func tileAt(lon, lat float64, z int) Tile {
	wx, wy := crs.LonLatToWorld(lon, lat)
	n := float64(uint64(1) << z)
	return Tile{Z: z, X: int(wx * n), Y: int(wy * n)}
}

// testTile is where the round-trip tests draw their geometry.
var testTile = tileAt(mongKokLon, mongKokLat, 14)

// inTile maps geometry drawn in the pixels of tile t (extent 4096) to
// lon/lat, so that tests can say where a feature should land in the tile.
func inTile(t Tile, g orb.Geometry) orb.Geometry {
	n := float64(uint64(1) << t.Z)
	return project.Geometry(orb.Clone(g), func(p orb.Point) orb.Point {
		lon, lat := crs.WorldToLonLat((p[0]/DefaultExtent+float64(t.X))/n, (p[1]/DefaultExtent+float64(t.Y))/n)
		return orb.Point{lon, lat}
	})
}

func newLayer(id string, fields ...layer.Field) *layer.Layer {
	return &layer.Layer{
		ID:      id,
		Title:   layer.Text{En: "Layer " + id, Zh: "圖層 " + id},
		Source:  layer.Source{Table: id, GeometryColumn: "geom", SRID: 4326},
		Fields:  fields,
		MinZoom: 0,
		MaxZoom: MaxZoom,
	}
}

// build makes a snapshot of records whose geometry is in lon/lat.
func build(t testing.TB, l *layer.Layer, records ...store.Record) *cache.Snapshot {
	t.Helper()
	s, err := cache.Build(l, func(yield func(store.Record, error) bool) {
		for _, r := range records {
			if !yield(r, nil) {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// pixelRecord is a record with geometry drawn in testTile's pixels.
func pixelRecord(id any, g orb.Geometry, props ...any) store.Record {
	return store.Record{ID: id, Geometry: inTile(testTile, g), Props: props}
}

// encodeAndDecode encodes tile t and decodes it, checking its structure.
func encodeAndDecode(t testing.TB, tile Tile, opts Options, snaps ...*cache.Snapshot) []decodedLayer {
	t.Helper()
	data, err := Encode(context.Background(), tile.Z, tile.X, tile.Y, snaps, opts)
	if err != nil {
		t.Fatal(err)
	}
	return decodeTile(t, data, opts.withDefaults().pixelBuffer())
}

func square(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func reversed(r orb.Ring) orb.Ring {
	r = slices.Clone(r)
	slices.Reverse(r)
	return r
}

// near reports whether got has want's structure with every vertex within
// tol; rings may start at any vertex but must run the same way.
func near(got, want orb.Geometry, tol float64) bool {
	switch w := want.(type) {
	case orb.Point:
		g, ok := got.(orb.Point)
		return ok && dist(g, w) <= tol
	case orb.MultiPoint:
		g, ok := got.(orb.MultiPoint)
		return ok && pointsNear(g, w, tol)
	case orb.LineString:
		g, ok := got.(orb.LineString)
		return ok && pointsNear(g, w, tol)
	case orb.MultiLineString:
		g, ok := got.(orb.MultiLineString)
		return ok && len(g) == len(w) && allNear(g, w, tol)
	case orb.Polygon:
		g, ok := got.(orb.Polygon)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !ringNear(g[i], w[i], tol) {
				return false
			}
		}
		return true
	case orb.MultiPolygon:
		g, ok := got.(orb.MultiPolygon)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !near(g[i], w[i], tol) {
				return false
			}
		}
		return true
	}
	return false
}

func allNear[T ~[]orb.Point](got, want []T, tol float64) bool {
	for i := range want {
		if !pointsNear(got[i], want[i], tol) {
			return false
		}
	}
	return true
}

func pointsNear[T ~[]orb.Point](got, want T, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if dist(got[i], want[i]) > tol {
			return false
		}
	}
	return true
}

// ringNear compares closed rings up to their starting vertex.
func ringNear(got, want orb.Ring, tol float64) bool {
	g, w := got[:len(got)-1], want[:len(want)-1]
	if len(g) != len(w) {
		return false
	}
	for shift := range g {
		ok := true
		for i := range w {
			if dist(g[(i+shift)%len(g)], w[i]) > tol {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func dist(a, b orb.Point) float64 { return math.Hypot(a[0]-b[0], a[1]-b[1]) }

func worldToLonLat(p orb.Point) (float64, float64) { return crs.WorldToLonLat(p[0], p[1]) }
