package privacy

import (
	"errors"
	"testing"
)

func TestParseAttrRule(t *testing.T) {
	good := map[string]attrRule{
		"keep":             {kind: attrKeep},
		"drop":             {kind: attrDrop},
		" Redact ":         {kind: attrRedact},
		"partial":          {kind: attrPartial},
		"hash":             {kind: attrHash},
		"generalise":       {kind: attrGeneralise},
		"generalize":       {kind: attrGeneralise},
		"generalise:10":    {kind: attrGeneralise, band: 10, bandText: "10"},
		"generalise:0.5":   {kind: attrGeneralise, band: 0.5, bandText: "0.5"},
		"generalise:month": {kind: attrGeneralise, unit: unitMonth},
		"generalise:YEAR":  {kind: attrGeneralise, unit: unitYear},
		"generalise:day":   {kind: attrGeneralise, unit: unitDay},
	}
	for s, want := range good {
		got, err := parseAttrRule(s)
		if err != nil || got != want {
			t.Errorf("parseAttrRule(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	bad := map[string]error{
		"":                 ErrUnknownRule,
		"mask":             ErrUnknownRule,
		"hash:sha1":        ErrBadParameter,
		"drop:all":         ErrBadParameter,
		"generalise:0":     ErrBadParameter,
		"generalise:-5":    ErrBadParameter,
		"generalise:1e3":   ErrBadParameter,
		"generalise:week":  ErrBadParameter,
		"generalise:10:20": ErrBadParameter,
		"generalise:":      ErrBadParameter,
		"generalise:nan":   ErrBadParameter,
	}
	for s, want := range bad {
		if _, err := parseAttrRule(s); !errors.Is(err, want) {
			t.Errorf("parseAttrRule(%q) error = %v, want %v", s, err, want)
		}
	}
}

func TestParseGeomRule(t *testing.T) {
	good := map[string]geomRule{
		"":                          {kind: geomKeep},
		"keep":                      {kind: geomKeep},
		"centroid":                  {kind: geomCentroid},
		"snap:250":                  {kind: geomSnap, size: 250},
		"snap:250m":                 {kind: geomSnap, size: 250},
		"SNAP: 100":                 {kind: geomSnap, size: 100},
		"displace:50":               {kind: geomDisplace, radius: 50},
		"displace:50:min=10":        {kind: geomDisplace, radius: 50, min: 10, minSet: true},
		"displace:50:min=0":         {kind: geomDisplace, radius: 50, min: 0, minSet: true},
		"aggregate:500":             {kind: geomAggregate, size: 500, k: defaultK},
		"aggregate:500:k=5":         {kind: geomAggregate, size: 500, k: 5},
		"aggregate:1000:centre:k=3": {kind: geomAggregate, size: 1000, k: 3, centre: true},
	}
	for s, want := range good {
		got, err := parseGeomRule(s)
		if err != nil || got != want {
			t.Errorf("parseGeomRule(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	bad := map[string]error{
		"blur":                    ErrUnknownRule,
		"snap":                    ErrBadParameter,
		"snap:0":                  ErrBadParameter,
		"snap:-1":                 ErrBadParameter,
		"snap:2.5":                ErrBadParameter,
		"snap:100001":             ErrBadParameter,
		"snap:1000000000000":      ErrBadParameter,
		"snap:abc":                ErrBadParameter,
		"snap:250:k=5":            ErrBadParameter,
		"centroid:10":             ErrBadParameter,
		"keep:1":                  ErrBadParameter,
		"displace:50:min=50":      ErrBadParameter,
		"displace:50:min=x":       ErrBadParameter,
		"displace:50:min=1:min=2": ErrBadParameter,
		"aggregate:500:k=1":       ErrBadParameter,
		"aggregate:500:k=0":       ErrBadParameter,
		"aggregate:500:k=x":       ErrBadParameter,
		"aggregate:500:k=1001":    ErrBadParameter,
		"aggregate:500:centre=1":  ErrBadParameter,
		"aggregate:500:":          ErrBadParameter,
		"aggregate:500:=3":        ErrBadParameter,
	}
	for s, want := range bad {
		if _, err := parseGeomRule(s); !errors.Is(err, want) {
			t.Errorf("parseGeomRule(%q) error = %v, want %v", s, err, want)
		}
	}
}

// TestRuleStringRoundTrip: a rule's canonical text parses to the same rule.
func TestRuleStringRoundTrip(t *testing.T) {
	for _, s := range []string{"snap:250m", "displace:40", "displace:40:min=4", "aggregate:500", "aggregate:500:k=7:centre", "centroid", "keep"} {
		r, err := parseGeomRule(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseGeomRule(r.String())
		if err != nil || again != r {
			t.Errorf("%q → %q → %+v, %v", s, r, again, err)
		}
	}
	for _, s := range []string{"generalise:0.25", "generalise:year", "hash", "partial", "redact", "keep", "drop", "generalize"} {
		r, err := parseAttrRule(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := parseAttrRule(r.String())
		if err != nil || again != r {
			t.Errorf("%q → %q → %+v, %v", s, r, again, err)
		}
	}
}
