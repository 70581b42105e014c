// Package cql2 implements OGC CQL2 1.0 (OGC 21-065) for filtering cached
// features: parsers for cql2-text and cql2-json into one AST, canonical
// printers for both encodings, a compiler that type-checks an expression
// against a layer's queryables, and an evaluator over in-memory features.
//
// # Grammar coverage
//
// The whole CQL2 1.0 grammar: AND/OR/NOT, the six comparison operators,
// LIKE (with % _ and \ escapes), BETWEEN, IN, IS NULL and their NOT forms;
// CASEI and ACCENTI, nested and inside LIKE and IN; the 8 S_* predicates
// with every WKT / GeoJSON geometry type and BBOX (Z accepted and dropped);
// the 15 T_* predicates with DATE, TIMESTAMP and INTERVAL ('..' open ends,
// property ends); A_EQUALS, A_CONTAINS, A_CONTAINEDBY, A_OVERLAPS with
// array literals; arithmetic + - * / % div ^ (^ binds tightest and is
// right-associative; unary minus); literal and property operands on either
// side; double-quoted property names; custom function calls (parsed and
// printed, rejected by Compile).
//
// Deliberate restrictions, applied identically by both parsers so that
// every accepted tree prints to both encodings and parses back equal:
// string literals escape a quote only by doubling it (”), since '\' must
// reach LIKE patterns untouched; array elements are literals, properties,
// functions or arrays (no arithmetic or predicates: in text "(" would be
// ambiguous); function arguments are not array literals; geometry
// literals have no empty parts and closed rings; "double-quoted" names
// may contain any character (with "" for a quote), so every property name
// in cql2-json can be written in text.
//
// # Semantics
//
//   - Three-valued logic: a predicate over NULL (a nil attribute, a missing
//     geometry, division by zero) is unknown; NOT unknown is unknown; only
//     TRUE matches.
//   - Integers and numbers compare numerically with each other (exactly
//     between int64s, as float64 otherwise). Strings compare by code point.
//     Booleans only with = and <>.
//   - Dates are the instant of UTC midnight; timestamps are compared as
//     instants whatever their zone, so a date and a timestamp compare. A
//     date or datetime property is an instant; intervals are closed. T_*
//     predicates follow the Time Ontology definitions the standard cites;
//     the ten interval-only ones reject instants at compile time.
//   - Arrays are compared as sets (order and repetition do not matter).
//   - CASEI is Unicode full case folding (ß = ss); ACCENTI removes
//     non-spacing marks after canonical decomposition.
//   - Spatial predicates are exact DE-9IM (planar, via simplefeatures),
//     after an envelope test, with a point-in-polygon fast path. Literals
//     are mapped by Options.Geometry from the filter-crs into the
//     features' coordinate space (in production, normalised Web Mercator),
//     so evaluation is plain planar geometry in that space. A BBOX whose
//     west edge exceeds its east edge crosses the antimeridian and is split
//     at ±180 before mapping.
package cql2
