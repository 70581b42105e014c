package privacy

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Rules are written as a name and colon-separated parameters: a positional
// value first, then key=value options ("aggregate:500:k=5"). Parsing checks
// only the syntax; Compile then checks a rule against the attribute's type
// and the rest of the policy.

// attrKind is what an attribute rule does to a value.
type attrKind int

const (
	attrKeep attrKind = iota
	attrDrop
	attrRedact
	attrPartial
	attrHash
	attrGeneralise
)

var attrNames = map[string]attrKind{
	"keep": attrKeep, "drop": attrDrop, "redact": attrRedact,
	"partial": attrPartial, "hash": attrHash,
	"generalise": attrGeneralise, "generalize": attrGeneralise,
}

func (k attrKind) String() string {
	return [...]string{"keep", "drop", "redact", "partial", "hash", "generalise"}[k]
}

// dateUnit is how far generalise coarsens a date or datetime.
type dateUnit int

const (
	unitNone dateUnit = iota // not a date rule (or the default: month)
	unitDay
	unitMonth
	unitYear
)

var unitNames = map[string]dateUnit{"day": unitDay, "month": unitMonth, "year": unitYear}

func (u dateUnit) String() string { return [...]string{"", "day", "month", "year"}[u] }

// attrRule is one parsed attribute rule.
type attrRule struct {
	kind attrKind
	// generalise only: a band width for numbers (band > 0, as written in
	// bandText so its decimals shape the labels) or a unit for dates; both
	// zero for the type's default.
	band     float64
	bandText string
	unit     dateUnit
}

func (r attrRule) String() string {
	switch {
	case r.bandText != "":
		return r.kind.String() + ":" + r.bandText
	case r.unit != unitNone:
		return r.kind.String() + ":" + r.unit.String()
	}
	return r.kind.String()
}

// decimal is a band width: plain digits, an optional fraction, no sign or
// exponent, so a label's precision follows from what was written.
var decimal = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]{1,6})?$`)

// parseAttrRule parses one attribute rule, such as "generalise:10".
func parseAttrRule(s string) (attrRule, error) {
	name, params := splitRule(s)
	kind, ok := attrNames[name]
	if !ok {
		return attrRule{}, fmt.Errorf("%w %q: want keep, drop, redact, partial, hash or generalise", ErrUnknownRule, name)
	}
	r := attrRule{kind: kind}
	if kind != attrGeneralise {
		if len(params) > 0 {
			return attrRule{}, fmt.Errorf("%w: %s takes no parameters", ErrBadParameter, kind)
		}
		return r, nil
	}
	switch len(params) {
	case 0:
		return r, nil
	case 1:
	default:
		return attrRule{}, fmt.Errorf("%w: generalise takes one parameter, a band width or day, month or year", ErrBadParameter)
	}
	p := params[0]
	if u, ok := unitNames[p]; ok {
		r.unit = u
		return r, nil
	}
	if !decimal.MatchString(p) {
		return attrRule{}, fmt.Errorf("%w: generalise:%s: want a positive band width (10, 0.5) or day, month or year", ErrBadParameter, p)
	}
	band, err := strconv.ParseFloat(p, 64)
	if err != nil || band <= 0 {
		return attrRule{}, fmt.Errorf("%w: generalise:%s: the band width must be positive", ErrBadParameter, p)
	}
	r.band, r.bandText = band, p
	return r, nil
}

// geomKind is what a geometry rule does to a feature's location.
type geomKind int

const (
	geomKeep geomKind = iota
	geomSnap
	geomDisplace
	geomCentroid
	geomAggregate
)

func (k geomKind) String() string {
	return [...]string{"keep", "snap", "displace", "centroid", "aggregate"}[k]
}

// Limits on distances, in metres: below a metre nothing is masked, and a
// cell or radius wider than 100 km is larger than Hong Kong.
const (
	maxMetres = 100_000
	// defaultK is the least number of features an aggregate cell must hold
	// to be shown when the rule does not say.
	defaultK = 5
	maxK     = 1000
)

// geomRule is one parsed geometry rule. Distances are whole metres in the
// HK1980 Grid.
type geomRule struct {
	kind geomKind
	size int // snap, aggregate: the grid's cell width
	// displace: the outer radius, and the inner one (every feature moves
	// at least this far); minSet says the rule gave it.
	radius int
	min    int
	minSet bool
	k      int  // aggregate: the least count of a shown cell
	centre bool // aggregate: cells as their centre points, not squares
}

func (r geomRule) String() string {
	switch r.kind {
	case geomSnap:
		return fmt.Sprintf("snap:%d", r.size)
	case geomDisplace:
		if r.minSet {
			return fmt.Sprintf("displace:%d:min=%d", r.radius, r.min)
		}
		return fmt.Sprintf("displace:%d", r.radius)
	case geomAggregate:
		s := fmt.Sprintf("aggregate:%d:k=%d", r.size, r.k)
		if r.centre {
			s += ":centre"
		}
		return s
	}
	return r.kind.String()
}

// minDisplacement is the inner radius of displace: as given, or a tenth of
// the outer one, so no feature is left on (or next to) its true place.
func (r geomRule) minDisplacement() float64 {
	if r.minSet {
		return float64(r.min)
	}
	return float64(r.radius) / 10
}

// parseGeomRule parses a geometry rule; "" is keep.
func parseGeomRule(s string) (geomRule, error) {
	name, params := splitRule(s)
	var r geomRule
	switch name {
	case "", "keep":
		r.kind = geomKeep
	case "centroid":
		r.kind = geomCentroid
	case "snap":
		r.kind = geomSnap
	case "displace":
		r.kind = geomDisplace
	case "aggregate":
		r.kind = geomAggregate
	default:
		return geomRule{}, fmt.Errorf("%w %q: want keep, snap:N, displace:R, centroid or aggregate:N:k=K", ErrUnknownRule, name)
	}
	if r.kind == geomKeep || r.kind == geomCentroid {
		if len(params) > 0 {
			return geomRule{}, fmt.Errorf("%w: %s takes no parameters", ErrBadParameter, r.kind)
		}
		return r, nil
	}
	if len(params) == 0 {
		return geomRule{}, fmt.Errorf("%w: %s needs a distance in metres, as in %s:250", ErrBadParameter, r.kind, r.kind)
	}
	n, err := parseMetres(params[0], 1)
	if err != nil {
		return geomRule{}, fmt.Errorf("%w: %s: %v", ErrBadParameter, r.kind, err)
	}
	opts, err := parseOptions(params[1:])
	if err != nil {
		return geomRule{}, fmt.Errorf("%w: %s: %v", ErrBadParameter, r.kind, err)
	}
	switch r.kind {
	case geomSnap:
		r.size = n
	case geomDisplace:
		r.radius = n
		if v, ok := opts["min"]; ok {
			delete(opts, "min")
			m, err := parseMetres(v, 0)
			if err != nil {
				return geomRule{}, fmt.Errorf("%w: displace min=%s: %v", ErrBadParameter, v, err)
			}
			if m >= n {
				return geomRule{}, fmt.Errorf("%w: displace: min=%d must be less than the radius %d", ErrBadParameter, m, n)
			}
			r.min, r.minSet = m, true
		}
	case geomAggregate:
		r.size, r.k = n, defaultK
		if v, ok := opts["k"]; ok {
			delete(opts, "k")
			k, err := strconv.Atoi(v)
			if err != nil || k < 2 || k > maxK {
				return geomRule{}, fmt.Errorf("%w: aggregate k=%s: want a whole number from 2 to %d (k=1 suppresses nothing: use snap)", ErrBadParameter, v, maxK)
			}
			r.k = k
		}
		if v, ok := opts["centre"]; ok {
			delete(opts, "centre")
			if v != "" {
				return geomRule{}, fmt.Errorf("%w: aggregate: centre takes no value", ErrBadParameter)
			}
			r.centre = true
		}
	}
	if len(opts) > 0 {
		k := slices.Sorted(maps.Keys(opts))[0]
		return geomRule{}, fmt.Errorf("%w: %s has no option %q", ErrBadParameter, r.kind, k)
	}
	return r, nil
}

// splitRule splits "name:p1:p2" into a lower-case name and its parameters.
func splitRule(s string) (string, []string) {
	parts := strings.Split(strings.ToLower(strings.TrimSpace(s)), ":")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts[0], parts[1:]
}

// parseOptions reads key=value options (or a bare key, with an empty value).
func parseOptions(params []string) (map[string]string, error) {
	opts := make(map[string]string, len(params))
	for _, p := range params {
		k, v, _ := strings.Cut(p, "=")
		if k == "" {
			return nil, fmt.Errorf("empty option in %q", p)
		}
		if _, dup := opts[k]; dup {
			return nil, fmt.Errorf("option %q given twice", k)
		}
		opts[k] = v
	}
	return opts, nil
}

// parseMetres reads a whole number of metres, optionally suffixed "m",
// from least to maxMetres.
func parseMetres(s string, least int) (int, error) {
	digits := strings.TrimSuffix(s, "m")
	if digits == "" || len(digits) > 6 || strings.Trim(digits, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a whole number of metres", s)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number of metres", s)
	}
	if n < least || n > maxMetres {
		return 0, fmt.Errorf("%d m is outside %d–%d m", n, least, maxMetres)
	}
	return n, nil
}
