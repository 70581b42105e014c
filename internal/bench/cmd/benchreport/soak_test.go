package main

import "testing"

func TestSoakSectionIsKept(t *testing.T) {
	md := "# Benchmarks\n\n## Tiles\n\nx\n\n## Soak\n\nfigures\n\n## Package benchmarks\n\ny\n"
	if got := soakSection(md); got != "\n## Soak\n\nfigures\n" {
		t.Errorf("soakSection = %q", got)
	}
	if got := soakSection("# Benchmarks\n\n## Tiles\n"); got != "" {
		t.Errorf("no soak section: %q", got)
	}
	if got := soakSection("a\n## Soak\nlast\n"); got != "\n## Soak\nlast\n" {
		t.Errorf("soak last: %q", got)
	}
}
