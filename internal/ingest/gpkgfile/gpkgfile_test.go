package gpkgfile

import (
	"context"
	"iter"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
)

func records(rs ...store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// writeGeoPackage writes two small layers with the embedded store: shops
// in CRS84 and sites in HK1980 Grid.
func writeGeoPackage(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "upload.gpkg")
	st, err := gpkg.Open(path, gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	shops := layer.Layer{ID: "shops", GeometryType: layer.Point,
		Source: layer.Source{Table: "shops", IDColumn: "fid", GeometryColumn: "geom", SRID: 4326},
		Fields: []layer.Field{{Name: "name", Type: layer.String}, {Name: "floor", Type: layer.Integer}, {Name: "opened", Type: layer.Date}}}
	ctx := context.Background()
	if err := st.WriteLayer(ctx, &shops, records(
		store.Record{ID: int64(1), Geometry: orb.Point{114.1617, 22.2820}, Props: []any{"大會堂商店", int64(1), time.Date(1962, 3, 2, 0, 0, 0, 0, time.UTC)}},
		store.Record{ID: int64(2), Geometry: orb.Point{114.17, 22.30}, Props: []any{"旺角", nil, nil}},
	)); err != nil {
		t.Fatal(err)
	}
	sites := layer.Layer{ID: "sites", GeometryType: layer.Polygon,
		Source: layer.Source{Table: "sites", IDColumn: "fid", GeometryColumn: "geom", SRID: 2326},
		Fields: []layer.Field{{Name: "code", Type: layer.String}}}
	if err := st.WriteLayer(ctx, &sites, records(
		store.Record{ID: int64(1), Geometry: orb.Polygon{{{833000, 816000}, {833100, 816000}, {833100, 816100}, {833000, 816000}}}, Props: []any{"A1"}},
	)); err != nil {
		t.Fatal(err)
	}
	return path
}

func read(t *testing.T, src ingest.Source, l *layer.Layer) ([]store.Record, []ingest.Problem) {
	t.Helper()
	var recs []store.Record
	var ps []ingest.Problem
	err := src.Read(context.Background(), l, func(i int, r store.Record, p []ingest.Problem) error {
		if len(p) > 0 {
			ps = append(ps, p...)
		} else {
			recs = append(recs, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return recs, ps
}

func TestOpenChoosesALayer(t *testing.T) {
	path := writeGeoPackage(t)
	ctx := context.Background()
	if _, err := Open(ctx, path, ""); err == nil || !strings.Contains(err.Error(), "--source-layer") {
		t.Errorf("two layers and none named: %v", err)
	}
	if _, err := Open(ctx, path, "roads"); err == nil || !strings.Contains(err.Error(), "shops") {
		t.Errorf("an unknown layer: %v", err)
	}
	if _, err := Open(ctx, filepath.Join(t.TempDir(), "none.gpkg"), ""); err == nil {
		t.Error("a missing file opened")
	}
	src, err := Open(ctx, path, "SITES")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	sc, ps, err := src.Infer(ctx)
	if err != nil || len(ps) > 0 || sc.SRID != 2326 || sc.GeometryType != layer.Polygon || len(sc.Fields) != 1 || sc.IDs != "integer" {
		t.Fatalf("schema %+v %v %v", sc, ps, err)
	}
}

func TestReadConvertsAndTransforms(t *testing.T) {
	path := writeGeoPackage(t)
	src, err := Open(context.Background(), path, "shops")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// Into a layer in HK1980 Grid whose floor is a number.
	target := &layer.Layer{ID: "t", GeometryType: layer.MultiPoint,
		Source: layer.Source{Table: "t", SRID: 2326},
		Fields: []layer.Field{{Name: "floor", Type: layer.Number}, {Name: "name", Type: layer.String, Required: true}, {Name: "opened", Type: layer.DateTime}}}
	recs, ps := read(t, src, target)
	if len(ps) > 0 || len(recs) != 2 {
		t.Fatalf("%d records, problems %v", len(recs), ps)
	}
	r := recs[0]
	if r.ID != int64(1) || r.Props[0] != 1.0 || r.Props[1] != "大會堂商店" || r.Props[2] != time.Date(1962, 3, 2, 0, 0, 0, 0, time.UTC) {
		t.Errorf("record %#v", r)
	}
	mp, ok := r.Geometry.(orb.MultiPoint)
	from, _ := crs.FromLonLat(2326)
	e, n := from(114.1617, 22.2820)
	if !ok || math.Abs(mp[0][0]-e) > 1e-6 || math.Abs(mp[0][1]-n) > 1e-6 {
		t.Errorf("geometry %#v, want MultiPoint at %v,%v", r.Geometry, e, n)
	}
	// A layer without one of the GeoPackage's columns refuses the file.
	narrow := &layer.Layer{ID: "n", Source: layer.Source{Table: "n", SRID: 4326}, Fields: []layer.Field{{Name: "name", Type: layer.String}}}
	_, ps = read(t, src, narrow)
	if len(ps) != 1 || ps[0].Index != -1 || !strings.Contains(ps[0].Reason, "unknown attribute") {
		t.Errorf("problems %v", ps)
	}
	// A value that does not fit is that feature's problem.
	strict := &layer.Layer{ID: "s", Source: layer.Source{Table: "s", SRID: 4326},
		Fields: []layer.Field{{Name: "name", Type: layer.Integer}, {Name: "floor", Type: layer.Integer}, {Name: "opened", Type: layer.Date}}}
	recs, ps = read(t, src, strict)
	if len(recs) != 0 || len(ps) != 2 || ps[0].Field != "name" || ps[1].Index != 1 {
		t.Errorf("records %d problems %v", len(recs), ps)
	}
}
