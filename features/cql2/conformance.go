package cql2

// ConformanceClasses are the CQL2 1.0 conformance classes this package
// implements and its tests prove: cql2-text/cql2-json by TestExamples (every
// example of the standard, both encodings, equal trees, round trips) and
// the fuzz targets; the rest by TestEvaluate's sections (Basic CQL2,
// advanced comparison, CASEI/ACCENTI, arithmetic, property-property,
// temporal, arrays, spatial with every WKT type), TestCompileErrors, and
// TestSpatialAgainstPostGIS (all 8 S_* predicates agree with PostGIS).
// "Functions" is absent on purpose: custom functions parse but Compile
// rejects them, as we offer none.
var ConformanceClasses = []string{
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/accent-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/temporal-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/array-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/property-property",
	"http://www.opengis.net/spec/cql2/1.0/conf/arithmetic",
}
