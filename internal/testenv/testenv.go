// Package testenv gives tests the real services `make test` starts: a
// PostgreSQL + PostGIS server, named by CSDI_TEST_DATABASE_URL.
package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var dbCounter atomic.Int64

// DatabaseURL returns the URL of a new, empty database with PostGIS, dropped
// when the test ends. Without a server it skips the test, unless make test
// said a database must be there (CSDI_TEST_REQUIRE_DATABASE=1): then it fails.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("CSDI_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CSDI_TEST_REQUIRE_DATABASE") != "" {
			t.Fatal("CSDI_TEST_DATABASE_URL is not set although make test requires a database")
		}
		t.Skip("no PostGIS: set CSDI_TEST_DATABASE_URL or run make test")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbCounter.Add(1))
	// The base database has PostGIS installed; copying it is much faster
	// than CREATE EXTENSION in every test. Copying needs it to be idle, so
	// retry briefly while another test's template copy holds it.
	var createErr error
	for i := 0; i < 50; i++ {
		_, createErr = admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+pgx.Identifier{dbName(t, base)}.Sanitize())
		if createErr == nil || !strings.Contains(createErr.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if createErr != nil {
		t.Fatalf("create test database: %v", createErr)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

func dbName(t testing.TB, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("CSDI_TEST_DATABASE_URL: %v", err)
	}
	return strings.TrimPrefix(u.Path, "/")
}
