package auth

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewAPIKey(t *testing.T) {
	seen := map[string]bool{}
	for range 20 {
		key, hash, err := NewAPIKey()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, KeyPrefix) || len(key) != len(KeyPrefix)+43 || strings.ContainsAny(key, ".+/=") {
			t.Fatalf("key %q", key)
		}
		if hash != HashAPIKey(key) || !strings.HasPrefix(hash, "sha256:") || len(hash) != 7+64 {
			t.Fatalf("hash %q", hash)
		}
		if _, err := parseKeyHash(hash); err != nil {
			t.Fatalf("its own hash: %v", err)
		}
		if seen[key] {
			t.Fatal("the same key twice")
		}
		seen[key] = true
	}
}

func TestAPIKeys(t *testing.T) {
	etl, etlHash, _ := NewAPIKey()
	viewer, viewerHash, _ := NewAPIKey()
	cfg := Config{APIKeys: []APIKey{
		{Name: "dh-etl", Department: "DH", Roles: []Role{Editor}, Hash: etlHash},
		// Upper-case hex is the same hash.
		{Name: "swd-dashboard", Department: "SWD", Roles: []Role{Viewer}, Hash: "SHA256:" + strings.ToUpper(viewerHash[7:])},
		{Name: "legacy", Department: "LandsD", Roles: []Role{Admin}, Hash: HashAPIKey("an old key.with.dots")},
	}}
	v, err := New(cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		headers map[string]string
		actor   string // "" refused, "anonymous" no credentials
		code    string // of the refusal
	}{
		{"bearer", map[string]string{"Authorization": "Bearer " + etl}, "DH/dh-etl", ""},
		{"X-API-Key", map[string]string{"X-API-Key": viewer}, "SWD/swd-dashboard", ""},
		{"X-API-Key, spaces", map[string]string{"X-API-Key": "  " + viewer + " "}, "SWD/swd-dashboard", ""},
		{"a key with dots goes as X-API-Key", map[string]string{"X-API-Key": "an old key.with.dots"}, "LandsD/legacy", ""},
		{"basic auth is a proxy's, the key header counts", map[string]string{"Authorization": "Basic ZHVtbXk6eA==", "X-API-Key": etl}, "DH/dh-etl", ""},
		{"basic auth alone is anonymous", map[string]string{"Authorization": "Basic ZHVtbXk6eA=="}, "anonymous", ""},
		{"nothing", nil, "anonymous", ""},
		{"empty key header", map[string]string{"X-API-Key": " "}, "anonymous", ""},
		{"wrong key", map[string]string{"Authorization": "Bearer " + etl[:len(etl)-1] + "x"}, "", CodeInvalidToken},
		{"a key's prefix", map[string]string{"X-API-Key": etl[:20]}, "", CodeInvalidToken},
		{"a key's hash", map[string]string{"X-API-Key": etlHash}, "", CodeInvalidToken},
		{"empty bearer", map[string]string{"Authorization": "Bearer  "}, "", CodeInvalidRequest},
		{"two credentials", map[string]string{"Authorization": "Bearer " + etl, "X-API-Key": viewer}, "", CodeInvalidRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/collections", nil)
			for k, val := range tc.headers {
				r.Header.Set(k, val)
			}
			p, err := v.Authenticate(r)
			if tc.actor != "" {
				if err != nil || p.Actor() != tc.actor {
					t.Fatalf("got %q %v", p.Actor(), err)
				}
				if p.Authenticated() && p.Method != ByAPIKey {
					t.Errorf("method %q", p.Method)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || !errors.Is(err, ErrUnauthenticated) || ae.Code != tc.code || p.Authenticated() {
				t.Fatalf("got %+v %v, want %s", p, err, tc.code)
			}
			if strings.Contains(ae.Msg, etl) || strings.Contains(ae.Msg, viewer) {
				t.Errorf("the message leaks a key: %s", ae.Msg)
			}
		})
	}
	t.Run("repeated headers", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Add("X-API-Key", etl)
		r.Header.Add("X-API-Key", viewer)
		if _, err := v.Authenticate(r); !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("roles are the principal's own copy", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-API-Key", etl)
		p, _ := v.Authenticate(r)
		p.Roles[0] = Admin
		p2, _ := v.Authenticate(r)
		if p2.Roles[0] != Editor {
			t.Fatal("a principal's roles alias the keyring's")
		}
	})
}

func TestAPIKeyConfigErrors(t *testing.T) {
	good := HashAPIKey("k")
	key, _, _ := NewAPIKey()
	cases := []struct {
		name string
		key  APIKey
		want string
	}{
		{"no hash", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}}, `auth.api_keys[1] ("etl"): hash is required`},
		{"the key itself", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}, Hash: key}, `auth.api_keys[1] ("etl"): hash holds a key, not its hash`},
		{"another algorithm", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}, Hash: "md5:" + strings.Repeat("a", 32)}, `must start with "sha256:"`},
		{"bcrypt", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}, Hash: "$2a$10$abcdefghijklmnopqrstuv"}, `must start with "sha256:"`},
		{"short", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}, Hash: "sha256:abc"}, "it has 3 characters"},
		{"not hex", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}, Hash: "sha256:" + strings.Repeat("z", 64)}, "other characters"},
		{"no name", APIKey{Department: "DH", Roles: []Role{Viewer}, Hash: HashAPIKey("x")}, "auth.api_keys[1]: name is required"},
		{"name used twice", APIKey{Name: "first", Department: "DH", Roles: []Role{Viewer}, Hash: HashAPIKey("x")}, `name "first" is used by api_keys[0] too`},
		{"the same key twice", APIKey{Name: "etl", Department: "DH", Roles: []Role{Viewer}, Hash: good}, "the same key as api_keys[0]"},
		{"no department", APIKey{Name: "etl", Roles: []Role{Viewer}, Hash: HashAPIKey("x")}, "department is required"},
		{"slash in the name", APIKey{Name: "a/b", Department: "DH", Roles: []Role{Viewer}, Hash: HashAPIKey("x")}, "must not contain '/'"},
		{"no roles", APIKey{Name: "etl", Department: "DH", Hash: HashAPIKey("x")}, "give at least one of"},
		{"unknown role", APIKey{Name: "etl", Department: "DH", Roles: []Role{"superuser"}, Hash: HashAPIKey("x")}, `role "superuser" is not one of`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{APIKeys: []APIKey{{Name: "first", Department: "LandsD", Roles: []Role{Admin}, Hash: good}, tc.key}}
			err := cfg.Validate()
			var ce *ConfigError
			if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), key) {
				t.Error("the error repeats the key")
			}
			if _, err := New(cfg, Options{}); err == nil {
				t.Error("New accepted it")
			}
		})
	}
}
