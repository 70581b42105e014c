package demo

import (
	"fmt"
	"testing"
)

func TestHKIDCheckCharacter(t *testing.T) {
	cases := []struct {
		id   string
		want bool
	}{
		{"A123456(3)", true},
		{"G123456(A)", true},  // check value 10 is written A
		{"AB987654(3)", true}, // two letters: no space value
		{"A123456(4)", false},
		{"G123456(0)", false},
		{"a123456(3)", false},
		{"A12345(3)", false},
		{"A1234567(3)", false},
		{"A123456[3]", false},
		{"A123456-3", false},
		{"", false},
	}
	for _, c := range cases {
		if got := validHKID(c.id); got != c.want {
			t.Errorf("validHKID(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}

// TestHKIDCheckWalk walks a run of numbers: exactly one check character of
// the eleven (0-9, A) is valid for each.
func TestHKIDCheckWalk(t *testing.T) {
	for _, prefix := range []string{"A", "Z", "XA"} {
		for n := 0; n < 1_000_000; n += 7_919 {
			digits := fmt.Sprintf("%06d", n)
			valid := 0
			for _, c := range "0123456789A" {
				if validHKID(fmt.Sprintf("%s%s(%c)", prefix, digits, c)) {
					valid++
				}
			}
			if valid != 1 {
				t.Fatalf("%s%s: %d valid check characters", prefix, digits, valid)
			}
		}
	}
}

func FuzzValidHKID(f *testing.F) {
	for _, s := range []string{"A123456(3)", "G123456(A)", "AB987654(3)", "A123456(", "((((((((((", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !validHKID(s) {
			return
		}
		letters := len(s) - 9
		if s[len(s)-2] != hkidCheck(s[:letters], s[letters:letters+6]) {
			t.Fatalf("%q accepted with the wrong check character", s)
		}
	})
}
