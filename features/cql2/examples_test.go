package cql2

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// example is one expression of the CQL2 standard in both encodings, from
// testdata/cql2 at the repository root (see its README).
type example struct {
	name       string
	text, json string
}

func loadExamples(t testing.TB) []example {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "cql2")
	txts, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(txts) == 0 {
		t.Fatalf("no examples in %s: %v", dir, err)
	}
	sort.Strings(txts)
	var out []example
	for _, tf := range txts {
		name := strings.TrimSuffix(filepath.Base(tf), ".txt")
		txt, err := os.ReadFile(tf)
		if err != nil {
			t.Fatal(err)
		}
		js, err := os.ReadFile(strings.TrimSuffix(tf, ".txt") + ".json")
		if err != nil {
			t.Fatalf("%s has no JSON twin: %v", name, err)
		}
		out = append(out, example{name, strings.TrimSpace(string(txt)), string(js)})
	}
	return out
}

// TestExamples parses every example of the standard in both encodings,
// requires the two trees to be equal, and round-trips each through both
// printers.
func TestExamples(t *testing.T) {
	exs := loadExamples(t)
	if len(exs) < 100 {
		t.Fatalf("only %d examples", len(exs))
	}
	for _, ex := range exs {
		t.Run(ex.name, func(t *testing.T) {
			te, err := ParseText(ex.text, Limits{})
			if err != nil {
				t.Fatalf("ParseText(%s): %v", ex.text, err)
			}
			je, err := ParseJSON([]byte(ex.json), Limits{})
			if err != nil {
				t.Fatalf("ParseJSON(%s): %v", ex.json, err)
			}
			if !Equal(te, je) {
				t.Fatalf("text and JSON differ:\ntext: %s\njson: %s", Text(te), Text(je))
			}
			checkRoundTrip(t, te)
		})
	}
}

// checkRoundTrip requires Text and JSON output to reparse to an equal tree
// and to be stable (printing the reparsed tree gives the same bytes).
func checkRoundTrip(t testing.TB, e Expr) {
	t.Helper()
	txt := Text(e)
	back, err := ParseText(txt, Limits{MaxLength: 1 << 30, MaxDepth: 1 << 20})
	if err != nil {
		t.Fatalf("reparse text %q: %v", txt, err)
	}
	if !Equal(e, back) {
		t.Fatalf("text round trip changed the tree:\n%s\n%s", txt, Text(back))
	}
	if Text(back) != txt {
		t.Fatalf("text not stable: %q then %q", txt, Text(back))
	}
	js := JSON(e)
	backj, err := ParseJSON(js, Limits{MaxLength: 1 << 30, MaxDepth: 1 << 20})
	if err != nil {
		t.Fatalf("reparse JSON %s: %v", js, err)
	}
	if !Equal(e, backj) {
		t.Fatalf("JSON round trip changed the tree:\n%s\n%s", js, JSON(backj))
	}
	if string(JSON(backj)) != string(js) {
		t.Fatalf("JSON not stable: %s then %s", js, JSON(backj))
	}
}
