package features

import "testing"

func TestEscapeSegment(t *testing.T) {
	for id, want := range map[string]string{
		"42": "42", "a b": "a%20b", "a/b": "a%2Fb", ".": "%2E", "..": "%2E%2E", "...": "...", "香港": "%E9%A6%99%E6%B8%AF",
	} {
		if got := escapeSegment(id); got != want {
			t.Errorf("escapeSegment(%q) = %q, want %q", id, got, want)
		}
	}
}
