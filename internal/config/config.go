// Package config reads csdi's configuration once, at start: a YAML file,
// then environment overrides, then defaults and validation. Nothing reads
// configuration after that; the parts get typed values passed in.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/limits"
)

// Config is the whole configuration.
type Config struct {
	Server   Server        `yaml:"server"`
	Database Database      `yaml:"database"`
	Embedded Embedded      `yaml:"embedded"`
	Catalog  Catalog       `yaml:"catalog"`
	Features Features      `yaml:"features"`
	Tiles    Tiles         `yaml:"tiles"`
	Writes   Writes        `yaml:"writes"`
	Auth     auth.Config   `yaml:"auth"`
	Privacy  Privacy       `yaml:"privacy"`
	Limits   limits.Config `yaml:"limits"`
	Log      Log           `yaml:"log"`
	Layers   []layer.Layer `yaml:"layers"`
}

// Server is the HTTP listener.
type Server struct {
	Addr              string        `yaml:"addr"`     // CSDI_ADDR
	BaseURL           string        `yaml:"base_url"` // CSDI_BASE_URL; empty: from each request
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included (1m).
	ReadTimeout  time.Duration `yaml:"read_timeout"`
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// TransferTimeout replaces ReadTimeout and WriteTimeout for downloads
	// and imports, which may move a gigabyte over a slow link (1h).
	TransferTimeout time.Duration `yaml:"transfer_timeout"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	CORSOrigin      string        `yaml:"cors_origin"` // CSDI_CORS_ORIGIN
	// MetricsAddr is a second listener for operators (CSDI_METRICS_ADDR):
	// /metrics without credentials, /healthz and /readyz. Bind it to
	// loopback or an internal network only. Empty: none, and /metrics is
	// served on Addr to admins only.
	MetricsAddr string `yaml:"metrics_addr"`
}

// Database is the PostGIS store; with no URL the embedded store is used.
type Database struct {
	URL      string   `yaml:"url"`     // CSDI_DATABASE_URL
	Schemas  []string `yaml:"schemas"` // CSDI_DATABASE_SCHEMAS, comma-separated
	MaxConns int32    `yaml:"max_conns"`
	// Discover publishes every table with a geometry column in Schemas,
	// besides the configured layers.
	Discover *bool `yaml:"discover"`
	// AutoMigrate installs or upgrades the csdi schema (the change log and
	// its triggers) when serve starts; off, run `csdi migrate` yourself.
	AutoMigrate *bool `yaml:"auto_migrate"`
	// SyncPoll bounds how long a missed change notification can delay
	// live sync (500ms).
	SyncPoll time.Duration `yaml:"sync_poll"`
	// ReadyMaxLag: /readyz fails while the cache is further behind the
	// change log than this (10s).
	ReadyMaxLag time.Duration `yaml:"ready_max_lag"`
}

// Embedded is the GeoPackage store used when no database is configured.
type Embedded struct {
	Path string `yaml:"path"` // CSDI_EMBEDDED_PATH
	// Demo writes the demo dataset to Path when the file does not exist.
	Demo          *bool `yaml:"demo"`
	DemoBuildings int   `yaml:"demo_buildings"`
}

// Catalog describes the service on its landing page.
type Catalog struct {
	Title       layer.Text `yaml:"title"`
	Description layer.Text `yaml:"description"`
}

// Features holds OGC API Features settings.
type Features struct {
	DefaultLimit int `yaml:"default_limit"` // CSDI_DEFAULT_LIMIT
	MaxLimit     int `yaml:"max_limit"`     // CSDI_MAX_LIMIT
	// MaxFilterBytes and MaxFilterDepth bound a CQL2 filter's length and
	// nesting (64 KiB, 64).
	MaxFilterBytes int `yaml:"max_filter_bytes"`
	MaxFilterDepth int `yaml:"max_filter_depth"`
}

// Tiles holds vector tile settings.
type Tiles struct {
	Extent uint32 `yaml:"extent"`
	Buffer int    `yaml:"buffer"`
	// MaxTileBytes is the budget of an uncompressed tile, met by stricter
	// rendering rules (0: 500 KB).
	MaxTileBytes int `yaml:"max_tile_bytes"`
	// CacheControl is the default Cache-Control of tiles; a layer's own
	// cache_control wins (empty: "public, max-age=60").
	CacheControl string `yaml:"cache_control"`
	// CacheBytes bounds the compressed tile cache (CSDI_TILE_CACHE_BYTES;
	// 0: 256 MiB).
	CacheBytes int64 `yaml:"cache_bytes"`
}

// Writes configures the write API (OGC API Features Part 4, imports).
type Writes struct {
	// AdminKey is one admin credential: in the file only its hash
	// ("sha256:…", as csdi apikey prints it), the key itself only from
	// the environment (CSDI_ADMIN_KEY). Empty: no such key.
	AdminKey string `yaml:"admin_key"`
	// RequireIfMatch makes PUT, PATCH and DELETE without If-Match fail
	// with 428, so no one overwrites an edit they have not seen.
	RequireIfMatch bool `yaml:"require_if_match"`
	// MaxBodyBytes bounds a Part 4 request body (16 MiB); MaxImportBytes
	// an import's (1 GiB).
	MaxBodyBytes   int64 `yaml:"max_body_bytes"`
	MaxImportBytes int64 `yaml:"max_import_bytes"`
}

// Privacy configures masked views of sensitive layers.
type Privacy struct {
	// Key is the secret behind pseudonymous ids, hashed attributes and
	// displacements (CSDI_PRIVACY_KEY): the same on every replica, and
	// stable, or masked views change and displacements can be averaged.
	Key string `yaml:"key"`
}

// Log sets the structured logger.
type Log struct {
	Level  string `yaml:"level"`  // CSDI_LOG_LEVEL: debug, info, warn, error
	Format string `yaml:"format"` // CSDI_LOG_FORMAT: text or json
}

// Error is a configuration problem, naming the setting at fault.
type Error struct {
	Setting string
	Problem string
}

func (e *Error) Error() string { return fmt.Sprintf("config: %s: %s", e.Setting, e.Problem) }

// Load reads the YAML file at path (none when path is empty), applies the
// environment's overrides and defaults, and validates the result.
func Load(path string, env func(string) string) (*Config, error) {
	var c Config
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if err := Decode(f, &c); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		if k := c.Writes.AdminKey; k != "" && !strings.HasPrefix(k, HashPrefix) {
			return nil, fmt.Errorf("config %s: writes.admin_key holds a key in plain text; a config file keeps keys only as hashes: put its hash there (csdi apikey prints one) or pass the key in CSDI_ADMIN_KEY", path)
		}
	}
	if err := c.override(env); err != nil {
		return nil, err
	}
	c.defaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// HashPrefix starts a key's hash in the configuration, as auth.HashAPIKey
// writes it.
const HashPrefix = "sha256:"

// Decode parses YAML strictly: an unknown setting is an error, not ignored.
func Decode(r io.Reader, c *Config) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return fmt.Errorf("parse YAML: %w", err)
	}
	return nil
}

func (c *Config) override(env func(string) string) error {
	if env == nil {
		env = func(string) string { return "" }
	}
	str := func(name string, dst *string) {
		if v := env(name); v != "" {
			*dst = v
		}
	}
	num := func(name string, dst *int) error {
		v := env(name)
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return &Error{name, fmt.Sprintf("want a whole number, got %q", v)}
		}
		*dst = n
		return nil
	}
	num64 := func(name string, dst *int64) error {
		v := env(name)
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return &Error{name, fmt.Sprintf("want a whole number of bytes, got %q", v)}
		}
		*dst = n
		return nil
	}
	str("CSDI_ADDR", &c.Server.Addr)
	str("CSDI_BASE_URL", &c.Server.BaseURL)
	str("CSDI_CORS_ORIGIN", &c.Server.CORSOrigin)
	str("CSDI_METRICS_ADDR", &c.Server.MetricsAddr)
	str("CSDI_DATABASE_URL", &c.Database.URL)
	str("CSDI_ADMIN_KEY", &c.Writes.AdminKey)
	str("CSDI_PRIVACY_KEY", &c.Privacy.Key)
	if v := env("CSDI_DATABASE_SCHEMAS"); v != "" {
		c.Database.Schemas = splitList(v)
	}
	str("CSDI_EMBEDDED_PATH", &c.Embedded.Path)
	str("CSDI_LOG_LEVEL", &c.Log.Level)
	str("CSDI_LOG_FORMAT", &c.Log.Format)
	return errors.Join(
		num("CSDI_DEFAULT_LIMIT", &c.Features.DefaultLimit),
		num("CSDI_MAX_LIMIT", &c.Features.MaxLimit),
		num("CSDI_DEMO_BUILDINGS", &c.Embedded.DemoBuildings),
		num64("CSDI_TILE_CACHE_BYTES", &c.Tiles.CacheBytes),
	)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *Config) defaults() {
	setStr := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	setDur := func(dst *time.Duration, v time.Duration) {
		if *dst == 0 {
			*dst = v
		}
	}
	yes := true
	setStr(&c.Server.Addr, "127.0.0.1:8080")
	setStr(&c.Server.CORSOrigin, "*")
	setDur(&c.Server.ReadHeaderTimeout, 10*time.Second)
	setDur(&c.Server.ReadTimeout, time.Minute)
	setDur(&c.Server.WriteTimeout, 5*time.Minute)
	setDur(&c.Server.TransferTimeout, time.Hour)
	setDur(&c.Server.IdleTimeout, 2*time.Minute)
	setDur(&c.Server.ShutdownTimeout, 20*time.Second)
	if len(c.Database.Schemas) == 0 {
		c.Database.Schemas = []string{"public"}
	}
	if c.Database.MaxConns == 0 {
		c.Database.MaxConns = 8
	}
	if c.Database.Discover == nil {
		c.Database.Discover = &yes
	}
	if c.Database.AutoMigrate == nil {
		c.Database.AutoMigrate = &yes
	}
	setDur(&c.Database.SyncPoll, 500*time.Millisecond)
	setDur(&c.Database.ReadyMaxLag, 10*time.Second)
	if c.Writes.MaxBodyBytes == 0 {
		c.Writes.MaxBodyBytes = 16 << 20
	}
	if c.Writes.MaxImportBytes == 0 {
		c.Writes.MaxImportBytes = 1 << 30
	}
	setStr(&c.Embedded.Path, "csdi-demo.gpkg")
	if c.Embedded.Demo == nil {
		c.Embedded.Demo = &yes
	}
	if c.Embedded.DemoBuildings == 0 {
		c.Embedded.DemoBuildings = 100_000
	}
	setStr(&c.Catalog.Title.En, "Common Spatial Data Infrastructure")
	setStr(&c.Catalog.Title.Zh, "空間數據共享平台")
	setStr(&c.Catalog.Description.En, "Spatial layers published once by government departments, served as OGC API Features and vector tiles.")
	setStr(&c.Catalog.Description.Zh, "各政府部門發佈一次的空間圖層，以 OGC API Features 及向量圖塊提供。")
	if c.Features.DefaultLimit == 0 {
		c.Features.DefaultLimit = 10
	}
	if c.Features.MaxLimit == 0 {
		c.Features.MaxLimit = 10_000
	}
	if c.Features.MaxFilterBytes == 0 {
		c.Features.MaxFilterBytes = 64 << 10
	}
	if c.Features.MaxFilterDepth == 0 {
		c.Features.MaxFilterDepth = 64
	}
	if c.Tiles.Extent == 0 {
		c.Tiles.Extent = 4096
	}
	if c.Tiles.Buffer == 0 {
		c.Tiles.Buffer = 64
	}
	c.Limits.ApplyDefaults()
	setStr(&c.Log.Level, "info")
	setStr(&c.Log.Format, "text")
	for i := range c.Layers {
		l := &c.Layers[i]
		if l.MaxZoom == 0 {
			l.MaxZoom = layer.DefaultMaxZoom
		}
		if l.Source.Table == "" {
			l.Source.Table = l.ID
		}
	}
}

// Validate reports every setting that cannot work, joined.
func (c *Config) Validate() error {
	var errs []error
	bad := func(setting, format string, args ...any) {
		errs = append(errs, &Error{setting, fmt.Sprintf(format, args...)})
	}
	if c.Features.DefaultLimit < 1 {
		bad("features.default_limit", "must be at least 1, got %d", c.Features.DefaultLimit)
	}
	if c.Features.MaxLimit < c.Features.DefaultLimit {
		bad("features.max_limit", "must be at least default_limit (%d), got %d", c.Features.DefaultLimit, c.Features.MaxLimit)
	}
	if c.Features.MaxFilterBytes < 1 || c.Features.MaxFilterDepth < 1 {
		bad("features.max_filter_bytes", "max_filter_bytes and max_filter_depth must be at least 1")
	}
	if c.Tiles.Extent < 256 || c.Tiles.Extent > 1<<16 {
		bad("tiles.extent", "must be between 256 and 65536, got %d", c.Tiles.Extent)
	}
	if c.Tiles.Buffer < 0 || c.Tiles.Buffer > int(c.Tiles.Extent)/2 {
		bad("tiles.buffer", "must be between 0 and half the extent, got %d", c.Tiles.Buffer)
	}
	if c.Tiles.MaxTileBytes < 0 {
		bad("tiles.max_tile_bytes", "must not be negative (0 means the default, 500 KB)")
	}
	if c.Tiles.CacheBytes < 0 {
		bad("tiles.cache_bytes", "must not be negative (0 means the default, 256 MiB)")
	}
	if a := c.Server.MetricsAddr; a != "" {
		if _, _, err := net.SplitHostPort(a); err != nil {
			bad("server.metrics_addr", "must be host:port (e.g. 127.0.0.1:9090), got %q", a)
		} else if a == c.Server.Addr {
			bad("server.metrics_addr", "must differ from server.addr (%s): it serves metrics without credentials", c.Server.Addr)
		}
	}
	if c.Embedded.DemoBuildings < 0 {
		bad("embedded.demo_buildings", "must not be negative")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error, got %q", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "must be text or json, got %q", c.Log.Format)
	}
	if u := c.Database.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") && !strings.Contains(u, "=") {
		bad("database.url", "must be a postgres:// URL or a key=value connection string")
	}
	for _, d := range []struct {
		setting string
		v       time.Duration
	}{
		{"server.read_header_timeout", c.Server.ReadHeaderTimeout},
		{"server.read_timeout", c.Server.ReadTimeout},
		{"server.write_timeout", c.Server.WriteTimeout},
		{"server.idle_timeout", c.Server.IdleTimeout},
		{"server.transfer_timeout", c.Server.TransferTimeout},
	} {
		if d.v < 0 {
			bad(d.setting, "must not be negative, got %v", d.v)
		}
	}
	if c.Server.TransferTimeout > 0 && c.Server.TransferTimeout < max(c.Server.ReadTimeout, c.Server.WriteTimeout) {
		bad("server.transfer_timeout", "must be at least read_timeout and write_timeout (it lengthens them for downloads and imports), got %v", c.Server.TransferTimeout)
	}
	if err := c.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, err)
	}
	ids := map[string]bool{}
	for i := range c.Layers {
		l := &c.Layers[i]
		setting := fmt.Sprintf("layers[%d]", i)
		if ids[l.ID] {
			bad(setting, "layer id %q is used twice", l.ID)
		}
		ids[l.ID] = true
		for _, f := range l.Fields {
			if f.Name == "" {
				bad(setting, "layer %q has a field with no name", l.ID)
			}
		}
		// Types and geometry may come from discovery, so only what is
		// given is checked here; the merged layer is validated at start.
		if l.ID == "" {
			bad(setting, "id is required")
		} else if err := (&layer.Layer{ID: l.ID, Source: layer.Source{Table: "x"}, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom}).Validate(); err != nil {
			bad(setting, "%v", err)
		}
	}
	return errors.Join(errs...)
}
