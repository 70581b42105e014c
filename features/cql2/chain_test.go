package cql2

import (
	"errors"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

// chain joins n copies of term with op: a flat, left-associative chain.
func chain(term, op string, n int) string {
	return strings.Repeat(term+" "+op+" ", n-1) + term
}

// Flat chains of one precedence are one level of depth, as AND and OR
// arguments are, in text and in JSON alike; nesting still counts.
func TestFlatChainsAreNotDeep(t *testing.T) {
	tests := []struct {
		name, src string
	}{
		{"66 terms", chain("floors", "+", 66) + " > 0"},
		{"3000 terms", chain("floors", "+", 3000) + " > 0"},
		{"minus", chain("floors", "-", 500) + " < 0"},
		{"times and divide", chain("height", "*", 300) + " / " + chain("height", "/", 300) + " >= 0"},
		{"div and mod", "floors DIV " + chain("2", "DIV", 200) + " % 7 = 0"},
		{"mixed precedence", chain("floors * 2", "+", 400) + " - " + chain("height", "*", 100) + " > 0"},
		{"within parentheses", "(" + chain("floors", "+", 200) + ") * (" + chain("floors", "-", 200) + ") <> 0"},
		{"unary minus", chain("-floors", "*", 100) + " <> 1"},
		{"as arguments", "floors IN (" + chain("floors", "+", 100) + ", 1) AND height BETWEEN " +
			chain("1", "+", 100) + " AND " + chain("height", "*", 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseText(tc.src, Limits{})
			if err != nil {
				t.Fatalf("ParseText: %v", err)
			}
			js := JSON(e)
			lim := Limits{}
			if len(js) > defaultMaxLength {
				lim.MaxLength = len(js) // JSON spells a chain out at length
			}
			je, err := ParseJSON(js, lim)
			if err != nil {
				t.Fatalf("ParseJSON of the text's JSON form: %v", err)
			}
			if !Equal(e, je) {
				t.Fatal("text and JSON trees differ")
			}
			f, err := Compile(e, testSchema, Options{})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			f.Match(props("floors", int64(3), "height", 1.5), nil)
		})
	}
}

// A chain evaluates left to right, as the nested binary tree it is.
func TestChainEvaluation(t *testing.T) {
	p := props("floors", int64(12), "height", 2.0)
	tests := []struct {
		filter string
		want   bool
	}{
		{"floors + floors + floors + floors = 48", true},
		{"floors - 1 - 2 - 3 = 6", true},    // (((12 - 1) - 2) - 3)
		{"floors - (1 - 2) - 3 = 10", true}, // parentheses regroup
		{"floors / 2 / 3 = 2", true},
		{"floors DIV 5 * 5 + floors % 5 = floors", true},
		{"2 * 3 + floors * height - 1 = 29", true},
		{"1 + 2 + 3 + floors = 18", true}, // a constant prefix, folded
		{"floors + 1 + 2 + 3 = 18", true},
		{"floors + 1 / 0 + 1 IS NULL", true},
		{"2 ^ 3 ^ 2 = 512", true}, // right-associative
		{"-floors * -1 * 2 = 24", true},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			e, err := ParseText(tc.filter, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			f, err := Compile(e, testSchema, Options{})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if got := f.Match(p, nil); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

// A type error inside a chain names the operand, as in a single operation.
func TestChainTypeError(t *testing.T) {
	for _, src := range []string{"floors + name + 1 = 1", "1 + 2 + name = 1", "name + floors + 1 = 1"} {
		e, err := ParseText(src, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(e, testSchema, Options{})
		if want := `arithmetic needs numbers: property "name" is a string`; err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", src, err, want)
		}
	}
}

// The longest chain a default-size filter can hold parses, compiles and
// evaluates without deep recursion.
func TestLongestChain(t *testing.T) {
	src := chain("f", "+", (defaultMaxLength-8)/4) + " > 0"
	e, err := ParseText(src, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Compile(e, newSchema("f", layer.Integer), Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := make([]any, 1)
	if p[0] = int64(1); !f.Match(p, nil) {
		t.Error("1 + 1 + ... > 0 is false")
	}
	if p[0] = nil; f.Match(p, nil) {
		t.Error("NULL + NULL + ... > 0 is true")
	}
}

// Nesting past the limit is still refused, at the place it goes too deep.
func TestDepthErrorPosition(t *testing.T) {
	t.Run("text", func(t *testing.T) {
		// Each group adds OR and AND levels but one parenthesis, so the
		// parser's own guard passes and the tree check refuses it: at the
		// innermost group.
		src := "a = 1"
		for range 40 {
			src = "b = 1 OR c = 1 AND (" + src + ")"
		}
		_, err := ParseText(src, Limits{})
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "64 levels") {
			t.Fatalf("err = %v, want too deep", err)
		}
		if want := strings.LastIndex(src, "(") + 1; se.Column != want {
			t.Errorf("column %d, want %d (the innermost group)", se.Column, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		src := strings.Repeat(`{"op":"not","args":[`, 70) + "true" + strings.Repeat("]}", 70)
		_, err := ParseJSON([]byte(src), Limits{})
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "64 levels") {
			t.Fatalf("err = %v, want too deep", err)
		}
		if want := "$" + strings.Repeat(".args[0]", 64); se.Path != want {
			t.Errorf("path %s, want %s", se.Path, want)
		}
	})
	t.Run("same in both", func(t *testing.T) {
		for _, n := range []int{62, 63, 64} {
			src := "name = " + strings.Repeat("CASEI(", n) + "'a'" + strings.Repeat(")", n)
			e, terr := ParseText(src, Limits{})
			_, jerr := ParseJSON(JSON(mustParse(t, src)), Limits{})
			if (terr == nil) != (jerr == nil) {
				t.Errorf("%d CASEI: text %v, JSON %v", n, terr, jerr)
			}
			if terr == nil && depth(e, 100) > 64 {
				t.Errorf("%d CASEI: accepted at depth %d", n, depth(e, 100))
			}
		}
	})
}

// mustParse parses text with no depth limit to speak of.
func mustParse(t *testing.T, src string) Expr {
	t.Helper()
	e, err := ParseText(src, Limits{MaxDepth: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
