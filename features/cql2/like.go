package cql2

import (
	"strings"
	"unicode/utf8"
)

// likePattern is a compiled LIKE pattern: '%' matches any run of
// characters, '_' exactly one character, and '\' makes the next character
// literal ('\%', '\_', '\\'). Common shapes (exact, prefix%, %suffix,
// %infix%) use the strings package; the rest a backtracking matcher that
// is O(len(s)·len(pattern)) in the worst case and never recursive.
type likePattern struct {
	toks  []likeTok
	shape byte // 'e'xact, 'p'refix, 's'uffix, 'c'ontains, or 0 (general)
	lit   string
}

type likeTok struct {
	kind byte // 'l' literal rune, '_' one rune, '%' any run
	r    rune
}

func compileLike(p string) likePattern {
	var toks []likeTok
	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		i += size
		switch r {
		case '\\':
			if i < len(p) {
				r, size = utf8.DecodeRuneInString(p[i:])
				i += size
			}
			toks = append(toks, likeTok{kind: 'l', r: r})
		case '%':
			if len(toks) == 0 || toks[len(toks)-1].kind != '%' {
				toks = append(toks, likeTok{kind: '%'})
			}
		case '_':
			toks = append(toks, likeTok{kind: '_'})
		default:
			toks = append(toks, likeTok{kind: 'l', r: r})
		}
	}
	lp := likePattern{toks: toks}
	// Recognise literal runs framed by at most one '%' on each side.
	lo, hi := 0, len(toks)
	lead := lo < hi && toks[lo].kind == '%'
	if lead {
		lo++
	}
	trail := hi > lo && toks[hi-1].kind == '%'
	if trail {
		hi--
	}
	var b strings.Builder
	for _, t := range toks[lo:hi] {
		if t.kind != 'l' {
			return lp
		}
		b.WriteRune(t.r)
	}
	lp.lit = b.String()
	switch {
	case lead && trail:
		lp.shape = 'c'
	case lead:
		lp.shape = 's'
	case trail:
		lp.shape = 'p'
	default:
		lp.shape = 'e'
	}
	return lp
}

func (lp *likePattern) match(s string) bool {
	switch lp.shape {
	case 'e':
		return s == lp.lit
	case 'p':
		return strings.HasPrefix(s, lp.lit)
	case 's':
		return strings.HasSuffix(s, lp.lit)
	case 'c':
		return strings.Contains(s, lp.lit)
	}
	// Greedy match with one backtrack point: the last '%' seen and the
	// input position it is currently assumed to cover up to.
	ti, si := 0, 0
	star, starSi := -1, 0
	for si < len(s) {
		if ti < len(lp.toks) {
			t := lp.toks[ti]
			if t.kind == '%' {
				star, starSi = ti, si
				ti++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[si:])
			if t.kind == '_' || t.r == r {
				ti++
				si += size
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, size := utf8.DecodeRuneInString(s[starSi:])
		starSi += size
		si = starSi
		ti = star + 1
	}
	for ti < len(lp.toks) && lp.toks[ti].kind == '%' {
		ti++
	}
	return ti == len(lp.toks)
}
