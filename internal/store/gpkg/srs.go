package gpkg

import (
	"context"
	"fmt"
)

// srs is one row of gpkg_spatial_ref_sys.
type srs struct {
	name, organization string
	code               int
	definition         string // OGC WKT (01-009), or "undefined"
	description        string
}

// The three rows every GeoPackage must have (spec requirement 11).
var requiredSRS = map[int]srs{
	-1: {"Undefined cartesian SRS", "NONE", -1, "undefined", "undefined cartesian coordinate reference system"},
	0:  {"Undefined geographic SRS", "NONE", 0, "undefined", "undefined geographic coordinate reference system"},
	4326: {"WGS 84 geodetic", "EPSG", 4326, wkt4326,
		"longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid"},
}

// knownSRS are the systems csdi serves, with their EPSG definitions, so
// GDAL and QGIS place the layers without asking.
var knownSRS = map[int]srs{
	2326: {"Hong Kong 1980 Grid System", "EPSG", 2326, wkt2326, "HK1980 Grid"},
	3857: {"WGS 84 / Pseudo-Mercator", "EPSG", 3857, wkt3857, "Web Mercator"},
	4490: {"China Geodetic Coordinate System 2000", "EPSG", 4490, wkt4490, "CGCS2000"},
}

const (
	wkt4326 = `GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]`
	wkt2326 = `PROJCS["Hong Kong 1980 Grid System",GEOGCS["Hong Kong 1980",DATUM["Hong_Kong_1980",SPHEROID["International 1924",6378388,297,AUTHORITY["EPSG","7022"]],AUTHORITY["EPSG","6611"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4611"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",22.3121333333333],PARAMETER["central_meridian",114.178555555556],PARAMETER["scale_factor",1],PARAMETER["false_easting",836694.05],PARAMETER["false_northing",819069.8],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Northing",NORTH],AXIS["Easting",EAST],AUTHORITY["EPSG","2326"]]`
	wkt3857 = `PROJCS["WGS 84 / Pseudo-Mercator",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Mercator_1SP"],PARAMETER["central_meridian",0],PARAMETER["scale_factor",1],PARAMETER["false_easting",0],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],EXTENSION["PROJ4","+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +wktext +no_defs"],AUTHORITY["EPSG","3857"]]`
	wkt4490 = `GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]`
)

// srsFor returns the row to write for srid: a known definition, or a
// minimal EPSG row whose definition is "undefined" (allowed by the spec)
// for any other code.
func srsFor(srid int) srs {
	if s, ok := requiredSRS[srid]; ok {
		return s
	}
	if s, ok := knownSRS[srid]; ok {
		return s
	}
	return srs{fmt.Sprintf("EPSG:%d", srid), "EPSG", srid, "undefined", ""}
}

// ensureSRS adds srid to gpkg_spatial_ref_sys unless a row is there already
// (a GeoPackage from elsewhere may define it its own way; we keep theirs).
// Files with the CRS WKT extension (GDAL writes them) have a NOT NULL
// definition_12_063 column, which gets "undefined", as the extension allows.
func ensureSRS(ctx context.Context, ex execer, srid int) error {
	var wkt2 int
	err := ex.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('gpkg_spatial_ref_sys')
		WHERE name = 'definition_12_063'`).Scan(&wkt2)
	if err != nil {
		return fmt.Errorf("gpkg: add SRS %d: %w", srid, err)
	}
	s := srsFor(srid)
	q := `INSERT OR IGNORE INTO gpkg_spatial_ref_sys
		(srs_name, srs_id, organization, organization_coordsys_id, definition, description)
		VALUES (?, ?, ?, ?, ?, ?)`
	if wkt2 > 0 {
		q = `INSERT OR IGNORE INTO gpkg_spatial_ref_sys
			(srs_name, srs_id, organization, organization_coordsys_id, definition, description, definition_12_063)
			VALUES (?, ?, ?, ?, ?, ?, 'undefined')`
	}
	if _, err := ex.ExecContext(ctx, q, s.name, srid, s.organization, s.code, s.definition, s.description); err != nil {
		return fmt.Errorf("gpkg: add SRS %d: %w", srid, err)
	}
	return nil
}
