package features

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/httpx"
	"github.com/csdi-hk/csdi/internal/layer"
)

// sortKey is one term of sortby: a field and a direction.
type sortKey struct {
	Field      int
	Type       layer.FieldType
	Descending bool
}

// sortable reports whether features can be ordered by a field of type t.
func sortable(t layer.FieldType) bool { return filterable(t) }

// parseSortBy reads sortby=+floors,-name. A '+' the client did not encode
// arrives as a space, so a leading space means ascending too.
func parseSortBy(s string, l *layer.Layer) ([]sortKey, error) {
	var keys []sortKey
	seen := make(map[int]bool)
	for _, term := range strings.Split(s, ",") {
		name := strings.TrimRight(term, " ")
		desc := false
		switch {
		case strings.HasPrefix(name, "-"):
			desc, name = true, name[1:]
		case strings.HasPrefix(name, "+"), strings.HasPrefix(name, " "):
			name = name[1:]
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return nil, httpx.BadRequest("sortby %q has an empty term; give comma-separated field names, each optionally prefixed with + (ascending) or - (descending)", truncate(s))
		}
		i := l.FieldIndex(name)
		if i < 0 || !sortable(l.Fields[i].Type) {
			return nil, httpx.BadRequest("cannot sort by %q: it is not a sortable property of collection %q; sortable: %s",
				truncate(name), l.ID, strings.Join(sortableNames(l), ", "))
		}
		if seen[i] {
			continue
		}
		seen[i] = true
		keys = append(keys, sortKey{Field: i, Type: l.Fields[i].Type, Descending: desc})
	}
	return keys, nil
}

// sortableNames lists the fields a layer can be sorted by.
func sortableNames(l *layer.Layer) []string {
	var names []string
	for _, f := range l.Fields {
		if sortable(f.Type) {
			names = append(names, f.Name)
		}
	}
	if len(names) == 0 {
		return []string{"(none)"}
	}
	return names
}

// sortFeatures orders fs by keys, NULLs last whatever the direction, and
// ties by id, so that every page of a sorted query is stable.
func sortFeatures(fs []*cache.Feature, keys []sortKey) {
	slices.SortFunc(fs, func(a, b *cache.Feature) int {
		for _, k := range keys {
			if c := compareProp(prop(a, k.Field), prop(b, k.Field), k.Descending); c != 0 {
				return c
			}
		}
		return a.ID.Compare(b.ID)
	})
}

// prop is field i of f, nil when absent.
func prop(f *cache.Feature, i int) any {
	if i < len(f.Props) {
		return f.Props[i]
	}
	return nil
}

// compareProp orders two values of one field; nil sorts after any value
// in both directions.
func compareProp(a, b any, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	c := compareValues(a, b)
	if desc {
		return -c
	}
	return c
}

// compareValues orders two non-nil values of the same field type.
// Integers and numbers compare by value with each other.
func compareValues(a, b any) int {
	switch a := a.(type) {
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b)
		}
	case int64:
		switch b := b.(type) {
		case int64:
			return cmp.Compare(a, b)
		case float64:
			return cmp.Compare(float64(a), b)
		}
	case float64:
		switch b := b.(type) {
		case float64:
			return cmp.Compare(a, b)
		case int64:
			return cmp.Compare(a, float64(b))
		}
	case bool:
		if b, ok := b.(bool); ok {
			switch {
			case a == b:
				return 0
			case !a:
				return -1
			}
			return 1
		}
	case time.Time:
		if b, ok := b.(time.Time); ok {
			return a.Compare(b)
		}
	}
	return 0
}
