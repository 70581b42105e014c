package cache

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/store"
)

// toWorld returns a transform from a stream SRID to world coordinates.
func toWorld(srid int) (crs.Transform, error) {
	if srid == 4326 {
		return crs.LonLatToWorld, nil
	}
	toLL, err := crs.ToLonLat(srid)
	if err != nil {
		return nil, fmt.Errorf("transform from EPSG:%d: %w", srid, err)
	}
	return func(x, y float64) (float64, float64) {
		return crs.LonLatToWorld(toLL(x, y))
	}, nil
}

// newFeature turns a store record into a cached feature, transforming its
// geometry in place: the record is the store's fresh copy, ours to keep.
func newFeature(r store.Record, tr crs.Transform) (*Feature, error) {
	id, err := recordID(r.ID)
	if err != nil {
		return nil, err
	}
	f := &Feature{ID: id, Props: r.Props}
	if r.Geometry != nil {
		f.Geom = transformInPlace(r.Geometry, tr)
		f.Bound = f.Geom.Bound()
		if !finite(f.Bound.Min[0]) || !finite(f.Bound.Min[1]) || !finite(f.Bound.Max[0]) || !finite(f.Bound.Max[1]) {
			return nil, fmt.Errorf("geometry has coordinates that are not finite numbers or cannot be transformed")
		}
	}
	return f, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func recordID(v any) (ID, error) {
	switch v := v.(type) {
	case int64:
		return NumID(v), nil
	case string:
		if v == "" {
			return ID{}, fmt.Errorf("feature id is an empty string")
		}
		return StrID(v), nil
	}
	return ID{}, fmt.Errorf("feature id %v has type %T, want int64 or string", v, v)
}

func transformPoints(ps []orb.Point, tr crs.Transform) {
	for i, p := range ps {
		ps[i][0], ps[i][1] = tr(p[0], p[1])
	}
}

func transformInPlace(g orb.Geometry, tr crs.Transform) orb.Geometry {
	switch g := g.(type) {
	case orb.Point:
		g[0], g[1] = tr(g[0], g[1])
		return g
	case orb.MultiPoint:
		transformPoints(g, tr)
	case orb.LineString:
		transformPoints(g, tr)
	case orb.Ring:
		transformPoints(g, tr)
	case orb.MultiLineString:
		for _, l := range g {
			transformPoints(l, tr)
		}
	case orb.Polygon:
		for _, r := range g {
			transformPoints(r, tr)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				transformPoints(r, tr)
			}
		}
	case orb.Bound:
		return transformInPlace(g.ToPolygon(), tr)
	case orb.Collection:
		for i := range g {
			g[i] = transformInPlace(g[i], tr)
		}
	}
	return g
}
