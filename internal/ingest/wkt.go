package ingest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// WKTError says where a Well-Known Text geometry stops making sense.
type WKTError struct {
	Offset int // byte offset in the text
	Msg    string
}

func (e *WKTError) Error() string { return fmt.Sprintf("WKT at byte %d: %s", e.Offset, e.Msg) }

// maxWKTDepth bounds GEOMETRYCOLLECTION nesting, so a hostile cell cannot
// exhaust the stack.
const maxWKTDepth = 32

// ParseWKT reads one geometry in Well-Known Text (OGC 06-103r4, as our own
// f=csv download writes it and as PostGIS's ST_AsText and GDAL write it),
// x = easting/longitude. Z and M values are accepted and dropped, as the
// stores keep 2D geometry. An EWKT "SRID=n;" prefix is accepted; its SRID
// is returned (zero when there is none). POINT EMPTY is a nil geometry.
// orb's encoding/wkt is not used: it rejects Z/M coordinates, which GIS
// tools write routinely.
func ParseWKT(s string) (orb.Geometry, int, error) {
	p := wktParser{s: s}
	srid := 0
	p.space()
	if len(p.s)-p.i >= 5 && strings.EqualFold(p.s[p.i:p.i+5], "SRID=") {
		p.i += 5
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ';' {
			p.i++
		}
		n, err := strconv.Atoi(strings.TrimSpace(p.s[start:p.i]))
		if err != nil || p.i == len(p.s) || n < 0 {
			return nil, 0, &WKTError{start, "SRID=n; prefix is malformed"}
		}
		srid = n
		p.i++
	}
	g, err := p.geometry(0)
	if err != nil {
		return nil, 0, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, 0, p.fail("unexpected %q after the geometry", p.rest())
	}
	return g, srid, nil
}

type wktParser struct {
	s string
	i int
}

func (p *wktParser) fail(format string, args ...any) error {
	return &WKTError{p.i, fmt.Sprintf(format, args...)}
}

func (p *wktParser) rest() string {
	r := p.s[p.i:]
	if len(r) > 16 {
		r = r[:16] + "…"
	}
	return r
}

func (p *wktParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// word reads a run of letters, upper-cased.
func (p *wktParser) word() string {
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i]|0x20 >= 'a' && p.s[p.i]|0x20 <= 'z') {
		p.i++
	}
	return strings.ToUpper(p.s[start:p.i])
}

func (p *wktParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *wktParser) expect(c byte) error {
	if p.peek() != c {
		if p.i == len(p.s) {
			return p.fail("expected %q, found the end", c)
		}
		return p.fail("expected %q, found %q", c, p.rest())
	}
	p.i++
	return nil
}

// header reads the type word's dimension suffix (Z, M, ZM, or glued on as
// in POINTZ) and EMPTY; it reports whether the geometry is empty.
func (p *wktParser) header(name string) (string, bool, error) {
	for _, suffix := range []string{"ZM", "Z", "M"} {
		if base := strings.TrimSuffix(name, suffix); base != name && wktTypes[base] {
			name = base
			break
		}
	}
	if !wktTypes[name] {
		return "", false, p.fail("unknown geometry type %q", name)
	}
	save := p.i
	switch w := p.word(); w {
	case "", "Z", "M", "ZM":
	case "EMPTY":
		return name, true, nil
	default:
		p.i = save
		return "", false, p.fail("unexpected %q after %s", w, name)
	}
	save = p.i
	if p.word() == "EMPTY" {
		return name, true, nil
	}
	p.i = save
	return name, false, nil
}

var wktTypes = map[string]bool{
	"POINT": true, "LINESTRING": true, "POLYGON": true, "MULTIPOINT": true,
	"MULTILINESTRING": true, "MULTIPOLYGON": true, "GEOMETRYCOLLECTION": true,
}

func (p *wktParser) geometry(depth int) (orb.Geometry, error) {
	if depth > maxWKTDepth {
		return nil, p.fail("geometry collections nested deeper than %d", maxWKTDepth)
	}
	start := p.i
	name := p.word()
	if name == "" {
		p.i = start
		return nil, p.fail("expected a geometry type, found %q", p.rest())
	}
	name, empty, err := p.header(name)
	if err != nil {
		return nil, err
	}
	switch name {
	case "POINT":
		if empty {
			return nil, nil
		}
		if err := p.expect('('); err != nil {
			return nil, err
		}
		pt, err := p.position()
		if err != nil {
			return nil, err
		}
		return pt, p.expect(')')
	case "LINESTRING":
		if empty {
			return orb.LineString{}, nil
		}
		ps, err := p.positions()
		return orb.LineString(ps), err
	case "POLYGON":
		if empty {
			return orb.Polygon{}, nil
		}
		return p.polygon()
	case "MULTIPOINT":
		if empty {
			return orb.MultiPoint{}, nil
		}
		return p.multiPoint()
	case "MULTILINESTRING":
		if empty {
			return orb.MultiLineString{}, nil
		}
		var ml orb.MultiLineString
		err := p.list(func() error {
			ps, err := p.positions()
			ml = append(ml, ps)
			return err
		})
		return ml, err
	case "MULTIPOLYGON":
		if empty {
			return orb.MultiPolygon{}, nil
		}
		var mp orb.MultiPolygon
		err := p.list(func() error {
			pg, err := p.polygon()
			mp = append(mp, pg)
			return err
		})
		return mp, err
	default: // GEOMETRYCOLLECTION
		if empty {
			return orb.Collection{}, nil
		}
		c := orb.Collection{}
		err := p.list(func() error {
			g, err := p.geometry(depth + 1)
			if g != nil {
				c = append(c, g)
			}
			return err
		})
		return c, err
	}
}

// list reads "(" item {"," item} ")".
func (p *wktParser) list(item func() error) error {
	if err := p.expect('('); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if p.peek() != ',' {
			return p.expect(')')
		}
		p.i++
	}
}

func (p *wktParser) polygon() (orb.Polygon, error) {
	var pg orb.Polygon
	err := p.list(func() error {
		ps, err := p.positions()
		pg = append(pg, orb.Ring(ps))
		return err
	})
	return pg, err
}

// multiPoint takes both MULTIPOINT((1 2),(3 4)) and MULTIPOINT(1 2,3 4).
func (p *wktParser) multiPoint() (orb.MultiPoint, error) {
	var mp orb.MultiPoint
	err := p.list(func() error {
		if p.peek() == '(' {
			p.i++
			pt, err := p.position()
			if err != nil {
				return err
			}
			mp = append(mp, pt)
			return p.expect(')')
		}
		pt, err := p.position()
		mp = append(mp, pt)
		return err
	})
	return mp, err
}

func (p *wktParser) positions() ([]orb.Point, error) {
	var ps []orb.Point
	err := p.list(func() error {
		pt, err := p.position()
		ps = append(ps, pt)
		return err
	})
	return ps, err
}

// position reads two to four numbers (x y [z [m]]) and keeps the first
// two. The count is not checked against the type's Z/M tag: tools write
// "POINT (1 2 3)" for a 3D point as often as "POINT Z (1 2 3)".
func (p *wktParser) position() (orb.Point, error) {
	var pt orb.Point
	for k := 0; k < 4; k++ {
		if k >= 2 {
			if c := p.peek(); c == ',' || c == ')' || c == 0 {
				break
			}
		}
		v, err := p.number()
		if err != nil {
			return pt, err
		}
		if k < 2 {
			pt[k] = v
		}
	}
	return pt, nil
}

func (p *wktParser) number() (float64, error) {
	p.space()
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E' {
			p.i++
			continue
		}
		break
	}
	if start == p.i {
		return 0, p.fail("expected a number, found %q", p.rest())
	}
	v, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil {
		p.i = start
		return 0, p.fail("%q is not a number", p.s[start:min(len(p.s), start+24)])
	}
	return v, nil
}
