package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/demo"
	"github.com/csdi-hk/csdi/internal/store/postgis"
)

// env is the demo dataset in PostGIS and the same data in the cache.
type env struct {
	store *postgis.Store
	pool  *pgxpool.Pool
	cache *cache.Cache
}

func setup(ctx context.Context, url string, buildings int, log *slog.Logger) (*env, error) {
	st, err := postgis.Open(ctx, url, postgis.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	if err := demo.Write(ctx, st, demo.Options{Buildings: buildings, Seed: 1}); err != nil {
		st.Close()
		return nil, fmt.Errorf("write demo data: %w", err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		st.Close()
		return nil, err
	}
	c := cache.New(st, demo.Layers(), log)
	if err := c.Load(ctx); err != nil {
		st.Close()
		pool.Close()
		return nil, fmt.Errorf("load cache: %w", err)
	}
	return &env{store: st, pool: pool, cache: c}, nil
}

func (e *env) close() {
	e.pool.Close()
	e.store.Close()
}
