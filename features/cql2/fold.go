package cql2

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// caseFold implements CASEI: Unicode full case folding, so 'Straße' and
// 'STRASSE' compare equal. ASCII strings take a fast path; a cases.Caser is
// stateful, so each call makes its own.
func caseFold(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		upper = upper || ('A' <= c && c <= 'Z')
	}
	if ascii {
		if !upper {
			return s
		}
		return strings.ToLower(s)
	}
	return cases.Fold().String(s)
}

// accentFold implements ACCENTI: decompose (NFD), drop non-spacing marks,
// recompose, so 'débárquér' equals 'debarquer'. ASCII has no accents.
func accentFold(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
			out, _, err := transform.String(t, s)
			if err != nil {
				return s
			}
			return out
		}
	}
	return s
}
