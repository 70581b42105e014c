package postgis

import (
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

func TestTypmod(t *testing.T) {
	// mod packs a typmod as PostGIS does.
	mod := func(srid, typ int32, z, m bool) typmod {
		v := srid<<8 | typ<<2
		if z {
			v |= 2
		}
		if m {
			v |= 1
		}
		return typmod(v)
	}
	tests := []struct {
		name   string
		mod    typmod
		srid   int
		gtype  layer.GeometryType
		simple bool
	}{
		{"untyped", -1, 0, layer.AnyGeometry, true},
		{"geometry", mod(0, 0, false, false), 0, layer.AnyGeometry, true},
		{"point 4326", mod(4326, 1, false, false), 4326, layer.Point, true},
		{"pointz 2326", mod(2326, 1, true, false), 2326, layer.Point, true},
		{"linestringm 3857", mod(3857, 2, false, true), 3857, layer.LineString, true},
		{"polygonzm 32650", mod(32650, 3, true, true), 32650, layer.Polygon, true},
		{"multipoint", mod(4326, 4, false, false), 4326, layer.MultiPoint, true},
		{"multilinestring", mod(4326, 5, false, false), 4326, layer.MultiLineString, true},
		{"multipolygon 999999", mod(999999, 6, false, false), 999999, layer.MultiPolygon, true},
		{"collection", mod(4490, 7, false, false), 4490, layer.GeometryCollection, true},
		{"circularstring", mod(4326, 8, false, false), 4326, layer.AnyGeometry, false},
		{"tin", mod(4326, 15, true, false), 4326, layer.AnyGeometry, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.mod.srid(); got != tt.srid {
				t.Errorf("srid = %d, want %d", got, tt.srid)
			}
			gt, ok := tt.mod.geometryType()
			if gt != tt.gtype || ok != tt.simple {
				t.Errorf("geometryType = %q, %v; want %q, %v", gt, ok, tt.gtype, tt.simple)
			}
		})
	}
}
