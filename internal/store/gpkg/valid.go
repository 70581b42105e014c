package gpkg

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/peterstace/simplefeatures/geom"

	"github.com/csdi-hk/csdi/internal/store"
)

// SQLite has no ST_IsValid, so the embedded store judges geometries with
// simplefeatures, the pure-Go library features/cql2 already uses for
// exact predicates (orb has no validity check). Its rules are the OGC
// Simple Features ones PostGIS applies: rings closed and simple, rings
// touching at most at a point, holes inside the shell, a connected
// interior, the polygons of a multipolygon not overlapping, no line of
// a single distinct point, no NaN or infinite coordinates.

// invalid returns each geometry of gs that is not valid, with the reason.
func invalid(gs []orb.Geometry) []store.InvalidGeometry {
	var out []store.InvalidGeometry
	for i, g := range gs {
		if reason := invalidReason(g); reason != "" {
			out = append(out, store.InvalidGeometry{Index: i, Reason: reason})
		}
	}
	return out
}

// invalidReason says why g is invalid, or "" when it is valid. A nil
// geometry (NULL) is valid.
func invalidReason(g orb.Geometry) string {
	if g == nil {
		return ""
	}
	g, err := normalise(g)
	if err != nil {
		return err.Error()
	}
	env := newEnvelope()
	env.add(g)
	if env.n > 0 && !env.finite() {
		return "NaN or infinite coordinate"
	}
	sf, err := geom.UnmarshalWKB(appendWKB(nil, g), geom.NoValidate{})
	if err != nil {
		return fmt.Sprintf("cannot be read: %v", err)
	}
	if err := sf.Validate(); err != nil {
		return err.Error()
	}
	return ""
}
