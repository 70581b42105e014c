package ingest

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
)

func TestParseWKT(t *testing.T) {
	sq := orb.Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	for _, tc := range []struct {
		in   string
		want orb.Geometry
		srid int
	}{
		{"POINT(114.1 22.3)", orb.Point{114.1, 22.3}, 0},
		{" point ( -1.5e2 +2 ) ", orb.Point{-150, 2}, 0},
		{"POINT Z (1 2 3)", orb.Point{1, 2}, 0},
		{"POINTZ(1 2 3)", orb.Point{1, 2}, 0},
		{"POINT ZM (1 2 3 4)", orb.Point{1, 2}, 0},
		{"POINT (1 2 3)", orb.Point{1, 2}, 0},
		{"POINT EMPTY", nil, 0},
		{"SRID=2326;POINT(833980 816000)", orb.Point{833980, 816000}, 2326},
		{"LINESTRING(0 0,1 1)", orb.LineString{{0, 0}, {1, 1}}, 0},
		{"LINESTRING EMPTY", orb.LineString{}, 0},
		{"POLYGON((0 0,1 0,1 1,0 0))", orb.Polygon{sq}, 0},
		{"POLYGON ((0 0, 1 0, 1 1, 0 0), (0 0, 1 0, 1 1, 0 0))", orb.Polygon{sq, sq}, 0},
		{"MULTIPOINT((1 2),(3 4))", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"MULTIPOINT(1 2,3 4)", orb.MultiPoint{{1, 2}, {3, 4}}, 0},
		{"MULTILINESTRING((0 0,1 1),(2 2,3 3))", orb.MultiLineString{{{0, 0}, {1, 1}}, {{2, 2}, {3, 3}}}, 0},
		{"MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((0 0,1 0,1 1,0 0)))", orb.MultiPolygon{{sq}, {sq}}, 0},
		{"MULTIPOLYGON Z (((0 0 5,1 0 5,1 1 5,0 0 5)))", orb.MultiPolygon{{sq}}, 0},
		{"GEOMETRYCOLLECTION(POINT(1 2),LINESTRING(0 0,1 1))", orb.Collection{orb.Point{1, 2}, orb.LineString{{0, 0}, {1, 1}}}, 0},
		{"GEOMETRYCOLLECTION EMPTY", orb.Collection{}, 0},
	} {
		g, srid, err := ParseWKT(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(g, tc.want) || srid != tc.srid {
			t.Errorf("%s: got %#v srid %d, want %#v srid %d", tc.in, g, srid, tc.want, tc.srid)
		}
	}
}

func TestParseWKTErrors(t *testing.T) {
	for _, in := range []string{
		"", "POINT", "POINT(1)", "POINT(1 2", "POINT(1 2) x", "CIRCLE(1 2)", "POINT(a b)",
		"POINT(1 2 3 4 5)", "LINESTRING(0 0,)", "POLYGON(0 0,1 1)", "POINT(NaN 1)", "POINT(1e999 1)",
		"SRID=x;POINT(1 2)", "SRID=4326POINT(1 2)", "POINT XY (1 2)",
		strings.Repeat("GEOMETRYCOLLECTION(", 40) + "POINT(1 2)" + strings.Repeat(")", 40),
	} {
		_, _, err := ParseWKT(in)
		var we *WKTError
		if !errors.As(err, &we) {
			t.Errorf("%q: got %v, want a WKTError", in, err)
		}
	}
}

func FuzzParseWKT(f *testing.F) {
	for _, s := range []string{"POINT(1 2)", "MULTIPOINT(1 2,(3 4))", "POLYGON Z((0 0 1,1 0 1,1 1 1,0 0 1))",
		"GEOMETRYCOLLECTION(POINT EMPTY,MULTIPOLYGON(((0 0,1 0,1 1,0 0))))", "SRID=2326;LINESTRING(1 2,3 4)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		g, _, err := ParseWKT(in)
		if err != nil {
			return
		}
		// What parses is written back by the same rules and parses again
		// to the same geometry.
		if g == nil {
			return
		}
		again, _, err := ParseWKT(wkt.MarshalString(g))
		if err != nil || !reflect.DeepEqual(again, g) {
			t.Fatalf("%q parsed to %#v, which writes as %q and reparses to %#v (%v)", in, g, wkt.MarshalString(g), again, err)
		}
	})
}
