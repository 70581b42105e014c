package tiles

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
)

// MaxZoom is the deepest zoom level of the WebMercatorQuad matrix set served.
const MaxZoom = 24

// Tile addresses one tile of the WebMercatorQuad tile matrix set: zoom Z,
// column X (west to east) and row Y (north to south).
type Tile struct{ Z, X, Y int }

func (t Tile) String() string { return fmt.Sprintf("%d/%d/%d", t.Z, t.X, t.Y) }

// Valid reports whether the tile exists: 0 ≤ Z ≤ MaxZoom and X, Y in [0, 2^Z).
func (t Tile) Valid() bool {
	if t.Z < 0 || t.Z > MaxZoom {
		return false
	}
	n := 1 << t.Z
	return t.X >= 0 && t.X < n && t.Y >= 0 && t.Y < n
}

// Bound is the tile's area in world coordinates (see crs.LonLatToWorld).
func (t Tile) Bound() orb.Bound {
	n := float64(uint64(1) << t.Z)
	return orb.Bound{
		Min: orb.Point{float64(t.X) / n, float64(t.Y) / n},
		Max: orb.Point{float64(t.X+1) / n, float64(t.Y+1) / n},
	}
}

// OutsideMatrixError reports coordinates that name no tile of the matrix set
// (or, for a set other than WebMercatorQuad, a tile outside the area it is
// served for).
type OutsideMatrixError struct {
	Tile Tile
	// Set is the matrix set; nil means WebMercatorQuad.
	Set *TileMatrixSet
	// Given is the "z/x/y" text as requested (each part truncated for
	// echoing), set when the coordinates came from a URL. It differs from
	// Tile when a coordinate was too large to parse, so the message names
	// what the client asked for rather than the zero Tile.
	Given string
}

func (e *OutsideMatrixError) Error() string {
	name := e.Given
	if name == "" {
		name = e.Tile.String()
	}
	s := e.Set
	if s == nil {
		s = WebMercatorQuad
	}
	if s.isMercator() {
		return fmt.Sprintf("tile %s is outside WebMercatorQuad (zoom 0-%d, column and row below 2^zoom)", name, MaxZoom)
	}
	return fmt.Sprintf("tile %s is outside %s (tile matrix 0-%d, tiles touching Hong Kong only)", name, s.ID, s.MaxMatrix())
}

// MalformedError reports a tile path segment that is not a non-negative
// integer written canonically.
type MalformedError struct {
	Name, Value string // "z", "x" or "y", and what was given
	Err         error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("tile %s %q is not a non-negative integer in plain decimal digits (no sign, no leading zeros)",
		e.Name, truncate(e.Value))
}

func (e *MalformedError) Unwrap() error { return e.Err }

// tileSuffixes are the file extensions accepted after the row of an XYZ URL.
var tileSuffixes = []string{".mvt", ".pbf"}

// trimTileSuffix removes one accepted file extension from the row segment.
func trimTileSuffix(y string) string {
	for _, s := range tileSuffixes {
		if t, ok := strings.CutSuffix(y, s); ok {
			return t
		}
	}
	return y
}

// maxCoordDigits is the most digits a coordinate can have and still be
// parsed: far more than the 8 of the largest at MaxZoom, far fewer than
// overflow an int.
const maxCoordDigits = 9

// ParseTile reads the z, x and y segments of a tile URL. Each must be a
// non-negative decimal integer in canonical form: digits only, and no
// leading zero unless it is "0" itself, so that each tile has one URL.
// Anything else ("+1", "-0", "01", " 1", "") is a *MalformedError; an
// integer that names no tile (too large, zoom beyond MaxZoom) is an
// *OutsideMatrixError that quotes the coordinates as given.
func ParseTile(z, x, y string) (Tile, error) { return parseTile(WebMercatorQuad, z, x, y) }

// parseTile is ParseTile for matrix set s.
func parseTile(s *TileMatrixSet, z, x, y string) (Tile, error) {
	var (
		t      Tile
		inside = true
	)
	for _, seg := range []struct {
		name, text string
		dst        *int
	}{{"z", z, &t.Z}, {"x", x, &t.X}, {"y", y, &t.Y}} {
		if !isCanonical(seg.text) {
			return Tile{}, &MalformedError{Name: seg.name, Value: seg.text, Err: strconv.ErrSyntax}
		}
		if len(seg.text) > maxCoordDigits {
			inside = false // an integer, only far too large
			continue
		}
		n, err := strconv.Atoi(seg.text)
		if err != nil { // cannot happen: canonical and short
			return Tile{}, &MalformedError{Name: seg.name, Value: seg.text, Err: err}
		}
		*seg.dst = n
	}
	if !inside || !s.Valid(t) {
		return Tile{}, &OutsideMatrixError{
			Tile:  t,
			Set:   s,
			Given: truncate(z) + "/" + truncate(x) + "/" + truncate(y),
		}
	}
	return t, nil
}

// isCanonical reports whether s is "0" or a decimal number without a sign
// or leading zeros.
func isCanonical(s string) bool {
	if s == "" || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// maxEcho is how many bytes of a client's input an error message repeats.
const maxEcho = 64

// truncate shortens s, client input echoed in an error message, to at most
// maxEcho bytes (cut at a rune boundary) followed by "…".
func truncate(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := maxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
