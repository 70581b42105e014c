package tiles

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// pixelBound checks a clipped polygon by its bound and area, since clipping
// may start its rings anywhere and add collinear points.
func pixelBound(b orb.Bound, area float64) func(*testing.T, orb.Geometry) {
	return func(t *testing.T, g orb.Geometry) {
		t.Helper()
		p, ok := g.(orb.Polygon)
		if !ok {
			t.Fatalf("got %T, want a polygon", g)
		}
		if got := p.Bound(); dist(got.Min, b.Min) > 1 || dist(got.Max, b.Max) > 1 {
			t.Errorf("bound %v, want %v", got, b)
		}
		if got := tileArea(p[0]); math.Abs(got-area) > area/100 {
			t.Errorf("area %v, want %v", got, area)
		}
	}
}

func TestEncodeGeometry(t *testing.T) {
	exterior := square(100, 100, 900, 900)       // positive area in tile space
	hole := reversed(square(300, 300, 500, 500)) // negative
	other := square(1000, 1000, 1400, 1200)      // positive
	otherHole := reversed(square(1100, 1050, 1200, 1100))
	wiggly := orb.LineString{}
	for i := range 101 {
		wiggly = append(wiggly, orb.Point{float64(100 + 30*i), 2000 + 0.2*float64(i%2)})
	}

	tests := []struct {
		name  string
		geom  orb.Geometry // in tile pixels
		want  orb.Geometry // in tile pixels; nil when no feature should remain
		check func(*testing.T, orb.Geometry)
	}{
		{name: "point", geom: orb.Point{100, 200}, want: orb.Point{100, 200}},
		{name: "point in the buffer", geom: orb.Point{-30, 2000}, want: orb.Point{-30, 2000}},
		{name: "point beyond the buffer", geom: orb.Point{-100, 2000}},
		{name: "multipoint losing a member beyond the buffer",
			geom: orb.MultiPoint{{10, 10}, {4000, 4000}, {4100, 10}, {5000, 10}},
			want: orb.MultiPoint{{10, 10}, {4000, 4000}, {4100, 10}}},
		{name: "line", geom: orb.LineString{{10, 10}, {500, 300}, {1000, 50}},
			want: orb.LineString{{10, 10}, {500, 300}, {1000, 50}}},
		{name: "line crossing the edge is cut at the buffer",
			geom: orb.LineString{{-500, 100}, {500, 100}},
			want: orb.LineString{{-64, 100}, {500, 100}}},
		{name: "line leaving and re-entering becomes two",
			geom: orb.LineString{{100, 100}, {100, -500}, {300, -500}, {300, 100}},
			want: orb.MultiLineString{{{100, 100}, {100, -64}}, {{300, -64}, {300, 100}}}},
		{name: "multilinestring", geom: orb.MultiLineString{{{0, 0}, {10, 10}}, {{20, 20}, {40, 20}}},
			want: orb.MultiLineString{{{0, 0}, {10, 10}}, {{20, 20}, {40, 20}}}},
		{name: "line shorter than a pixel", geom: orb.LineString{{10, 10}, {10.2, 10.3}}},
		{name: "wiggles below the tolerance are simplified away",
			geom: wiggly, want: orb.LineString{{100, 2000}, {3100, 2000}}},
		{name: "polygon with hole", geom: orb.Polygon{exterior, hole},
			want: orb.Polygon{exterior, hole}},
		{name: "polygon with hole, rings wound the other way",
			geom: orb.Polygon{reversed(exterior), reversed(hole)},
			want: orb.Polygon{exterior, hole}},
		{name: "multipolygon", geom: orb.MultiPolygon{{exterior, hole}, {reversed(other), reversed(otherHole)}},
			want: orb.MultiPolygon{{exterior, hole}, {other, otherHole}}},
		{name: "polygon crossing the tile corner is clipped to the buffer",
			geom:  orb.Polygon{square(-500, -500, 300, 300)},
			check: pixelBound(orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{300, 300}}, 364*364)},
		{name: "polygon covering the tile becomes the buffered tile",
			geom:  orb.Polygon{square(-1e5, -1e5, 1e5, 1e5)},
			check: pixelBound(orb.Bound{Min: orb.Point{-64, -64}, Max: orb.Point{4160, 4160}}, 4224*4224)},
		{name: "polygon entirely in the buffer", geom: orb.Polygon{square(-50, -50, -10, -10)},
			want: orb.Polygon{square(-50, -50, -10, -10)}},
		{name: "polygon beyond the buffer", geom: orb.Polygon{square(-300, -300, -100, -100)}},
		{name: "sliver with two distinct points after rounding",
			geom: orb.Polygon{{{100, 100}, {3000, 100.2}, {100, 100.4}, {100, 100}}}},
		{name: "sliver with zero area after rounding",
			geom: orb.Polygon{{{100, 100}, {2000, 100.3}, {4000, 100.2}, {2000, 99.8}, {100, 100}}}},
		{name: "hole below a pixel is dropped, its polygon kept",
			geom: orb.Polygon{exterior, {{300, 300}, {300.2, 300}, {300.2, 300.2}, {300, 300}}},
			want: orb.Polygon{exterior}},
		{name: "polygon whose exterior degenerates is dropped with its hole",
			geom: orb.MultiPolygon{{{{2000, 2000}, {2000.3, 2000}, {2000.3, 2000.3}, {2000, 2000}}, hole}, {other}},
			want: orb.Polygon{other}},
		{name: "ring", geom: orb.Ring(reversed(other)), want: orb.Polygon{other}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := build(t, newLayer("l"), pixelRecord(int64(1), tc.geom))
			layers := encodeAndDecode(t, testTile, Options{}, snap)
			if tc.want == nil && tc.check == nil {
				if len(layers) != 0 {
					t.Fatalf("got %d layers, want an empty tile: %+v", len(layers), layers)
				}
				return
			}
			if len(layers) != 1 || len(layers[0].Features) != 1 {
				t.Fatalf("got %+v, want one layer with one feature", layers)
			}
			got := layers[0].Features[0].Geometry
			if tc.check != nil {
				tc.check(t, got)
				return
			}
			if !near(got, tc.want, 1) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestEncodeWinding(t *testing.T) {
	outer := square(100, 100, 3000, 3000)
	holes := []orb.Ring{square(200, 200, 400, 400), square(500, 500, 900, 900)}
	for _, flip := range []bool{false, true} {
		poly := orb.Polygon{outer, holes[0], reversed(holes[1])}
		if flip {
			poly[0] = reversed(outer)
		}
		snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.MultiPolygon{poly, {square(3500, 3500, 4000, 4000)}}))
		layers := encodeAndDecode(t, testTile, Options{}, snap)
		mp, ok := layers[0].Features[0].Geometry.(orb.MultiPolygon)
		if !ok || len(mp) != 2 || len(mp[0]) != 3 || len(mp[1]) != 1 {
			t.Fatalf("flip %v: got %v, want two polygons, the first with two holes", flip, layers[0].Features[0].Geometry)
		}
		for i, p := range mp {
			for j, r := range p {
				if a := tileArea(r); (j == 0) != (a > 0) {
					t.Errorf("flip %v: polygon %d ring %d has area %v: exteriors must be positive, holes negative", flip, i, j, a)
				}
			}
		}
	}
}

func TestEncodeFeatureIDs(t *testing.T) {
	snap := build(t, newLayer("l"),
		pixelRecord(int64(42), orb.Point{1, 1}),
		pixelRecord("abc", orb.Point{2, 2}),
		pixelRecord(int64(-7), orb.Point{3, 3}),
	)
	layers := encodeAndDecode(t, testTile, Options{}, snap)
	want := map[uint64]bool{42: true, fnv1a("abc") & maxSafeID: true, fnv1a("-7") & maxSafeID: true}
	for _, f := range layers[0].Features {
		if !f.HasID || !want[f.ID] {
			t.Errorf("unexpected id %d (set %v)", f.ID, f.HasID)
		}
		if f.ID > maxSafeID {
			t.Errorf("id %d is not exact in a JavaScript number", f.ID)
		}
		delete(want, f.ID)
	}
	if len(want) != 0 {
		t.Errorf("ids missing: %v", want)
	}
}

func TestEncodeAttributes(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	l := newLayer("l",
		layer.Field{Name: "name", Type: layer.String},
		layer.Field{Name: "count", Type: layer.Integer},
		layer.Field{Name: "delta", Type: layer.Integer},
		layer.Field{Name: "ratio", Type: layer.Number},
		layer.Field{Name: "ok", Type: layer.Boolean},
		layer.Field{Name: "day", Type: layer.Date},
		layer.Field{Name: "at", Type: layer.DateTime},
		layer.Field{Name: "meta", Type: layer.JSON},
		layer.Field{Name: "tags", Type: layer.Array},
		layer.Field{Name: "never", Type: layer.String},
	)
	props := func(name string) []any {
		return []any{name, int64(5), int64(-3), 0.25, true,
			time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
			time.Date(2024, 3, 1, 8, 30, 0, 0, hk),
			json.RawMessage(`{"a":1}`), []any{"x", 2.5}, nil}
	}
	snap := build(t, l,
		pixelRecord(int64(1), orb.Point{1, 1}, props("same")...),
		pixelRecord(int64(2), orb.Point{2, 2}, props("same")...),
		pixelRecord(int64(3), orb.Point{3, 3}, props("other")...),
		pixelRecord(int64(4), orb.Point{4, 4}, "only a name"),
	)
	dl := encodeAndDecode(t, testTile, Options{}, snap)[0]
	want := map[string]any{
		"name": "same", "count": uint64(5), "delta": int64(-3), "ratio": 0.25, "ok": true,
		"day": "2024-03-01", "at": "2024-03-01T08:30:00+08:00",
		"meta": `{"a":1}`, "tags": `["x",2.5]`,
	}
	var seen int
	for _, f := range dl.Features {
		switch f.ID {
		case 1, 2:
			if fmt.Sprint(f.Props) != fmt.Sprint(want) {
				t.Errorf("feature %d: got %#v\nwant %#v", f.ID, f.Props, want)
			}
			seen++
		case 4:
			if len(f.Props) != 1 || f.Props["name"] != "only a name" {
				t.Errorf("feature 4: got %#v, want only its name", f.Props)
			}
		}
	}
	if seen != 2 {
		t.Errorf("saw %d of the two features with every attribute", seen)
	}
	// nine keys (never is always nil); 9 values + "other" + "only a name".
	if len(dl.Keys) != 9 || len(dl.Values) != 11 {
		t.Errorf("got %d keys %v and %d values %v, want 9 and 11", len(dl.Keys), dl.Keys, len(dl.Values), dl.Values)
	}
}

func TestEncodeGeometryCollection(t *testing.T) {
	c := orb.Collection{
		orb.Point{50, 50},
		orb.LineString{{0, 0}, {100, 100}},
		orb.Polygon{square(200, 200, 300, 300)},
		orb.Point{60, 60},
	}
	l := newLayer("l", layer.Field{Name: "name", Type: layer.String})
	snap := build(t, l, pixelRecord(int64(9), c, "gc"))
	fs := encodeAndDecode(t, testTile, Options{}, snap)[0].Features
	if len(fs) != 3 {
		t.Fatalf("got %d features, want one per geometry class", len(fs))
	}
	wantTypes := []uint64{geomPoint, geomLineString, geomPolygon}
	for i, f := range fs {
		if f.ID != 9 || f.Type != wantTypes[i] || f.Props["name"] != "gc" {
			t.Errorf("feature %d: id %d type %d props %v", i, f.ID, f.Type, f.Props)
		}
	}
	if !near(fs[0].Geometry, orb.MultiPoint{{50, 50}, {60, 60}}, 1) {
		t.Errorf("points: %v", fs[0].Geometry)
	}
}

func TestEncodeZoomRange(t *testing.T) {
	shallow := newLayer("shallow")
	shallow.MinZoom, shallow.MaxZoom = 15, 18
	deep := newLayer("deep")
	a := build(t, shallow, pixelRecord(int64(1), orb.Point{10, 10}))
	b := build(t, deep, pixelRecord(int64(1), orb.Point{10, 10}))

	data, err := Encode(context.Background(), testTile.Z, testTile.X, testTile.Y, []*cache.Snapshot{a}, Options{})
	if err != nil || len(data) != 0 {
		t.Fatalf("z%d outside 15-18: got %d bytes, %v; want an empty tile", testTile.Z, len(data), err)
	}
	layers := encodeAndDecode(t, testTile, Options{}, a, b)
	if len(layers) != 1 || layers[0].Name != "deep" {
		t.Errorf("got layers %+v, want only deep", layers)
	}
	child := Tile{Z: testTile.Z + 1, X: testTile.X * 2, Y: testTile.Y * 2}
	layers = encodeAndDecode(t, child, Options{}, a, b)
	if len(layers) != 2 || layers[0].Name != "shallow" || layers[1].Name != "deep" {
		t.Errorf("z15: got %d layers, want shallow then deep", len(layers))
	}
}

func TestEncodeBuffer(t *testing.T) {
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Polygon{square(-500, 96, 200, 304)}))
	layers := encodeAndDecode(t, testTile, Options{Buffer: 16}, snap)
	pixelBound(orb.Bound{Min: orb.Point{-16, 96}, Max: orb.Point{200, 304}}, 216*208)(t, layers[0].Features[0].Geometry)

	layers = encodeAndDecode(t, testTile, Options{Buffer: -1, Extent: 512}, snap)
	if layers[0].Extent != 512 {
		t.Errorf("extent %d, want 512", layers[0].Extent)
	}
	pixelBound(orb.Bound{Min: orb.Point{0, 12}, Max: orb.Point{25, 38}}, 25*26)(t, layers[0].Features[0].Geometry)
}

// TestEncodeLeavesCacheAlone encodes tiles that clip, simplify and rewind
// and checks the shared cached geometry is exactly as it was.
func TestEncodeLeavesCacheAlone(t *testing.T) {
	circle := orb.Ring{}
	for i := range 200 {
		a := 2 * math.Pi * float64(i) / 200
		circle = append(circle, orb.Point{4000 + 500*math.Cos(a), 4000 + 500*math.Sin(a)})
	}
	circle = append(circle, circle[0])
	snap := build(t, newLayer("l"),
		pixelRecord(int64(1), orb.Polygon{reversed(square(-500, -500, 300, 300)), square(-100, -100, 100, 100)}),
		pixelRecord(int64(2), orb.Polygon{circle}),
		pixelRecord(int64(3), orb.LineString{{-500, 100}, {500, 100.1}, {900, 100}}),
		pixelRecord(int64(4), orb.Collection{orb.Point{5000, 5000}, orb.Point{10, 10}}),
	)
	var before []orb.Geometry
	all := orb.Bound{Max: orb.Point{1, 1}}
	snap.Search(all, func(f *cache.Feature) bool { before = append(before, orb.Clone(f.Geom)); return true })
	for _, tile := range []Tile{testTile, {testTile.Z, testTile.X + 1, testTile.Y + 1}, {testTile.Z - 3, testTile.X >> 3, testTile.Y >> 3}} {
		encodeAndDecode(t, tile, Options{Simplify: 5}, snap)
	}
	i := 0
	snap.Search(all, func(f *cache.Feature) bool {
		if !orb.Equal(f.Geom, before[i]) {
			t.Errorf("feature %v changed", f.ID)
		}
		i++
		return true
	})
}

func TestEncodeSimplifiedCircleStaysValid(t *testing.T) {
	var ring orb.Ring
	for i := range 2000 {
		a := 2 * math.Pi * float64(i) / 2000
		ring = append(ring, orb.Point{2000 + 1500*math.Cos(a), 2000 + 1500*math.Sin(a)})
	}
	ring = append(ring, ring[0])
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Polygon{ring}))
	for _, tol := range []float64{-1, 0.5, 1, 20} {
		layers := encodeAndDecode(t, testTile, Options{Simplify: tol}, snap)
		p := layers[0].Features[0].Geometry.(orb.Polygon)
		if a := tileArea(p[0]); math.Abs(a-math.Pi*1500*1500)/(math.Pi*1500*1500) > 0.01 {
			t.Errorf("tolerance %v: area %v, want a circle's", tol, a)
		}
		t.Logf("tolerance %v: %d vertices", tol, len(p[0]))
	}
}

func TestEncodeConcurrentMatchesSequential(t *testing.T) {
	var snaps []*cache.Snapshot
	for i := range 4 {
		var recs []store.Record
		for j := range 50 {
			x := float64(80*j + 10*i)
			recs = append(recs, pixelRecord(int64(j), orb.Polygon{square(x, x, x+60, x+40)}))
		}
		snaps = append(snaps, build(t, newLayer(fmt.Sprint("layer", i)), recs...))
	}
	seqRes, err := encode(context.Background(), WebMercatorQuad, testTile, snaps, Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	concRes, err := encode(context.Background(), WebMercatorQuad, testTile, snaps, Options{}, true)
	if err != nil {
		t.Fatal(err)
	}
	seq, conc := seqRes.data, concRes.data
	if !bytes.Equal(seq, conc) {
		t.Error("concurrent and sequential encodings differ")
	}
	layers := decodeTile(t, conc, DefaultBuffer)
	for i, l := range layers {
		if l.Name != fmt.Sprint("layer", i) || len(l.Features) != 50 {
			t.Errorf("layer %d: %s with %d features", i, l.Name, len(l.Features))
		}
	}
}

// expiring is a context that ends after its Err has been asked n times.
type expiring struct {
	context.Context
	n int
}

func (c *expiring) Err() error {
	if c.n--; c.n < 0 {
		return context.DeadlineExceeded
	}
	return nil
}

// TestEncodeStopsBetweenFeatures ends the context partway through a layer.
func TestEncodeStopsBetweenFeatures(t *testing.T) {
	var recs []store.Record
	for i := range 3 * warmBatch {
		recs = append(recs, pixelRecord(int64(i), orb.Point{float64(i), float64(i)}))
	}
	snap := build(t, newLayer("l"), recs...)
	ctx := &expiring{Context: context.Background(), n: 1}
	_, err := Encode(ctx, testTile.Z, testTile.X, testTile.Y, []*cache.Snapshot{snap}, Options{})
	if !errors.Is(err, context.DeadlineExceeded) || ctx.n != -1 {
		t.Errorf("got %v after %d checks, want DeadlineExceeded at the second", err, 1-ctx.n)
	}
}

func TestEncodeLayerGivenTwice(t *testing.T) {
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Point{1, 1}))
	if layers := encodeAndDecode(t, testTile, Options{}, snap, snap); len(layers) != 1 {
		t.Errorf("got %d layers, want 1", len(layers))
	}
}

func TestEncodeErrors(t *testing.T) {
	snap := build(t, newLayer("l"), pixelRecord(int64(1), orb.Point{1, 1}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Encode(ctx, testTile.Z, testTile.X, testTile.Y, []*cache.Snapshot{snap, build(t, newLayer("m"))}, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
	var outside *OutsideMatrixError
	if _, err := Encode(context.Background(), 3, 8, 0, []*cache.Snapshot{snap}, Options{}); !errors.As(err, &outside) {
		t.Errorf("tile 3/8/0: got %v, want an OutsideMatrixError", err)
	}
	if _, err := Encode(context.Background(), 0, 0, 0, []*cache.Snapshot{snap}, Options{Extent: 1 << 30}); err == nil {
		t.Error("extent 2^30: no error")
	}
	if _, err := Encode(context.Background(), 0, 0, 0, []*cache.Snapshot{snap}, Options{Extent: 256, Buffer: 257}); err == nil {
		t.Error("buffer beyond the extent: no error")
	}
}
