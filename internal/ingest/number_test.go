package ingest

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

var numberCases = []string{
	"0", "-0", "1", "-1", "0.5", "-0.5", "114.1546047", "22.2836092", "-114.1546047", "833000", "833000.123",
	"816000.5", "999999999999999", "9999999999999999", "0.000000000000001", "0.0000000000000001", "123456789.012345",
	"1.7976931348623157", "05", "00.5", "1.", ".5", "1e5", "1.5e-3", "1E2", "-", "--1", "1.2.3", "4503599627370497",
	"0.1", "0.2", "0.3", "2.675", "1.0000000000000002", "0A", "0-5", "1.5.3", "7]", "-12.5}",
}

// checkPlainNumber holds plainNumber to what coordScanner read before it:
// the longest run of number characters, as strconv.ParseFloat reads it.
func checkPlainNumber(t *testing.T, text string) {
	t.Helper()
	b := []byte(text + ",")
	f, end, ok := plainNumber(b, 0)
	if !ok {
		return
	}
	token := 0
	for token < len(b) && strings.IndexByte("0123456789+-.eE", b[token]) >= 0 {
		token++
	}
	if end != token {
		t.Fatalf("plainNumber(%q) took %q, the scanner's number is %q", text, b[:end], b[:token])
	}
	want, err := strconv.ParseFloat(string(b[:end]), 64)
	if err != nil {
		t.Fatalf("plainNumber took %q, which strconv refuses: %v", b[:end], err)
	}
	if math.Float64bits(f) != math.Float64bits(want) {
		t.Fatalf("plainNumber(%q) = %v (%x), strconv says %v (%x)", text, f, math.Float64bits(f), want, math.Float64bits(want))
	}
}

// plainNumber reads coordinates as strconv does, to the bit, and leaves
// everything it is not sure of to strconv.
func TestPlainNumber(t *testing.T) {
	took := 0
	for _, c := range numberCases {
		checkPlainNumber(t, c)
		if _, _, ok := plainNumber([]byte(c+","), 0); ok {
			took++
		}
	}
	if took < 15 {
		t.Errorf("the fast path took only %d of the cases", took)
	}
	for _, refused := range []string{"05", "00.5", "1.", ".5", "1e5", "1.5e-3", "9999999999999999", "-", "--1"} {
		if _, _, ok := plainNumber([]byte(refused+","), 0); ok {
			t.Errorf("plainNumber took %q", refused)
		}
	}
	// Coordinates as files write them: up to 15 digits, any split.
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		digits := 1 + r.IntN(15)
		frac := r.IntN(digits)
		mant := r.Uint64N(uint64(math.Pow10(digits)))
		s := strconv.FormatUint(mant, 10)
		for len(s) < digits {
			s = "0" + s
		}
		if frac > 0 {
			s = s[:digits-frac] + "." + s[digits-frac:]
		}
		if s[0] == '0' && len(s) > 1 && s[1] != '.' {
			continue
		}
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		checkPlainNumber(t, s)
	}
}

func FuzzPlainNumber(f *testing.F) {
	for _, c := range numberCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPlainNumber(t, s)
	})
}
