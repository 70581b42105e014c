package postgis

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// decodeFunc turns one non-NULL column value, as the wire carries it, into
// its natural Go value: bool, int64, float64, string, time.Time (UTC),
// json.RawMessage or []any of those. The bytes belong to pgx and are only
// valid until the next row, so a decodeFunc never keeps them.
type decodeFunc func(raw []byte) (any, error)

// decoderFor picks the decoder for a result column. The common scalars are
// decoded here from the binary format, which is what makes a load fast;
// every other type pgx knows goes through its codec; a type pgx does not
// know arrives as text and is kept as a string.
func decoderFor(m *pgtype.Map, fd pgconn.FieldDescription) decodeFunc {
	if fd.Format == pgtype.TextFormatCode {
		if _, known := m.TypeForOID(fd.DataTypeOID); !known {
			return decodeText
		}
		return codecDecoder(m, fd)
	}
	switch fd.DataTypeOID {
	case pgtype.BoolOID:
		return decodeBool
	case pgtype.Int2OID:
		return decodeInt2
	case pgtype.Int4OID:
		return decodeInt4
	case pgtype.Int8OID:
		return decodeInt8
	case pgtype.Float4OID:
		return decodeFloat4
	case pgtype.Float8OID:
		return decodeFloat8
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID:
		return decodeText
	case pgtype.JSONOID:
		return decodeJSON
	case pgtype.JSONBOID:
		return decodeJSONB
	case pgtype.UUIDOID:
		return decodeUUID
	}
	return codecDecoder(m, fd)
}

var errLength = errors.New("unexpected value length")

func decodeText(raw []byte) (any, error) { return string(raw), nil }

func decodeBool(raw []byte) (any, error) {
	if len(raw) != 1 {
		return nil, errLength
	}
	return raw[0] != 0, nil
}

func decodeInt2(raw []byte) (any, error) {
	if len(raw) != 2 {
		return nil, errLength
	}
	return int64(int16(binary.BigEndian.Uint16(raw))), nil
}

func decodeInt4(raw []byte) (any, error) {
	if len(raw) != 4 {
		return nil, errLength
	}
	return int64(int32(binary.BigEndian.Uint32(raw))), nil
}

func decodeInt8(raw []byte) (any, error) {
	if len(raw) != 8 {
		return nil, errLength
	}
	return int64(binary.BigEndian.Uint64(raw)), nil
}

func decodeFloat4(raw []byte) (any, error) {
	if len(raw) != 4 {
		return nil, errLength
	}
	return float32To64(math.Float32frombits(binary.BigEndian.Uint32(raw)))
}

func decodeFloat8(raw []byte) (any, error) {
	if len(raw) != 8 {
		return nil, errLength
	}
	return finite(math.Float64frombits(binary.BigEndian.Uint64(raw)))
}

// float32To64 widens a real through its shortest decimal form, so 0.1
// stays 0.1 rather than becoming 0.10000000149011612.
func float32To64(f float32) (any, error) {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return nil, err
	}
	return finite(v)
}

// finite rejects NaN and infinities, which JSON cannot carry.
func finite(f float64) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("non-finite number %v", f)
	}
	return f, nil
}

func decodeJSON(raw []byte) (any, error) {
	return json.RawMessage(append([]byte(nil), raw...)), nil
}

// decodeJSONB strips the binary format's version byte (always 1 so far).
func decodeJSONB(raw []byte) (any, error) {
	if len(raw) == 0 || raw[0] != 1 {
		return nil, errors.New("unknown jsonb format version")
	}
	return decodeJSON(raw[1:])
}

func decodeUUID(raw []byte) (any, error) {
	if len(raw) != 16 {
		return nil, errLength
	}
	return uuidString([16]byte(raw)), nil
}

// uuidString is the canonical 8-4-4-4-12 lower-case form.
func uuidString(u [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

// codecDecoder decodes with pgx's own codec for the column's type and then
// brings the value to its natural Go type.
func codecDecoder(m *pgtype.Map, fd pgconn.FieldDescription) decodeFunc {
	t, ok := m.TypeForOID(fd.DataTypeOID)
	if !ok {
		return decodeText
	}
	return func(raw []byte) (any, error) {
		v, err := t.Codec.DecodeValue(m, fd.DataTypeOID, fd.Format, raw)
		if err != nil {
			return nil, err
		}
		return natural(v)
	}
}

// natural converts what a pgx codec returns to the natural Go types.
func natural(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64, json.RawMessage:
		return v, nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case uint32: // oid, xid
		return int64(x), nil
	case float32:
		return float32To64(x)
	case float64:
		return finite(x)
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil {
			return nil, err
		}
		if !f.Valid {
			return nil, nil
		}
		return finite(f.Float64)
	case [16]byte:
		return uuidString(x), nil
	case time.Time:
		return x.UTC(), nil
	case pgtype.InfinityModifier:
		return nil, fmt.Errorf("%v date or time", x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := natural(e)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out[i] = n
		}
		return out, nil
	case map[string]any: // a json array element, already parsed by pgx
		b, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		return json.RawMessage(b), nil
	}
	return nil, fmt.Errorf("unsupported value type %T", v)
}
