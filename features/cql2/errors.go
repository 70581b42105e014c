package cql2

import (
	"fmt"
	"strings"
)

// SyntaxError reports where and why a filter does not parse. For cql2-text,
// Offset (bytes), Line and Column (1-based, in runes) point at the offending
// token; for cql2-json, Path names the offending member ("args[1].args[0]")
// and Offset/Line/Column are set only for malformed JSON.
type SyntaxError struct {
	Offset, Line, Column int
	Path                 string
	Found                string   // the offending token, or "end of input"
	Expected             []string // what would have been valid there
	Msg                  string   // used when Expected is empty
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	switch {
	case e.Path != "":
		fmt.Fprintf(&b, "at %s: ", e.Path)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if len(e.Expected) > 0 {
		b.WriteString("expected ")
		for i, x := range e.Expected {
			if i > 0 {
				if i == len(e.Expected)-1 {
					b.WriteString(" or ")
				} else {
					b.WriteString(", ")
				}
			}
			b.WriteString(x)
		}
		if e.Found != "" {
			b.WriteString(", found ")
			b.WriteString(e.Found)
		}
		if e.Msg != "" {
			b.WriteString(" (" + e.Msg + ")")
		}
		return b.String()
	}
	b.WriteString(e.Msg)
	if e.Found != "" {
		b.WriteString(", found ")
		b.WriteString(e.Found)
	}
	return b.String()
}

// Error is a semantic error found by Compile: an unknown property or
// function, or operands of the wrong type. Msg is safe to show to clients:
// it names only what the client wrote and the queryables' public schema.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errorf(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }
