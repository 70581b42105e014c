// Package store defines how csdi reads (and, later, writes) the source of
// truth. Backends live in sub-packages: postgis (pgx v5) and gpkg (the
// embedded GeoPackage default). Nothing here knows about HTTP.
package store

import (
	"context"
	"iter"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/crs"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Record is one feature as a store yields it.
//
// ID is an int64 or a string. Geometry is nil for a NULL geometry and is
// otherwise 2D (Z and M dropped), with x = easting/longitude and
// y = northing/latitude whatever the CRS's authority axis order, in the SRID
// StreamSRID names. Props is aligned with the layer's Fields, each value nil
// or the Go type the field's layer.FieldType documents.
type Record struct {
	ID       any
	Geometry orb.Geometry
	Props    []any
}

// Store is a source of layers.
type Store interface {
	// Layers lists the layers the store can serve: every table with a
	// geometry column it discovers, with its schema filled in. Config layers
	// are merged over these by the caller (layer.Merge).
	Layers(ctx context.Context) ([]layer.Layer, error)
	// Load streams every feature of a layer to fn, without buffering the
	// whole table. A row that cannot be decoded is reported through the
	// store's logger and skipped, never failing the layer; an error from fn
	// stops the load and is returned wrapped.
	Load(ctx context.Context, l *layer.Layer, fn func(Record) error) error
	// Close releases the store's connections.
	Close() error
}

// Writer creates or replaces a whole layer in one transaction: the demo
// generator, the contract tests and (later) bulk import use it.
type Writer interface {
	// WriteLayer creates the layer's table (dropping an existing one) with a
	// column per field and a spatial index, and writes all records to it.
	// Record geometries are in l.Source.SRID. Either every record is written
	// or nothing changes.
	WriteLayer(ctx context.Context, l *layer.Layer, records iter.Seq2[Record, error]) error
}

// StreamSRID is the SRID of the geometries Load yields for l: the layer's own
// when internal/crs can transform it, otherwise EPSG:4326, which the backend
// is then responsible for transforming to (PostGIS does it with PROJ).
func StreamSRID(l *layer.Layer) int {
	if crs.Supported(l.Source.SRID) {
		return l.Source.SRID
	}
	return 4326
}
