package privacy

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// mask is what stands for hidden text: always three asterisks, whatever was
// hidden, so the mask does not tell the hidden part's length.
const mask = "***"

// hkidPattern matches a Hong Kong Identity Card number: one or two letters,
// six digits and a check digit (0-9 or A), the check digit usually in
// brackets: A123456(7), AB123456(7), A1234567.
var hkidPattern = regexp.MustCompile(`^([A-Z]{1,2})([0-9]{6})\s*(?:\(\s*([0-9A])\s*\)|([0-9A]))$`)

// partial hides most of s. An HKID keeps its letters and first three digits
// (A123456(7) → A123***(*)), whichever way it was written; any other text
// keeps its first third (in characters) and the rest becomes "***". The
// result is never s itself.
func partial(s string) string {
	t := strings.TrimSpace(s)
	if m := hkidPattern.FindStringSubmatch(strings.ToUpper(t)); m != nil {
		return m[1] + m[2][:3] + "***(*)"
	}
	n := utf8.RuneCountInString(t)
	var b strings.Builder
	for _, r := range []rune(t)[:n/3] {
		b.WriteRune(r) // invalid bytes became U+FFFD: the result is valid UTF-8
	}
	b.WriteString(mask)
	if out := b.String(); out != s {
		return out
	}
	// Text that already looked masked ("a***"): say nothing of it.
	return mask
}
