package postgis

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

func TestCoerce(t *testing.T) {
	at := time.Date(2024, 3, 15, 8, 30, 15, 0, time.FixedZone("HKT", 8*3600))
	tests := []struct {
		in   any
		to   layer.FieldType
		want any
		ok   bool
	}{
		{nil, layer.Integer, nil, true},
		{"x", layer.String, "x", true},
		{int64(-7), layer.String, "-7", true},
		{2.5, layer.String, "2.5", true},
		{true, layer.String, "true", true},
		{at, layer.String, "2024-03-15T00:30:15Z", true},
		{json.RawMessage(`{"a":1}`), layer.String, `{"a":1}`, true},
		{[]any{"a", int64(1)}, layer.String, `["a",1]`, true},
		{int64(3), layer.Integer, int64(3), true},
		{3.0, layer.Integer, int64(3), true},
		{3.5, layer.Integer, nil, false},
		{1e300, layer.Integer, nil, false},
		{"42", layer.Integer, int64(42), true},
		{"4x", layer.Integer, nil, false},
		{true, layer.Integer, nil, false},
		{int64(3), layer.Number, 3.0, true},
		{"0.25", layer.Number, 0.25, true},
		{"NaN", layer.Number, nil, false},
		{math.Inf(1), layer.Number, nil, false},
		{"true", layer.Boolean, true, true},
		{int64(1), layer.Boolean, nil, false},
		{at, layer.Date, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), true},
		{"2024-03-15", layer.Date, time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC), true},
		{at, layer.DateTime, at, true},
		{"2024-03-15T00:30:15Z", layer.DateTime, at, true},
		{"yesterday", layer.DateTime, nil, false},
		{int64(5), layer.DateTime, nil, false},
		{json.RawMessage(`[1]`), layer.JSON, json.RawMessage(`[1]`), true},
		{"x", layer.JSON, json.RawMessage(`"x"`), true},
		{[]any{int64(1)}, layer.JSON, json.RawMessage(`[1]`), true},
		{at, layer.JSON, json.RawMessage(`"2024-03-15T00:30:15Z"`), true},
		{[]any{"x"}, layer.Array, []any{"x"}, true},
		{"x", layer.Array, nil, false},
		{"x", "money", nil, false},
	}
	for _, tt := range tests {
		got, err := coerce(tt.in, tt.to)
		if (err == nil) != tt.ok || !storetest.ValueEqual(got, tt.want) {
			t.Errorf("coerce(%#v, %s) = %#v, %v; want %#v, ok %v", tt.in, tt.to, got, err, tt.want, tt.ok)
		}
	}
}
