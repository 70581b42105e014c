package cql2

import (
	"strings"
	"unicode/utf8"
)

// tokKind classifies cql2-text tokens. Keywords are not separate kinds: they
// are identifiers, and the parser decides from context (DATE is a literal
// only when followed by '(', so a property may still be called "date").
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // "double-quoted identifier"
	tString
	tNumber
	tLParen
	tRParen
	tComma
	tOp // = <> < > <= >= + - * / % ^
)

type token struct {
	kind tokKind
	text string // raw identifier/number/operator text; unescaped for strings and quoted identifiers
	off  int    // byte offset of the first character
}

// lexer turns cql2-text into tokens on demand, one token of lookahead at a
// time, so a pathological input costs no more memory than its length.
type lexer struct {
	src string
	pos int
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			l.pos++
		default:
			return
		}
	}
}

// next scans one token; on a lexical error it returns a *SyntaxError.
func (l *lexer) next() (token, error) {
	l.skipSpace()
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, off: start}, nil
	}
	c := l.src[l.pos]
	switch {
	case c == '(':
		l.pos++
		return token{kind: tLParen, text: "(", off: start}, nil
	case c == ')':
		l.pos++
		return token{kind: tRParen, text: ")", off: start}, nil
	case c == ',':
		l.pos++
		return token{kind: tComma, text: ",", off: start}, nil
	case c == '<':
		l.pos++
		if l.pos < len(l.src) && (l.src[l.pos] == '=' || l.src[l.pos] == '>') {
			l.pos++
		}
		return token{kind: tOp, text: l.src[start:l.pos], off: start}, nil
	case c == '>':
		l.pos++
		if l.pos < len(l.src) && l.src[l.pos] == '=' {
			l.pos++
		}
		return token{kind: tOp, text: l.src[start:l.pos], off: start}, nil
	case strings.IndexByte("=+-*/%^", c) >= 0:
		l.pos++
		return token{kind: tOp, text: l.src[start:l.pos], off: start}, nil
	case c == '\'':
		return l.quoted('\'', tString)
	case c == '"':
		return l.quoted('"', tQuoted)
	case isDigit(c) || (c == '.' && l.pos+1 < len(l.src) && isDigit(l.src[l.pos+1])):
		return l.number()
	}
	r, size := utf8.DecodeRuneInString(l.src[l.pos:])
	if r == utf8.RuneError && size <= 1 {
		return token{}, l.errAt(start, "invalid UTF-8")
	}
	if !isIdentStart(r) {
		return token{}, l.errAt(start, "unexpected character "+quoteFound(string(r)))
	}
	l.pos += size
	for l.pos < len(l.src) {
		r, size = utf8.DecodeRuneInString(l.src[l.pos:])
		if !isIdentPart(r) {
			break
		}
		l.pos += size
	}
	return token{kind: tIdent, text: l.src[start:l.pos], off: start}, nil
}

// quoted scans a '...' character literal or a "..." identifier; the quote
// character is escaped by doubling it ('O”Brien'). Backslashes are kept
// as they are: they only mean something inside LIKE patterns.
func (l *lexer) quoted(q byte, kind tokKind) (token, error) {
	start := l.pos
	l.pos++
	var b strings.Builder
	from := l.pos
	for {
		i := strings.IndexByte(l.src[l.pos:], q)
		if i < 0 {
			l.pos = len(l.src)
			return token{}, l.errAt(start, "unterminated "+map[byte]string{'\'': "string", '"': "quoted identifier"}[q])
		}
		l.pos += i
		if l.pos+1 < len(l.src) && l.src[l.pos+1] == q {
			b.WriteString(l.src[from : l.pos+1])
			l.pos += 2
			from = l.pos
			continue
		}
		b.WriteString(l.src[from:l.pos])
		l.pos++
		s := b.String()
		if !utf8.ValidString(s) {
			return token{}, l.errAt(start, "invalid UTF-8")
		}
		return token{kind: kind, text: s, off: start}, nil
	}
}

// number scans an unsigned numeric literal: digits, optional fraction,
// optional exponent. Signs are unary operators handled by the parser.
func (l *lexer) number() (token, error) {
	start := l.pos
	for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
		l.pos++
	}
	if l.pos < len(l.src) && l.src[l.pos] == '.' {
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
	}
	if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
		p := l.pos + 1
		if p < len(l.src) && (l.src[p] == '+' || l.src[p] == '-') {
			p++
		}
		if p < len(l.src) && isDigit(l.src[p]) {
			for p < len(l.src) && isDigit(l.src[p]) {
				p++
			}
			l.pos = p
		}
	}
	return token{kind: tNumber, text: l.src[start:l.pos], off: start}, nil
}

func (l *lexer) errAt(off int, msg string) *SyntaxError {
	e := &SyntaxError{Offset: off, Msg: msg}
	e.Line, e.Column = lineCol(l.src, off)
	return e
}

// lineCol converts a byte offset to a 1-based line and rune column.
func lineCol(src string, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line, col := 1, 1
	for _, r := range src[:off] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isIdentStart and isIdentPart follow the identifier rules of the CQL2 BNF
// (which copies XML's NameStartChar / NameChar, plus ':' and '.').
func isIdentStart(r rune) bool {
	switch {
	case r == ':' || r == '_' || ('A' <= r && r <= 'Z') || ('a' <= r && r <= 'z'):
		return true
	case r < 0xC0:
		return false
	case r <= 0xD6, 0xD8 <= r && r <= 0xF6, 0xF8 <= r && r <= 0x2FF,
		0x370 <= r && r <= 0x37D, 0x37F <= r && r <= 0x1FFE, 0x200C <= r && r <= 0x200D,
		0x2070 <= r && r <= 0x218F, 0x2C00 <= r && r <= 0x2FEF, 0x3001 <= r && r <= 0xD7FF,
		0xF900 <= r && r <= 0xFDCF, 0xFDF0 <= r && r <= 0xFFFD, 0x10000 <= r && r <= 0xEFFFF:
		return true
	}
	return false
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || r == '.' || ('0' <= r && r <= '9') ||
		(0x300 <= r && r <= 0x36F) || (0x203F <= r && r <= 0x2040)
}

// isIdentifier reports whether s can be written as a bare identifier.
func isIdentifier(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for i, r := range s {
		if i == 0 && !isIdentStart(r) || i > 0 && !isIdentPart(r) {
			return false
		}
	}
	return true
}

// reserved words can never be bare property or function names.
var reserved = []string{"AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE", "DIV"}

func isReserved(s string) bool {
	for _, w := range reserved {
		if equalFold(s, w) {
			return true
		}
	}
	return false
}

// literalForms are names that mean a literal, not a function, before '('.
var literalForms = []string{"DATE", "TIMESTAMP", "INTERVAL", "BBOX", "POINT", "LINESTRING", "POLYGON",
	"MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION", "CASEI", "ACCENTI"}

// isSpecialCall reports whether name followed by '(' is not a custom
// function: a literal constructor, CASEI/ACCENTI or a standard predicate.
func isSpecialCall(name string) bool {
	for _, w := range literalForms {
		if equalFold(name, w) {
			return true
		}
	}
	_, fam := canonicalOp(name)
	return fam != 0 || isReserved(name)
}

func quoteFound(s string) string {
	if r := []rune(s); len(r) > 40 {
		s = string(r[:37]) + "..."
	}
	return "'" + s + "'"
}
