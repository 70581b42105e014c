package cache

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// ETag is the strong entity tag of a feature's version: a hash of its id,
// its values in a canonical encoding (times as UTC nanoseconds, so the zone
// a store returned them in does not matter) and its geometry's world
// coordinates. Two features have the same tag exactly when a client could
// not tell them apart, so a Part 4 write can compare the tag a client last
// read (If-Match) with the row it is about to change.
func ETag(f *Feature) string {
	b := make([]byte, 0, 256)
	b = etagAppendID(b, f.ID)
	b = binary.AppendUvarint(b, uint64(len(f.Props)))
	for _, v := range f.Props {
		b = etagAppendValue(b, v)
	}
	b = etagAppendGeometry(b, f.Geom)
	sum := sha256.Sum256(b)
	// 128 bits: collisions stay out of reach, and the header stays short.
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// FeatureFromRecord turns a store record of l (geometry in
// store.StreamSRID(l)) into a feature exactly as the cache's loader does,
// so that its ETag equals the one the cache serves for the same row. The
// record is not modified.
func FeatureFromRecord(l *layer.Layer, r store.Record) (*Feature, error) {
	tr, err := toWorld(store.StreamSRID(l))
	if err != nil {
		return nil, fmt.Errorf("layer %s: %w", l.ID, err)
	}
	if r.Geometry != nil {
		r.Geometry = orb.Clone(r.Geometry)
	}
	f, err := newFeature(r, tr)
	if err != nil {
		return nil, fmt.Errorf("layer %s feature %v: %w", l.ID, r.ID, err)
	}
	return f, nil
}

// Tags of the canonical encoding: each value says what it is, so that
// different values never encode alike ("1" and 1, nil and "").
const (
	etagNil byte = iota
	etagNum
	etagStr
	etagInt
	etagFloat
	etagTrue
	etagFalse
	etagTime
	etagJSON
	etagArray
	etagBytes
	etagOther
	etagPoint
	etagMultiPoint
	etagLineString
	etagMultiLineString
	etagPolygon
	etagMultiPolygon
	etagCollection
	etagRing
	etagBound
)

func etagAppendID(b []byte, id ID) []byte {
	if id.IsNum {
		return binary.BigEndian.AppendUint64(append(b, etagNum), uint64(id.Num))
	}
	return etagAppendString(append(b, etagStr), id.Str)
}

func etagAppendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func etagAppendFloat(b []byte, f float64) []byte {
	if f == 0 {
		f = 0 // -0 and +0 are the same value to every client
	}
	return binary.BigEndian.AppendUint64(b, math.Float64bits(f))
}

func etagAppendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, etagNil)
	case string:
		return etagAppendString(append(b, etagStr), v)
	case int64:
		return binary.BigEndian.AppendUint64(append(b, etagInt), uint64(v))
	case float64:
		return etagAppendFloat(append(b, etagFloat), v)
	case bool:
		if v {
			return append(b, etagTrue)
		}
		return append(b, etagFalse)
	case time.Time:
		// UnixNano covers 1678–2262; seconds and nanoseconds cover any year.
		b = binary.BigEndian.AppendUint64(append(b, etagTime), uint64(v.Unix()))
		return binary.BigEndian.AppendUint32(b, uint32(v.Nanosecond()))
	case json.RawMessage:
		return etagAppendString(append(b, etagJSON), string(v))
	case []byte:
		return etagAppendString(append(b, etagBytes), string(v))
	case []any:
		b = binary.AppendUvarint(append(b, etagArray), uint64(len(v)))
		for _, e := range v {
			b = etagAppendValue(b, e)
		}
		return b
	}
	return etagAppendString(append(b, etagOther), fmt.Sprintf("%T:%v", v, v))
}

func etagAppendPoints(b []byte, tag byte, ps []orb.Point) []byte {
	b = binary.AppendUvarint(append(b, tag), uint64(len(ps)))
	for _, p := range ps {
		b = etagAppendFloat(etagAppendFloat(b, p[0]), p[1])
	}
	return b
}

func etagAppendGeometry(b []byte, g orb.Geometry) []byte {
	switch g := g.(type) {
	case nil:
		return append(b, etagNil)
	case orb.Point:
		return etagAppendFloat(etagAppendFloat(append(b, etagPoint), g[0]), g[1])
	case orb.MultiPoint:
		return etagAppendPoints(b, etagMultiPoint, g)
	case orb.LineString:
		return etagAppendPoints(b, etagLineString, g)
	case orb.Ring:
		return etagAppendPoints(b, etagRing, g)
	case orb.MultiLineString:
		b = binary.AppendUvarint(append(b, etagMultiLineString), uint64(len(g)))
		for _, l := range g {
			b = etagAppendPoints(b, etagLineString, l)
		}
		return b
	case orb.Polygon:
		b = binary.AppendUvarint(append(b, etagPolygon), uint64(len(g)))
		for _, r := range g {
			b = etagAppendPoints(b, etagRing, r)
		}
		return b
	case orb.MultiPolygon:
		b = binary.AppendUvarint(append(b, etagMultiPolygon), uint64(len(g)))
		for _, p := range g {
			b = etagAppendGeometry(b, p)
		}
		return b
	case orb.Collection:
		b = binary.AppendUvarint(append(b, etagCollection), uint64(len(g)))
		for _, m := range g {
			b = etagAppendGeometry(b, m)
		}
		return b
	case orb.Bound:
		return etagAppendPoints(b, etagBound, []orb.Point{g.Min, g.Max})
	}
	return etagAppendString(append(b, etagOther), fmt.Sprintf("%T", g))
}
