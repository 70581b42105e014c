package crs

// hk1980Grid is EPSG:2326, Hong Kong 1980 Grid System, with the datum shift
// PROJ 9 chooses for EPSG:2326 → EPSG:4326: "Hong Kong 1980 to WGS 84 (1)",
// EPSG:1825, a coordinate frame rotation Helmert quoted to 1 m.
var hk1980Grid = projectedSystem{
	local: international,
	grid: newTransverseMercator(international,
		dms(22, 18, 43.68), dms(114, 10, 42.80), 1, 836694.05, 819069.80),
	toWGS: newCoordinateFrameHelmert(
		-162.619, -276.959, -161.764,
		-0.067753, 2.243648, 1.158828,
		-1.094246),
}

func init() {
	systems[2326] = system{hk1980Grid.toLonLat, hk1980Grid.fromLonLat}
}

// dms turns degrees, minutes and seconds into decimal degrees, as EPSG
// publishes the Hong Kong origin in sexagesimal.
func dms(d, m, s float64) float64 { return d + m/60 + s/3600 }
