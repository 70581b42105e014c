package postgis

import (
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

func TestFieldType(t *testing.T) {
	pg := func(name string) pgType { return pgType{Name: name, Schema: "pg_catalog", Kind: "b"} }
	arr := func(elem, schema string) pgType {
		return pgType{Name: "_" + elem, Schema: "pg_catalog", Kind: "b", Elem: elem, ElemSchema: schema}
	}
	tests := []struct {
		t    pgType
		want layer.FieldType // "" when not served
	}{
		{pg("text"), layer.String}, {pg("varchar"), layer.String}, {pg("bpchar"), layer.String},
		{pg("name"), layer.String}, {pg("uuid"), layer.String},
		{pgType{Name: "citext", Schema: "public", Kind: "b"}, layer.String},
		{pgType{Name: "district", Schema: "public", Kind: "e"}, layer.String},
		{pg("int2"), layer.Integer}, {pg("int4"), layer.Integer}, {pg("int8"), layer.Integer},
		{pg("float4"), layer.Number}, {pg("float8"), layer.Number}, {pg("numeric"), layer.Number},
		{pg("bool"), layer.Boolean}, {pg("date"), layer.Date},
		{pg("timestamp"), layer.DateTime}, {pg("timestamptz"), layer.DateTime},
		{pg("json"), layer.JSON}, {pg("jsonb"), layer.JSON},
		{arr("int4", "pg_catalog"), layer.Array}, {arr("text", "pg_catalog"), layer.Array},
		{arr("citext", "public"), ""}, {arr("bytea", "pg_catalog"), ""},
		{pg("bytea"), ""}, {pg("tsvector"), ""}, {pg("interval"), ""},
		{pgType{Name: "tsrange", Schema: "pg_catalog", Kind: "r"}, ""},
		{pgType{Name: "geography", Schema: "public", Kind: "b"}, ""},
		{pgType{Name: "text", Schema: "public", Kind: "b"}, ""}, // a look-alike outside pg_catalog
	}
	for _, tt := range tests {
		got, ok := fieldType(tt.t)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("fieldType(%+v) = %q, %v; want %q", tt.t, got, ok, tt.want)
		}
	}
}
