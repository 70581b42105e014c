package features

import (
	"fmt"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
)

// svgMap is a small static map of some features for the HTML pages: world
// coordinates (already conformal, y down like SVG) scaled into a viewBox.
// No script and no external tiles, so it works anywhere.
type svgMap struct {
	Width, Height int
	Shapes        []svgShape
	Extent        string // path of a rectangle to outline, if any
}

// svgShape is one feature: its paths, linked to its page.
type svgShape struct {
	Href  string
	Title string
	Paths []svgPath
}

// svgPath is path data with its class: area, line or point.
type svgPath struct {
	Class string
	D     string
}

const (
	svgWidth     = 640
	svgPointSize = 4.0
	// svgMinSpan keeps a lone point from filling the map: about 40 m.
	svgMinSpan = 1e-6
)

// svgProjection scales world coordinates into the map's viewBox.
type svgProjection struct {
	minX, minY, scale float64
}

func (p svgProjection) xy(pt orb.Point) (float64, float64) {
	return (pt[0] - p.minX) * p.scale, (pt[1] - p.minY) * p.scale
}

// newSVGMap draws features (those without geometry are left out) framed
// by their common bound, widened to frame when frame is not empty, which
// is then outlined. hrefOf links each feature to its page. It returns nil
// when there is nothing to draw.
func newSVGMap(features []*cache.Feature, frame orb.Bound, hrefOf func(*cache.Feature) string) *svgMap {
	b, ok := frame, frame != (orb.Bound{})
	for _, f := range features {
		if f.Geom == nil {
			continue
		}
		if !ok {
			b, ok = f.Bound, true
		} else {
			b = b.Union(f.Bound)
		}
	}
	if !ok {
		return nil
	}
	proj, w, h := fit(b)
	m := &svgMap{Width: w, Height: h}
	for _, f := range features {
		if f.Geom == nil {
			continue
		}
		var d pathData
		d.proj = proj
		d.geometry(f.Geom)
		m.Shapes = append(m.Shapes, svgShape{Href: hrefOf(f), Title: f.ID.String(), Paths: d.paths()})
	}
	if frame != (orb.Bound{}) {
		var d pathData
		d.proj = proj
		d.ring(frame.ToRing(), &d.area)
		m.Extent = string(d.area)
	}
	return m
}

// fit pads b, widens it to a reasonable aspect ratio and returns the
// projection into a viewBox of svgWidth by the returned height.
func fit(b orb.Bound) (svgProjection, int, int) {
	dx, dy := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	cx, cy := (b.Min[0]+b.Max[0])/2, (b.Min[1]+b.Max[1])/2
	dx, dy = max(dx, svgMinSpan)*1.08, max(dy, svgMinSpan)*1.08
	// Between a wide strip (3:10) and a square.
	dy = max(dy, dx*0.3)
	dx = max(dx, dy)
	scale := svgWidth / dx
	h := int(dy*scale + 0.5)
	return svgProjection{minX: cx - dx/2, minY: cy - dy/2, scale: scale}, svgWidth, h
}

// pathData collects SVG path data for a geometry, by class.
type pathData struct {
	proj              svgProjection
	area, line, point []byte
	lastX, lastY      float64
}

func (d *pathData) paths() []svgPath {
	var ps []svgPath
	for _, p := range []svgPath{{"area", string(d.area)}, {"line", string(d.line)}, {"point", string(d.point)}} {
		if p.D != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

func (d *pathData) geometry(g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		d.dot(g)
	case orb.MultiPoint:
		for _, p := range g {
			d.dot(p)
		}
	case orb.LineString:
		d.path(g, &d.line, false)
	case orb.MultiLineString:
		for _, l := range g {
			d.path(l, &d.line, false)
		}
	case orb.Ring:
		d.ring(g, &d.area)
	case orb.Polygon:
		for _, r := range g {
			d.ring(r, &d.area)
		}
	case orb.MultiPolygon:
		for _, p := range g {
			for _, r := range p {
				d.ring(r, &d.area)
			}
		}
	case orb.Bound:
		d.ring(g.ToRing(), &d.area)
	case orb.Collection:
		for _, m := range g {
			d.geometry(m)
		}
	}
}

func (d *pathData) ring(r orb.Ring, to *[]byte) { d.path(orb.LineString(r), to, true) }

// path appends a move and line segments, skipping points that land on the
// previous one at the map's resolution.
func (d *pathData) path(l orb.LineString, to *[]byte, closed bool) {
	b := *to
	for i, p := range l {
		x, y := d.proj.xy(p)
		x, y = roundTenth(x), roundTenth(y)
		if i > 0 && x == d.lastX && y == d.lastY {
			continue
		}
		if i == 0 {
			b = append(b, 'M')
		} else {
			b = append(b, 'L')
		}
		b = appendSVGNumber(b, x)
		b = append(b, ' ')
		b = appendSVGNumber(b, y)
		d.lastX, d.lastY = x, y
	}
	if closed && len(l) > 0 {
		b = append(b, 'Z')
	}
	*to = b
}

// dot appends a small circle drawn as two arcs, so every point of a
// feature goes in one path.
func (d *pathData) dot(p orb.Point) {
	x, y := d.proj.xy(p)
	b := append(d.point, 'M')
	b = appendSVGNumber(b, roundTenth(x-svgPointSize))
	b = append(b, ' ')
	b = appendSVGNumber(b, roundTenth(y))
	b = append(b, dotArcs...)
	d.point = b
}

// dotArcs draw a circle of radius svgPointSize from its leftmost point.
var dotArcs = fmt.Sprintf("a%[1]g %[1]g 0 1 0 %[2]g 0a%[1]g %[1]g 0 1 0 %[3]g 0", svgPointSize, 2*svgPointSize, -2*svgPointSize)

func roundTenth(v float64) float64 { return float64(int64(v*10+0.5*sign(v))) / 10 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

func appendSVGNumber(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'f', -1, 64) }
