package cache_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/privacy"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/internal/testenv"
)

// A sensitive layer's masked view is built at load and kept current by the
// syncer: it never holds a dropped attribute, a real id or a true position,
// and an edit it cannot show does not change it at all.
func TestMaskedViewFollowsTheChangeLog(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := postgis.Open(ctx, url, postgis.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := layer.Layer{ID: "cases", Source: layer.Source{Table: "cases", SRID: 2326}, GeometryType: layer.Point,
		Fields:    []layer.Field{{Name: "hkid", Type: layer.String}, {Name: "address", Type: layer.String}, {Name: "care_level", Type: layer.Integer}},
		Sensitive: true, MaxZoom: 22,
		Masking: &layer.Masking{Attributes: map[string]string{"hkid": "partial", "address": "drop"}, Geometry: "snap:250"}}
	created, err := st.CreateLayer(ctx, &l)
	if err != nil {
		t.Fatal(err)
	}
	l = created
	if _, err := st.Edit(ctx, &l, "test", func(tx store.Tx) error {
		_, err := tx.Insert(ctx, store.Record{ID: int64(1), Geometry: orb.Point{833123.4, 816077.7}, Props: []any{"A123456(7)", "1 Secret Road", int64(2)}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	policy, err := privacy.Compile(&l, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(st, []layer.Layer{l}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := c.SetMasking("cases", cache.Masking{Layer: policy.Layer(), NewView: func() cache.MaskView { return policy.NewView() }}); err != nil {
		t.Fatal(err)
	}
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	sy := c.NewSyncer(st, head, cache.SyncOptions{Poll: 100 * time.Millisecond})
	go sy.Run(ctx)

	masked := func() *cache.Snapshot { s, _ := c.Masked("cases"); return s }
	one := func() *cache.Feature {
		t.Helper()
		var out *cache.Feature
		masked().Ascend(0, func(f *cache.Feature) bool { out = f; return false })
		if out == nil || masked().Len() != 1 {
			t.Fatalf("masked view has %d features, want 1", masked().Len())
		}
		return out
	}
	f := one()
	if f.ID.String() == "1" {
		t.Error("the masked view uses the real id")
	}
	ml := masked().Layer()
	if ml.FieldIndex("address") >= 0 {
		t.Error("the masked schema still has the dropped address")
	}
	if i := ml.FieldIndex("hkid"); i < 0 || f.Props[i] != "A123***(*)" {
		t.Errorf("masked hkid = %v", f.Props)
	}
	for _, v := range f.Props {
		if v == "1 Secret Road" || v == "A123456(7)" {
			t.Errorf("a masked feature carries %q", v)
		}
	}
	e, n := worldToGrid(f.Geom.(orb.Point))
	offCentre := func(v float64) float64 { r := math.Mod(v-125, 250); return math.Min(math.Abs(r), 250-math.Abs(r)) }
	if offCentre(e) > 0.01 || offCentre(n) > 0.01 {
		t.Errorf("masked point at E%.2f N%.2f, not a 250 m cell centre", e, n)
	}
	full, _ := c.Snapshot("cases")
	if full.Len() != 1 {
		t.Fatalf("full view: %d features", full.Len())
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	wait := func(cond func() bool, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen in 10 s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// An edit the masked view cannot show: neither its version nor its
	// features change.
	before := masked().Version()
	fullBefore := full.Version()
	if _, err := conn.Exec(ctx, "UPDATE cases SET address = '2 Other Road', geom = ST_Translate(geom, 3, 3) WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	wait(func() bool { s, _ := c.Snapshot("cases"); return s.Version() > fullBefore }, "the full view's edit")
	if masked().Version() != before {
		t.Errorf("an invisible edit changed the masked view's version %d → %d", before, masked().Version())
	}
	// A visible edit, an insert and a delete.
	if _, err := conn.Exec(ctx, "UPDATE cases SET care_level = 3 WHERE id = 1"); err != nil {
		t.Fatal(err)
	}
	wait(func() bool { return one().Props[ml.FieldIndex("care_level")] == int64(3) }, "care level 3")
	if _, err := conn.Exec(ctx, "INSERT INTO cases (id, geom, hkid, address, care_level) VALUES (2, 'SRID=2326;POINT(840000 820000)', 'B765432(1)', 'x', 1)"); err != nil {
		t.Fatal(err)
	}
	wait(func() bool { return masked().Len() == 2 }, "the insert")
	if _, err := conn.Exec(ctx, "DELETE FROM cases"); err != nil {
		t.Fatal(err)
	}
	wait(func() bool { return masked().Len() == 0 }, "the delete")
}

func worldToGrid(p orb.Point) (e, n float64) {
	lon, lat := crs.WorldToLonLat(p[0], p[1])
	toGrid, err := crs.FromLonLat(2326)
	if err != nil {
		panic(err)
	}
	return toGrid(lon, lat)
}
