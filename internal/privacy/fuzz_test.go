package privacy

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseRule: no text makes a parser panic, and whatever parses has a
// canonical form that parses back to the same rule. Seeds: the table cases
// and testdata/fuzz/FuzzParseRule.
func FuzzParseRule(f *testing.F) {
	for _, s := range []string{
		"keep", "drop", "redact", "partial", "hash", "generalise", "generalise:10", "generalise:0.25",
		"generalise:month", "generalise:year", "generalise:day", "snap:250", "snap:250m", "displace:50",
		"displace:50:min=10", "centroid", "aggregate:500:k=5", "aggregate:500:k=5:centre", "",
		"snap:", "aggregate:500:k=", "displace:1:min=0", ":::", "generalise:1.", "snap:999999",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := parseAttrRule(s); err == nil {
			again, err := parseAttrRule(r.String())
			if err != nil || again != r {
				t.Fatalf("attribute rule %q → %q → %+v, %v", s, r, again, err)
			}
		}
		if r, err := parseGeomRule(s); err == nil {
			again, err := parseGeomRule(r.String())
			if err != nil || again != r {
				t.Fatalf("geometry rule %q → %q → %+v, %v", s, r, again, err)
			}
			if r.kind != geomKeep && r.kind != geomCentroid && (r.size < 1 && r.radius < 1) {
				t.Fatalf("%q parsed to a rule without a distance: %+v", s, r)
			}
		}
		if _, err := parseOthers(s); err == nil && s != "" {
			if k, _ := parseOthers(s); k != attrKeep && k != attrDrop {
				t.Fatalf("others %q", s)
			}
		}
	})
}

// FuzzPartial: partial never panics, never returns its input, always
// returns valid UTF-8, and shows at most the first third of the text (or
// an HKID's letters and first three digits).
func FuzzPartial(f *testing.F) {
	for _, s := range []string{"A123456(7)", "AB123456(7)", "A1234567", "陳大文", "x***", "", "\xff", "a123456 ( a )"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := partial(s)
		if got == s {
			t.Fatalf("partial(%q) returned its input", s)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("partial(%q) = %q: not UTF-8", s, got)
		}
		if strings.HasSuffix(got, "***(*)") {
			m := hkidPattern.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(s)))
			if m == nil || got != m[1]+m[2][:3]+"***(*)" {
				t.Fatalf("partial(%q) = %q looks like an HKID mask but is not one", s, got)
			}
			return
		}
		kept, ok := strings.CutSuffix(got, mask)
		if !ok {
			t.Fatalf("partial(%q) = %q does not end in the mask", s, got)
		}
		t2 := []rune(strings.TrimSpace(s))
		if n := utf8.RuneCountInString(kept); n > len(t2)/3 || string(t2[:n]) != kept {
			t.Fatalf("partial(%q) = %q shows more than the first third", s, got)
		}
	})
}

// FuzzBands: every number falls inside the band it is labelled with.
func FuzzBands(f *testing.F) {
	f.Add(int64(78), int64(10), 78.5, "10")
	f.Add(int64(math.MinInt64), int64(7), -0.0001, "0.05")
	f.Add(int64(math.MaxInt64), int64(1000), 1e15, "2.5")
	f.Fuzz(func(t *testing.T, n, w int64, x float64, width string) {
		if w >= 2 {
			label := integerBand(n, w)
			lo, hi, ok := strings.Cut(label, "–")
			if !ok {
				t.Fatalf("integerBand(%d, %d) = %q", n, w, label)
			}
			// Compare as decimal strings through float parsing is too coarse
			// near ±2^63; compare exactly where the bounds fit int64.
			if l, err := strconv.ParseInt(lo, 10, 64); err == nil {
				if h, err := strconv.ParseInt(hi, 10, 64); err == nil && (n < l || n > h || h-l != w-1) {
					t.Fatalf("integerBand(%d, %d) = %q", n, w, label)
				}
			}
		}
		if !decimal.MatchString(width) {
			return
		}
		b, err := newNumberBand(width)
		if err != nil || b.width <= 0 {
			return
		}
		label, ok := b.label(x).(string)
		if !ok {
			if math.Abs(x) < 1e250 && !math.IsNaN(x) && math.Abs(x) > 0 && math.Abs(x)*b.scale < 1e290 {
				t.Fatalf("no band for %v (width %s)", x, width)
			}
			return
		}
		lo, hi, ok := strings.Cut(label[1:], "–") // [1:]: a leading minus is not the dash
		if !ok {
			t.Fatalf("label %q", label)
		}
		l, err1 := strconv.ParseFloat(label[:1]+lo, 64)
		h, err2 := strconv.ParseFloat(hi, 64)
		if err1 != nil || err2 != nil || !(l <= h) {
			t.Fatalf("label %q for %v", label, x)
		}
		// The band holds x, up to the rounding the labels are written in.
		slack := 1e-6/b.scale*b.width + math.Abs(x)*1e-12
		if x < l-slack || x > h+slack {
			t.Fatalf("%v labelled %q (width %s)", x, label, width)
		}
	})
}
