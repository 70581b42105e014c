package ingest

import (
	"encoding/json"
	"strings"
	"testing"
)

// validJSONCases are texts on both sides of every rule validJSON applies.
var validJSONCases = []string{
	``, ` `, `null`, ` null `, `nul`, `nulll`, `true`, `false`, `fals`, `tru e`,
	`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e10`, `2.e3`, `1x`, `+1`,
	`""`, `"a"`, `"a`, `"\""`, `"\\"`, `"\/"`, `"\b\f\n\r\t"`, `"\u00e9"`, `"\u00E9"`, `"\u00g9"`, `"\u12"`, `"\x"`,
	"\"\x01\"", "\"\x7f\"", "\"\xff\xfe\"", `"中環"`, "\"a\tb\"",
	`{}`, `{ }`, `{"a":1}`, `{"a" : 1 , "b":[1,2]}`, `{"a":1,}`, `{,"a":1}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `{"a":1}}`, `{"a":1`,
	`[]`, `[ ]`, `[1]`, `[1,]`, `[,1]`, `[1 2]`, `[[[]]]`, `[[]`, `[]]`, `[{}]`, `[{]}`, `{]`, `[}`,
	`1 2`, `{} {}`, "\n{\"type\":\"Feature\"}\r\n", "\u00a0{}", "{}\x00",
	`{"type":"Feature","id":1,"geometry":{"type":"Point","coordinates":[114.1,22.3]},"properties":{"name":"大會堂","n":null}}`,
}

func TestValidJSON(t *testing.T) {
	for _, c := range validJSONCases {
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid says %v", c, got, want)
		}
	}
}

// TestValidJSONDepth: the nesting limit is encoding/json's, to the level.
func TestValidJSONDepth(t *testing.T) {
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			text := []byte(strings.Repeat(open, depth) + "1" + strings.Repeat(close, depth))
			if got, want := validJSON(text), json.Valid(text); got != want {
				t.Errorf("depth %d of %q: validJSON %v, json.Valid %v", depth, open, got, want)
			}
		}
	}
}

// FuzzValidJSON holds validJSON to json.Valid's answer on any text.
func FuzzValidJSON(f *testing.F) {
	for _, c := range validJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	feature := []byte(`{"type":"Feature","id":1,"geometry":{"type":"Polygon","coordinates":[[[114.1546047,22.2836092],[114.1546906,22.2836210],[114.1546740,22.2837252],[114.1545881,22.2837133],[114.1546047,22.2836092]]]},"properties":{"name_en":"Central Community Hall","name_zh":"中環社區會堂","floors":15,"height_m":49.4,"year_built":1957,"use":"government","district":"Central and Western"}}`)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(feature)))
		for b.Loop() {
			validJSON(feature)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(feature)))
		for b.Loop() {
			json.Valid(feature)
		}
	})
}
