package tiles

import (
	"encoding/binary"
	"net/http"

	accessctl "github.com/csdi-hk/csdi/internal/access"
	"github.com/csdi-hk/csdi/internal/cache"
)

// served tells the audit trail how many features of each layer read in
// full a tile holds (see access.Served). Only a sensitive layer's full
// view asks, so only then is the tile read again, from its bytes: a
// cached tile keeps no counts.
func served(r *http.Request, snaps []*cache.Snapshot, mvt []byte) {
	ctx := r.Context()
	for _, s := range snaps {
		if id := s.Layer().ID; accessctl.ReadsInFull(ctx, id) {
			accessctl.Served(ctx, id, featuresIn(mvt, id))
		}
	}
}

// featuresIn counts the features of layer name in tile mvt, reading only
// the fields that lead to them (Tile.layers = 3, Layer.name = 1,
// Layer.features = 2); a tile it cannot read counts as none.
func featuresIn(mvt []byte, name string) int {
	n := 0
	for tile := mvt; len(tile) > 0; {
		field, body, rest, ok := nextField(tile)
		if !ok {
			return n
		}
		tile = rest
		if field != 3 || body == nil {
			continue
		}
		features, named := 0, false
		for l := body; len(l) > 0; {
			f, v, more, ok := nextField(l)
			if !ok {
				break
			}
			l = more
			switch {
			case f == 1 && v != nil:
				named = string(v) == name
			case f == 2 && v != nil:
				features++
			}
		}
		if named {
			n += features
		}
	}
	return n
}

// nextField reads one protobuf field of b: its number, its payload when
// length-delimited (nil for the other wire types), and what follows.
func nextField(b []byte) (field int, payload, rest []byte, ok bool) {
	key, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, nil, nil, false
	}
	b = b[k:]
	switch key & 7 {
	case 0: // varint
		_, k = binary.Uvarint(b)
		if k <= 0 {
			return 0, nil, nil, false
		}
		return int(key >> 3), nil, b[k:], true
	case 1: // 64-bit
		if len(b) < 8 {
			return 0, nil, nil, false
		}
		return int(key >> 3), nil, b[8:], true
	case 2: // length-delimited
		size, k := binary.Uvarint(b)
		if k <= 0 || size > uint64(len(b)-k) {
			return 0, nil, nil, false
		}
		end := k + int(size)
		return int(key >> 3), b[k:end], b[end:], true
	case 5: // 32-bit
		if len(b) < 4 {
			return 0, nil, nil, false
		}
		return int(key >> 3), nil, b[4:], true
	}
	return 0, nil, nil, false
}
