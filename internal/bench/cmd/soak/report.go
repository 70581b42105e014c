package main

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// RSS growth allowed between the first and the last third of the load:
// the larger of a fraction of the first third's level and a fixed slack
// (the Go collector lets the heap grow to twice the live data before it
// collects, so single samples swing by tens of MiB).
const (
	rssGrowthFraction = 0.10
	rssGrowthSlack    = 32 << 20
)

// rssThirds is the median RSS of the first and of the last third of the
// samples, and the growth they allow.
func (r *result) rssThirds() (first, last, allowed int64, ok bool) {
	n := len(r.samples)
	if n < 3 {
		return 0, 0, 0, false
	}
	third := n / 3
	first = medianRSS(r.samples[:third])
	last = medianRSS(r.samples[n-third:])
	allowed = max(int64(float64(first)*rssGrowthFraction), rssGrowthSlack)
	return first, last, allowed, true
}

func medianRSS(s []sample) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = x.rss
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// failures lists every check that did not pass, in words.
func (r *result) failures() []string {
	var fails []string
	for _, k := range kinds {
		t := r.stats.by[k]
		var ok, client, server int
		for code, n := range t.status {
			switch {
			case code >= 500:
				server += n
			case code >= 400:
				client += n
			default:
				ok += n
			}
		}
		if server > 0 {
			fails = append(fails, fmt.Sprintf("%s: %d responses were 5xx (%s)", k, server, strings.Join(t.examples, "; ")))
		}
		if client > 0 { // every request the soak sends is valid: a 4xx means it tests less than it says
			fails = append(fails, fmt.Sprintf("%s: %d responses were 4xx (%s)", k, client, strings.Join(t.examples, "; ")))
		}
		if t.transport > 0 {
			fails = append(fails, fmt.Sprintf("%s: %d transport errors (%s)", k, t.transport, strings.Join(t.examples, "; ")))
		}
		if ok == 0 {
			fails = append(fails, fmt.Sprintf("%s: no request succeeded", k))
		}
	}
	if r.after > r.baseline+goroutineMargin {
		fails = append(fails, fmt.Sprintf("goroutines: %d %s after the load, baseline %d (margin %d)", r.after, r.settled.Round(time.Second), r.baseline, goroutineMargin))
	}
	if first, last, allowed, ok := r.rssThirds(); !ok {
		fails = append(fails, fmt.Sprintf("RSS: only %d samples; run longer or sample more often", len(r.samples)))
	} else if last-first > allowed {
		fails = append(fails, fmt.Sprintf("RSS: the last third's median %.1f MiB is %.1f MiB above the first third's %.1f MiB (allowed %.1f MiB)",
			mib(last), mib(last-first), mib(first), mib(allowed)))
	}
	if len(r.sampleErrs) > 0 {
		fails = append(fails, fmt.Sprintf("%d samples failed: %s", len(r.sampleErrs), r.sampleErrs[0]))
	}
	if r.shutdownErr != nil {
		fails = append(fails, "shutdown: "+r.shutdownErr.Error())
	}
	return fails
}

// markdown is the Soak section of BENCHMARKS.md.
func (r *result) markdown(o options) string {
	var b strings.Builder
	b.WriteString("## Soak\n\n")
	fmt.Fprintf(&b, "`make soak`: a real `csdi serve` (admin and privacy keys set, tile cache %d MiB) on the demo in PostGIS (%d buildings), "+
		"under a mixed load on loopback for %s: %d tile readers (buildings+roads, z12–z16 over Hong Kong), %d item readers "+
		"(bbox pages of 50, every other one with a CQL2 filter), %d writer (PUT of an existing building with the admin key, every 20 ms) and "+
		"%d importer (`POST /collections/buildings/import?mode=upsert` of 25 features every %s), all at once. "+
		"Goroutines (`go_goroutines` from /metrics) and RSS (`VmRSS`) are sampled every %s. "+
		"It passes with no 5xx, 4xx or transport error; goroutines back within %d of the idle baseline once the load stops and client connections close; "+
		"and the median RSS of the last third of the samples at most max(%.0f%%, %d MiB) above that of the first third. "+
		"Then SIGTERM must shut the server down cleanly. Run %s on a 2-core machine.\n\n",
		r.tileCacheSize>>20, r.buildings, r.duration.Round(time.Second), tileWorkers, itemsWorkers, putWorkers, importers, importEvery, o.sample,
		goroutineMargin, rssGrowthFraction*100, rssGrowthSlack>>20, time.Now().UTC().Format("2006-01-02"))

	b.WriteString("| requests | count | per second | p50 | p99 | statuses | transport errors |\n|---|---:|---:|---:|---:|---|---:|\n")
	for _, k := range kinds {
		t := r.stats.by[k]
		lat := slices.Clone(t.latencies)
		slices.Sort(lat)
		var codes []string
		for _, c := range slices.Sorted(maps.Keys(t.status)) {
			codes = append(codes, fmt.Sprintf("%d×%d", c, t.status[c]))
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f | %s | %s | %s | %d |\n", k, len(lat), float64(len(lat))/r.duration.Seconds(),
			quantile(lat, 0.50), quantile(lat, 0.99), strings.Join(codes, " "), t.transport)
	}

	peakG, peakRSS := 0, int64(0)
	for _, s := range r.samples {
		peakG, peakRSS = max(peakG, s.goroutines), max(peakRSS, s.rss)
	}
	fmt.Fprintf(&b, "\n| server | figure |\n|---|---:|\n")
	fmt.Fprintf(&b, "| goroutines idle before the load | %d |\n| goroutines at peak under load | %d |\n", r.baseline, peakG)
	fmt.Fprintf(&b, "| goroutines after the load (settled in %s) | %d |\n", r.settled.Round(100*time.Millisecond), r.after)
	fmt.Fprintf(&b, "| RSS idle before the load | %.1f MiB |\n| RSS at peak | %.1f MiB |\n", mib(r.idleRSS), mib(peakRSS))
	if first, last, allowed, ok := r.rssThirds(); ok {
		fmt.Fprintf(&b, "| RSS median, first third of the load | %.1f MiB |\n| RSS median, last third of the load | %.1f MiB |\n", mib(first), mib(last))
		fmt.Fprintf(&b, "| RSS growth (allowed) | %+.1f MiB (%.1f MiB) |\n", mib(last-first), mib(allowed))
	}
	fmt.Fprintf(&b, "| samples | %d |\n", len(r.samples))
	verdict := "PASS"
	if fails := r.failures(); len(fails) > 0 {
		verdict = "FAIL: " + strings.Join(fails, "; ")
	}
	fmt.Fprintf(&b, "\nResult: %s\n\n", verdict)
	return b.String()
}

func quantile(sorted []time.Duration, q float64) string {
	if len(sorted) == 0 {
		return "–"
	}
	d := sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// writeSection puts section into the markdown file at path in place of
// its "## Soak" section, or before "## Package benchmarks" (which `make
// bench` appends last), or at the end; the rest of the file is kept.
func writeSection(path, section string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("read %s: %w", path, err)
	}
	text := string(old)
	var out string
	if i := headingAt(text, "## Soak"); i >= 0 {
		end := len(text)
		if j := headingAt(text[i+1:], "## "); j >= 0 {
			end = i + 1 + j
		}
		out = text[:i] + section + text[end:]
	} else if i := headingAt(text, "## Package benchmarks"); i >= 0 {
		out = text[:i] + section + text[i:]
	} else {
		if text != "" && !strings.HasSuffix(text, "\n\n") {
			text = strings.TrimRight(text, "\n") + "\n\n"
		}
		out = text + section
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// headingAt is the offset of the first line of text that starts with
// prefix, or -1.
func headingAt(text, prefix string) int {
	for off := 0; off < len(text); {
		line, _, _ := strings.Cut(text[off:], "\n")
		if strings.HasPrefix(line, prefix) {
			return off
		}
		off += len(line) + 1
	}
	return -1
}
