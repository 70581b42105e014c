package crs

import "math"

// helmert is a seven-parameter similarity transform between two geocentric
// frames, in the small-angle form EPSG and PROJ use by default.
type helmert struct {
	tx, ty, tz float64       // translations, metres
	scale      float64       // 1 + ds
	r          [3][3]float64 // linearised rotation matrix
}

const arcSecond = math.Pi / (180 * 3600)

// newCoordinateFrameHelmert builds the transform from parameters in EPSG's
// coordinate frame rotation convention (method 9607): rotations in arc
// seconds, scale difference in parts per million. The position vector
// convention (9606) would be the same matrix transposed.
func newCoordinateFrameHelmert(tx, ty, tz, rxSec, rySec, rzSec, ppm float64) helmert {
	rx, ry, rz := rxSec*arcSecond, rySec*arcSecond, rzSec*arcSecond
	return helmert{
		tx: tx, ty: ty, tz: tz,
		scale: 1 + ppm*1e-6,
		r: [3][3]float64{
			{1, rz, -ry},
			{-rz, 1, rx},
			{ry, -rx, 1},
		},
	}
}

func (h *helmert) forward(x, y, z float64) (float64, float64, float64) {
	r := &h.r
	return h.scale*(r[0][0]*x+r[0][1]*y+r[0][2]*z) + h.tx,
		h.scale*(r[1][0]*x+r[1][1]*y+r[1][2]*z) + h.ty,
		h.scale*(r[2][0]*x+r[2][1]*y+r[2][2]*z) + h.tz
}

// inverse undoes forward the way PROJ does: the linearised matrix is only
// nearly orthogonal, and PROJ inverts it by transposing, so we do the same to
// agree with cs2cs to the micrometre rather than to a fraction of a
// millimetre.
func (h *helmert) inverse(x, y, z float64) (float64, float64, float64) {
	r := &h.r
	x, y, z = (x-h.tx)/h.scale, (y-h.ty)/h.scale, (z-h.tz)/h.scale
	return r[0][0]*x + r[1][0]*y + r[2][0]*z,
		r[0][1]*x + r[1][1]*y + r[2][1]*z,
		r[0][2]*x + r[1][2]*y + r[2][2]*z
}
