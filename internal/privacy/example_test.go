package privacy_test

import (
	"fmt"
	"slices"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/privacy"
)

// The cache's writer compiles a sensitive layer's policy once, loads the
// masked view with a View and then feeds it each change.
func Example() {
	l := &layer.Layer{
		ID: "cases", GeometryType: layer.Point, MaxZoom: 22,
		Fields: []layer.Field{{Name: "hkid", Type: layer.String}, {Name: "age", Type: layer.Integer}},
		Masking: &layer.Masking{
			Attributes: map[string]string{"hkid": "partial", "age": "generalise"},
			Geometry:   "snap:250",
		},
	}
	p, err := privacy.Compile(l, []byte("a secret of at least 16 bytes"))
	if err != nil {
		fmt.Println(err)
		return
	}
	toLL, _ := crs.ToLonLat(2326)
	x, y := crs.LonLatToWorld(toLL(836123, 819456))
	f := &cache.Feature{ID: cache.NumID(1), Geom: orb.Point{x, y}, Props: []any{"A123456(7)", int64(78)}}

	v := p.NewView()
	masked := v.Load(slices.Values([]*cache.Feature{f}))
	fmt.Println(len(masked), masked[0].Props)

	older := &cache.Feature{ID: f.ID, Geom: f.Geom, Props: []any{"A123456(7)", int64(81)}}
	remove, add := v.Apply(f, older)
	fmt.Println(remove[0] == masked[0].ID, add[0].Props)
	// Output:
	// 1 [A123***(*) 70–79]
	// true [A123***(*) 80–89]
}
