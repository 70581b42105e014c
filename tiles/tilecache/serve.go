package tilecache

import (
	"net/http"
	"strconv"
)

// ContentType is the media type of a Mapbox Vector Tile.
const ContentType = "application/vnd.mapbox-vector-tile"

// Serve answers a GET or HEAD request r with tile e in encoding enc (as
// Negotiate chose it; e.Encoding(enc) is what is sent):
//
//   - 304 Not Modified, without a body, when If-None-Match names the
//     representation's ETag (weak comparison, lists and "*" understood);
//     412 Precondition Failed instead for other methods;
//   - 204 No Content for an empty tile;
//   - 200 with the body otherwise; HEAD gets the headers only.
//
// Every answer carries ETag, Vary: Accept-Encoding and, when cacheControl
// is not empty, Cache-Control. A failed write of the body means the client
// went away; there is no one left to tell, so it is ignored.
func Serve(w http.ResponseWriter, r *http.Request, e *Entry, enc Encoding, cacheControl string) {
	enc = e.Encoding(enc)
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	h.Set("ETag", e.ETag(enc))
	if cacheControl != "" {
		h.Set("Cache-Control", cacheControl)
	}
	if inm := r.Header.Values("If-None-Match"); len(inm) > 0 && noneMatchFails(inm, e.ETag(enc)) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNotModified)
		} else {
			w.WriteHeader(http.StatusPreconditionFailed)
		}
		return
	}
	if e.Empty() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body := e.Body(enc)
	h.Set("Content-Type", ContentType)
	if enc != Identity {
		h.Set("Content-Encoding", enc.String())
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// noneMatchFails reports whether the If-None-Match field lines name etag
// (a strong tag, quoted) or are "*": the weak comparison of RFC 9110
// §8.8.3.2, where W/"x" and "x" match.
func noneMatchFails(lines []string, etag string) bool {
	for _, s := range lines {
		for i := 0; i < len(s); {
			switch c := s[i]; {
			case c == ' ' || c == '\t' || c == ',':
				i++
				continue
			case c == '*':
				return true
			}
			if len(s)-i >= 2 && s[i] == 'W' && s[i+1] == '/' {
				i += 2
			}
			if i >= len(s) || s[i] != '"' {
				// Not an entity-tag: skip to the next list element.
				for i < len(s) && s[i] != ',' {
					i++
				}
				continue
			}
			end := i + 1
			for end < len(s) && s[end] != '"' {
				end++
			}
			if end >= len(s) {
				break // unterminated: ignore the rest
			}
			if s[i:end+1] == etag {
				return true
			}
			i = end + 1
		}
	}
	return false
}
