package features

import (
	"net/http"
	"testing"
)

func TestQueryables(t *testing.T) {
	mux, _ := newTestMux(t)
	r := get(t, mux, "/collections/buildings/queryables")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != mediaSchema {
		t.Fatalf("status %d type %q: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	doc := decode(t, r)
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["$id"] != "http://csdi.test/collections/buildings/queryables" {
		t.Errorf("$schema %v $id %v", doc["$schema"], doc["$id"])
	}
	props := doc["properties"].(map[string]any)
	want := map[string][2]string{
		"geometry": {"", "geometry-polygon"},
		"name":     {"string", ""},
		"height":   {"number", ""},
		"floors":   {"integer", ""},
		"listed":   {"boolean", ""},
		"built":    {"string", "date"},
		"updated":  {"string", "date-time"},
		"tags":     {"array", ""},
		"limit":    {"integer", ""},
	}
	if len(props) != len(want) {
		t.Errorf("%d queryables, want %d (json is not queryable): %v", len(props), len(want), props)
	}
	for name, tf := range want {
		p, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s is not queryable", name)
			continue
		}
		if typ, _ := p["type"].(string); typ != tf[0] {
			t.Errorf("%s type %q, want %q", name, typ, tf[0])
		}
		if f, _ := p["format"].(string); f != tf[1] {
			t.Errorf("%s format %q, want %q", name, f, tf[1])
		}
	}
	if r := get(t, mux, "/collections/buildings/queryables?f=html"); r.Status != http.StatusOK {
		t.Errorf("HTML: status %d", r.Status)
	}
	if r := get(t, mux, "/collections/nowhere/queryables"); r.Status != http.StatusNotFound {
		t.Errorf("unknown collection: status %d", r.Status)
	}
}
