package postgis

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// decodeGeometry decodes 2D WKB as ST_AsBinary writes it. An empty geometry
// decodes to nil, like a NULL: PostGIS writes POINT EMPTY as a point with
// NaN coordinates and the other empty types with no parts, none of which a
// map or a GeoJSON client can use. Empty members of a collection (and empty
// points of a multipoint) are dropped for the same reason.
func decodeGeometry(raw []byte) (orb.Geometry, error) {
	g, err := wkb.Unmarshal(raw)
	if err != nil {
		return nil, err
	}
	return withoutEmpty(g), nil
}

func withoutEmpty(g orb.Geometry) orb.Geometry {
	switch x := g.(type) {
	case orb.Point:
		if emptyPoint(x) {
			return nil
		}
	case orb.MultiPoint:
		kept := x[:0]
		for _, p := range x {
			if !emptyPoint(p) {
				kept = append(kept, p)
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return kept
	case orb.LineString:
		if len(x) == 0 {
			return nil
		}
	case orb.Polygon:
		if len(x) == 0 {
			return nil
		}
	case orb.MultiLineString:
		if len(x) == 0 {
			return nil
		}
	case orb.MultiPolygon:
		if len(x) == 0 {
			return nil
		}
	case orb.Collection:
		kept := x[:0]
		for _, m := range x {
			if m = withoutEmpty(m); m != nil {
				kept = append(kept, m)
			}
		}
		if len(kept) == 0 {
			return nil
		}
		return kept
	}
	return g
}

func emptyPoint(p orb.Point) bool { return math.IsNaN(p[0]) || math.IsNaN(p[1]) }
