package tiles

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var parseTileCases = []struct {
	z, x, y string
	want    Tile
	err     string // "", "malformed" or "outside"
}{
	{"0", "0", "0", Tile{0, 0, 0}, ""},
	{"14", "13388", "7148", Tile{14, 13388, 7148}, ""},
	{"24", "16777215", "16777215", Tile{24, 1<<24 - 1, 1<<24 - 1}, ""},
	{"1", "1", "1", Tile{1, 1, 1}, ""},
	{"10", "100", "1000", Tile{10, 100, 1000}, ""},
	{"1", "2", "0", Tile{}, "outside"},
	{"1", "0", "2", Tile{}, "outside"},
	{"25", "0", "0", Tile{}, "outside"},
	{"24", "16777216", "0", Tile{}, "outside"},
	{"3", "0", "999999999", Tile{}, "outside"},
	{"3", "0", "1000000000", Tile{}, "outside"},
	{"3", "0", "99999999999999999999", Tile{}, "outside"},
	{"99999999999999999999", "0", "0", Tile{}, "outside"},
	{"a", "0", "0", Tile{}, "malformed"},
	{"3", "0x1", "0", Tile{}, "malformed"},
	{"3", "1", "1.mvt", Tile{}, "malformed"},
	{"3", "1", "", Tile{}, "malformed"},
	{"3", "1.0", "1", Tile{}, "malformed"},
	{"3", " 1", "1", Tile{}, "malformed"},
	{"3", "1 ", "1", Tile{}, "malformed"},
	{"99999999999999999999", "x", "0", Tile{}, "malformed"},
	{"3", "7000000000A", "0", Tile{}, "malformed"},
	// one tile, one URL: no sign, no leading zeros
	{"+3", "1", "0", Tile{}, "malformed"},
	{"3", "1", "-0", Tile{}, "malformed"},
	{"-1", "0", "0", Tile{}, "malformed"},
	{"3", "-1", "0", Tile{}, "malformed"},
	{"3", "01", "0", Tile{}, "malformed"},
	{"00", "0", "0", Tile{}, "malformed"},
	{"3", "0", "007", Tile{}, "malformed"},
	{"3", "0", "0" + strings.Repeat("9", 30), Tile{}, "malformed"},
	{"3", "٣", "0", Tile{}, "malformed"}, // Arabic-Indic digit three
	{"3", "1_0", "0", Tile{}, "malformed"},
}

func TestParseTile(t *testing.T) {
	for _, tc := range parseTileCases {
		got, err := ParseTile(tc.z, tc.x, tc.y)
		if kind := errorKind(err); kind != tc.err || got != tc.want {
			t.Errorf("ParseTile(%q, %q, %q) = %v, %v (%s); want %v, %s", tc.z, tc.x, tc.y, got, err, kind, tc.want, tc.err)
		}
	}
}

// TestParseTileMessages checks errors name the coordinates as given, and
// repeat at most maxEcho bytes of each.
func TestParseTileMessages(t *testing.T) {
	long := strings.Repeat("9", 1000)
	tests := []struct {
		z, x, y string
		want    string
	}{
		{"3", "0", "99999999999999999999", "tile 3/0/99999999999999999999 is outside"},
		{"99999999999999999999", "0", "0", "tile 99999999999999999999/0/0 is outside"},
		{"25", "0", "0", "tile 25/0/0 is outside"},
		{"3", long, "0", "tile 3/" + long[:maxEcho] + "…/0 is outside"},
		{"3", "+1", "0", `tile x "+1" is not`},
		{"3", "1", strings.Repeat("y", 1000), `tile y "` + strings.Repeat("y", maxEcho) + `…" is not`},
		{strings.Repeat("香", 100), "1", "1", `tile z "` + strings.Repeat("香", maxEcho/3) + `…" is not`},
	}
	for _, tc := range tests {
		_, err := ParseTile(tc.z, tc.x, tc.y)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("ParseTile(%.20q, %.20q, %.20q) = %v, want it to start %q", tc.z, tc.x, tc.y, err, tc.want)
		}
		if err != nil && len(err.Error()) > 400 {
			t.Errorf("message of %d bytes", len(err.Error()))
		}
	}
}

func TestTruncate(t *testing.T) {
	for in, want := range map[string]string{
		"":                             "",
		"roads":                        "roads",
		strings.Repeat("a", maxEcho):   strings.Repeat("a", maxEcho),
		strings.Repeat("a", maxEcho+1): strings.Repeat("a", maxEcho) + "…",
		"a" + strings.Repeat("路", 30):  "a" + strings.Repeat("路", 21) + "…",  // 1+63 bytes: cut at a rune
		"ab" + strings.Repeat("路", 30): "ab" + strings.Repeat("路", 20) + "…", // 2+60 bytes, not half a rune
	} {
		if got := truncate(in); got != want {
			t.Errorf("truncate(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrimTileSuffix(t *testing.T) {
	for in, want := range map[string]string{"7.mvt": "7", "7.pbf": "7", "7": "7", "7.png": "7.png", "7.mvt.mvt": "7.mvt"} {
		if got := trimTileSuffix(in); got != want {
			t.Errorf("trimTileSuffix(%q) = %q, want %q", in, got, want)
		}
	}
}

func errorKind(err error) string {
	var (
		malformed *MalformedError
		outside   *OutsideMatrixError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &malformed):
		return "malformed"
	case errors.As(err, &outside):
		return "outside"
	}
	return "other: " + err.Error()
}

// canonicalText is a non-negative integer with one spelling.
var canonicalText = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

func FuzzParseTile(f *testing.F) {
	for _, tc := range parseTileCases {
		f.Add(tc.z, tc.x, tc.y)
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		got, err := ParseTile(z, x, y)
		if err != nil && len(err.Error()) > 3*(maxEcho+len("…"))+200 {
			t.Fatalf("message of %d bytes does not truncate the input", len(err.Error()))
		}
		canonical := canonicalText.MatchString(z) && canonicalText.MatchString(x) && canonicalText.MatchString(y)
		switch kind := errorKind(err); kind {
		case "":
			if !got.Valid() {
				t.Fatalf("accepted %v outside the matrix", got)
			}
			// what was accepted is exactly the tile's one spelling
			for _, s := range []struct {
				text string
				n    int
			}{{z, got.Z}, {x, got.X}, {y, got.Y}} {
				if strconv.Itoa(s.n) != s.text {
					t.Fatalf("%q parsed as %d", s.text, s.n)
				}
			}
		case "malformed":
			if got != (Tile{}) {
				t.Fatalf("error %v with tile %v", err, got)
			}
			if canonical {
				t.Fatalf("%q/%q/%q are canonical integers but were called malformed", z, x, y)
			}
		case "outside":
			if got != (Tile{}) {
				t.Fatalf("error %v with tile %v", err, got)
			}
			if !canonical {
				t.Fatalf("%q/%q/%q are not all canonical integers but were called outside the matrix", z, x, y)
			}
			// the message names the tile as given
			if len(z)+len(x)+len(y) < maxEcho && !strings.Contains(err.Error(), "tile "+z+"/"+x+"/"+y+" ") {
				t.Fatalf("%v does not name %s/%s/%s", err, z, x, y)
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
