// Package features serves the cache as OGC API Features Part 1 (Core,
// GeoJSON, HTML, OpenAPI 3.0): a landing page, conformance, an OpenAPI
// document, collections, items and single features, each as JSON and HTML.
//
// Every read is answered from a cache snapshot. An items request is a small
// pipeline, one stage per file: parse the query string into an itemsQuery
// (query.go and the parameter files beside it), select candidates from the
// snapshot and filter and page them (pipeline.go), then encode
// (geojson.go streams GeoJSON by hand; html.go renders templates). Later
// parts (CRS, CQL2, sortby, transactions, masked views) slot into those
// stages rather than into the handlers.
package features
