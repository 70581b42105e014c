package tilecache

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/paulmach/orb"
)

func TestServe(t *testing.T) {
	raw := synthTile(t, 4<<10)
	e := newEntry(Key{Tileset: "t"}, []string{"a"}, orb.Bound{}, raw, nil)
	empty := newEntry(Key{Tileset: "t", Z: 1}, []string{"a"}, orb.Bound{}, []byte{}, nil)
	const cc = "public, max-age=60"

	serve := func(method string, e *Entry, enc Encoding, inm ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/tiles/a/0/0/0.mvt", nil)
		for _, v := range inm {
			r.Header.Add("If-None-Match", v)
		}
		w := httptest.NewRecorder()
		w.Header().Add("Vary", "Origin") // set by a CORS middleware: kept
		Serve(w, r, e, enc, cc)
		return w
	}
	common := func(t *testing.T, w *httptest.ResponseRecorder, etag string) {
		t.Helper()
		h := w.Result().Header
		if got := h.Values("Vary"); len(got) != 2 || got[0] != "Origin" || got[1] != "Accept-Encoding" {
			t.Errorf("Vary %q, want Origin and Accept-Encoding", got)
		}
		if h.Get("ETag") != etag || h.Get("Cache-Control") != cc {
			t.Errorf("ETag %s, Cache-Control %q; want %s, %q", h.Get("ETag"), h.Get("Cache-Control"), etag, cc)
		}
	}

	for enc := range numEncodings {
		t.Run(enc.String(), func(t *testing.T) {
			etag := e.ETag(enc)
			w := serve(http.MethodGet, e, enc)
			common(t, w, etag)
			h := w.Result().Header
			if w.Code != http.StatusOK || h.Get("Content-Type") != ContentType {
				t.Fatalf("status %d, Content-Type %q", w.Code, h.Get("Content-Type"))
			}
			if ce := h.Get("Content-Encoding"); (enc == Identity && ce != "") || (enc != Identity && ce != enc.String()) {
				t.Errorf("Content-Encoding %q", ce)
			}
			if h.Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
				t.Errorf("Content-Length %s for %d bytes", h.Get("Content-Length"), w.Body.Len())
			}
			if got, err := decompress(enc, w.Body.Bytes()); err != nil || !bytes.Equal(got, raw) {
				t.Errorf("body does not decode to the tile: %v", err)
			}

			head := serve(http.MethodHead, e, enc)
			common(t, head, etag)
			if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("Content-Length") != h.Get("Content-Length") {
				t.Errorf("HEAD: status %d, %d body bytes, Content-Length %s", head.Code, head.Body.Len(), head.Header().Get("Content-Length"))
			}

			other := e.ETag((enc + 1) % numEncodings)
			for _, tc := range []struct {
				inm  []string
				want int
			}{
				{[]string{etag}, http.StatusNotModified},
				{[]string{"W/" + etag}, http.StatusNotModified},
				{[]string{`"x", ` + etag + `, "y"`}, http.StatusNotModified},
				{[]string{`"a,b", W/` + etag}, http.StatusNotModified},
				{[]string{`"x"`, etag}, http.StatusNotModified}, // two field lines
				{[]string{"*"}, http.StatusNotModified},
				{[]string{other}, http.StatusOK}, // another encoding's tag
				{[]string{`"x", "y"`}, http.StatusOK},
				{[]string{etag[1 : len(etag)-1]}, http.StatusOK}, // unquoted
				{[]string{`"` + etag}, http.StatusOK},
				{[]string{""}, http.StatusOK},
			} {
				w := serve(http.MethodGet, e, enc, tc.inm...)
				if w.Code != tc.want {
					t.Errorf("If-None-Match %q: status %d, want %d", tc.inm, w.Code, tc.want)
				}
				if tc.want == http.StatusNotModified {
					common(t, w, etag)
					if w.Body.Len() != 0 || w.Header().Get("Content-Encoding") != "" {
						t.Errorf("304 with %d body bytes, Content-Encoding %q", w.Body.Len(), w.Header().Get("Content-Encoding"))
					}
				}
			}
			if w := serve(http.MethodHead, e, enc, etag); w.Code != http.StatusNotModified {
				t.Errorf("HEAD with a matching tag: status %d", w.Code)
			}

			w = serve(http.MethodGet, empty, enc)
			common(t, w, empty.ETag(Identity))
			if w.Code != http.StatusNoContent || w.Body.Len() != 0 || w.Header().Get("Content-Encoding") != "" {
				t.Errorf("empty tile: status %d, %d bytes, Content-Encoding %q", w.Code, w.Body.Len(), w.Header().Get("Content-Encoding"))
			}
			if w := serve(http.MethodGet, empty, enc, empty.ETag(Identity)); w.Code != http.StatusNotModified {
				t.Errorf("empty tile revalidated: status %d", w.Code)
			}
		})
	}
}

func FuzzIfNoneMatch(f *testing.F) {
	for _, s := range []string{`"abc"`, `W/"abc"`, `*`, `"a", "b"`, `"`, `W/`, `W/"`, `,,`, `"abc`} {
		f.Add(s)
	}
	const etag = `"abc"`
	f.Fuzz(func(t *testing.T, s string) {
		got := noneMatchFails([]string{s}, etag)
		if s == etag && !got {
			t.Fatalf("%q does not match itself", s)
		}
	})
}
