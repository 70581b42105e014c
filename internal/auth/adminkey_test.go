package auth

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestAdminKey(t *testing.T) {
	allow := AdminKey("s3cret-κλειδί")
	cases := []struct {
		name    string
		headers map[string]string
		want    error // nil: allowed
	}{
		{"bearer", map[string]string{"Authorization": "Bearer s3cret-κλειδί"}, nil},
		{"bearer, any case, extra spaces", map[string]string{"Authorization": "  bearer   s3cret-κλειδί "}, nil},
		{"api key header", map[string]string{"X-API-Key": "s3cret-κλειδί"}, nil},
		{"basic auth is not a key, the api key header is", map[string]string{"Authorization": "Basic czNjcmV0", "X-API-Key": "s3cret-κλειδί"}, nil},
		{"nothing", nil, ErrUnauthenticated},
		{"wrong key", map[string]string{"Authorization": "Bearer s3cret"}, ErrUnauthenticated},
		{"longer key", map[string]string{"X-API-Key": "s3cret-κλειδί-and-more"}, ErrUnauthenticated},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}, ErrUnauthenticated},
		{"key without scheme", map[string]string{"Authorization": "s3cret-κλειδί"}, ErrUnauthenticated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/collections/x/items", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			actor, err := allow(r, nil)
			if tc.want == nil {
				if err != nil || actor != AdminActor {
					t.Fatalf("refused: %q %v", actor, err)
				}
				return
			}
			var ae *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &ae) || actor != "" {
				t.Fatalf("got %q %v, want %v", actor, err, tc.want)
			}
			if strings.Contains(ae.Msg, "s3cret") {
				t.Errorf("the message leaks the key: %s", ae.Msg)
			}
		})
	}
}

func TestAdminKeyEmptyDisablesWrites(t *testing.T) {
	r := httptest.NewRequest("POST", "/collections/x/items", nil)
	r.Header.Set("Authorization", "Bearer ")
	r.Header.Set("X-API-Key", "")
	_, err := AdminKey("")(r, nil)
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "CSDI_ADMIN_KEY") {
		t.Fatalf("%v", err)
	}
}
