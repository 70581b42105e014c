package auth

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is the auth: section of csdi's configuration.
type Config struct {
	// APIKeys are the keys departments' programs use; only their hashes
	// are kept (make one with NewAPIKey).
	APIKeys []APIKey `yaml:"api_keys"`
	// OIDC are the identity providers whose bearer tokens are accepted.
	OIDC []OIDC `yaml:"oidc"`
}

// APIKey is one key, known by its hash.
type APIKey struct {
	Name       string `yaml:"name"` // the key's subject: the actor is department/name
	Department string `yaml:"department"`
	Roles      []Role `yaml:"roles"`
	Hash       string `yaml:"hash"` // "sha256:" and 64 hex digits
}

// OIDC is one identity provider.
type OIDC struct {
	Issuer   string `yaml:"issuer"`   // the exact iss of its tokens
	Audience string `yaml:"audience"` // tokens must name it in aud
	// JWKSURL is where its signing keys are; empty: found through
	// Issuer + "/.well-known/openid-configuration".
	JWKSURL string `yaml:"jwks_url"`
	// DepartmentClaim and RolesClaim name the claims carrying the
	// department (a string) and the roles (an array, or a space-separated
	// string); a name with dots is a path into nested objects when no claim
	// has the whole name (realm_access.roles). Defaults: department, roles.
	DepartmentClaim string `yaml:"department_claim"`
	RolesClaim      string `yaml:"roles_claim"`
	// RoleMap maps the provider's role names to csdi's; empty: values
	// equal to csdi's role names count, others are ignored.
	RoleMap map[string]Role `yaml:"role_map"`
	// DefaultRoles are held by every principal of this provider besides
	// the ones its tokens name: viewer, for a department's own provider
	// whose tokens carry no roles.
	DefaultRoles []Role `yaml:"default_roles"`
	// ACRValues orders the provider's acr values, weakest first.
	ACRValues ACROrder `yaml:"acr_values"`
	// ClockSkew is the leeway on exp, nbf and iat (default 1m, at most 5m).
	ClockSkew time.Duration `yaml:"clock_skew"`
	// JWKSRefresh is how old the keys may get before they are fetched
	// again (default 15m); an unknown kid fetches them sooner, at most
	// once per RefetchInterval.
	JWKSRefresh time.Duration `yaml:"jwks_refresh"`
}

// Defaults.
const (
	DefaultDepartmentClaim = "department"
	DefaultRolesClaim      = "roles"
	DefaultClockSkew       = time.Minute
	MaxClockSkew           = 5 * time.Minute
	DefaultJWKSRefresh     = 15 * time.Minute
	// RefetchInterval bounds how often a token with an unknown kid, or a
	// failed fetch, makes the keys be fetched again.
	RefetchInterval = 30 * time.Second
)

// ConfigError is a setting of the auth section that cannot work.
type ConfigError struct {
	Setting string // auth.api_keys[2] ("gis-etl")
	Problem string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("config: %s: %s", e.Setting, e.Problem) }

// Validate reports every setting that cannot work, joined; each error is a
// *ConfigError naming the entry.
func (c *Config) Validate() error {
	var errs []error
	bad := func(setting, format string, args ...any) {
		errs = append(errs, &ConfigError{setting, fmt.Sprintf(format, args...)})
	}
	names := map[string]int{}
	hashes := map[string]int{}
	for i, k := range c.APIKeys {
		setting := fmt.Sprintf("auth.api_keys[%d]", i)
		if k.Name != "" {
			setting += fmt.Sprintf(" (%q)", k.Name)
		}
		if k.Name == "" {
			bad(setting, "name is required: it is who the key writes as")
		} else if j, dup := names[k.Name]; dup {
			bad(setting, "name %q is used by api_keys[%d] too", k.Name, j)
		} else {
			names[k.Name] = i
		}
		if strings.ContainsAny(k.Name+k.Department, "/\x00\n") {
			bad(setting, "name and department must not contain '/' or control characters")
		}
		if k.Department == "" {
			bad(setting, "department is required")
		}
		if len(k.Roles) == 0 {
			bad(setting, "roles: give at least one of viewer, analyst, editor, admin")
		}
		for _, r := range k.Roles {
			if !r.Valid() {
				bad(setting, "role %q is not one of viewer, analyst, editor, admin", r)
			}
		}
		if _, err := parseKeyHash(k.Hash); err != nil {
			bad(setting, "%v", err)
		} else if j, dup := hashes[strings.ToLower(k.Hash)]; dup {
			bad(setting, "the same key as api_keys[%d]: give each program its own key", j)
		} else {
			hashes[strings.ToLower(k.Hash)] = i
		}
	}
	issuers := map[string]int{}
	for i, o := range c.OIDC {
		setting := fmt.Sprintf("auth.oidc[%d]", i)
		if o.Issuer != "" {
			setting += fmt.Sprintf(" (%q)", o.Issuer)
		}
		if err := checkURL(o.Issuer); err != nil {
			bad(setting, "issuer: %v", err)
		} else if j, dup := issuers[o.Issuer]; dup {
			bad(setting, "issuer is configured in oidc[%d] too", j)
		} else {
			issuers[o.Issuer] = i
		}
		if o.Audience == "" {
			bad(setting, "audience is required: a token made for another service must not be accepted here")
		}
		if o.JWKSURL != "" {
			if err := checkURL(o.JWKSURL); err != nil {
				bad(setting, "jwks_url: %v", err)
			}
		}
		for from, to := range o.RoleMap {
			if !to.Valid() {
				bad(setting, "role_map: %q maps to %q, which is not one of viewer, analyst, editor, admin", from, to)
			}
		}
		for _, r := range o.DefaultRoles {
			if !r.Valid() {
				bad(setting, "default_roles: %q is not one of viewer, analyst, editor, admin", r)
			}
		}
		seen := map[string]bool{}
		for _, v := range o.ACRValues {
			if v == "" || seen[v] {
				bad(setting, "acr_values: each value must be given once and not be empty (%q)", v)
			}
			seen[v] = true
		}
		if o.ClockSkew < 0 || o.ClockSkew > MaxClockSkew {
			bad(setting, "clock_skew must be between 0 and %v, got %v", MaxClockSkew, o.ClockSkew)
		}
		if o.JWKSRefresh < 0 || (o.JWKSRefresh > 0 && o.JWKSRefresh < RefetchInterval) {
			bad(setting, "jwks_refresh must be at least %v, got %v", RefetchInterval, o.JWKSRefresh)
		}
	}
	return errors.Join(errs...)
}

// KnowsACR reports whether some provider orders the acr value v, so that a
// layer's minimum level can be checked when the config is read: a level no
// provider issues would make the layer's full view unreachable.
func (c *Config) KnowsACR(v string) bool {
	for _, o := range c.OIDC {
		if o.ACRValues.Rank(v) >= 0 {
			return true
		}
	}
	return false
}

// withDefaults fills in what was left out.
func (o OIDC) withDefaults() OIDC {
	if o.DepartmentClaim == "" {
		o.DepartmentClaim = DefaultDepartmentClaim
	}
	if o.RolesClaim == "" {
		o.RolesClaim = DefaultRolesClaim
	}
	if o.ClockSkew == 0 {
		o.ClockSkew = DefaultClockSkew
	}
	if o.JWKSRefresh == 0 {
		o.JWKSRefresh = DefaultJWKSRefresh
	}
	return o
}

// checkURL accepts an absolute https URL, or http to a loopback address
// (a provider on the same host, and tests): keys fetched in clear text from
// elsewhere could be swapped on the way.
func checkURL(s string) error {
	if s == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	switch {
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && loopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("%q must be an https URL (http only to a loopback address)", s)
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
