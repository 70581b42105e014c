// Package cache keeps every layer in memory as an immutable snapshot
// (features, an R-tree over their bounds and an id index) so that reads never
// touch the store and never lock.
package cache

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// ID identifies a feature within its layer: a number or a string. Numeric ids
// order numerically, before string ids, which order bytewise.
type ID struct {
	Num   int64
	Str   string
	IsNum bool
}

// NumID and StrID build ids.
func NumID(n int64) ID  { return ID{Num: n, IsNum: true} }
func StrID(s string) ID { return ID{Str: s} }
func (id ID) String() string {
	if id.IsNum {
		return strconv.FormatInt(id.Num, 10)
	}
	return id.Str
}

// Compare orders ids, the order of paging: -1, 0 or +1.
func (id ID) Compare(o ID) int {
	switch {
	case id.IsNum && o.IsNum:
		return cmp.Compare(id.Num, o.Num)
	case id.IsNum:
		return -1
	case o.IsNum:
		return 1
	}
	return strings.Compare(id.Str, o.Str)
}

// Less reports whether id sorts before o.
func (id ID) Less(o ID) bool { return id.Compare(o) < 0 }

// Feature is one cached feature. It is shared by every snapshot that holds
// it and must never be modified after it is published: encoders that need to
// change a geometry (tile clipping, say) clone it first.
type Feature struct {
	ID ID
	// Geom is in normalised Web Mercator world coordinates
	// (crs.LonLatToWorld), nil when the feature has no geometry. Tiles are a
	// scale and a shift away; lon/lat is one inverse projection per vertex.
	Geom  orb.Geometry
	Bound orb.Bound // of Geom, world coordinates
	Props []any     // aligned with the layer's Fields
}

func lessFeature(a, b *Feature) bool { return a.ID.Less(b.ID) }

// approxBytes estimates the memory a feature holds, for the cache's size
// report: the struct, its geometry's slices and points, and its values.
func approxBytes(f *Feature) int {
	const header = 24                      // a slice header
	n := 8 + 88 + header + len(f.Props)*16 // pointer, struct, props slice
	n += geometryBytes(f.Geom)
	for _, p := range f.Props {
		switch v := p.(type) {
		case string:
			n += len(v)
		case []byte:
			n += len(v)
		case []any:
			n += header + len(v)*16
		}
	}
	return n
}

func geometryBytes(g orb.Geometry) int {
	const header, point = 24, 16
	switch g := g.(type) {
	case nil:
		return 0
	case orb.Point:
		return point
	case orb.MultiPoint:
		return header + len(g)*point
	case orb.LineString:
		return header + len(g)*point
	case orb.Ring:
		return header + len(g)*point
	case orb.MultiLineString:
		n := header
		for _, l := range g {
			n += header + len(l)*point
		}
		return n
	case orb.Polygon:
		n := header
		for _, r := range g {
			n += header + len(r)*point
		}
		return n
	case orb.MultiPolygon:
		n := header
		for _, p := range g {
			n += geometryBytes(p)
		}
		return n
	case orb.Collection:
		n := header
		for _, c := range g {
			n += 16 + geometryBytes(c)
		}
		return n
	}
	return 0
}
