package auth

import (
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/csdi-hk/csdi/internal/layer"
)

// The access levels of a layer (layer.Access.Level).
const (
	Public     = "public"     // everyone, the default
	Internal   = "internal"   // viewers of any department
	Restricted = "restricted" // viewers of the owning and the named departments
)

// CanSee reports whether p may know that l exists and read it (its masked
// view, when l is sensitive). Seeing beyond public layers takes the viewer
// role (any role includes it) and a department; admins see every layer. A
// level csdi does not know lets no one but admins in: access fails closed.
func CanSee(p Principal, l *layer.Layer) bool {
	if l == nil {
		return false
	}
	level := l.Access.Level
	if level == "" || level == Public {
		return true
	}
	if p.Has(Admin) {
		return true
	}
	if !p.Has(Viewer) || p.Department == "" {
		return false
	}
	switch level {
	case Internal:
		return true
	case Restricted:
		return p.Department == l.Department || slices.Contains(l.Access.Departments, p.Department)
	}
	return false
}

// Unmasked is a sensitive layer's rule for its full, unmasked view.
type Unmasked struct {
	// Departments whose analysts (and stronger roles) may read the full
	// view besides the owning department's.
	Departments []string
	// MinACR is the authentication level they must have reached, in the
	// order of the provider that authenticated them; empty: none.
	MinACR string
}

// Sensitive reports whether l has a masked view that most callers get
// instead of its features.
func Sensitive(l *layer.Layer) bool { return l != nil && (l.Sensitive || l.Masking != nil) }

// CanSeeUnmasked reports whether p may read l's full view. For a layer
// that is not sensitive that is CanSee. For a sensitive one p must be able
// to see it, hold the analyst role (or editor, or admin) in the owning
// department or one rule names, and have authenticated at rule.MinACR or
// above. Admins of other departments get the masked view: personal data is
// for those who need it, not for whoever runs the server.
func CanSeeUnmasked(p Principal, l *layer.Layer, rule Unmasked) bool {
	if !CanSee(p, l) {
		return false
	}
	if !Sensitive(l) {
		return true
	}
	if !p.Has(Analyst) || p.Department == "" {
		return false
	}
	if p.Department != l.Department && !slices.Contains(rule.Departments, p.Department) {
		return false
	}
	return p.HasACR(rule.MinACR)
}

// CanWrite reports whether p may change l: editors of the owning
// department, and admins; never a layer p may not see.
func CanWrite(p Principal, l *layer.Layer) bool {
	if !CanSee(p, l) {
		return false
	}
	if p.Has(Admin) {
		return true
	}
	return p.Has(Editor) && p.Department != "" && p.Department == l.Department
}

// Editors is the write Authorizer: it takes the principal the Middleware
// put in the request's context, or asks a when there is none (a nil a:
// anonymous), and lets CanWrite decide. A layer p may not see answers
// ErrNotFound, so that writes do not reveal it; the anonymous get
// ErrUnauthenticated, everyone else ErrForbidden. The actor is
// "department/subject".
func Editors(a Authenticator) Authorizer {
	return func(r *http.Request, l *layer.Layer) (string, error) {
		p, ok := principalIn(r.Context())
		if !ok && a != nil {
			var err error
			if p, err = a.Authenticate(r); err != nil {
				return "", err
			}
		}
		switch {
		case l == nil:
			return "", errors.New("auth: no layer to authorise a write to")
		case !CanSee(p, l):
			return "", &Error{Kind: ErrNotFound, Msg: fmt.Sprintf("there is no collection %q", l.ID)}
		case !p.Authenticated():
			return "", &Error{Kind: ErrUnauthenticated,
				Msg: "writes need credentials: an API key (\"X-API-Key: <key>\") or a bearer token (\"Authorization: Bearer <token>\")"}
		case !CanWrite(p, l):
			owner := "its owning department"
			if l.Department != "" {
				owner = fmt.Sprintf("department %q", l.Department)
			}
			return "", &Error{Kind: ErrForbidden,
				Msg: fmt.Sprintf("%s may not change collection %q: writes need the editor role in %s, or admin", p.Actor(), l.ID, owner)}
		}
		return p.Actor(), nil
	}
}

// CheckAccess reports what is wrong with l's access policy, naming the
// layer, so that a misconfigured layer stops the server instead of being
// served to the wrong people.
func CheckAccess(l *layer.Layer) error {
	switch l.Access.Level {
	case "", Public, Internal:
		if len(l.Access.Departments) > 0 {
			return fmt.Errorf("layer %q: access.departments is only for restricted layers; %q layers are seen by %s",
				l.ID, level(l), map[string]string{Public: "everyone", Internal: "every department"}[level(l)])
		}
	case Restricted:
		if l.Department == "" && len(l.Access.Departments) == 0 {
			return fmt.Errorf("layer %q: a restricted layer needs an owning department or access.departments, or only admins see it", l.ID)
		}
	default:
		return fmt.Errorf("layer %q: access.level must be public, internal or restricted, not %q", l.ID, l.Access.Level)
	}
	return nil
}

func level(l *layer.Layer) string {
	if l.Access.Level == "" {
		return Public
	}
	return l.Access.Level
}
