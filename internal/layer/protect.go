package layer

import (
	"slices"
	"strings"
)

// Protect gives every catalogue entry the protection its stored table
// declares. Sensitivity and access belong to the table, not to a catalogue
// entry: a configured layer that reads a table any discovered layer marks
// sensitive — however the table's name is spelled, since some stores
// (GeoPackage/SQLite) ignore case — is sensitive too, and takes the table's
// masking policy when it declares none; and its access is at least as
// strict as the table's. So a config entry cannot republish a sensitive
// table unmasked, or a restricted one to more people, under its own name or
// another.
func Protect(merged, discovered []Layer) []Layer {
	policy := map[string]*Masking{}
	sensitive := map[string]bool{}
	access := map[string]Access{}
	for _, d := range discovered {
		for _, k := range []string{tableKey(d.Source), tableKey(Source{Table: d.Source.Table})} {
			if a, ok := access[k]; ok {
				access[k] = stricterAccess(a, d.Access)
			} else {
				access[k] = d.Access
			}
		}
		if d.Sensitive || d.Masking != nil {
			for _, k := range []string{tableKey(d.Source), tableKey(Source{Table: d.Source.Table})} {
				sensitive[k] = true
				if d.Masking != nil && policy[k] == nil {
					policy[k] = d.Masking
				}
			}
		}
	}
	out := make([]Layer, len(merged))
	for i, l := range merged {
		// An entry naming no schema has the table-only key, which holds the
		// strictest protection of every schema's table of that name.
		k := tableKey(l.Source)
		if a, ok := access[k]; ok {
			l.Access = stricterAccess(l.Access, a)
		}
		if sensitive[k] || l.Masking != nil {
			l.Sensitive = true
			if l.Masking == nil {
				l.Masking = policy[k]
			}
		}
		out[i] = l
	}
	return out
}

func tableKey(s Source) string {
	return strings.ToLower(s.Schema) + "\x00" + strings.ToLower(s.Table)
}

// accessRank orders the access levels from the most open; a level csdi
// does not know ranks above them all, so it survives a merge and stops the
// server at the access check instead of being opened up.
func accessRank(level string) int {
	switch level {
	case "", "public":
		return 0
	case "internal":
		return 1
	case "restricted":
		return 2
	}
	return 3
}

// stricterAccess merges the configured access c with the access d the
// store's metadata declares. Like sensitivity, access only tightens: the
// stricter level wins; a list one side leaves empty is taken from the
// other, and where both name departments only those on both lists remain.
// A config entry written to retitle a restricted table must not publish it.
func stricterAccess(c, d Access) Access {
	out := c
	if accessRank(d.Level) > accessRank(c.Level) {
		out.Level, out.Departments = d.Level, d.Departments
	} else if c.Level == d.Level {
		out.Departments = narrower(c.Departments, d.Departments)
	}
	out.Unmasked = narrower(c.Unmasked, d.Unmasked)
	return out
}

// narrower is the departments both lists allow, or the one list given.
func narrower(a, b []string) []string {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	var both []string
	for _, x := range a {
		if slices.Contains(b, x) {
			both = append(both, x)
		}
	}
	return both
}
