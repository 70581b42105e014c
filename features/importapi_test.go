package features

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/ingest/gpkgfile"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
)

// importLayer is the collection the import tests write to.
func importLayer() layer.Layer {
	return layer.Layer{ID: "shops", Title: layer.Text{En: "Shops", Zh: "商店"}, GeometryType: layer.Point,
		Source:  layer.Source{Table: "shops", IDColumn: "id", GeometryColumn: "geom", SRID: 2326},
		Fields:  []layer.Field{{Name: "name", Type: layer.String, Required: true}, {Name: "floor", Type: layer.Integer}},
		MaxZoom: 22}
}

// importServer serves the shops layer of a real embedded store, kept in
// sync through its change log as csdi serve does, with imports on.
func importServer(t *testing.T, maxImport int64) http.Handler {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	st, err := gpkg.Open(filepath.Join(t.TempDir(), "import.gpkg"), gpkg.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	nl := importLayer()
	l, err := st.CreateLayer(ctx, &nl)
	if err != nil {
		t.Fatal(err)
	}
	c := cache.New(st, []layer.Layer{l}, slog.New(slog.DiscardHandler))
	head, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Load(ctx); err != nil {
		t.Fatal(err)
	}
	syncer := c.NewSyncer(st, head, cache.SyncOptions{})
	done := make(chan struct{})
	go func() { defer close(done); syncer.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	opts := testOptions()
	opts.Writes = &WriteOptions{Editor: st, Authorize: auth.AdminKey(testKey), Synced: syncer.WaitApplied,
		MaxImportBytes: maxImport, GeoPackageSource: gpkgfile.Open}
	mux := http.NewServeMux()
	NewHandler(c, opts).Register(mux)
	return mux
}

func postImport(t *testing.T, h http.Handler, query, contentType string, body []byte, key string) (*http.Response, []byte) {
	t.Helper()
	req := httptest.NewRequest("POST", "/collections/shops/import"+query, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

func shopCount(t *testing.T, h http.Handler) int {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/collections/shops/items?limit=1", nil))
	var fc struct {
		NumberMatched int `json:"numberMatched"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &fc); err != nil {
		t.Fatalf("items: %v %s", err, rec.Body.String())
	}
	return fc.NumberMatched
}

// shopsGeoJSON is n shops in HK1980 Grid (as the legacy crs member says),
// ids from first; bad, if not negative, is a feature with no name.
func shopsGeoJSON(n, first, bad int) []byte {
	var b strings.Builder
	b.WriteString(`{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:2326"}},"features":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		name := fmt.Sprintf(`"name":"店舖 %d",`, i)
		if i == bad {
			name = ""
		}
		fmt.Fprintf(&b, `{"type":"Feature","id":%d,"properties":{%s"floor":%d},"geometry":{"type":"Point","coordinates":[%d,%d]}}`,
			first+i, name, i%5, 833000+i, 816000+i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func TestImportAPI(t *testing.T) {
	h := importServer(t, 0)

	t.Run("dry run writes nothing", func(t *testing.T) {
		resp, body := postImport(t, h, "?dry-run=true", mediaGeoJSON, shopsGeoJSON(50, 1, -1), testKey)
		var rep ingest.Report
		if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || !rep.DryRun || rep.Features != 50 || rep.Written != 0 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := shopCount(t, h); n != 0 {
			t.Errorf("%d shops after a dry run", n)
		}
	})

	t.Run("GeoJSON is written and served", func(t *testing.T) {
		resp, body := postImport(t, h, "", mediaGeoJSON, shopsGeoJSON(50, 1, -1), testKey)
		var rep ingest.Report
		if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || rep.Written != 50 || rep.Seq == 0 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		// Synced before the answer: the next read sees the import.
		if n := shopCount(t, h); n != 50 {
			t.Errorf("%d shops served after the import, want 50", n)
		}
	})

	t.Run("a bad feature refuses the whole body", func(t *testing.T) {
		resp, body := postImport(t, h, "?mode=upsert", mediaGeoJSON, shopsGeoJSON(100, 1, 70), testKey)
		var doc struct {
			Status          int              `json:"status"`
			InvalidFeatures []ingest.Problem `json:"invalidFeatures"`
			Report          ingest.Report    `json:"report"`
		}
		if resp.StatusCode != 400 || resp.Header.Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(body, &doc) != nil || len(doc.InvalidFeatures) != 1 ||
			doc.InvalidFeatures[0].Index != 70 || doc.InvalidFeatures[0].Field != "name" || doc.Report.Written != 0 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := shopCount(t, h); n != 50 {
			t.Errorf("%d shops after a refused import, want 50", n)
		}
	})

	t.Run("append of existing ids writes nothing", func(t *testing.T) {
		resp, body := postImport(t, h, "?mode=append", mediaGeoJSON, shopsGeoJSON(60, 1, -1), testKey)
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"field":"id"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := shopCount(t, h); n != 50 {
			t.Errorf("%d shops, want 50", n)
		}
	})

	t.Run("CSV replaces the layer", func(t *testing.T) {
		csv := "\uFEFFid,name,floor,easting,northing\n1,大會堂,1,833980,816000\n2,\"Shop, two\",,834000,816100\n"
		resp, body := postImport(t, h, "?mode=replace", "text/csv; charset=utf-8", []byte(csv), testKey)
		var rep ingest.Report
		if resp.StatusCode != 200 || json.Unmarshal(body, &rep) != nil || rep.Written != 2 || rep.Deleted != 50 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := shopCount(t, h); n != 2 {
			t.Errorf("%d shops after replacing with 2", n)
		}
	})

	t.Run("a GeoPackage body", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "upload.gpkg")
		src, err := gpkg.Open(path, gpkg.Options{})
		if err != nil {
			t.Fatal(err)
		}
		l := importLayer()
		l.Source.SRID = 4326
		recs := []store.Record{{ID: int64(7), Geometry: orb.Point{114.16, 22.28}, Props: []any{"新店", int64(3)}}}
		if err := src.WriteLayer(context.Background(), &l, seq(recs)); err != nil {
			t.Fatal(err)
		}
		src.Close()
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := postImport(t, h, "?mode=upsert", mediaGeoPackage, raw, testKey)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"written": 1`) && !strings.Contains(string(body), `"written":1`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		if n := shopCount(t, h); n != 3 {
			t.Errorf("%d shops after upserting one more", n)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/collections/shops/items/7", nil))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), "新店") || !strings.Contains(rec.Body.String(), "114.16") {
			t.Errorf("the imported shop: %d %s", rec.Code, rec.Body.String())
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, tc := range []struct {
			name, query, ct, key string
			body                 []byte
			status               int
		}{
			{"no key", "", mediaGeoJSON, "", shopsGeoJSON(1, 100, -1), 401},
			{"wrong key", "", mediaGeoJSON, "nope", shopsGeoJSON(1, 100, -1), 401},
			{"unknown mode", "?mode=merge", mediaGeoJSON, testKey, shopsGeoJSON(1, 100, -1), 400},
			{"unknown parameter", "?modus=append", mediaGeoJSON, testKey, shopsGeoJSON(1, 100, -1), 400},
			{"bad dry-run", "?dry-run=yes", mediaGeoJSON, testKey, shopsGeoJSON(1, 100, -1), 400},
			{"bad crs", "?crs=EPSG:1", mediaGeoJSON, testKey, shopsGeoJSON(1, 100, -1), 400},
			{"CSV columns for GeoJSON", "?x=e", mediaGeoJSON, testKey, shopsGeoJSON(1, 100, -1), 400},
			{"unknown type", "", "application/xml", testKey, []byte("<a/>"), 415},
			{"not JSON", "", mediaGeoJSON, testKey, []byte(`{"type":"FeatureCollection","features":[{]}`), 400},
			{"not a GeoPackage", "", mediaGeoPackage, testKey, []byte("SQLite format 3\x00 but not really"), 400},
		} {
			resp, body := postImport(t, h, tc.query, tc.ct, tc.body, tc.key)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s: %d %s, want %d problem+json", tc.name, resp.StatusCode, body, tc.status)
			}
		}
		if n := shopCount(t, h); n != 3 {
			t.Errorf("%d shops after refused imports, want 3", n)
		}
	})
}

func TestImportAPIBodyLimit(t *testing.T) {
	h := importServer(t, 4096)
	resp, body := postImport(t, h, "", mediaGeoJSON, shopsGeoJSON(200, 1, -1), testKey)
	if resp.StatusCode != 413 {
		t.Fatalf("%d %s, want 413", resp.StatusCode, body)
	}
	if n := shopCount(t, h); n != 0 {
		t.Errorf("%d shops after a refused body", n)
	}
	resp, body = postImport(t, h, "", mediaGeoJSON, shopsGeoJSON(5, 1, -1), testKey)
	if resp.StatusCode != 200 {
		t.Fatalf("a body under the limit: %d %s", resp.StatusCode, body)
	}
}
