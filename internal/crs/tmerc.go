package crs

import "math"

// transverseMercator is the ellipsoidal Transverse Mercator projection using
// Krüger's series to sixth order in the third flattening n (as given by
// Karney, "Transverse Mercator with an accuracy of a few nanometres", 2011).
// Within a few degrees of the central meridian it agrees with PROJ's tmerc to
// well under a micrometre.
//
// Its methods take and return latitude as its tangent and the longitude
// from the central meridian as a sine and cosine: the datum shift on
// either side works in those terms, so no angle needs to be formed.
type transverseMercator struct {
	e       float64 // first eccentricity
	e2m     float64 // 1 - e²
	k0A     float64 // scale factor times the rectifying radius
	xi0     float64 // ξ of the latitude of origin, so northings start at FN
	fe, fn  float64 // false easting, false northing
	alpha   [6]float64
	beta    [6]float64
	lon0Sin float64 // sine and cosine of the central meridian,
	lon0Cos float64 // for the callers that rotate longitudes
}

func newTransverseMercator(el ellipsoid, lat0, lon0, k0, fe, fn float64) transverseMercator {
	f := 1 - el.b/el.a
	n := f / (2 - f)
	n2 := n * n
	n3 := n2 * n
	n4, n5, n6 := n2*n2, n2*n3, n3*n3
	tm := transverseMercator{
		e:   math.Sqrt(el.e2),
		e2m: 1 - el.e2,
		k0A: k0 * el.a / (1 + n) * (1 + n2/4 + n4/64 + n6/256),
		fe:  fe,
		fn:  fn,
		alpha: [6]float64{
			n/2 - 2*n2/3 + 5*n3/16 + 41*n4/180 - 127*n5/288 + 7891*n6/37800,
			13*n2/48 - 3*n3/5 + 557*n4/1440 + 281*n5/630 - 1983433*n6/1935360,
			61*n3/240 - 103*n4/140 + 15061*n5/26880 + 167603*n6/181440,
			49561*n4/161280 - 179*n5/168 + 6601661*n6/7257600,
			34729*n5/80640 - 3418889*n6/1995840,
			212378941 * n6 / 319334400,
		},
		beta: [6]float64{
			n/2 - 2*n2/3 + 37*n3/96 - n4/360 - 81*n5/512 + 96199*n6/604800,
			n2/48 + n3/15 - 437*n4/1440 + 46*n5/105 - 1118711*n6/3870720,
			17*n3/480 - 37*n4/840 - 209*n5/4480 + 5569*n6/90720,
			4397*n4/161280 - 11*n5/504 - 830251*n6/7257600,
			4583*n5/161280 - 108847*n6/3991680,
			20648693 * n6 / 638668800,
		},
	}
	tm.lon0Sin, tm.lon0Cos = math.Sincos(lon0 * degree)
	chi0 := math.Atan(tm.conformal(math.Tan(lat0 * degree)))
	tm.xi0 = real(complex(chi0, 0) + sinSeries(&tm.alpha, complex(chi0, 0)))
	return tm
}

// conformal maps tan(geodetic latitude) to tan(conformal latitude).
func (tm *transverseMercator) conformal(tau float64) float64 {
	tau1 := hypot(1, tau)
	sig := math.Sinh(tm.e * math.Atanh(tm.e*tau/tau1))
	return tau*hypot(1, sig) - sig*tau1
}

// newtonTolerance (≈ √ε/10) stops geodetic's iteration: Newton's method
// converges quadratically, so once a step is this small the error left is
// far below ε.
const newtonTolerance = 1.5e-9

// geodetic inverts conformal by Newton's method (Karney 2011, eq. 19–21).
// From tau' as the first guess it converges in two steps for any
// terrestrial ellipsoid; the bound guards against inputs far off the map.
func (tm *transverseMercator) geodetic(taup float64) float64 {
	tau := taup
	for range 5 {
		tau1 := hypot(1, tau)
		taupi := tm.conformal(tau)
		d := (taup - taupi) * (1 + tm.e2m*tau*tau) /
			(tm.e2m * tau1 * hypot(1, taupi))
		tau += d
		if math.Abs(d) < newtonTolerance*math.Max(1, math.Abs(tau)) {
			break
		}
	}
	return tau
}

// forward projects the point with latitude tangent tau, at the angle whose
// sine and cosine are sinLam, cosLam east of the central meridian.
func (tm *transverseMercator) forward(tau, sinLam, cosLam float64) (easting, northing float64) {
	taup := tm.conformal(tau)
	xip := math.Atan2(taup, cosLam)
	etap := math.Asinh(sinLam / hypot(taup, cosLam))
	zp := complex(xip, etap)
	z := zp + sinSeries(&tm.alpha, zp)
	return tm.fe + tm.k0A*imag(z), tm.fn + tm.k0A*(real(z)-tm.xi0)
}

// inverse is forward's inverse.
func (tm *transverseMercator) inverse(easting, northing float64) (tau, sinLam, cosLam float64) {
	z := complex((northing-tm.fn)/tm.k0A+tm.xi0, (easting-tm.fe)/tm.k0A)
	zp := z - sinSeries(&tm.beta, z)
	sinXi, cosXi := math.Sincos(real(zp))
	sinhEta := math.Sinh(imag(zp))
	r := hypot(sinhEta, cosXi)
	return tm.geodetic(sinXi / r), sinhEta / r, cosXi / r
}

// sinSeries sums c[j-1]·sin(2jζ) for j = 1..6 by Clenshaw's recurrence, which
// needs the sine and cosine of 2ζ only once.
func sinSeries(c *[6]float64, zeta complex128) complex128 {
	s, co := math.Sincos(2 * real(zeta))
	ex := math.Exp(2 * imag(zeta))
	sh, ch := (ex-1/ex)/2, (ex+1/ex)/2
	sin2 := complex(s*ch, co*sh)
	cos2x2 := 2 * complex(co*ch, -s*sh)
	var b1, b2 complex128
	for j := len(c) - 1; j >= 0; j-- {
		b1, b2 = complex(c[j], 0)+cos2x2*b1-b2, b1
	}
	return sin2 * b1
}
