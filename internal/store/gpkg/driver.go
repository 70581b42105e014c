package gpkg

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sync"

	"modernc.org/sqlite"
)

// sqliteDriver is a private instance of modernc's pure-Go SQLite driver
// (the one registered as "sqlite"), so the SQL functions below reach only
// our connections and not every SQLite connection in the process.
var sqliteDriver = sync.OnceValues(newDriver)

func newDriver() (*sqlite.Driver, error) {
	d := &sqlite.Driver{}
	// The GeoPackage R-tree triggers (spec F.3) call these; GDAL defines
	// them in its connections, and we must in ours or any insert, update or
	// delete of a feature row fails.
	funcs := []struct {
		name string
		fn   func(h header, b []byte) any
	}{
		{"ST_IsEmpty", func(h header, _ []byte) any { return boolInt(h.empty) }},
		{"ST_MinX", func(h header, b []byte) any { return envelopeValue(h, b, 0) }},
		{"ST_MinY", func(h header, b []byte) any { return envelopeValue(h, b, 1) }},
		{"ST_MaxX", func(h header, b []byte) any { return envelopeValue(h, b, 2) }},
		{"ST_MaxY", func(h header, b []byte) any { return envelopeValue(h, b, 3) }},
	}
	for _, f := range funcs {
		err := d.RegisterDeterministicScalarFunction(f.name, 1,
			func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
				b, ok := args[0].([]byte)
				if !ok {
					return nil, nil // NULL (or not a blob) in, NULL out
				}
				h, err := parseHeader(b)
				if err != nil {
					return nil, nil // as GDAL: a bad blob has no envelope
				}
				return f.fn(h, b), nil
			})
		if err != nil {
			return nil, fmt.Errorf("gpkg: register %s: %w", f.name, err)
		}
	}
	return d, nil
}

// envelopeValue returns minx, miny, maxx or maxy (i = 0..3) of a blob, from
// its header's envelope when it has one (points usually do not).
func envelopeValue(h header, b []byte, i int) any {
	if h.empty {
		return nil
	}
	env := h.envelope
	if !h.hasEnv {
		g, err := DecodeGeometry(b)
		if err != nil || g == nil {
			return nil
		}
		env, _ = bound(g)
	}
	return [...]float64{env.Min[0], env.Min[1], env.Max[0], env.Max[1]}[i]
}

// connector opens connections through the private driver, for sql.OpenDB.
type connector struct {
	driver *sqlite.Driver
	dsn    string
}

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.driver.Open(c.dsn)
}

func (c connector) Driver() driver.Driver { return c.driver }

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
