package privacy

import (
	"fmt"
	"testing"
	"unicode/utf8"
)

func TestPartialHKID(t *testing.T) {
	cases := map[string]string{
		"A123456(7)":     "A123***(*)",
		"AB123456(7)":    "AB123***(*)",
		"Z987654(A)":     "Z987***(*)",
		"a123456(7)":     "A123***(*)",
		" A123456(7) ":   "A123***(*)",
		"A1234567":       "A123***(*)",
		"AB987654A":      "AB987***(*)",
		"A123456 (7)":    "A123***(*)",
		"A123456( 7 )":   "A123***(*)",
		"XY000000(0)":    "XY000***(*)",
		"ABC123456(7)":   "ABC1***", // three letters: not an HKID, text
		"A12345(6)":      "A12***",  // five digits: not an HKID
		"A123456(B)":     "A12***",  // check digit B does not exist
		"A123456(7":      "A12***",  // unbalanced
		"1234567(8)":     "123***",  // no letter
		"A123456(7)(8)":  "A123***", // trailing rubbish
		"陳大文":            "陳***",
		"Chan Tai Man":   "Chan***",
		"ab":             "***",
		"":               "***",
		"   ":            "***",
		"x***":           "***", // already looked masked: nothing more is said
		"\xff\xfe\xfdab": "\uFFFD***",
	}
	for in, want := range cases {
		got := partial(in)
		if got != want {
			t.Errorf("partial(%q) = %q, want %q", in, got, want)
		}
		if got == in {
			t.Errorf("partial(%q) returned its input", in)
		}
		if !utf8.ValidString(got) {
			t.Errorf("partial(%q) = %q is not valid UTF-8", in, got)
		}
	}
}

// TestPartialHidesTheEnd: over many HKIDs, the masked form never carries
// the last three digits or the check digit.
func TestPartialHidesTheEnd(t *testing.T) {
	for i := 0; i < 10000; i += 7 {
		digits := fmt.Sprintf("%06d", i)
		id := "K" + digits + "(" + string(rune('0'+i%10)) + ")"
		got := partial(id)
		if got != "K"+digits[:3]+"***(*)" {
			t.Fatalf("partial(%q) = %q", id, got)
		}
	}
}
