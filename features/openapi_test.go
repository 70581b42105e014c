package features

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func openAPIDocument(t *testing.T, mux http.Handler) map[string]any {
	t.Helper()
	r := get(t, mux, "/api")
	if r.Status != 200 || r.Header.Get("Content-Type") != mediaOpenAPI {
		t.Fatalf("status %d, Content-Type %q", r.Status, r.Header.Get("Content-Type"))
	}
	return decode(t, r)
}

func TestOpenAPIStructure(t *testing.T) {
	mux, _ := newTestMux(t)
	doc := openAPIDocument(t, mux)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.0.") {
		t.Fatalf("openapi %q", v)
	}
	info := doc["info"].(map[string]any)
	if info["title"] != "CSDI test" || info["version"] != "test" {
		t.Errorf("info %v", info)
	}
	if servers := doc["servers"].([]any); servers[0].(map[string]any)["url"] != testBase {
		t.Errorf("servers %v", servers)
	}

	t.Run("every $ref resolves", func(t *testing.T) {
		walk(doc, func(ref string) {
			if _, ok := resolvePointer(doc, ref); !ok {
				t.Errorf("$ref %q does not resolve", ref)
			}
		})
	})

	paths := doc["paths"].(map[string]any)
	templateParam := regexp.MustCompile(`\{([^}]+)\}`)
	operationIDs := map[string]string{}
	for path, item := range paths {
		t.Run(path, func(t *testing.T) {
			if !strings.HasPrefix(path, "/") {
				t.Fatal("path does not start with /")
			}
			var inPath []string
			for _, m := range templateParam.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			slices.Sort(inPath)
			for method, opv := range item.(map[string]any) {
				op := opv.(map[string]any)
				if id, _ := op["operationId"].(string); id == "" {
					t.Errorf("%s has no operationId", method)
				} else if other, dup := operationIDs[id]; dup {
					t.Errorf("operationId %q also used by %s", id, other)
				} else {
					operationIDs[id] = path
				}
				if rs, _ := op["responses"].(map[string]any); len(rs) == 0 {
					t.Errorf("%s has no responses", method)
				}
				var declared []string
				seen := map[string]bool{}
				params, _ := op["parameters"].([]any)
				for _, pv := range params {
					p := pv.(map[string]any)
					if ref, ok := p["$ref"].(string); ok {
						r, _ := resolvePointer(doc, ref)
						p = r.(map[string]any)
					}
					key := p["in"].(string) + ":" + p["name"].(string)
					if seen[key] {
						t.Errorf("%s declares %s twice", method, key)
					}
					seen[key] = true
					if _, ok := p["schema"]; !ok {
						t.Errorf("%s parameter %s has no schema", method, key)
					}
					if p["in"] == "path" {
						if p["required"] != true {
							t.Errorf("path parameter %s is not required", p["name"])
						}
						declared = append(declared, p["name"].(string))
					}
				}
				slices.Sort(declared)
				if !slices.Equal(declared, inPath) {
					t.Errorf("%s declares path parameters %v, the path has %v", method, declared, inPath)
				}
			}
		})
	}
}

func TestOpenAPIDescribesCollections(t *testing.T) {
	mux, _ := newTestMux(t)
	doc := openAPIDocument(t, mux)
	paths := doc["paths"].(map[string]any)
	params := func(path string) map[string]map[string]any {
		item, ok := paths[path].(map[string]any)
		if !ok {
			t.Fatalf("no path %s", path)
		}
		out := map[string]map[string]any{}
		for _, pv := range item["get"].(map[string]any)["parameters"].([]any) {
			p := pv.(map[string]any)
			if ref, ok := p["$ref"].(string); ok {
				r, _ := resolvePointer(doc, ref)
				p = r.(map[string]any)
			}
			out[p["name"].(string)] = p
		}
		return out
	}
	b := params("/collections/buildings/items")
	for name, typ := range map[string]string{"name": "string", "height": "number", "floors": "integer",
		"listed": "boolean", "built": "string", "updated": "string", "bbox": "array", "limit": "integer", "offset": "integer"} {
		p, ok := b[name]
		if !ok {
			t.Errorf("buildings items lacks parameter %s", name)
			continue
		}
		if got := p["schema"].(map[string]any)["type"]; got != typ {
			t.Errorf("parameter %s has type %v, want %s", name, got, typ)
		}
	}
	for _, absent := range []string{"datetime", "tags", "extra"} {
		if _, ok := b[absent]; ok {
			t.Errorf("buildings items declares %s", absent)
		}
	}
	limit := b["limit"]["schema"].(map[string]any)
	if limit["default"] != float64(10) || limit["maximum"] != float64(10000) {
		t.Errorf("limit schema %v", limit)
	}
	if _, ok := params("/collections/events/items")["datetime"]; !ok {
		t.Error("events items lacks datetime")
	}
	if _, ok := params("/collections/places/items")["名稱"]; !ok {
		t.Error("places items lacks its Chinese-named attribute")
	}
	for _, p := range []string{"/collections/places", "/collections/places/items/{featureId}",
		"/tiles/{layers}/{z}/{x}/{y}.mvt"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("no path %s", p)
		}
	}
}

// Every path the document describes is served: filled in, none answers
// 404 (or fails).
func TestOpenAPIPathsAreServed(t *testing.T) {
	mux, c := newTestMux(t)
	doc := openAPIDocument(t, mux)
	firstID := map[string]string{}
	for _, l := range c.layers {
		s, _ := c.Snapshot(l.ID)
		if f, ok := s.At(0); ok {
			firstID[l.ID] = f.ID.String()
		}
	}
	fill := strings.NewReplacer("{collectionId}", "buildings", "{layers}", "buildings",
		"{tileMatrix}", "0", "{tileRow}", "0", "{tileCol}", "0", "{z}", "0", "{x}", "0", "{y}", "0")
	for path := range doc["paths"].(map[string]any) {
		target := fill.Replace(path)
		if strings.Contains(target, "{featureId}") {
			id := strings.TrimPrefix(strings.TrimSuffix(target, "/items/{featureId}"), "/collections/")
			target = strings.Replace(target, "{featureId}", firstID[id], 1)
		}
		t.Run(path, func(t *testing.T) {
			if r := get(t, mux, target); r.Status == http.StatusNotFound || r.Status >= 500 {
				t.Errorf("GET %s: %d %s", target, r.Status, r.Body)
			}
		})
	}
}

// walk calls fn with every $ref in v.
func walk(v any, fn func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "$ref" {
				fn(s)
				continue
			}
			walk(e, fn)
		}
	case []any:
		for _, e := range v {
			walk(e, fn)
		}
	}
}

// resolvePointer follows a local JSON pointer (#/a/b).
func resolvePointer(doc any, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	cur := doc
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func TestOpenAPIIsStable(t *testing.T) {
	mux, _ := newTestMux(t)
	a, b := get(t, mux, "/api").Body, get(t, mux, "/api").Body
	if string(a) != string(b) {
		t.Error("two requests give different documents")
	}
	var v any
	if err := json.Unmarshal(a, &v); err != nil {
		t.Fatal(err)
	}
}
