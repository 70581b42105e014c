package postgis

import "log/slog"

// maxWarnings is how many row-level problems one load logs in full; a
// table with a million bad values must not flood the log.
const maxWarnings = 10

// warnings logs the row-level problems of one load and counts the rest.
type warnings struct {
	log   *slog.Logger
	layer string
	n     int
}

func (w *warnings) add(msg string, args ...any) {
	w.n++
	if w.n <= maxWarnings {
		w.log.Warn(msg, append([]any{"layer", w.layer}, args...)...)
	}
}

// summarise reports how many problems were not logged one by one.
func (w *warnings) summarise() {
	if w.n > maxWarnings {
		w.log.Warn("postgis: more rows had problems", "layer", w.layer,
			"total", w.n, "not_logged", w.n-maxWarnings)
	}
}
