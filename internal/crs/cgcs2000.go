package crs

// EPSG:4490, CGCS2000 geographic, is passed through unchanged: PROJ 9 has no
// published transformation to WGS 84 and applies its "ballpark geographic
// offset", a null shift. The two frames differ by a few centimetres.
func init() {
	systems[4490] = system{identity, identity}
}
