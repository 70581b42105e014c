package limits

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/auth"
)

func TestConfigDefaultsValidate(t *testing.T) {
	var c Config
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if !*c.RateLimit || !*c.ExemptLoopback || *c.LowZoomMax != DefaultLowZoomMax || c.HeavyQueueTimeout != DefaultHeavyQueueTimeout {
		t.Errorf("defaults: %+v", c)
	}
}

func TestConfigErrors(t *testing.T) {
	z := 31
	cases := []struct {
		name    string
		c       Config
		setting string
	}{
		{"negative rate", Config{AnonymousRPS: -1}, "limits.anonymous_rps/anonymous_burst"},
		{"burst too large", Config{AuthenticatedBurst: maxBurst + 1}, "limits.authenticated_rps/authenticated_burst"},
		{"unknown role", Config{Roles: map[auth.Role]RoleRate{"boss": {RPS: 1, Burst: 1}}}, "limits.roles"},
		{"role without burst", Config{Roles: map[auth.Role]RoleRate{auth.Admin: {RPS: 1}}}, "limits.roles.admin"},
		{"too few tracked", Config{MaxTracked: 3}, "limits.max_tracked"},
		{"bad proxy", Config{TrustedProxies: []string{"10.0.0.0/33"}}, "limits.trusted_proxies"},
		{"bad proxy address", Config{TrustedProxies: []string{"proxy.local"}}, "limits.trusted_proxies"},
		{"negative bound", Config{HeavyConcurrency: HeavyConcurrency{Downloads: -2}}, "limits.heavy_concurrency.downloads"},
		{"negative queue", Config{HeavyQueueTimeout: -time.Second}, "limits.heavy_queue_timeout"},
		{"zoom out of range", Config{LowZoomMax: &z}, "limits.low_zoom_max"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.ApplyDefaults()
			err := tc.c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Setting != tc.setting {
				t.Fatalf("got %v, want an error naming %s", err, tc.setting)
			}
			if !strings.Contains(err.Error(), tc.setting) {
				t.Errorf("message %q does not name the setting", err)
			}
		})
	}
}

func TestParsePrefixes(t *testing.T) {
	p, err := parsePrefixes([]string{"192.0.2.7", "10.1.2.3/8", "::1", "::ffff:10.0.0.0/104"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"192.0.2.7/32", "10.0.0.0/8", "::1/128", "10.0.0.0/8"}
	for i, w := range want {
		if p[i].String() != w {
			t.Errorf("prefix %d: %s, want %s", i, p[i], w)
		}
	}
}
