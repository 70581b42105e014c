package limits

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
)

// Config is the limits: section of csdi's configuration.
type Config struct {
	// RateLimit turns the per-principal token buckets on (default true).
	RateLimit *bool `yaml:"rate_limit"`
	// Anonymous callers are limited per client address (IPv6: per /64),
	// authenticated ones per department/subject.
	AnonymousRPS       float64 `yaml:"anonymous_rps"`
	AnonymousBurst     int     `yaml:"anonymous_burst"`
	AuthenticatedRPS   float64 `yaml:"authenticated_rps"`
	AuthenticatedBurst int     `yaml:"authenticated_burst"`
	// Roles gives principals holding a role (or a stronger one) their own
	// rate instead of the authenticated one; the strongest listed role a
	// principal holds wins.
	Roles map[auth.Role]RoleRate `yaml:"roles"`
	// MaxTracked bounds how many buckets are kept.
	MaxTracked int `yaml:"max_tracked"`
	// TrustedProxies are the addresses or CIDR prefixes of reverse proxies
	// whose X-Forwarded-For names the client; no one else's is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// ExemptLoopback leaves clients on this machine unlimited (default
	// true): tests and benchmarks, health checks, and operators' tools. A
	// proxy on this machine must be listed in TrustedProxies, or every
	// client behind it looks local.
	ExemptLoopback *bool `yaml:"exempt_loopback"`
	// HeavyConcurrency bounds the heavy requests running at once, per class.
	HeavyConcurrency HeavyConcurrency `yaml:"heavy_concurrency"`
	// HeavyQueueTimeout is how long a heavy request waits for room before
	// it is answered 503.
	HeavyQueueTimeout time.Duration `yaml:"heavy_queue_timeout"`
	// LowZoomMax is the highest zoom (tile matrix level) whose tiles count
	// as low-zoom tiles.
	LowZoomMax *int `yaml:"low_zoom_max"`
}

// RoleRate is one role's token bucket.
type RoleRate struct {
	RPS   float64 `yaml:"rps"`
	Burst int     `yaml:"burst"`
}

// HeavyConcurrency is the bound of each heavy class.
type HeavyConcurrency struct {
	Downloads    int `yaml:"downloads"`
	Imports      int `yaml:"imports"`
	LowZoomTiles int `yaml:"low_zoom_tiles"`
}

// The defaults: a map viewer panning fetches a few dozen tiles at once,
// well within the anonymous burst; programs with keys get more.
const (
	DefaultAnonymousRPS       = 50
	DefaultAnonymousBurst     = 200
	DefaultAuthenticatedRPS   = 200
	DefaultAuthenticatedBurst = 1000
	DefaultMaxTracked         = 100_000
	DefaultDownloads          = 4
	DefaultImports            = 2
	DefaultLowZoomTiles       = 8
	DefaultHeavyQueueTimeout  = 5 * time.Second
	DefaultLowZoomMax         = 10
)

// Bounds that keep the bucket arithmetic in range.
const (
	minRPS   = 0.001
	maxBurst = 1_000_000
)

// ApplyDefaults fills in what is not set.
func (c *Config) ApplyDefaults() {
	yes := true
	if c.RateLimit == nil {
		c.RateLimit = &yes
	}
	if c.ExemptLoopback == nil {
		c.ExemptLoopback = &yes
	}
	setF := func(dst *float64, v float64) {
		if *dst == 0 {
			*dst = v
		}
	}
	setI := func(dst *int, v int) {
		if *dst == 0 {
			*dst = v
		}
	}
	setF(&c.AnonymousRPS, DefaultAnonymousRPS)
	setI(&c.AnonymousBurst, DefaultAnonymousBurst)
	setF(&c.AuthenticatedRPS, DefaultAuthenticatedRPS)
	setI(&c.AuthenticatedBurst, DefaultAuthenticatedBurst)
	setI(&c.MaxTracked, DefaultMaxTracked)
	setI(&c.HeavyConcurrency.Downloads, DefaultDownloads)
	setI(&c.HeavyConcurrency.Imports, DefaultImports)
	setI(&c.HeavyConcurrency.LowZoomTiles, DefaultLowZoomTiles)
	if c.HeavyQueueTimeout == 0 {
		c.HeavyQueueTimeout = DefaultHeavyQueueTimeout
	}
	if c.LowZoomMax == nil {
		z := DefaultLowZoomMax
		c.LowZoomMax = &z
	}
}

// ConfigError is a limits setting that cannot work.
type ConfigError struct {
	Setting string // limits.anonymous_rps
	Problem string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("config: %s: %s", e.Setting, e.Problem) }

// Validate reports every setting that cannot work, joined; each error is
// a *ConfigError. Call it after ApplyDefaults.
func (c *Config) Validate() error {
	var errs []error
	bad := func(setting, format string, args ...any) {
		errs = append(errs, &ConfigError{"limits." + setting, fmt.Sprintf(format, args...)})
	}
	rate := func(setting string, rps float64, burst int) {
		if math.IsNaN(rps) || rps < minRPS || math.IsInf(rps, 0) {
			bad(setting, "requests per second must be at least %g, got %g", minRPS, rps)
		}
		if burst < 1 || burst > maxBurst {
			bad(setting, "burst must be between 1 and %d, got %d", maxBurst, burst)
		}
	}
	rate("anonymous_rps/anonymous_burst", c.AnonymousRPS, c.AnonymousBurst)
	rate("authenticated_rps/authenticated_burst", c.AuthenticatedRPS, c.AuthenticatedBurst)
	for role, r := range c.Roles {
		if !role.Valid() {
			bad("roles", "%q is not one of viewer, analyst, editor, admin", role)
			continue
		}
		rate(fmt.Sprintf("roles.%s", role), r.RPS, r.Burst)
	}
	if c.MaxTracked < shards {
		bad("max_tracked", "must be at least %d, got %d", shards, c.MaxTracked)
	}
	if _, err := parsePrefixes(c.TrustedProxies); err != nil {
		bad("trusted_proxies", "%v", err)
	}
	for _, b := range []struct {
		class string
		n     int
	}{
		{Downloads, c.HeavyConcurrency.Downloads},
		{Imports, c.HeavyConcurrency.Imports},
		{LowZoomTiles, c.HeavyConcurrency.LowZoomTiles},
	} {
		if b.n < 1 {
			bad("heavy_concurrency."+b.class, "must be at least 1, got %d", b.n)
		}
	}
	if c.HeavyQueueTimeout < 0 {
		bad("heavy_queue_timeout", "must not be negative, got %v", c.HeavyQueueTimeout)
	}
	if c.LowZoomMax != nil && (*c.LowZoomMax < -1 || *c.LowZoomMax > 30) {
		bad("low_zoom_max", "must be between -1 (no tile is low-zoom) and 30, got %d", *c.LowZoomMax)
	}
	return errors.Join(errs...)
}

// parsePrefixes reads CIDR prefixes; a bare address is its own /32 or /128.
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", s)
			}
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8", s)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(0, p.Bits()-96))
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
