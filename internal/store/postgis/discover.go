package postgis

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/layer"
)

// Layers lists one layer per (relation, geometry column) in the store's
// schemas: tables, partitioned tables, views, materialized views and
// foreign tables. See describe for how each is filled in.
func (s *Store) Layers(ctx context.Context) ([]layer.Layer, error) {
	rels, err := s.relations(ctx)
	if err != nil {
		return nil, err
	}
	ids := layerIDs{}
	var out []layer.Layer
	for _, r := range rels {
		idCol := r.idColumn()
		for i, g := range r.geometryColumns() {
			l, err := s.describe(ctx, r, g, idCol, ids.next(r.Schema, r.Name, g.Name, i == 0))
			if err != nil {
				return nil, err
			}
			if i > 0 {
				l.Title.En += " (" + g.Name + ")"
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// describe builds the layer for geometry column g of relation r.
func (s *Store) describe(ctx context.Context, r relation, g column, idCol, id string) (layer.Layer, error) {
	l := layer.Layer{
		ID:    id,
		Title: layer.Text{En: readable(r.Name)},
		Source: layer.Source{
			Schema:         r.Schema,
			Table:          r.Name,
			IDColumn:       idCol,
			GeometryColumn: g.Name,
			SRID:           typmod(g.Typmod).srid(),
		},
		MinZoom: 0,
		MaxZoom: layer.DefaultMaxZoom,
	}
	applyTableComment(&l, r.Comment)
	gt, ok := typmod(g.Typmod).geometryType()
	if !ok {
		s.log.Warn("postgis: geometry subtype has no Simple Features name; published as Geometry",
			"layer", id, "column", g.Name)
	}
	l.GeometryType = gt
	if l.Source.SRID == 0 {
		srid, err := s.probeSRID(ctx, r, g.Name)
		if err != nil {
			return layer.Layer{}, err
		}
		l.Source.SRID = srid
	}
	for _, c := range r.Columns {
		if c.Name == idCol || c.isGeometry() {
			continue // the id, this layer's geometry, or another layer's
		}
		ft, ok := fieldType(c.Type)
		if !ok {
			s.log.Warn("postgis: column type not served; column skipped",
				"layer", id, "column", c.Name, "type", c.Type.Name)
			continue
		}
		l.Fields = append(l.Fields, layer.Field{Name: c.Name, Type: ft, Title: columnTitle(c.Comment), Required: c.NotNull})
	}
	return l, nil
}

// probeSRID reads the SRID of the first non-NULL geometry of an untyped
// column, 0 when there is none. A relation that cannot be read (a broken
// view) is logged and reported with SRID 0 rather than failing discovery.
func (s *Store) probeSRID(ctx context.Context, r relation, col string) (int, error) {
	c := pgx.Identifier{col}.Sanitize()
	q := "SELECT ST_SRID(" + c + ") FROM " + r.qualified() + " WHERE " + c + " IS NOT NULL LIMIT 1"
	var srid int
	err := s.pool.QueryRow(ctx, q).Scan(&srid)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, nil
	case ctx.Err() != nil:
		return 0, fmt.Errorf("postgis: probe SRID of %s.%s: %w", r.Schema, r.Name, ctx.Err())
	case err != nil:
		s.log.Warn("postgis: cannot read the SRID of an untyped geometry column",
			"table", r.Schema+"."+r.Name, "column", col, "error", err)
		return 0, nil
	}
	return srid, nil
}
