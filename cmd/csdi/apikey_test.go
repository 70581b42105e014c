package main

import (
	"context"
	"io"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/csdi-hk/csdi/internal/auth"
)

// csdi apikey prints a key and a config entry holding only its hash, which
// the server then accepts for that key.
func TestAPIKeyCommand(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"apikey", "-name", "etl", "-department", "Lands Department", "-roles", "analyst,editor"}, &out, io.Discard, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`(?m)^#\s+(csdi_\S+)$`).FindStringSubmatch(out.String())
	if key == nil {
		t.Fatalf("no key in\n%s", out.String())
	}
	var entries []auth.APIKey
	if err := yaml.Unmarshal([]byte(out.String()), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("the entry is not YAML: %v\n%s", err, out.String())
	}
	e := entries[0]
	if strings.Contains(out.String(), key[1]+`"`) || e.Hash != auth.HashAPIKey(key[1]) {
		t.Errorf("the entry's hash %q is not the key's", e.Hash)
	}
	if e.Department != "Lands Department" || len(e.Roles) != 2 {
		t.Errorf("entry %+v", e)
	}
	for _, bad := range [][]string{{"apikey", "-name", "x"}, {"apikey", "-name", "x", "-department", "D", "-roles", "root"}} {
		if err := run(context.Background(), bad, io.Discard, io.Discard, func(string) string { return "" }); err == nil {
			t.Errorf("csdi %v: no error", bad)
		}
	}
}
