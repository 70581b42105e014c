package features

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/httpx"
)

// crsRef is a coordinate reference system a request can name (OGC API
// Features Part 2): its URI, the EPSG code behind it, and its authority
// axis order. The crs package always speaks (easting or longitude,
// northing or latitude); the swap to the authority order happens here, at
// the edge, and only here.
type crsRef struct {
	URI  string
	SRID int
	// NorthFirst is true when the CRS's first axis is latitude or
	// northing: EPSG:4326 and 4490 (lat, lon) and EPSG:2326 (N, E).
	NorthFirst bool
	// Projected CRSs are in metres, written to the millimetre; geographic
	// ones in degrees, written to 1e-9°.
	Projected bool
	Label     string // for people, in error messages and the HTML form
}

const epsgPrefix = "http://www.opengis.net/def/crs/EPSG/0/"

// supportedCRS are the CRSs every collection offers, CRS84 first (the
// default). The order is the order of each collection's crs list.
var supportedCRS = []*crsRef{
	{URI: crs84, SRID: 4326, Label: "CRS84 (WGS 84 longitude, latitude)"},
	{URI: epsgPrefix + "4326", SRID: 4326, NorthFirst: true, Label: "EPSG:4326 (WGS 84 latitude, longitude)"},
	{URI: epsgPrefix + "2326", SRID: 2326, NorthFirst: true, Projected: true, Label: "EPSG:2326 (Hong Kong 1980 Grid northing, easting)"},
	{URI: epsgPrefix + "4490", SRID: 4490, NorthFirst: true, Label: "EPSG:4490 (CGCS2000 latitude, longitude)"},
	{URI: epsgPrefix + "3857", SRID: 3857, Projected: true, Label: "EPSG:3857 (Web Mercator easting, northing)"},
}

// defaultCRS is CRS84, what GeoJSON and every request without crs use.
var defaultCRS = supportedCRS[0]

// crsURIs lists the supported CRS URIs.
func crsURIs() []string {
	uris := make([]string, len(supportedCRS))
	for i, c := range supportedCRS {
		uris[i] = c.URI
	}
	return uris
}

// crsBySRID is the CRS a layer's storage SRID is published as, if any.
func crsBySRID(srid int) (*crsRef, bool) {
	for _, c := range supportedCRS {
		if c.SRID == srid && (srid != 4326 || c.URI == crs84) {
			return c, true
		}
	}
	return nil, false
}

// parseCRS reads the CRS named by parameter param. The URI form is the
// standard's; the CURIE "[EPSG:2326]", "EPSG:2326" and the URN form
// "urn:ogc:def:crs:EPSG::2326" that older clients send are accepted too.
// Anything else is refused with the list of what is supported.
func parseCRS(param, value string) (*crsRef, error) {
	v := strings.TrimSpace(value)
	norm := normaliseCRS(v)
	for _, c := range supportedCRS {
		if norm == c.URI {
			return c, nil
		}
	}
	return nil, httpx.BadRequest("%s %q is not supported; use one of %s", param, truncate(value), strings.Join(crsURIs(), ", "))
}

// normaliseCRS maps the other spellings of a CRS reference to its URI.
func normaliseCRS(v string) string {
	if s, err := url.PathUnescape(v); err == nil {
		v = s
	}
	v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
	v = strings.Replace(v, "https://", "http://", 1)
	upper := strings.ToUpper(v)
	switch {
	case upper == "CRS84" || upper == "OGC:CRS84" || upper == "URN:OGC:DEF:CRS:OGC:1.3:CRS84" || upper == "URN:OGC:DEF:CRS:OGC::CRS84":
		return crs84
	case strings.HasPrefix(upper, "EPSG:"):
		return epsgURI(v[len("EPSG:"):])
	case strings.HasPrefix(upper, "URN:OGC:DEF:CRS:EPSG:"):
		rest := v[len("urn:ogc:def:crs:EPSG:"):]
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			rest = rest[i+1:]
		}
		return epsgURI(rest)
	}
	return v
}

func epsgURI(code string) string {
	n, err := strconv.Atoi(code)
	if err != nil {
		return code
	}
	return epsgPrefix + strconv.Itoa(n)
}

// fromWorld returns the transform from the cache's world coordinates to c
// in c's authority axis order, rounded as c is written out.
func (c *crsRef) fromWorld() crs.Transform { return c.fromWorldOrdered(c.NorthFirst) }

// fromWorldXY is fromWorld with x = easting or longitude whatever the
// authority order: what WKT, GeoPackage and other GIS files expect.
func (c *crsRef) fromWorldXY() crs.Transform { return c.fromWorldOrdered(false) }

func (c *crsRef) fromWorldOrdered(northFirst bool) crs.Transform {
	if c.SRID == 3857 {
		return worldToMercator
	}
	project, err := crs.FromLonLat(c.SRID)
	if err != nil {
		panic(err) // every supportedCRS is known to the crs package
	}
	return func(x, y float64) (float64, float64) {
		a, b := project(crs.WorldToLonLat(x, y))
		if northFirst {
			a, b = b, a
		}
		return c.round(a), c.round(b)
	}
}

// toWorld returns the transform from c, in c's axis order, to world
// coordinates.
func (c *crsRef) toWorld() crs.Transform {
	if c.SRID == 3857 {
		return mercatorToWorld
	}
	unproject, err := crs.ToLonLat(c.SRID)
	if err != nil {
		panic(err)
	}
	return func(a, b float64) (float64, float64) {
		if c.NorthFirst {
			a, b = b, a
		}
		return crs.LonLatToWorld(unproject(a, b))
	}
}

// toLonLat returns the transform from c, in c's axis order, to longitude
// and latitude.
func (c *crsRef) toLonLat() crs.Transform {
	unproject, err := crs.ToLonLat(c.SRID)
	if err != nil {
		panic(err)
	}
	return func(a, b float64) (float64, float64) {
		if c.NorthFirst {
			a, b = b, a
		}
		return unproject(a, b)
	}
}

// round keeps a projected coordinate to the millimetre: more digits only
// describe the arithmetic, not the data.
func (c *crsRef) round(v float64) float64 {
	if c.Projected {
		return math.Round(v*1000) / 1000
	}
	return v
}

// mercatorHalf is half the width of the Web Mercator square in metres.
const mercatorHalf = math.Pi * 6378137.0

// worldToMercator and mercatorToWorld are exact linear maps: world
// coordinates are Web Mercator normalised to the unit square, y down.
func worldToMercator(x, y float64) (float64, float64) {
	return math.Round((2*x-1)*mercatorHalf*1000) / 1000, math.Round((1-2*y)*mercatorHalf*1000) / 1000
}

func mercatorToWorld(e, n float64) (float64, float64) {
	return (e/mercatorHalf + 1) / 2, (1 - n/mercatorHalf) / 2
}

// contentCRS is the Content-Crs header value for c.
func contentCRS(c *crsRef) string { return "<" + c.URI + ">" }
