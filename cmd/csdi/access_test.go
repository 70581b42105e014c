package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/auth"
)

// Writes go only to editors of the layer's owning department (and admins):
// API keys from the config, kept there only as hashes.
func TestWritesNeedTheOwningDepartmentsEditor(t *testing.T) {
	dir := t.TempDir()
	keys := map[string]string{}
	var yaml strings.Builder
	yaml.WriteString("auth:\n  api_keys:\n")
	for _, k := range []struct{ name, dept, role string }{
		{"fehd-editor", "Food and Environmental Hygiene Department", "editor"},
		{"fehd-viewer", "Food and Environmental Hygiene Department", "viewer"},
		{"td-editor", "Transport Department", "editor"},
		{"swd-analyst", "Social Welfare Department", "analyst"},
		{"td-analyst", "Transport Department", "analyst"},
	} {
		key, hash, err := auth.NewAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		keys[k.name] = key
		yaml.WriteString("    - {name: " + k.name + ", department: " + k.dept + ", roles: [" + k.role + "], hash: \"" + hash + "\"}\n")
	}
	cfg := filepath.Join(dir, "csdi.yaml")
	if err := os.WriteFile(cfg, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, map[string]string{
		"CSDI_CONFIG":         cfg,
		"CSDI_EMBEDDED_PATH":  filepath.Join(dir, "demo.gpkg"),
		"CSDI_DEMO_BUILDINGS": "500",
	})
	body := `{"type":"Feature","geometry":{"type":"Point","coordinates":[114.17,22.31]},"properties":{"name_en":"Edited"}}`
	put := func(key, hdr string) (*http.Response, string) {
		req, _ := http.NewRequest("PUT", s.base+"/collections/public_toilets/items/1", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/geo+json")
		if key != "" {
			req.Header.Set(hdr, key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, c := range []struct {
		name, key, hdr string
		want           int
	}{
		{"anonymous", "", "", 401},
		{"unknown key", "not-a-key-of-ours-0123456789", "X-API-Key", 401},
		{"malformed bearer token", "Bearer eyJhbGciOiJub25lIn0.e30.", "Authorization", 401},
		{"viewer of the owning department", keys["fehd-viewer"], "X-API-Key", 403},
		{"editor of another department", keys["td-editor"], "X-API-Key", 403},
		{"editor of the owning department", "Bearer " + keys["fehd-editor"], "Authorization", 204},
	} {
		resp, b := put(c.key, c.hdr)
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, resp.StatusCode, b, c.want)
		}
		if c.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: 401 without a Bearer challenge: %q", c.name, resp.Header.Get("WWW-Authenticate"))
		}
		if c.want >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %s, want application/problem+json", c.name, resp.Header.Get("Content-Type"))
		}
	}
	// A token that cannot be checked is refused on reads too, rather than
	// silently served as the public.
	resp, _ := s.get(t, "/collections", "Authorization", "Bearer a.b.c")
	if resp.StatusCode != 401 {
		t.Errorf("GET with a malformed bearer token: %d, want 401", resp.StatusCode)
	}
	if resp, body := s.get(t, "/collections/public_toilets/items/1"); !strings.Contains(string(body), "Edited") {
		t.Errorf("the owning editor's PUT is not served: %d %s", resp.StatusCode, body)
	}

	// The sensitive layer in full: only for analysts of its own department.
	hkid := regexp.MustCompile(`"hkid":"[A-Z]{1,2}[0-9]{6}\([0-9A]\)"`)
	for _, c := range []struct {
		who, key string
		full     bool
	}{{"anonymous", "", false}, {"another department's analyst", keys["td-analyst"], false}, {"the owning department's analyst", keys["swd-analyst"], true}} {
		var hdr []string
		if c.key != "" {
			hdr = []string{"X-API-Key", c.key}
		}
		resp, body := s.get(t, "/collections/elderly_home_care/items?limit=5", hdr...)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", c.who, resp.StatusCode, body)
		}
		if got := hkid.Match(body); got != c.full {
			t.Errorf("%s: full HKIDs served = %v, want %v: %.300s", c.who, got, c.full, body)
		}
		if c.full && !strings.Contains(resp.Header.Get("Cache-Control"), "private") && resp.Header.Get("Cache-Control") != "" {
			t.Errorf("the full view is cacheable by shared caches: %q", resp.Header.Get("Cache-Control"))
		}
	}

	// Both the write and the unmasked read are in the audit trail.
	var out strings.Builder
	env := map[string]string{"CSDI_CONFIG": cfg, "CSDI_EMBEDDED_PATH": filepath.Join(dir, "demo.gpkg")}
	if err := run(context.Background(), []string{"audit", "list", "-json"}, &out, io.Discard, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("csdi audit list: %v", err)
	}
	log := out.String()
	for _, want := range []string{`/fehd-editor"`, `"write"`, `/swd-analyst"`, `"read-unmasked"`, `elderly_home_care`} {
		if !strings.Contains(log, want) {
			t.Errorf("the audit trail lacks %s:\n%s", want, log)
		}
	}
	if strings.Contains(log, "td-analyst") || strings.Contains(log, "td-editor") {
		t.Errorf("refused or masked requests are in the audit trail as if served:\n%s", log)
	}
	if err := run(context.Background(), []string{"audit", "verify"}, io.Discard, io.Discard, func(k string) string { return env[k] }); err != nil {
		t.Errorf("csdi audit verify: %v", err)
	}
}
