package tiles

import (
	"errors"
	"regexp"
	"strconv"
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
	{"1", "2", "0", Tile{}, "outside"},
	{"1", "0", "2", Tile{}, "outside"},
	{"25", "0", "0", Tile{}, "outside"},
	{"-1", "0", "0", Tile{}, "outside"},
	{"3", "-1", "0", Tile{}, "outside"},
	{"3", "0", "99999999999999999999", Tile{}, "outside"},
	{"a", "0", "0", Tile{}, "malformed"},
	{"3", "0x1", "0", Tile{}, "malformed"},
	{"3", "1", "1.mvt", Tile{}, "malformed"},
	{"3", "1", "", Tile{}, "malformed"},
	{"3", "1.0", "1", Tile{}, "malformed"},
	{"3", " 1", "1", Tile{}, "malformed"},
	{"99999999999999999999", "x", "0", Tile{}, "malformed"},
	{"3", "7000000000A", "0", Tile{}, "malformed"},
	{"+3", "1", "-0", Tile{3, 1, 0}, ""},
}

func TestParseTile(t *testing.T) {
	for _, tc := range parseTileCases {
		got, err := ParseTile(tc.z, tc.x, tc.y)
		if kind := errorKind(err); kind != tc.err || got != tc.want {
			t.Errorf("ParseTile(%q, %q, %q) = %v, %v (%s); want %v, %s", tc.z, tc.x, tc.y, got, err, kind, tc.want, tc.err)
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

var integerText = regexp.MustCompile(`^[+-]?[0-9]+$`)

func FuzzParseTile(f *testing.F) {
	for _, tc := range parseTileCases {
		f.Add(tc.z, tc.x, tc.y)
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		got, err := ParseTile(z, x, y)
		switch kind := errorKind(err); kind {
		case "":
			if !got.Valid() {
				t.Fatalf("accepted %v outside the matrix", got)
			}
			// what was accepted names exactly the tile parsed
			for _, s := range []struct {
				text string
				n    int
			}{{z, got.Z}, {x, got.X}, {y, got.Y}} {
				if n, err := strconv.Atoi(s.text); err != nil || n != s.n {
					t.Fatalf("%q parsed as %d", s.text, s.n)
				}
			}
		case "malformed", "outside":
			if got != (Tile{}) {
				t.Fatalf("error %v with tile %v", err, got)
			}
			if kind == "outside" {
				// every segment is an integer
				for _, s := range []string{z, x, y} {
					if !integerText.MatchString(s) {
						t.Fatalf("%q is not an integer but was called outside the matrix", s)
					}
				}
			}
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
