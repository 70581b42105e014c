package layer

import "strings"

// MarkSensitive makes every catalogue entry that reads a sensitive table
// sensitive itself. Sensitivity belongs to the stored table, not to a
// catalogue entry: a configured layer that reads a table any discovered
// layer marks sensitive — however the table's name is spelled, since some
// stores (GeoPackage/SQLite) ignore case — is sensitive too, and takes the
// table's masking policy when it declares none, so a config entry cannot
// republish a sensitive table unmasked under another name.
func MarkSensitive(merged, discovered []Layer) []Layer {
	policy := map[string]*Masking{}
	sensitive := map[string]bool{}
	for _, d := range discovered {
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
		k := tableKey(l.Source)
		if !sensitive[k] && l.Source.Schema == "" {
			k = tableKey(Source{Table: l.Source.Table})
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
