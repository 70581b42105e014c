package postgis

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// TestDecoders encodes values with pgx's own binary encoders and checks
// that the hand-written decoders read them back as natural Go values.
func TestDecoders(t *testing.T) {
	m := pgtype.NewMap()
	day := time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 15, 8, 30, 15, 123000, time.UTC)
	u := [16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11}
	tests := []struct {
		name string
		oid  uint32
		in   any
		want any
		ok   bool
	}{
		{"bool", pgtype.BoolOID, true, true, true},
		{"int2", pgtype.Int2OID, int16(-2), int64(-2), true},
		{"int4", pgtype.Int4OID, int32(1 << 30), int64(1 << 30), true},
		{"int8", pgtype.Int8OID, int64(-1 << 60), int64(-1 << 60), true},
		{"float4", pgtype.Float4OID, float32(0.1), 0.1, true},
		{"float8", pgtype.Float8OID, 2.5, 2.5, true},
		{"float8 NaN", pgtype.Float8OID, math.NaN(), nil, false},
		{"text", pgtype.TextOID, "中文", "中文", true},
		{"varchar", pgtype.VarcharOID, "v", "v", true},
		{"json", pgtype.JSONOID, json.RawMessage(`{"a": 1}`), json.RawMessage(`{"a": 1}`), true},
		{"jsonb", pgtype.JSONBOID, json.RawMessage(`[1,2]`), json.RawMessage(`[1,2]`), true},
		{"uuid", pgtype.UUIDOID, u, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", true},
		{"numeric", pgtype.NumericOID, numeric(t, "1234.567"), 1234.567, true},
		{"numeric NaN", pgtype.NumericOID, numeric(t, "NaN"), nil, false},
		{"date", pgtype.DateOID, day, day, true},
		{"date infinity", pgtype.DateOID, pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true}, nil, false},
		{"timestamp", pgtype.TimestampOID, at, at, true},
		{"timestamptz", pgtype.TimestamptzOID, at.In(time.FixedZone("HKT", 8*3600)), at, true},
		{"int4[]", pgtype.Int4ArrayOID, []any{int32(1), nil, int32(3)}, []any{int64(1), nil, int64(3)}, true},
		{"text[]", pgtype.TextArrayOID, []string{"x", "y z"}, []any{"x", "y z"}, true},
		{"float8[] NaN", pgtype.Float8ArrayOID, []float64{1, math.NaN()}, nil, false},
		{"uuid[]", pgtype.UUIDArrayOID, [][16]byte{u}, []any{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}, true},
		{"oid", pgtype.OIDOID, uint32(7), int64(7), true},
		{"bytea", pgtype.ByteaOID, []byte{1}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := m.Encode(tt.oid, pgtype.BinaryFormatCode, tt.in, nil)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			dec := decoderFor(m, pgconn.FieldDescription{DataTypeOID: tt.oid, Format: pgtype.BinaryFormatCode})
			got, err := dec(raw)
			if (err == nil) != tt.ok || !storetest.ValueEqual(got, tt.want) {
				t.Errorf("got %#v (%T), %v; want %#v, ok %v", got, got, err, tt.want, tt.ok)
			}
		})
	}
	t.Run("short values are errors", func(t *testing.T) {
		for _, oid := range []uint32{pgtype.BoolOID, pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID,
			pgtype.Float4OID, pgtype.Float8OID, pgtype.UUIDOID, pgtype.JSONBOID} {
			dec := decoderFor(m, pgconn.FieldDescription{DataTypeOID: oid, Format: pgtype.BinaryFormatCode})
			if _, err := dec([]byte{}); err == nil {
				t.Errorf("oid %d: an empty value decoded", oid)
			}
		}
	})
	t.Run("unknown types arrive as text", func(t *testing.T) {
		dec := decoderFor(m, pgconn.FieldDescription{DataTypeOID: 99999, Format: pgtype.TextFormatCode})
		if got, err := dec([]byte("wan chai")); err != nil || got != "wan chai" {
			t.Errorf("got %#v, %v", got, err)
		}
	})
}

func numeric(t *testing.T, s string) pgtype.Numeric {
	t.Helper()
	var n pgtype.Numeric
	if err := n.Scan(s); err != nil {
		t.Fatal(err)
	}
	return n
}
