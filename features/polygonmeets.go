package features

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	sf "github.com/peterstace/simplefeatures/geom"
)

// meetsPolygon reports whether g and the polygon p (both in world
// coordinates) share at least one point. orb has no exact intersection
// test between arbitrary geometries; simplefeatures does (exact DE-9IM),
// so the two meet here through WKB. Only candidates the R-tree found for
// a projected bbox come this way.
func meetsPolygon(g orb.Geometry, p orb.Polygon) bool {
	if g == nil {
		return false
	}
	a, err := toSF(g)
	if err != nil {
		return false
	}
	b, err := toSF(p)
	if err != nil {
		return false
	}
	return sf.Intersects(a, b)
}

// toSF converts an orb geometry to simplefeatures' model.
func toSF(g orb.Geometry) (sf.Geometry, error) {
	b, err := wkb.Marshal(g)
	if err != nil {
		return sf.Geometry{}, err
	}
	return sf.UnmarshalWKB(b, sf.NoValidate{})
}
