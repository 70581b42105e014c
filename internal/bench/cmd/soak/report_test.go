package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteSection(t *testing.T) {
	const section = "## Soak\n\nnew figures\n\n"
	for _, tc := range []struct{ name, old, want string }{
		{"absent", "# B\n\n## Items\n\nx\n", "# B\n\n## Items\n\nx\n\n## Soak\n\nnew figures\n\n"},
		{"before package benchmarks", "# B\n\n## Items\n\n## Package benchmarks\n\ny\n", "# B\n\n## Items\n\n## Soak\n\nnew figures\n\n## Package benchmarks\n\ny\n"},
		{"replaced", "# B\n\n## Soak\n\nold\n\n## Package benchmarks\n", "# B\n\n## Soak\n\nnew figures\n\n## Package benchmarks\n"},
		{"replaced at the end", "# B\n\n## Soak\n\nold\n", "# B\n\n## Soak\n\nnew figures\n\n"},
		{"no file", "", section},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
			if tc.old != "" {
				if err := os.WriteFile(path, []byte(tc.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := writeSection(path, section); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}

func TestRSSThirds(t *testing.T) {
	var r result
	for i, mb := range []int64{100, 300, 110, 120, 130, 125, 200, 140, 150} {
		r.samples = append(r.samples, sample{at: 0, goroutines: i, rss: mb << 20})
	}
	first, last, allowed, ok := r.rssThirds()
	if !ok || first != 110<<20 || last != 150<<20 || allowed != rssGrowthSlack {
		t.Fatalf("first %d last %d allowed %d ok %v", first>>20, last>>20, allowed>>20, ok)
	}
	if _, _, _, ok := (&result{samples: r.samples[:2]}).rssThirds(); ok {
		t.Fatal("two samples gave thirds")
	}
}
