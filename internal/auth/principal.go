package auth

import (
	"context"
	"slices"
)

// Role is what a principal may do within its department. Roles are
// ordered: each includes the ones before it.
type Role string

// The roles, weakest first.
const (
	Viewer  Role = "viewer"  // reads the layers its department may see (masked where sensitive)
	Analyst Role = "analyst" // also reads sensitive layers unmasked, where granted
	Editor  Role = "editor"  // also writes its own department's layers
	Admin   Role = "admin"   // sees and writes every layer
)

var roleRank = map[Role]int{Viewer: 1, Analyst: 2, Editor: 3, Admin: 4}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// Method is how a principal was authenticated.
type Method string

// The ways of authenticating; the zero Method is the anonymous public.
const (
	Anonymous Method = ""
	ByAPIKey  Method = "api-key"
	ByJWT     Method = "jwt"
	// ByCommandLine is an operator's command (csdi import), trusted as the
	// holder of the database credentials it runs with; never an HTTP
	// caller's.
	ByCommandLine Method = "command-line"
)

// ACROrder lists a provider's authentication context class (acr) values,
// weakest first, so that "at least level X" can be asked.
type ACROrder []string

// Rank is v's position in the order, or -1 when the order does not know it.
func (o ACROrder) Rank(v string) int {
	if v == "" {
		return -1
	}
	return slices.Index(o, v)
}

// AtLeast reports whether the level have meets the level want. No level is
// needed when want is empty; a level the order does not know meets nothing
// but that, and is never met: unknown fails closed.
func (o ACROrder) AtLeast(have, want string) bool {
	if want == "" {
		return true
	}
	w, h := o.Rank(want), o.Rank(have)
	return w >= 0 && h >= w
}

// Principal is who is asking. The zero Principal is the anonymous public.
type Principal struct {
	Method     Method
	Subject    string // the token's sub, or the API key's name
	Department string // empty for a principal of no department (a citizen's login)
	Roles      []Role
	// ACR is the authentication level from the token's acr claim, compared
	// with ACROrder, the order of the provider that vouched for it. API keys
	// have no level: they never meet a step-up requirement.
	ACR      string
	ACROrder ACROrder
	Issuer   string // the token's iss, for the audit trail
}

// Authenticated reports whether p is anyone but the public.
func (p Principal) Authenticated() bool { return p.Method != Anonymous }

// Has reports whether p holds role r or a stronger one.
func (p Principal) Has(r Role) bool {
	want := roleRank[r]
	if want == 0 || !p.Authenticated() {
		return false
	}
	for _, held := range p.Roles {
		if roleRank[held] >= want {
			return true
		}
	}
	return false
}

// HasACR reports whether p authenticated at level min or above.
func (p Principal) HasACR(min string) bool {
	return p.Authenticated() && p.ACROrder.AtLeast(p.ACR, min)
}

// Actor names p in the change log and the audit trail:
// "department/subject", or just the subject without a department.
func (p Principal) Actor() string {
	switch {
	case !p.Authenticated():
		return "anonymous"
	case p.Department == "":
		return p.Subject
	}
	return p.Department + "/" + p.Subject
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom is the principal ctx carries; anonymous when none.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := principalIn(ctx)
	return p
}

func principalIn(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
