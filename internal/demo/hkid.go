package demo

import (
	"fmt"
	"math/rand/v2"
)

// An HKID number is one or two letters, six digits and a check character
// in parentheses: "A123456(3)". The check character makes the weighted sum
// of all characters a multiple of 11, each letter counting A=10 … Z=35 and
// the missing first letter of a one-letter number counting as a space, 36.

// hkidCheck returns the check character for prefix (one or two capital
// letters) and six digits.
func hkidCheck(prefix, digits string) byte {
	vals := make([]int, 0, 8)
	if len(prefix) == 1 {
		vals = append(vals, 36)
	}
	for _, c := range []byte(prefix) {
		vals = append(vals, int(c-'A')+10)
	}
	for _, c := range []byte(digits) {
		vals = append(vals, int(c-'0'))
	}
	sum := 0
	for i, v := range vals {
		sum += v * (9 - i) // weights 9, 8, …, 2
	}
	switch check := (11 - sum%11) % 11; check {
	case 10:
		return 'A'
	default:
		return byte('0' + check)
	}
}

// validHKID reports whether s is a well-formed HKID number with the right
// check character.
func validHKID(s string) bool {
	n := len(s)
	if n != 10 && n != 11 || s[n-3] != '(' || s[n-1] != ')' {
		return false
	}
	letters := n - 9 // one or two
	prefix, digits := s[:letters], s[letters:letters+6]
	for _, c := range []byte(prefix) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s[n-2] == hkidCheck(prefix, digits)
}

// Letters older residents' cards start with; a few hold two-letter numbers.
var (
	hkidLetters   = []string{"A", "B", "C", "D", "E", "G", "H", "K", "M", "P", "R", "V", "Y", "Z"}
	hkidTwoLetter = []string{"WX", "XA", "XB"}
)

// fakeHKID makes up a well-formed HKID number.
func fakeHKID(r *rand.Rand) string {
	prefix := pick(r, hkidLetters)
	if chance(r, 0.05) {
		prefix = pick(r, hkidTwoLetter)
	}
	digits := fmt.Sprintf("%06d", r.IntN(1_000_000))
	return fmt.Sprintf("%s%s(%c)", prefix, digits, hkidCheck(prefix, digits))
}
