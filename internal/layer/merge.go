package layer

// Merge lays configured layers over discovered ones. A configured layer whose
// source table matches a discovered one takes the discovered schema for what
// it leaves unsaid (geometry column, SRID, fields, id column); a discovered
// layer no configured layer claims is published as discovered. Configured
// layers with no discovered table are kept as they are, so the caller can
// report them.
func Merge(configured, discovered []Layer) []Layer {
	byTable := make(map[[2]string]int, len(discovered))
	for i, d := range discovered {
		byTable[[2]string{d.Source.Schema, d.Source.Table}] = i
	}
	claimed := make(map[int]bool)
	out := make([]Layer, 0, len(configured)+len(discovered))
	for _, c := range configured {
		i, ok := byTable[[2]string{c.Source.Schema, c.Source.Table}]
		if !ok && c.Source.Schema == "" {
			i, ok = findTable(discovered, c.Source.Table)
		}
		if ok {
			claimed[i] = true
			c = fill(c, discovered[i])
		}
		out = append(out, c)
	}
	for i, d := range discovered {
		if !claimed[i] {
			out = append(out, d)
		}
	}
	return out
}

func findTable(ls []Layer, table string) (int, bool) {
	for i, l := range ls {
		if l.Source.Table == table {
			return i, true
		}
	}
	return 0, false
}

// fill completes the configured layer c from the discovered layer d.
func fill(c, d Layer) Layer {
	if c.Source.Schema == "" {
		c.Source.Schema = d.Source.Schema
	}
	if c.Source.GeometryColumn == "" {
		c.Source.GeometryColumn = d.Source.GeometryColumn
	}
	if c.Source.IDColumn == "" {
		c.Source.IDColumn = d.Source.IDColumn
	}
	if c.Source.SRID == 0 {
		c.Source.SRID = d.Source.SRID
	}
	if c.GeometryType == "" {
		c.GeometryType = d.GeometryType
	}
	if c.Title == (Text{}) {
		c.Title = d.Title
	}
	if c.Description == (Text{}) {
		c.Description = d.Description
	}
	if c.Department == "" {
		c.Department = d.Department
	}
	if len(c.Keywords) == 0 {
		c.Keywords = d.Keywords
	}
	if c.MinZoom == 0 && c.MaxZoom == 0 {
		c.MinZoom, c.MaxZoom = d.MinZoom, d.MaxZoom
	}
	// Sensitivity is sticky: configuration can add protection, never remove
	// what the store's own metadata declares.
	c.Sensitive = c.Sensitive || d.Sensitive
	if c.Masking == nil {
		c.Masking = d.Masking
	}
	if c.CacheControl == "" {
		c.CacheControl = d.CacheControl
	}
	c.Fields = fillFields(c.Fields, d.Fields)
	return c
}

// fillFields keeps the configured attribute list (in its order) and takes the
// discovered type where the configuration gives none; with no configured
// list, every discovered field is published.
func fillFields(configured, discovered []Field) []Field {
	if len(configured) == 0 {
		return discovered
	}
	out := make([]Field, 0, len(configured))
	for _, f := range configured {
		for _, d := range discovered {
			if d.Name == f.SourceColumn() || d.SourceColumn() == f.SourceColumn() {
				if f.Type == "" {
					f.Type = d.Type
				}
				if f.Title == (Text{}) {
					f.Title = d.Title
				}
				break
			}
		}
		out = append(out, f)
	}
	return out
}
