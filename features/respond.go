package features

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/csdi-hk/csdi/internal/httpx"
)

// commonRequest reads the query of an endpoint whose only parameters are f
// and lang. Other parameters are ignored here: these documents do not
// depend on them, and caches and tools add their own.
func commonRequest(r *http.Request) (url.Values, format, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, 0, err
	}
	f, err := negotiate(r, q, false)
	if err != nil {
		return nil, 0, err
	}
	if _, _, err := language(r, q); err != nil {
		return nil, 0, err
	}
	return q, f, nil
}

// writeJSON answers with a small document through encoding/json; the
// feature encoders do not come this way.
func writeJSON(w http.ResponseWriter, mediaType string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode %s: %w", mediaType, err)
	}
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Add("Vary", "Accept")
	_, err := w.Write(buf.Bytes())
	return clientGone(err)
}

// clientGone turns a failed write of a response whose header is already
// sent into nil: the client has left and there is nothing left to tell it.
func clientGone(err error) error {
	if err != nil {
		httpx.Logger.Debug("response not delivered", "err", err)
	}
	return nil
}
