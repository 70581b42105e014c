package postgis

import (
	"encoding/json"
	"strings"

	"github.com/csdi-hk/csdi/internal/layer"
)

// The COMMENT encoding. WriteLayer stores a layer's bilingual metadata in its
// table's COMMENT, and a field's bilingual title in its column's COMMENT, as
// a JSON object marked "csdi": 1, for example
//
//	{"csdi":1,"title":{"en":"Parks","zh-Hant":"公園"},"description":{"en":"..."}}
//
// Discovery reads that object back. Any other comment, as a department
// writes it by hand, is plain English: a table's Description.En or a
// column's Title.En.
type metadata struct {
	Version     int        `json:"csdi"`
	Title       layer.Text `json:"title,omitzero"`
	Description layer.Text `json:"description,omitzero"`
	Department  string     `json:"department,omitempty"`
	Keywords    []string   `json:"keywords,omitempty"`
	License     string     `json:"license,omitempty"`
	// Sensitivity and masking travel with the table, so a sensitive layer
	// stays sensitive whoever publishes the table and however it is
	// configured (see layer.Merge).
	Sensitive bool           `json:"sensitive,omitempty"`
	Access    *layer.Access  `json:"access,omitempty"`
	Masking   *layer.Masking `json:"masking,omitempty"`
}

const metadataVersion = 1

// parseComment decodes a csdi metadata comment; false for any other text.
func parseComment(s string) (metadata, bool) {
	if !strings.HasPrefix(strings.TrimSpace(s), "{") {
		return metadata{}, false
	}
	var m metadata
	if err := json.Unmarshal([]byte(s), &m); err != nil || m.Version != metadataVersion {
		return metadata{}, false
	}
	return m, true
}

// applyTableComment fills l's metadata from its table's comment.
func applyTableComment(l *layer.Layer, comment string) {
	if comment == "" {
		return
	}
	m, ok := parseComment(comment)
	if !ok {
		l.Description.En = comment
		// Fail closed: a comment that looks like csdi metadata declaring
		// sensitivity but does not parse still marks the layer sensitive.
		if strings.Contains(comment, `"sensitive"`) || strings.Contains(comment, `"masking"`) {
			l.Sensitive = true
		}
		return
	}
	if m.Title != (layer.Text{}) {
		l.Title = m.Title
	}
	l.Description = m.Description
	l.Department = m.Department
	l.Keywords = m.Keywords
	l.License = m.License
	l.Sensitive = m.Sensitive || m.Masking != nil
	l.Masking = m.Masking
	if m.Access != nil {
		l.Access = *m.Access
	}
}

// columnTitle is a field's title read from its column's comment.
func columnTitle(comment string) layer.Text {
	if comment == "" {
		return layer.Text{}
	}
	if m, ok := parseComment(comment); ok {
		return m.Title
	}
	return layer.Text{En: comment}
}

// tableComment encodes l's metadata; "" when there is none to keep.
func tableComment(l *layer.Layer) (string, error) {
	m := metadata{Version: metadataVersion, Title: l.Title, Description: l.Description,
		Department: l.Department, Keywords: l.Keywords, License: l.License,
		Sensitive: l.Sensitive, Masking: l.Masking}
	if l.Access.Level != "" || len(l.Access.Departments) > 0 {
		m.Access = &l.Access
	}
	if m.Title == (layer.Text{}) && m.Description == (layer.Text{}) &&
		m.Department == "" && len(m.Keywords) == 0 && m.License == "" &&
		!m.Sensitive && m.Masking == nil && m.Access == nil {
		return "", nil
	}
	b, err := json.Marshal(m)
	return string(b), err
}

// columnComment encodes a field's title; "" when it has none.
func columnComment(f layer.Field) (string, error) {
	if f.Title == (layer.Text{}) {
		return "", nil
	}
	b, err := json.Marshal(metadata{Version: metadataVersion, Title: f.Title})
	return string(b), err
}
