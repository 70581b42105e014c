package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestExampleLoads(t *testing.T) {
	c, err := Load("../../testdata/config/example.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:8080" || c.Features.MaxLimit != 10000 || len(c.Layers) != 1 {
		t.Fatalf("example parsed wrong: %+v", c)
	}
	l := c.Layers[0]
	if l.Title.Zh != "燈柱" || l.Source.IDColumn != "lamp_id" || l.Fields[0].SourceColumn() != "lamp_code" || l.MinZoom != 14 {
		t.Fatalf("layer parsed wrong: %+v", l)
	}
}

func TestDefaultsWithoutFile(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.URL != "" || c.Embedded.Path != "csdi-demo.gpkg" || !*c.Embedded.Demo || c.Features.DefaultLimit != 10 || c.Tiles.Extent != 4096 {
		t.Fatalf("defaults wrong: %+v", c)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	c, err := Load("../../testdata/config/example.yaml", envOf(map[string]string{
		"CSDI_ADDR":             "127.0.0.1:9999",
		"CSDI_DATABASE_URL":     "postgres://u@h/db",
		"CSDI_DATABASE_SCHEMAS": "a, b",
		"CSDI_MAX_LIMIT":        "500",
		"CSDI_LOG_FORMAT":       "json",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:9999" || c.Database.URL != "postgres://u@h/db" ||
		strings.Join(c.Database.Schemas, "|") != "a|b" || c.Features.MaxLimit != 500 || c.Log.Format != "json" {
		t.Fatalf("overrides not applied: %+v", c)
	}
}

func TestBadConfig(t *testing.T) {
	cases := []struct {
		name, yaml string
		env        map[string]string
		want       string
	}{
		{"unknown setting", "server:\n  adr: x\n", nil, "field adr not found"},
		{"not yaml", "server: [\n", nil, "parse YAML"},
		{"limits", "features:\n  default_limit: 50\n  max_limit: 20\n", nil, "features.max_limit"},
		{"env not a number", "", map[string]string{"CSDI_MAX_LIMIT": "lots"}, "CSDI_MAX_LIMIT"},
		{"log level", "log:\n  level: loud\n", nil, "log.level"},
		{"duplicate layer", "layers:\n  - id: a\n  - id: a\n", nil, "used twice"},
		{"bad layer id", "layers:\n  - id: 'a b'\n", nil, "layers[0]"},
		{"bad zooms", "layers:\n  - id: a\n    min_zoom: 9\n    max_zoom: 3\n", nil, "zoom range"},
		{"database url", "database:\n  url: mysql://x\n", nil, "database.url"},
		{"tile buffer", "tiles:\n  buffer: 5000\n", nil, "tiles.buffer"},
		{"admin key in plain text", "writes:\n  admin_key: s3cret-admin-key\n", nil, "writes.admin_key holds a key in plain text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path, envOf(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
			var ce *Error
			if strings.HasPrefix(tc.want, "features") && !errors.As(err, &ce) {
				t.Errorf("want a *config.Error, got %T", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want not-exist", err)
	}
}

func FuzzDecode(f *testing.F) {
	seed, _ := os.ReadFile("../../testdata/config/example.yaml")
	f.Add(string(seed))
	f.Add("layers:\n  - id: a\n")
	f.Fuzz(func(t *testing.T, s string) {
		var c Config
		if Decode(strings.NewReader(s), &c) != nil {
			return
		}
		c.defaults()
		_ = c.Validate()
	})
}
