package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A test's own server survives a stop and a start with its data.
func TestPostgresStopStart(t *testing.T) {
	p := StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := exec1(ctx, p.URL, "CREATE TABLE kept AS SELECT ST_MakePoint(114.17, 22.3) AS geom"); err != nil {
		t.Fatal(err)
	}
	p.Stop(t)
	if conn, err := pgx.Connect(ctx, p.URL); err == nil {
		conn.Close(ctx)
		t.Fatal("connected to a stopped server")
	}
	p.Start(t)
	conn, err := pgx.Connect(ctx, p.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM kept").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after a restart: %d rows, %v", n, err)
	}
}
