package auth

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigYAML(t *testing.T) {
	b, err := os.ReadFile("testdata/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(c.APIKeys) != 2 || c.APIKeys[0].Roles[0] != Editor || len(c.OIDC) != 2 {
		t.Fatalf("%+v", c)
	}
	gov, iam := c.OIDC[0], c.OIDC[1]
	if gov.ClockSkew != 30*time.Second || gov.RoleMap["csdi-analyst"] != Analyst || gov.RolesClaim != "realm_access.roles" ||
		iam.JWKSRefresh != time.Hour || iam.ACRValues.Rank("urn:iamsmart:loa:2") != 1 {
		t.Fatalf("%+v", c.OIDC)
	}
	if d := iam.withDefaults(); d.ClockSkew != DefaultClockSkew || d.DepartmentClaim != "department" || d.RolesClaim != "roles" {
		t.Errorf("defaults %+v", d)
	}
	if !c.KnowsACR("substantial") || !c.KnowsACR("urn:iamsmart:loa:1") || c.KnowsACR("medium") || c.KnowsACR("") {
		t.Error("KnowsACR")
	}
	if _, err := New(c, Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestOIDCConfigErrors(t *testing.T) {
	good := func() OIDC { return OIDC{Issuer: "https://idp.gov.hk", Audience: "csdi"} }
	cases := []struct {
		name string
		edit func(*OIDC)
		want string
	}{
		{"no issuer", func(o *OIDC) { o.Issuer = "" }, "auth.oidc[1]: issuer: is required"},
		{"issuer not a URL", func(o *OIDC) { o.Issuer = "idp.gov.hk" }, `issuer: "idp.gov.hk" is not an absolute URL`},
		{"issuer over http", func(o *OIDC) { o.Issuer = "http://idp.gov.hk" }, "must be an https URL"},
		{"the same issuer twice", func(o *OIDC) { o.Issuer = "https://first.gov.hk" }, "issuer is configured in oidc[0] too"},
		{"no audience", func(o *OIDC) { o.Audience = "" }, `auth.oidc[1] ("https://idp.gov.hk"): audience is required`},
		{"jwks over http", func(o *OIDC) { o.JWKSURL = "http://idp.gov.hk/jwks" }, "jwks_url:"},
		{"role map to an unknown role", func(o *OIDC) { o.RoleMap = map[string]Role{"x": "root"} }, `role_map: "x" maps to "root"`},
		{"unknown default role", func(o *OIDC) { o.DefaultRoles = []Role{"guest"} }, `default_roles: "guest"`},
		{"acr twice", func(o *OIDC) { o.ACRValues = ACROrder{"low", "high", "low"} }, "acr_values: each value must be given once"},
		{"empty acr", func(o *OIDC) { o.ACRValues = ACROrder{""} }, "acr_values"},
		{"skew too large", func(o *OIDC) { o.ClockSkew = time.Hour }, "clock_skew must be between 0 and 5m0s"},
		{"negative skew", func(o *OIDC) { o.ClockSkew = -time.Second }, "clock_skew"},
		{"refresh too often", func(o *OIDC) { o.JWKSRefresh = time.Second }, "jwks_refresh must be at least 30s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := good()
			tc.edit(&o)
			c := Config{OIDC: []OIDC{{Issuer: "https://first.gov.hk", Audience: "csdi"}, o}}
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	loop := Config{OIDC: []OIDC{{Issuer: "http://127.0.0.1:8080/realms/x", Audience: "a", JWKSURL: "http://localhost/jwks"}}}
	if err := loop.Validate(); err != nil {
		t.Errorf("http to loopback: %v", err)
	}
	var none Config
	if err := none.Validate(); err != nil {
		t.Errorf("an empty config: %v", err)
	}
	if v, err := New(none, Options{}); err != nil || v == nil {
		t.Errorf("an empty config: %v", err)
	}
}

func TestNoProviders(t *testing.T) {
	v, err := New(Config{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bearer(v, "eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
	if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "use an API key") {
		t.Fatalf("got %v", err)
	}
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatalf("refresh with no providers: %v", err)
	}
}
