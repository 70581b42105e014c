package features

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// mediaMergePatch is the media type of a JSON Merge Patch (RFC 7396).
const mediaMergePatch = "application/merge-patch+json"

// requireContentType refuses with 415 a body that is not of one of the
// media types a write accepts.
func requireContentType(r *http.Request, accepted ...string) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil {
		for _, a := range accepted {
			if strings.EqualFold(mt, a) {
				return nil
			}
		}
	}
	if ct == "" {
		ct = "none"
	}
	return httpx.Errorf(http.StatusUnsupportedMediaType, "Content-Type %s is not accepted here; send %s",
		truncate(ct), strings.Join(accepted, " or "))
}

// requestCRS is the CRS of the body's coordinates: the Content-Crs header
// (Part 4 with Part 2), CRS84 without it.
func requestCRS(r *http.Request) (*crsRef, error) {
	v := strings.TrimSpace(r.Header.Get("Content-Crs"))
	if v == "" {
		return defaultCRS, nil
	}
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">"))
	return parseCRS("Content-Crs", v)
}

// toStorage transforms a position as sent in CRS in (in its axis order) to
// the storage SRID, x first. A position outside in's range becomes NaN,
// which the decoder reports; with no CRS change only the axes move, so
// coordinates sent in the storage CRS are stored exactly.
func toStorage(in *crsRef, srid int) func(x, y float64) (float64, float64) {
	valid := inputRange(in)
	if in.SRID == srid {
		return func(a, b float64) (float64, float64) {
			if in.NorthFirst {
				a, b = b, a
			}
			if !valid(a, b) {
				return math.NaN(), math.NaN()
			}
			return a, b
		}
	}
	toLL, err1 := crs.ToLonLat(in.SRID)
	fromLL, err2 := crs.FromLonLat(srid)
	if err1 != nil || err2 != nil {
		// Unreachable: supportedCRS and writable layers are crs's.
		panic(fmt.Sprintf("transform EPSG:%d to EPSG:%d: %v %v", in.SRID, srid, err1, err2))
	}
	return func(a, b float64) (float64, float64) {
		if in.NorthFirst {
			a, b = b, a
		}
		if !valid(a, b) {
			return math.NaN(), math.NaN()
		}
		return fromLL(toLL(a, b))
	}
}

// inputRange is where positions of CRS c (x first) can be at all.
func inputRange(c *crsRef) func(x, y float64) bool {
	switch {
	case !c.Projected:
		return func(x, y float64) bool { return math.Abs(x) <= 180 && math.Abs(y) <= 90 }
	case c.SRID == 3857:
		const edge = mercatorHalf * (1 + 1e-9)
		return func(x, y float64) bool { return math.Abs(x) <= edge && math.Abs(y) <= edge }
	}
	return func(x, y float64) bool { return !math.IsNaN(x+y) && !math.IsInf(x+y, 0) }
}

// readBody reads a request body of at most limit bytes: 413 beyond.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	tooLarge := httpx.Errorf(http.StatusRequestEntityTooLarge,
		"the request body is larger than this server accepts (%d bytes); split the features over several requests, or use csdi import", limit)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		if r.Context().Err() != nil {
			return nil, r.Context().Err()
		}
		return nil, &httpx.Error{Status: http.StatusBadRequest, Msg: "the request body could not be read", Err: err}
	case len(bytes.TrimSpace(body)) == 0:
		return nil, httpx.BadRequest("the request has no body; send a GeoJSON Feature or FeatureCollection")
	}
	return body, nil
}

// splitFeatures cuts a POST body into its features: a Feature is one, a
// FeatureCollection has them in "features".
func splitFeatures(body []byte) (features []json.RawMessage, single bool, err error) {
	var top struct {
		Type     json.RawMessage `json:"type"`
		Features json.RawMessage `json:"features"`
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] != '{' {
		if !json.Valid(body) {
			return nil, false, invalidJSON(json.Unmarshal(body, new(any)))
		}
		return nil, false, httpx.BadRequest("the body must be a GeoJSON Feature or FeatureCollection object")
	}
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, false, invalidJSON(err)
	}
	var typ string
	_ = json.Unmarshal(top.Type, &typ)
	switch typ {
	case "Feature":
		return []json.RawMessage{body}, true, nil
	case "FeatureCollection":
		if err := json.Unmarshal(top.Features, &features); err != nil || features == nil {
			return nil, false, httpx.BadRequest("a FeatureCollection needs a \"features\" array")
		}
		if len(features) == 0 {
			return nil, false, httpx.BadRequest("the FeatureCollection has no features; nothing to create")
		}
		return features, false, nil
	}
	return nil, false, httpx.BadRequest("the body must be a GeoJSON Feature or FeatureCollection, its \"type\" is %s", truncate(string(top.Type)))
}

// invalidJSON is 400 for a body that is not JSON, saying where it breaks.
func invalidJSON(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return httpx.BadRequest("the body is not valid JSON: %s at byte %d", strings.TrimPrefix(syn.Error(), "json: "), syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return httpx.BadRequest("the body is not valid JSON: it ends too soon")
	}
	return httpx.BadRequest("the body is not valid JSON")
}

// mergePatch is a JSON Merge Patch of a feature. Its geometry, when given,
// replaces the feature's whole (Part 4 reads a patched geometry as a
// GeoJSON geometry object, not as a patch of one); its id may only repeat
// the feature's.
type mergePatch struct {
	doc           map[string]any
	geometry      json.RawMessage
	geometryGiven bool
}

func parsePatch(body []byte, id any) (*mergePatch, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, invalidJSON(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, httpx.BadRequest("the body is not valid JSON: there is more after the patch")
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, httpx.BadRequest("a merge patch of a feature must be a JSON object")
	}
	p := &mergePatch{doc: doc}
	if given, ok := doc["id"]; ok {
		if n, isNum := given.(json.Number); isNum {
			given = n.String()
		}
		if given == nil || fmt.Sprint(given) != idText(id) {
			return nil, httpx.BadRequest("a feature's id cannot be changed or removed")
		}
		delete(doc, "id")
	}
	if g, ok := doc["geometry"]; ok {
		raw, err := json.Marshal(g)
		if err != nil {
			return nil, fmt.Errorf("re-encode patched geometry: %w", err)
		}
		p.geometry, p.geometryGiven = raw, true
		delete(doc, "geometry")
	}
	return p, nil
}

// apply patches the feature cur (as the store holds it) and decodes the
// result like the body of a PUT.
func (p *mergePatch) apply(l *layer.Layer, dec *ingest.Decoder, cur store.Record) (store.Record, error) {
	target := map[string]any{"type": "Feature", "properties": propertiesDoc(l, cur.Props)}
	merged, _ := mergeValue(target, p.doc).(map[string]any)
	geometry := json.RawMessage("null")
	if p.geometryGiven {
		geometry = p.geometry
	}
	merged["geometry"] = geometry
	raw, err := json.Marshal(merged)
	if err != nil {
		return store.Record{}, fmt.Errorf("encode patched feature: %w", err)
	}
	rec, problems := dec.Decode(0, raw)
	if len(problems) > 0 {
		for i := range problems {
			problems[i].ID = cur.ID
		}
		return store.Record{}, &invalidFeatures{problems: problems, features: 1}
	}
	if !p.geometryGiven {
		rec.Geometry = cur.Geometry // untouched: no round trip through another CRS
	}
	return rec, nil
}

// mergeValue applies patch to target as RFC 7396 says: members of an
// object patch merge recursively, null removes, anything else replaces.
func mergeValue(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergeValue(t[k], v)
		}
	}
	return t
}

// propertiesDoc is a record's values as the JSON a client reads, without
// the nulls (absent and null are the same to a merge patch).
func propertiesDoc(l *layer.Layer, props []any) map[string]any {
	doc := make(map[string]any, len(props))
	for i, f := range l.Fields {
		if i >= len(props) || props[i] == nil {
			continue
		}
		doc[f.Name] = jsonValue(f.Type, props[i])
	}
	return doc
}

func jsonValue(t layer.FieldType, v any) any {
	switch v := v.(type) {
	case float64:
		return json.Number(strconv.FormatFloat(v, 'g', -1, 64))
	case time.Time:
		if t == layer.Date {
			return v.UTC().Format(time.DateOnly)
		}
		return v.UTC().Format(time.RFC3339Nano)
	case json.RawMessage:
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		var out any
		if err := dec.Decode(&out); err != nil {
			return v
		}
		return out
	}
	return v
}
