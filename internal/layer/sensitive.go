package layer

import "strings"

// Withhold splits the catalogue into the layers that may be served and the
// sensitive ones that may not, until privacy masking exists to give callers
// a masked view. Sensitivity belongs to the stored table, not to a catalogue
// entry: a layer is withheld when it is marked sensitive or when it reads a
// table that any discovered layer marks sensitive — however the table's name
// is spelled, since some stores (GeoPackage/SQLite) ignore case.
func Withhold(merged, discovered []Layer) (serve, withheld []Layer) {
	sensitive := map[string]bool{}
	for _, d := range discovered {
		if d.Sensitive || d.Masking != nil {
			sensitive[tableKey(d.Source)] = true
			sensitive[tableKey(Source{Table: d.Source.Table})] = true
		}
	}
	for _, l := range merged {
		if l.Sensitive || l.Masking != nil || sensitive[tableKey(l.Source)] ||
			(l.Source.Schema == "" && sensitive[tableKey(Source{Table: l.Source.Table})]) {
			withheld = append(withheld, l)
			continue
		}
		serve = append(serve, l)
	}
	return serve, withheld
}

func tableKey(s Source) string {
	return strings.ToLower(s.Schema) + "\x00" + strings.ToLower(s.Table)
}
