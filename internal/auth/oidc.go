package auth

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// maxClaimLen bounds the subject and department a token may carry: they
// go into logs and the audit trail.
const maxClaimLen = 256

// provider checks the tokens of one issuer.
type provider struct {
	cfg  OIDC // with defaults
	keys *keySet
	now  func() time.Time
}

// principal verifies t, which names this provider's issuer, and reads who
// it stands for. The signature is checked before any claim is believed.
func (pv *provider) principal(ctx context.Context, t *token) (Principal, error) {
	cands, err := pv.keys.candidates(ctx, t.header.Kid, t.header.Alg)
	if err != nil {
		return Principal{}, err
	}
	if !slices.ContainsFunc(cands, func(k publicKey) bool { return t.verify(k.key) == nil }) {
		return Principal{}, invalidToken("the token's signature does not verify")
	}
	if err := pv.checkTimes(t.claims); err != nil {
		return Principal{}, err
	}
	if !hasAudience(t.claims["aud"], pv.cfg.Audience) {
		return Principal{}, invalidToken("the token is not meant for this server (aud)")
	}
	sub, ok := t.claims["sub"].(string)
	if !ok || sub == "" {
		return Principal{}, invalidToken("the token names no subject (sub)")
	}
	if !clean(sub) {
		return Principal{}, invalidToken("the token's subject is too long or has control characters")
	}
	dept, err := pv.department(t.claims)
	if err != nil {
		return Principal{}, err
	}
	roles, err := pv.roles(t.claims)
	if err != nil {
		return Principal{}, err
	}
	acr, isString := t.claims["acr"].(string)
	if _, present := t.claims["acr"]; present && !isString {
		return Principal{}, invalidToken("the token's acr claim is not a string")
	}
	return Principal{Method: ByJWT, Subject: sub, Department: dept, Roles: roles,
		ACR: acr, ACROrder: pv.cfg.ACRValues, Issuer: pv.cfg.Issuer}, nil
}

// checkTimes applies exp (required), nbf and iat, with the clock skew.
func (pv *provider) checkTimes(claims map[string]any) error {
	now, skew := pv.now(), pv.cfg.ClockSkew
	exp, ok, err := numericDate(claims, "exp")
	switch {
	case err != nil:
		return err
	case !ok:
		return invalidToken("the token has no expiry (exp)")
	case now.After(exp.Add(skew)):
		return invalidToken("the token has expired")
	}
	if nbf, ok, err := numericDate(claims, "nbf"); err != nil {
		return err
	} else if ok && now.Add(skew).Before(nbf) {
		return invalidToken("the token is not valid yet (nbf)")
	}
	if iat, ok, err := numericDate(claims, "iat"); err != nil {
		return err
	} else if ok && now.Add(skew).Before(iat) {
		return invalidToken("the token was issued in the future (iat): check the clocks")
	}
	return nil
}

// numericDate reads a JWT NumericDate: seconds since the epoch, possibly
// with a fraction.
func numericDate(claims map[string]any, name string) (time.Time, bool, error) {
	v, present := claims[name]
	if !present {
		return time.Time{}, false, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false, invalidToken("the token's " + name + " claim is not a number")
	}
	f, err := strconv.ParseFloat(string(n), 64)
	// Beyond ±1e11 s (year 5138) is no real date, and would overflow.
	if err != nil || math.IsNaN(f) || math.Abs(f) > 1e11 {
		return time.Time{}, false, invalidToken("the token's " + name + " claim is not a date")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)), true, nil
}

// hasAudience reports whether aud, a string or an array of strings, names
// want.
func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, v := range a {
			if s, ok := v.(string); ok && s == want {
				return true
			}
		}
	}
	return false
}

func (pv *provider) department(claims map[string]any) (string, error) {
	v, ok := claim(claims, pv.cfg.DepartmentClaim)
	if !ok || v == nil {
		return "", nil // a principal of no department: only public layers
	}
	if a, isArray := v.([]any); isArray && len(a) == 1 {
		v = a[0]
	}
	d, isString := v.(string)
	if !isString || !clean(d) || strings.Contains(d, "/") {
		return "", invalidToken("the token's " + quotable(short(pv.cfg.DepartmentClaim)) + " claim is not one department's name")
	}
	return d, nil
}

// roles reads the roles claim, an array of names or one space-separated
// string, keeping the names that map to csdi roles, with the provider's
// default roles added; weakest first.
func (pv *provider) roles(claims map[string]any) ([]Role, error) {
	v, ok := claim(claims, pv.cfg.RolesClaim)
	if !ok || v == nil {
		v = []any{}
	}
	var names []string
	switch r := v.(type) {
	case string:
		names = strings.Fields(r)
	case []any:
		for _, n := range r {
			s, ok := n.(string)
			if !ok {
				return nil, invalidToken("the token's " + quotable(short(pv.cfg.RolesClaim)) + " claim holds something other than names")
			}
			names = append(names, s)
		}
	default:
		return nil, invalidToken("the token's " + quotable(short(pv.cfg.RolesClaim)) + " claim is not a list of roles")
	}
	roles := slices.Clone(pv.cfg.DefaultRoles)
	for _, n := range names {
		r := Role(n)
		if len(pv.cfg.RoleMap) > 0 {
			r = pv.cfg.RoleMap[n]
		}
		if r.Valid() && !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	slices.SortFunc(roles, func(a, b Role) int { return roleRank[a] - roleRank[b] })
	return slices.Compact(roles), nil
}

// claim finds a claim by its name, or, when no claim has the whole name, by
// the dotted path into nested objects (realm_access.roles).
func claim(claims map[string]any, name string) (any, bool) {
	if v, ok := claims[name]; ok {
		return v, true
	}
	var v any = claims
	for part := range strings.SplitSeq(name, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

// clean reports whether s is short and free of control characters, fit
// for logs.
func clean(s string) bool {
	return len(s) <= maxClaimLen && !strings.ContainsFunc(s, unicode.IsControl)
}
