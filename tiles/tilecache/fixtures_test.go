package tilecache

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
)

// synthTile returns a deterministic MVT tile of about size bytes: buildings
// (small polygons) and roads (long lines) in tile coordinates, with a few
// attributes each, like a city tile of the demo data.
func synthTile(tb testing.TB, size int) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(uint64(size), 7))
	kinds := []string{"residential", "commercial", "industrial", "school", "hospital", "government"}
	roads := []string{"primary", "secondary", "tertiary", "footway", "service"}
	buildings := geojson.NewFeatureCollection()
	lines := geojson.NewFeatureCollection()
	var out []byte
	for i := 0; ; i++ {
		if i%4 == 3 {
			x, y := r.Float64()*4096, r.Float64()*4096
			ls := orb.LineString{{x, y}}
			for range 10 + r.IntN(40) {
				x += r.NormFloat64() * 30
				y += r.NormFloat64() * 30
				ls = append(ls, orb.Point{float64(int(x)), float64(int(y))})
			}
			f := geojson.NewFeature(ls)
			f.ID = i
			f.Properties["class"] = roads[r.IntN(len(roads))]
			f.Properties["name"] = fmt.Sprintf("Road %d", r.IntN(500))
			f.Properties["lanes"] = 1 + r.IntN(4)
			lines.Append(f)
		} else {
			x, y := float64(r.IntN(4096)), float64(r.IntN(4096))
			w, h := float64(4+r.IntN(40)), float64(4+r.IntN(40))
			ring := orb.Ring{{x, y}, {x + w, y}, {x + w, y + h}, {x, y + h}, {x, y}}
			f := geojson.NewFeature(orb.Polygon{ring})
			f.ID = i
			f.Properties["kind"] = kinds[r.IntN(len(kinds))]
			f.Properties["height"] = 3 + r.IntN(120)
			f.Properties["name"] = fmt.Sprintf("Block %d", r.IntN(2000))
			buildings.Append(f)
		}
		if i%64 != 63 {
			continue
		}
		b, err := mvt.Marshal(mvt.Layers{mvt.NewLayer("buildings", buildings), mvt.NewLayer("roads", lines)})
		if err != nil {
			tb.Fatal(err)
		}
		out = b
		if len(out) >= size {
			return out
		}
	}
}
