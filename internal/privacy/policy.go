// Package privacy turns a sensitive layer's masking policy into its masked
// view: the features everyone without the unmasked right is served, with
// attributes dropped, redacted, partly hidden, hashed or generalised,
// geometry snapped, displaced, reduced to centroids or aggregated into
// k-anonymous grid cells, and ids replaced by keyed pseudonyms.
//
// A Policy is compiled once from the catalogue and is pure: the same
// feature and key always give the same masked feature, on every replica and
// after every restart, so masking happens once, when the cache applies a
// change, and repeated queries cannot average anything out. A View carries
// the only state (an aggregate's counts per cell) for the cache's writer.
//
// # Rules
//
// Attributes (layer.Masking.Attributes, by attribute name; others: keep or
// drop says what happens to the attributes not named, keep by default):
//
//	keep              published as is
//	drop              not in the masked view at all (schema, queryables, filters, sorting)
//	redact            "***" for every feature, a null too; the type becomes string
//	partial           strings: HKID A123456(7) → A123***(*), other text keeps its first third + "***"
//	hash              strings, integers: "h_" + 16 base32 characters of a keyed HMAC (joinable across layers)
//	generalise[:W]    integers and numbers: the band of width W (default 10) as text, "70–79" ("70–80" for numbers: [70, 80))
//	generalise:U      dates and datetimes: U is month (the default), year, or day (datetimes only), as "2024-03", "2024", "2024-03-05" (Hong Kong time)
//
// Geometry (layer.Masking.Geometry), distances in whole HK1980 Grid metres
// (an "m" suffix is allowed), from 1 to 100000:
//
//	keep (or empty)         the true geometry
//	snap:N                  to the centre of the N-metre grid cell
//	displace:R[:min=M]      moved by M to R metres (M defaults to R/10) in a keyed, per-feature direction
//	centroid                lines and polygons to their centroid (refused for point layers)
//	aggregate:N[:k=K][:centre]
//	                        one feature per N-metre cell holding at least K (default 5, 2–1000)
//	                        features: the cell's square (or centre point), id cell_E<east>_N<north>
//	                        of its south-west corner, and a count; no other attribute may be kept
//
// Under snap and displace, lines and polygons are first reduced to their
// centroid (a shape can be matched against other layers). min_zoom raises
// the masked view's least tile zoom; min_acr names the acr claim the full
// view needs.
package privacy

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/cache"
	"github.com/csdi-hk/csdi/internal/layer"
)

// Policy is a compiled masking policy of one layer. It is immutable and
// safe for concurrent use.
type Policy struct {
	source  *layer.Layer
	masked  *layer.Layer // the masked view's catalogue entry
	fields  []fieldMask  // the masked view's attributes, in schema order
	geom    geomRule
	minZoom int
	minACR  string
	metric  metric
	// Secrets derived from the key: see pseudonym.go.
	idKey, displaceKey []byte
}

// countField is the one attribute of an aggregated view.
var countField = layer.Field{
	Name:  "count",
	Type:  layer.Integer,
	Title: layer.Text{En: "Number of features in the cell", Zh: "方格內的數目"},
}

// Compile checks l's masking policy and compiles it with key, the secret
// behind every pseudonym and displacement (at least MinKeyLen bytes; the
// same on every replica, or their masked views differ). Every problem
// found is returned, joined, as a *PolicyError naming the layer and rule.
func Compile(l *layer.Layer, key []byte) (*Policy, error) {
	if l == nil {
		return nil, fmt.Errorf("privacy: compile: %w", ErrNoPolicy)
	}
	m := l.Masking
	if m == nil {
		return nil, &PolicyError{Layer: l.ID, Rule: "masking", Err: ErrNoPolicy}
	}
	if len(key) < MinKeyLen {
		return nil, &PolicyError{Layer: l.ID, Rule: "key",
			Err: fmt.Errorf("%w: %d bytes, want at least %d", ErrKey, len(key), MinKeyLen)}
	}
	met, err := newMetric()
	if err != nil {
		return nil, &PolicyError{Layer: l.ID, Rule: "geometry", Err: err}
	}
	p := &Policy{source: l, metric: met,
		idKey:       subkey(key, "id/"+l.ID),
		displaceKey: subkey(key, "displace/"+l.ID),
	}
	c := &compiler{p: p, l: l, m: m}
	c.geometry()
	c.attributes(subkey(key, "attribute"))
	c.zooms()
	if err := checkACR(m.MinACR); err != nil {
		c.bad("min_acr", m.MinACR, err)
	}
	p.minACR = m.MinACR
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	p.masked = p.maskedLayer()
	return p, nil
}

// compiler fills a Policy from a layer's masking, collecting every
// problem so that one start-up reports them all.
type compiler struct {
	p    *Policy
	l    *layer.Layer
	m    *layer.Masking
	errs []error
}

func (c *compiler) bad(rule, value string, err error) {
	c.errs = append(c.errs, &PolicyError{Layer: c.l.ID, Rule: rule, Value: value, Err: err})
}

func (c *compiler) geometry() {
	r, err := parseGeomRule(c.m.Geometry)
	if err == nil {
		err = checkGeometry(c.l.GeometryType, r)
	}
	if err != nil {
		c.bad("geometry", c.m.Geometry, err)
		return
	}
	c.p.geom = r
}

// attributes compiles the rule of every field, in the layer's order; an
// aggregate keeps none, and refuses rules that would keep one.
func (c *compiler) attributes(hashKey []byte) {
	for _, name := range slices.Sorted(maps.Keys(c.m.Attributes)) {
		if c.l.FieldIndex(name) < 0 {
			c.bad("attributes."+name, c.m.Attributes[name], fmt.Errorf("%w %q: the layer has %s", ErrUnknownAttribute, name, fieldNames(c.l)))
		}
	}
	others, err := parseOthers(c.m.Others)
	if err != nil {
		c.bad("others", c.m.Others, err)
	}
	aggregate := c.p.geom.kind == geomAggregate
	masksSomething := c.p.geom.kind != geomKeep
	for i, f := range c.l.Fields {
		text, named := c.m.Attributes[f.Name]
		r := attrRule{kind: others}
		if named {
			if r, err = parseAttrRule(text); err != nil {
				c.bad("attributes."+f.Name, text, err)
				continue
			}
		}
		masksSomething = masksSomething || r.kind != attrKeep
		if aggregate {
			if named && r.kind != attrDrop {
				c.bad("attributes."+f.Name, text, fmt.Errorf("%w: aggregate publishes a count per cell, not attributes of features: drop it or remove the rule", ErrContradiction))
			}
			continue
		}
		fm, kept, err := compileField(f, i, r, hashKey)
		if err != nil {
			c.bad("attributes."+f.Name, text, err)
			continue
		}
		if kept {
			c.p.fields = append(c.p.fields, fm)
		}
	}
	if !masksSomething && len(c.errs) == 0 {
		c.bad("masking", "", fmt.Errorf("%w: the policy masks nothing: name a geometry rule or an attribute rule other than keep", ErrContradiction))
	}
}

// zooms checks min_zoom: within 0-30 and not past the layer's own max
// zoom, where no tile would show the masked view.
func (c *compiler) zooms() {
	maxZoom := c.l.MaxZoom
	if maxZoom == 0 && c.l.MinZoom == 0 {
		maxZoom = layer.DefaultMaxZoom // not configured
	}
	z := c.m.MinZoom
	switch {
	case z < 0 || z > 30:
		c.bad("min_zoom", fmt.Sprint(z), fmt.Errorf("%w: zooms run from 0 to 30", ErrBadParameter))
	case z > maxZoom:
		c.bad("min_zoom", fmt.Sprint(z), fmt.Errorf("%w: above the layer's max_zoom %d, no tile would show the masked view", ErrContradiction, maxZoom))
	}
	c.p.minZoom = max(c.l.MinZoom, z)
}

// checkGeometry refuses a geometry rule that cannot mask the layer's
// geometry type.
func checkGeometry(t layer.GeometryType, r geomRule) error {
	if r.kind != geomCentroid {
		return nil
	}
	switch t {
	case layer.Point:
		return fmt.Errorf("%w: a point is its own centroid: use snap or displace", ErrTypeMismatch)
	case layer.AnyGeometry, layer.GeometryCollection, "":
		return fmt.Errorf("%w: the layer may hold points, which are their own centroid: use snap or displace", ErrTypeMismatch)
	}
	return nil
}

func parseOthers(s string) (attrKind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "keep":
		return attrKeep, nil
	case "drop":
		return attrDrop, nil
	}
	return 0, fmt.Errorf("%w %q: the rule for attributes the policy does not name is keep or drop", ErrUnknownRule, s)
}

// checkACR accepts an authentication context class as a token would carry
// it: printable, without spaces.
func checkACR(s string) error {
	if len(s) > 256 {
		return fmt.Errorf("%w: longer than 256 bytes", ErrBadParameter)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return fmt.Errorf("%w: an acr value has no spaces or control characters", ErrBadParameter)
		}
	}
	return nil
}

func fieldNames(l *layer.Layer) string {
	if len(l.Fields) == 0 {
		return "no attributes"
	}
	names := make([]string, len(l.Fields))
	for i, f := range l.Fields {
		names[i] = f.Name
	}
	return "attributes " + strings.Join(names, ", ")
}

// maskedLayer is the catalogue entry of the masked view: the source layer
// with the masked schema, geometry type and zooms. A time field the policy
// changed no longer serves datetime filters.
func (p *Policy) maskedLayer() *layer.Layer {
	ml := *p.source
	ml.Fields = p.Schema()
	ml.GeometryType = maskedGeometryType(p.source.GeometryType, p.geom)
	ml.MinZoom = p.minZoom
	if t := p.source.TimeField(); t >= 0 {
		keeps := false
		for _, fm := range p.fields {
			keeps = keeps || (fm.src == t && fm.rule.kind == attrKeep)
		}
		if !keeps {
			ml.Source.TimeColumn = ""
		}
	}
	return &ml
}

// Layer is the masked view's catalogue entry, to serve in place of the
// source layer to callers without the unmasked right. Do not modify it.
func (p *Policy) Layer() *layer.Layer { return p.masked }

// Schema is the masked view's attributes, aligned with the Props of every
// masked feature: a dropped attribute is not there at all, and a masked one
// has the type its masked values have (a string, for all but keep).
func (p *Policy) Schema() []layer.Field {
	if p.geom.kind == geomAggregate {
		return []layer.Field{countField}
	}
	out := make([]layer.Field, len(p.fields))
	for i, fm := range p.fields {
		out[i] = fm.field
	}
	return out
}

// Aggregated reports whether the masked view is grid cells with counts
// rather than one masked feature per feature.
func (p *Policy) Aggregated() bool { return p.geom.kind == geomAggregate }

// MinZoom is the least zoom at which tiles show the masked view: the
// policy's min_zoom or the layer's, whichever is higher.
func (p *Policy) MinZoom() int { return p.minZoom }

// MinACR is the authentication context class (the token's acr claim) a
// caller needs, besides the unmasked right, to read the full view; "" when
// the right alone suffices.
func (p *Policy) MinACR() string { return p.minACR }

// String is the policy in canonical rule syntax, for logs.
func (p *Policy) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: geometry=%s", p.source.ID, p.geom)
	for _, f := range p.source.Fields {
		r := "drop"
		for _, fm := range p.fields {
			if fm.field.Name == f.Name {
				r = fm.rule.String()
			}
		}
		fmt.Fprintf(&b, " %s=%s", f.Name, r)
	}
	if p.minZoom > 0 {
		fmt.Fprintf(&b, " min_zoom=%d", p.minZoom)
	}
	if p.minACR != "" {
		fmt.Fprintf(&b, " min_acr=%s", p.minACR)
	}
	return b.String()
}

// MaskFeature is f as the masked view shows it: a new feature (f is not
// touched) with a pseudonymous id, Props aligned with Schema() and the
// masked geometry and its bound in world coordinates. ok is false for an
// aggregated policy, which has no per-feature form, and for a feature
// whose geometry cannot be masked (far outside Hong Kong's grid), which
// the masked view leaves out.
func (p *Policy) MaskFeature(f *cache.Feature) (*cache.Feature, bool) {
	if f == nil || p.geom.kind == geomAggregate {
		return nil, false
	}
	g, ok := p.maskGeometry(f.ID, f.Geom)
	if !ok {
		return nil, false
	}
	props := make([]any, len(p.fields))
	for i, fm := range p.fields {
		var v any
		if fm.src < len(f.Props) {
			v = f.Props[fm.src]
		}
		props[i] = fm.mask(v)
	}
	out := &cache.Feature{ID: p.PseudonymID(f.ID), Geom: g, Props: props}
	if g != nil {
		out.Bound = g.Bound()
	}
	return out, true
}

// MaskAll is the whole masked view of a layer's features, in id order: a
// View's Load without keeping the View.
func (p *Policy) MaskAll(features iter.Seq[*cache.Feature]) []*cache.Feature {
	return p.NewView().Load(features)
}

// sameFeature reports whether two masked features would be served alike.
func sameFeature(a, b *cache.Feature) bool {
	if a.ID != b.ID || len(a.Props) != len(b.Props) || !geomEqual(a.Geom, b.Geom) {
		return false
	}
	for i := range a.Props {
		if !reflect.DeepEqual(a.Props[i], b.Props[i]) {
			return false
		}
	}
	return true
}

func geomEqual(a, b orb.Geometry) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return orb.Equal(a, b)
}
