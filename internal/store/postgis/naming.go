package postgis

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxIDLen is the longest layer id layer.Validate accepts.
const maxIDLen = 128

// layerIDs hands out discovered layers' ids: the table name in schema
// public, schema.table elsewhere, with .column appended for a relation's
// second and later geometry columns. Characters a layer id cannot hold
// become '_', and a clash gets a -2, -3, ... suffix.
type layerIDs map[string]bool

func (used layerIDs) next(schema, table, column string, firstGeometry bool) string {
	base := table
	if schema != defaultSchema {
		base = schema + "." + table
	}
	if !firstGeometry {
		base += "." + column
	}
	base = cleanID(base)
	id := base
	for n := 2; used[id]; n++ {
		suffix := "-" + strconv.Itoa(n)
		id = truncate(base, maxIDLen-len(suffix)) + suffix
	}
	used[id] = true
	return id
}

// cleanID makes s a valid layer id: letters, digits, '_', '.', '-', starting
// with a letter or digit, at most maxIDLen bytes.
func cleanID(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)),
			r == '_', r == '.', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	id := strings.TrimLeft(b.String(), "_.-")
	if id == "" {
		id = "layer"
	}
	return truncate(id, maxIDLen)
}

// truncate cuts an ASCII string to n bytes.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// readable turns an identifier such as "public_toilets" into a title,
// "Public toilets": separators become spaces, the first letter a capital.
func readable(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || unicode.IsSpace(r)
	})
	s := strings.Join(words, " ")
	r, size := utf8.DecodeRuneInString(s)
	if size == 0 {
		return name
	}
	return string(unicode.ToUpper(r)) + s[size:]
}
