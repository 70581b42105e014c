package privacy

import (
	"errors"
	"fmt"
)

// The kinds of mistake a masking policy can make; a PolicyError wraps one,
// so callers and tests tell them apart with errors.Is.
var (
	ErrNoPolicy         = errors.New("layer has no masking policy")
	ErrKey              = errors.New("masking key too short")
	ErrUnknownAttribute = errors.New("no such attribute")
	ErrUnknownRule      = errors.New("unknown rule")
	ErrBadParameter     = errors.New("bad parameter")
	ErrTypeMismatch     = errors.New("rule does not fit the type")
	ErrContradiction    = errors.New("contradictory policy")
)

// PolicyError is a masking policy the server must refuse to start with: it
// names the layer, where in the policy the problem is (Rule: "attributes.age",
// "geometry", "min_zoom", ...) and the value as configured.
type PolicyError struct {
	Layer string
	Rule  string
	Value string
	Err   error
}

func (e *PolicyError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("layer %s: masking %s: %v", e.Layer, e.Rule, e.Err)
	}
	return fmt.Sprintf("layer %s: masking %s %q: %v", e.Layer, e.Rule, e.Value, e.Err)
}

func (e *PolicyError) Unwrap() error { return e.Err }
