package features

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/csdi-hk/csdi/internal/cache"
)

func TestTruncate(t *testing.T) {
	long := strings.Repeat("香港", 50)
	got := truncate(long)
	if !utf8.ValidString(got) || len(got) > 80+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("truncate gave %q", got)
	}
	if truncate("short") != "short" {
		t.Error("short text changed")
	}
}

func TestCompareIDs(t *testing.T) {
	ids := []cache.ID{cache.NumID(-5), cache.NumID(2), cache.NumID(10), cache.StrID(""), cache.StrID("A"), cache.StrID("a")}
	for i, a := range ids {
		for j, b := range ids {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := a.Compare(b); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", a, b, got, want)
			}
			if (want < 0) != a.Less(b) {
				t.Errorf("Compare disagrees with ID.Less for %v, %v", a, b)
			}
		}
	}
}
