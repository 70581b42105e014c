package auth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

var (
	hkACR      = ACROrder{"low", "substantial", "high"}
	testLayers = []*layer.Layer{
		{ID: "pub", Department: "LandsD"},
		{ID: "int", Department: "LandsD", Access: layer.Access{Level: Internal}},
		{ID: "res", Department: "DH", Access: layer.Access{Level: Restricted, Departments: []string{"SWD"}}},
		{ID: "sens", Department: "SWD", Sensitive: true, Masking: &layer.Masking{Geometry: "snap:250"},
			Access: layer.Access{Level: Restricted, Departments: []string{"DH", "HA"}}},
		{ID: "spub", Department: "SWD", Access: layer.Access{Level: Public}, Masking: &layer.Masking{Geometry: "snap:250"}},
		{ID: "odd", Department: "LandsD", Access: layer.Access{Level: "secret"}},
	}
	// The unmasked rules of the sensitive layers.
	testRules = map[string]Unmasked{
		"sens": {Departments: []string{"DH"}, MinACR: "substantial"},
		"spub": {},
	}
)

func jwtPrincipal(dept, acr string, roles ...Role) Principal {
	return Principal{Method: ByJWT, Subject: "someone", Department: dept, Roles: roles, ACR: acr, ACROrder: hkACR}
}

// TestAccess is the decision table: each principal, the layers it sees,
// sees unmasked, and may write.
func TestAccess(t *testing.T) {
	cases := []struct {
		name                  string
		p                     Principal
		see, unmasked, writes string
	}{
		{"anonymous", Principal{}, "pub spub", "pub", ""},
		{"citizen (no department) at the highest level", jwtPrincipal("", "high", Viewer), "pub spub", "pub", ""},
		{"LandsD viewer", jwtPrincipal("LandsD", "low", Viewer), "pub int spub", "pub int", ""},
		{"LandsD editor", jwtPrincipal("LandsD", "", Editor), "pub int spub", "pub int", "pub int"},
		{"DH viewer", jwtPrincipal("DH", "high", Viewer), "pub int res sens spub", "pub int res", ""},
		{"DH analyst, substantial", jwtPrincipal("DH", "substantial", Analyst), "pub int res sens spub", "pub int res sens", ""},
		{"DH analyst, high", jwtPrincipal("DH", "high", Viewer, Analyst), "pub int res sens spub", "pub int res sens", ""},
		{"DH analyst, low: no step-up", jwtPrincipal("DH", "low", Analyst), "pub int res sens spub", "pub int res", ""},
		{"DH analyst, no acr", jwtPrincipal("DH", "", Analyst), "pub int res sens spub", "pub int res", ""},
		{"DH analyst, an acr the order does not know", jwtPrincipal("DH", "ultra", Analyst), "pub int res sens spub", "pub int res", ""},
		{"SWD analyst by API key: no acr", Principal{Method: ByAPIKey, Subject: "etl", Department: "SWD", Roles: []Role{Analyst}},
			"pub int res sens spub", "pub int res spub", ""},
		{"SWD editor, high", jwtPrincipal("SWD", "high", Editor), "pub int res sens spub", "pub int res sens spub", "sens spub"},
		{"SWD without roles", jwtPrincipal("SWD", "high"), "pub spub", "pub", ""},
		{"HA analyst, high: sees sens masked only", jwtPrincipal("HA", "high", Analyst), "pub int sens spub", "pub int", ""},
		{"PlanD admin: everything but others' personal data", jwtPrincipal("PlanD", "high", Admin),
			"pub int res sens spub odd", "pub int res odd", "pub int res sens spub odd"},
		{"DH admin, substantial", jwtPrincipal("DH", "substantial", Admin),
			"pub int res sens spub odd", "pub int res sens odd", "pub int res sens spub odd"},
		{"roles unknown to csdi count for nothing", jwtPrincipal("DH", "high", "superuser"), "pub spub", "pub", ""},
		{"anonymous with roles is still anonymous", Principal{Department: "SWD", Roles: []Role{Admin}, ACR: "high", ACROrder: hkACR},
			"pub spub", "pub", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var see, unmasked, writes []string
			for _, l := range testLayers {
				if CanSee(tc.p, l) {
					see = append(see, l.ID)
				}
				if CanSeeUnmasked(tc.p, l, testRules[l.ID]) {
					unmasked = append(unmasked, l.ID)
				}
				if CanWrite(tc.p, l) {
					writes = append(writes, l.ID)
				}
			}
			for _, c := range []struct{ what, got, want string }{
				{"sees", strings.Join(see, " "), tc.see},
				{"sees unmasked", strings.Join(unmasked, " "), tc.unmasked},
				{"writes", strings.Join(writes, " "), tc.writes},
			} {
				if c.got != c.want {
					t.Errorf("%s %q, want %q", c.what, c.got, c.want)
				}
			}
		})
	}
}

// TestAccessInvariants walks every combination of level, department, role
// and level of authentication, checking what must always hold.
func TestAccessInvariants(t *testing.T) {
	depts := []string{"", "LandsD", "DH", "SWD"}
	levels := []string{"", Public, Internal, Restricted, "bogus"}
	acrs := []string{"", "low", "substantial", "high", "ultra"}
	roleSets := [][]Role{nil, {Viewer}, {Analyst}, {Editor}, {Admin}, {Viewer, Editor}}
	for _, level := range levels {
		for _, owner := range depts {
			for _, listed := range [][]string{nil, {"DH"}} {
				for _, sensitive := range []bool{false, true} {
					l := &layer.Layer{ID: "l", Department: owner, Sensitive: sensitive,
						Access: layer.Access{Level: level, Departments: listed}}
					for _, minACR := range acrs[:4] {
						rule := Unmasked{Departments: []string{"SWD"}, MinACR: minACR}
						for _, method := range []Method{Anonymous, ByAPIKey, ByJWT} {
							for _, dept := range depts {
								for _, roles := range roleSets {
									for _, acr := range acrs {
										p := Principal{Method: method, Subject: "s", Department: dept, Roles: roles, ACR: acr, ACROrder: hkACR}
										name := func() string { return fmt.Sprintf("%+v / %+v / %+v", l.Access, p, rule) }
										see, full, write := CanSee(p, l), CanSeeUnmasked(p, l, rule), CanWrite(p, l)
										if (full || write) && !see {
											t.Fatalf("%s: unmasked or writable but not visible", name())
										}
										if see && !(level == "" || level == Public) && !p.Authenticated() {
											t.Fatalf("%s: the public sees a non-public layer", name())
										}
										if sensitive && full {
											if !p.HasACR(minACR) || !p.Has(Analyst) || (dept != owner && dept != "SWD") || dept == "" {
												t.Fatalf("%s: unmasked without the right", name())
											}
										}
										if !sensitive && full != see {
											t.Fatalf("%s: a layer that is not sensitive has one view", name())
										}
										if write && !p.Has(Admin) && (!p.Has(Editor) || dept != owner) {
											t.Fatalf("%s: writable without the right", name())
										}
										if level == "bogus" && see && !p.Has(Admin) {
											t.Fatalf("%s: an unknown level let someone in", name())
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

func TestStepUpFromTokens(t *testing.T) {
	p := newIDP(t, jwkOf("k", "ES256", key("p256")))
	c := newClock()
	v := testVerifier(t, p, c)
	sens := testLayers[3]
	rule := testRules["sens"]
	for _, tc := range []struct {
		name string
		acr  any // nil: no acr claim
		want bool
	}{
		{"missing acr", nil, false},
		{"below the minimum", "low", false},
		{"at the minimum", "substantial", true},
		{"above", "high", true},
		{"unknown to the order", "http://idp.example/loa/4", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			claims := baseClaims(p, c)
			claims["department"], claims["roles"] = "SWD", []string{"analyst"}
			delete(claims, "acr")
			if tc.acr != nil {
				claims["acr"] = tc.acr
			}
			pr, err := bearer(v, signJWT(t, map[string]any{"alg": "ES256", "kid": "k"}, claims, key("p256"), nil))
			if err != nil {
				t.Fatal(err)
			}
			if !CanSee(pr, sens) {
				t.Fatal("the owning department's analyst cannot see its layer")
			}
			if got := CanSeeUnmasked(pr, sens, rule); got != tc.want {
				t.Fatalf("unmasked %v, want %v", got, tc.want)
			}
		})
	}
}

func TestACROrder(t *testing.T) {
	for _, tc := range []struct {
		have, want string
		ok         bool
	}{
		{"", "", true}, {"low", "", true}, {"ultra", "", true},
		{"", "low", false}, {"low", "low", true}, {"high", "low", true}, {"low", "high", false},
		{"ultra", "low", false}, {"high", "ultra", false}, {"ultra", "ultra", false},
	} {
		if got := hkACR.AtLeast(tc.have, tc.want); got != tc.ok {
			t.Errorf("AtLeast(%q, %q) = %v", tc.have, tc.want, got)
		}
	}
	if (ACROrder(nil)).AtLeast("high", "high") {
		t.Error("an empty order met a level")
	}
}

func TestPrincipal(t *testing.T) {
	p := jwtPrincipal("LandsD", "high", Editor)
	if !p.Has(Viewer) || !p.Has(Analyst) || !p.Has(Editor) || p.Has(Admin) || p.Has("root") {
		t.Error("roles are ordered: editor includes analyst and viewer, not admin")
	}
	if p.Actor() != "LandsD/someone" || (Principal{}).Actor() != "anonymous" ||
		(Principal{Method: ByJWT, Subject: "citizen-1"}).Actor() != "citizen-1" {
		t.Error("actor")
	}
	ctx := t.Context()
	if got := PrincipalFrom(ctx); got.Authenticated() {
		t.Error("a context without a principal is not anonymous")
	}
	if got := PrincipalFrom(WithPrincipal(ctx, p)); got.Subject != "someone" || !got.Authenticated() {
		t.Errorf("got %+v", got)
	}
}

func TestCheckAccess(t *testing.T) {
	for _, tc := range []struct {
		l    layer.Layer
		want string // "" valid
	}{
		{layer.Layer{ID: "a"}, ""},
		{layer.Layer{ID: "a", Access: layer.Access{Level: Internal}}, ""},
		{layer.Layer{ID: "a", Department: "DH", Access: layer.Access{Level: Restricted}}, ""},
		{layer.Layer{ID: "a", Access: layer.Access{Level: Restricted, Departments: []string{"DH"}}}, ""},
		{layer.Layer{ID: "a", Access: layer.Access{Level: "Secret"}}, `layer "a": access.level must be public, internal or restricted, not "Secret"`},
		{layer.Layer{ID: "a", Access: layer.Access{Level: Restricted}}, `layer "a": a restricted layer needs`},
		{layer.Layer{ID: "a", Access: layer.Access{Departments: []string{"DH"}}}, `access.departments is only for restricted layers; "public" layers are seen by everyone`},
	} {
		err := CheckAccess(&tc.l)
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.l.Access, err, tc.want)
		}
	}
}
