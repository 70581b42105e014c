package metrics

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
)

// ContentType is the Prometheus text exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// WriteTo writes every metric in the text exposition format, families in
// name order and series in label order.
func (r *Registry) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	bw := bufio.NewWriter(cw)
	var buf []sample
	for _, f := range r.snapshot() {
		name, help, typ := f.meta()
		bw.WriteString("# HELP " + name + " " + helpEscaper.Replace(help) + "\n")
		bw.WriteString("# TYPE " + name + " " + typ + "\n")
		buf = f.collect(buf[:0])
		for _, s := range buf {
			writeSample(bw, s)
		}
	}
	err := bw.Flush()
	return cw.n, err
}

func writeSample(w *bufio.Writer, s sample) {
	w.WriteString(s.name)
	if len(s.labels) > 0 {
		w.WriteByte('{')
		for i, l := range s.labels {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(l.name)
			w.WriteString(`="`)
			w.WriteString(valueEscaper.Replace(l.value))
			w.WriteByte('"')
		}
		w.WriteByte('}')
	}
	w.WriteByte(' ')
	w.WriteString(s.value)
	w.WriteByte('\n')
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	valueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ServeHTTP answers a scrape, gzipped when the scraper accepts it (as
// Prometheus does).
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("Cache-Control", "no-store")
	h.Add("Vary", "Accept-Encoding")
	if req.Method == http.MethodHead {
		return
	}
	if !acceptsGzip(req) {
		r.WriteTo(w) // a failed write is the scraper gone: nothing to tell it
		return
	}
	h.Set("Content-Encoding", "gzip")
	zw := gzip.NewWriter(w)
	r.WriteTo(zw)
	zw.Close()
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
