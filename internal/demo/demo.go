// Package demo generates a deterministic, synthetic Common Spatial Data
// Infrastructure for Hong Kong in HK1980 Grid (EPSG:2326): building
// footprints clustered where the urban areas really are, roads, public
// toilets, clinics, the 18 districts, and one sensitive layer of elderly
// home-care cases with fake HKIDs for the privacy work to mask.
//
// Nothing here is real data. The same Options always give the same records,
// byte for byte (on one platform and Go release: math/rand/v2 may change its
// derived distributions between releases), and each layer's records depend
// only on the Options, never on which layers were generated before.
package demo

import (
	"context"
	"fmt"
	"iter"

	"github.com/csdi-hk/csdi/internal/store"
)

// Options tune the generated dataset.
type Options struct {
	// Buildings is how many building footprints to generate; zero means
	// 100 000. Plots shrink and towns spread as the count grows; about
	// 600 000 is the most the urban areas hold (TooManyBuildingsError).
	Buildings int
	// Seed picks one of many equally plausible datasets.
	Seed int64
}

// UnknownLayerError reports a layer id the demo does not generate.
type UnknownLayerError struct{ ID string }

func (e UnknownLayerError) Error() string {
	return fmt.Sprintf("demo: no layer %q", e.ID)
}

// Records regenerates the records of one layer. Ids are int64 from 1;
// geometries are in EPSG:2326; Props follow the layer's Fields.
func Records(layerID string, opts Options) iter.Seq2[store.Record, error] {
	switch layerID {
	case BuildingsID:
		return buildingRecords(opts)
	case RoadsID:
		return roadRecords(opts)
	case PublicToiletsID:
		return toiletRecords(opts)
	case ClinicsID:
		return clinicRecords(opts)
	case DistrictsID:
		return districtRecords()
	case ElderlyHomeCareID:
		return homeCareRecords(opts)
	}
	return func(yield func(store.Record, error) bool) {
		yield(store.Record{}, UnknownLayerError{layerID})
	}
}

// Write writes every demo layer to w, one WriteLayer call per layer.
func Write(ctx context.Context, w store.Writer, opts Options) error {
	for _, l := range Layers() {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("demo: before layer %s: %w", l.ID, err)
		}
		if err := w.WriteLayer(ctx, &l, cancellable(ctx, Records(l.ID, opts))); err != nil {
			return fmt.Errorf("demo: writing layer %s: %w", l.ID, err)
		}
	}
	return nil
}

// cancellable stops records with the context's error once ctx is done, so
// a cancelled Write stops generating even if the writer only checks between
// batches.
func cancellable(ctx context.Context, records iter.Seq2[store.Record, error]) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		n := 0
		for rec, err := range records {
			if n++; n%1024 == 0 && ctx.Err() != nil {
				yield(store.Record{}, ctx.Err())
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}
