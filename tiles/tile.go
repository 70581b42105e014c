package tiles

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

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

// OutsideMatrixError reports coordinates that name no tile of the matrix set.
type OutsideMatrixError struct{ Tile Tile }

func (e *OutsideMatrixError) Error() string {
	return fmt.Sprintf("tile %s is outside WebMercatorQuad (zoom 0-%d, column and row below 2^zoom)", e.Tile, MaxZoom)
}

// MalformedError reports a tile path segment that is not an integer.
type MalformedError struct {
	Name, Value string // "z", "x" or "y", and what was given
	Err         error
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("tile %s %q is not an integer", e.Name, e.Value)
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

// ParseTile reads the z, x and y segments of a tile URL. A segment that is
// not a decimal integer is a *MalformedError; an integer that names no tile
// (negative, too large, zoom beyond MaxZoom) is an *OutsideMatrixError.
func ParseTile(z, x, y string) (Tile, error) {
	var (
		t      Tile
		inside = true
	)
	for _, seg := range []struct {
		name, text string
		dst        *int
	}{{"z", z, &t.Z}, {"x", x, &t.X}, {"y", y, &t.Y}} {
		if !isInteger(seg.text) {
			return Tile{}, &MalformedError{Name: seg.name, Value: seg.text, Err: strconv.ErrSyntax}
		}
		n, err := strconv.ParseInt(seg.text, 10, 32)
		switch {
		case errors.Is(err, strconv.ErrRange):
			inside = false // an integer, only far too large
		case err != nil:
			return Tile{}, &MalformedError{Name: seg.name, Value: seg.text, Err: err}
		default:
			*seg.dst = int(n)
		}
	}
	if !inside || !t.Valid() {
		return Tile{}, &OutsideMatrixError{Tile: t}
	}
	return t, nil
}

// isInteger reports whether s is an optional sign and decimal digits: checked
// before strconv, which reports overflow before it looks at every byte.
func isInteger(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
