package viewer

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	mux := http.NewServeMux()
	NewHandler().Register(mux)
	req := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestPageAndAssets(t *testing.T) {
	for _, tc := range []struct{ path, contentType, contains string }{
		{"/map", "text/html; charset=utf-8", `<script type="module" src="map/viewer.js">`},
		{"/map/viewer.js", "text/javascript; charset=utf-8", "./vendor/maplibre-gl.mjs"},
		{"/map/viewer.css", "text/css; charset=utf-8", "#map"},
		{"/map/vendor/maplibre-gl.mjs", "text/javascript; charset=utf-8", "maplibre-gl-worker.mjs"},
		{"/map/vendor/maplibre-gl-worker.mjs", "text/javascript; charset=utf-8", ""},
		{"/map/vendor/maplibre-gl.css", "text/css; charset=utf-8", ".maplibregl-map"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(t, tc.path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != tc.contentType {
				t.Errorf("Content-Type %q, want %q", ct, tc.contentType)
			}
			if !strings.Contains(rec.Body.String(), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			if rec.Header().Get("ETag") == "" || rec.Header().Get("Content-Security-Policy") == "" {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

// Nothing the viewer ships loads anything from another host.
func TestNoExternalURLsInThePage(t *testing.T) {
	for _, p := range []string{"/map", "/map/viewer.js", "/map/viewer.css"} {
		body := get(t, p).Body.String()
		if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "//cdn") {
			t.Errorf("%s names an absolute URL", p)
		}
	}
}

func TestGzipAndRevalidation(t *testing.T) {
	rec := get(t, "/map/vendor/maplibre-gl.mjs", "Accept-Encoding", "gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("not gzipped: %v", rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if want := get(t, "/map/vendor/maplibre-gl.mjs").Body.Bytes(); string(plain) != string(want) {
		t.Errorf("gzipped body differs from the file")
	}
	etag := rec.Header().Get("ETag")
	if again := get(t, "/map/vendor/maplibre-gl.mjs", "Accept-Encoding", "gzip", "If-None-Match", etag); again.Code != http.StatusNotModified {
		t.Errorf("If-None-Match %s: status %d", etag, again.Code)
	}
	if plainETag := get(t, "/map/vendor/maplibre-gl.mjs").Header().Get("ETag"); plainETag == etag {
		t.Errorf("gzipped and plain bodies share the ETag %s", etag)
	}
}

func TestUnknownAsset(t *testing.T) {
	for _, p := range []string{"/map/nope.js", "/map/index.html", "/map/vendor/VERSIONX"} {
		rec := get(t, p)
		if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Header().Get("Content-Type"))
		}
	}
	if rec := get(t, "/map/"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "../map" {
		t.Errorf("/map/: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}
