package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/limits"
)

// heavyClass names the bound a request counts against: downloads (items
// as CSV or GeoPackage) and imports. Read from the path, as the mux will
// route it, so the rule needs nothing from the handlers. Low-zoom tiles
// are bounded only when they must be rendered (admitLowZoomRenders): a
// tile the cache holds is as cheap at z0 as at z16.
func heavyClass() func(*http.Request) string {
	return func(r *http.Request) string {
		// The escaped path, split as the mux splits it: an id with an
		// escaped slash stays one segment here as there.
		var seg [8]string
		n := segments(r.URL.EscapedPath(), seg[:])
		switch {
		case r.Method == http.MethodPost:
			if n == 3 && seg[0] == "collections" && seg[2] == "import" {
				return limits.Imports
			}
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
		case n == 3 && seg[0] == "collections" && seg[2] == "items":
			if download(r) {
				return limits.Downloads
			}
		}
		return ""
	}
}

// segments splits path at '/' into seg, without allocating; the count is
// len(seg)+1 when there are more segments than fit.
func segments(path string, seg []string) int {
	path = strings.TrimPrefix(path, "/")
	n := 0
	for {
		if n == len(seg) {
			return n + 1
		}
		i := strings.IndexByte(path, '/')
		if i < 0 {
			seg[n] = path
			return n + 1
		}
		seg[n], path = path[:i], path[i+1:]
		n++
	}
}

// admitLowZoomRenders bounds the renders of tiles at lim's low zooms,
// which reach over a whole layer, so that a burst of them cannot take
// every core from the tiles the cache answers.
func admitLowZoomRenders(lim *limits.Limiter) func(context.Context, int) (func(), error) {
	lowZoomMax := lim.LowZoomMax()
	return func(ctx context.Context, z int) (func(), error) {
		if z > lowZoomMax {
			return func() {}, nil
		}
		return lim.Admit(ctx, limits.LowZoomTiles)
	}
}

// download reports whether an items request asks for a whole-result file,
// as the features handler negotiates it: f=csv, f=gpkg (or geopackage),
// or with no f an Accept naming CSV or GeoPackage.
func download(r *http.Request) bool {
	q := r.URL.Query()
	if fs, ok := q["f"]; ok {
		for _, f := range fs {
			switch strings.ToLower(f) {
			case "csv", "gpkg", "geopackage":
				return true
			}
		}
		return false
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, _ := strings.Cut(part, ";")
		switch strings.ToLower(strings.TrimSpace(mt)) {
		case "text/csv", "application/geopackage+sqlite3":
			if !refused(params) {
				return true
			}
		}
	}
	return false
}

// refused reports whether media range parameters say q=0.
func refused(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q <= 0
		}
	}
	return false
}

// longTransfers gives downloads and imports the transfer timeout in place
// of the server's read and write timeouts, which are sized for ordinary
// requests: a GeoPackage of a large layer to a slow link, or a 1 GiB
// import from one, must not be cut off halfway.
func longTransfers(timeout time.Duration, classify func(*http.Request) string, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch classify(r) {
		case limits.Downloads, limits.Imports:
			rc := http.NewResponseController(w)
			var deadline time.Time // zero: none, as for the server's own timeouts
			if timeout > 0 {
				deadline = time.Now().Add(timeout)
			}
			if err := rc.SetReadDeadline(deadline); err != nil {
				log.Debug("cannot extend the read deadline", "path", r.URL.Path, "err", err)
			}
			if err := rc.SetWriteDeadline(deadline); err != nil {
				log.Debug("cannot extend the write deadline", "path", r.URL.Path, "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}
