package tiles

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPIPaths checks every documented path parameter appears in its
// path and that the document is plain JSON.
func TestOpenAPIPaths(t *testing.T) {
	paths := OpenAPIPaths()
	if len(paths) != 4 {
		t.Errorf("%d paths, want 4", len(paths))
	}
	for path, item := range paths {
		op := item.(map[string]any)["get"].(map[string]any)
		for _, p := range op["parameters"].([]any) {
			name := p.(map[string]any)["name"].(string)
			if !strings.Contains(path, "{"+name+"}") {
				t.Errorf("%s: parameter %s is not in the path", path, name)
			}
		}
		if _, err := json.Marshal(item); err != nil {
			t.Errorf("%s: %v", path, err)
		}
	}
}
