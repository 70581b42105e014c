package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// streamAll returns every feature's text and the error that ended the
// stream (nil at a clean end).
func streamAll(t testing.TB, r io.Reader, max int) ([]string, *featureStream, error) {
	t.Helper()
	fs := newFeatureStream(r, max)
	var out []string
	for {
		raw, err := fs.Next()
		if err == io.EOF {
			return out, fs, nil
		}
		if err != nil {
			return out, fs, err
		}
		out = append(out, string(raw))
	}
}

func TestFeatureStreamForms(t *testing.T) {
	f1 := `{"type":"Feature","id":1,"properties":{"s":"a \"}]\" b"},"geometry":null}`
	f2 := `{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}`
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"collection", `{"type":"FeatureCollection","features":[` + f1 + `,` + f2 + `]}`, []string{f1, f2}},
		{"collection with spaces and members", " \n{ \"name\" : \"x\", \"type\":\"FeatureCollection\" ,\"features\" : [ " + f1 + " ,\n " + f2 + " ] , \"bbox\": [1,2,3,4] }\n", []string{f1, f2}},
		{"empty collection", `{"type":"FeatureCollection","features":[]}`, nil},
		{"newline-delimited", f1 + "\n" + f2 + "\n", []string{f1, f2}},
		{"text sequence", "\x1e" + f1 + "\n\x1e" + f2 + "\n", []string{f1, f2}},
		{"one feature", f2, []string{f2}},
		{"unicode", `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"名稱":"大會堂 \u5927"},"geometry":null}]}`,
			[]string{`{"type":"Feature","properties":{"名稱":"大會堂 \u5927"},"geometry":null}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time, so every refill boundary is crossed.
			got, _, err := streamAll(t, iotest.OneByteReader(strings.NewReader(tc.in)), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d features %q, want %d", len(got), got, len(tc.want))
			}
			for i := range got {
				if !jsonEqual(got[i], tc.want[i]) {
					t.Errorf("feature %d:\n got %s\nwant %s", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func TestFeatureStreamKeepsMembers(t *testing.T) {
	crs := `{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::2326"}}`
	_, fs, err := streamAll(t, strings.NewReader(`{"type":"FeatureCollection","crs":`+crs+`,"features":[]}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if raw, late := fs.Member("crs"); string(raw) != crs || late {
		t.Errorf("crs member %s late=%v", raw, late)
	}
	_, fs, err = streamAll(t, strings.NewReader(`{"type":"FeatureCollection","features":[],"crs":`+crs+`}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if raw, late := fs.Member("crs"); string(raw) != crs || !late {
		t.Errorf("late crs member %s late=%v", raw, late)
	}
}

func TestFeatureStreamErrors(t *testing.T) {
	f := `{"type":"Feature","properties":{},"geometry":null}`
	for _, tc := range []struct {
		name, in string
		ok       int // features read before the error
		offset   int64
	}{
		{"empty", "", 0, 0},
		{"not an object", `[1,2]`, 0, 0},
		{"truncated array", `{"type":"FeatureCollection","features":[` + f, 1, 90},
		{"truncated feature", `{"type":"FeatureCollection","features":[{"type":"Feature"`, 0, 40},
		{"missing comma", `{"type":"FeatureCollection","features":[` + f + f + `]}`, 1, 90},
		{"not a feature object", `{"type":"FeatureCollection","features":[1]}`, 0, 40},
		{"garbage after", `{"type":"FeatureCollection","features":[]} x`, 0, 43},
		{"wrong type with features", `{"type":"Feature","features":[]}`, 0, 29},
		{"no features", `{"type":"FeatureCollection"}`, 0, 28},
		{"unclosed string", `{"type":"FeatureCollection","features":[{"a":"b}]}`, 0, 40},
		{"control character", "{\"type\":\"FeatureCollection\",\"features\":[{\"a\":\"\x01\"}]}", 0, 46},
		{"invalid member", `{"type":"FeatureCollection","name":[1,,2],"features":[]}`, 0, 35},
		{"duplicate member", `{"type":"FeatureCollection","type":"x","features":[]}`, 0, 35},
		{"sequence of non-objects", f + "\n3\n", 1, 51},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := streamAll(t, strings.NewReader(tc.in), 0)
			var syn *SyntaxError
			if !errors.As(err, &syn) {
				t.Fatalf("got %v, want a SyntaxError", err)
			}
			if len(got) != tc.ok {
				t.Errorf("%d features before the error, want %d", len(got), tc.ok)
			}
			if syn.Offset != tc.offset {
				t.Errorf("error at byte %d, want %d: %v", syn.Offset, tc.offset, syn)
			}
		})
	}
}

func TestFeatureStreamBoundsAFeature(t *testing.T) {
	big := `{"type":"Feature","properties":{"s":"` + strings.Repeat("x", 5000) + `"},"geometry":null}`
	_, _, err := streamAll(t, strings.NewReader(`{"type":"FeatureCollection","features":[`+big+`]}`), 1000)
	var syn *SyntaxError
	if !errors.As(err, &syn) || !strings.Contains(syn.Msg, "longer than") {
		t.Fatalf("got %v, want a too-long error", err)
	}
	got, _, err := streamAll(t, strings.NewReader(`{"type":"FeatureCollection","features":[`+big+`]}`), 10000)
	if err != nil || len(got) != 1 || got[0] != big {
		t.Fatalf("a feature under the bound: %v, %d features", err, len(got))
	}
}

// The stream must agree with encoding/json on every valid collection:
// the same features, byte for byte as they appear in the input.
func FuzzFeatureStream(f *testing.F) {
	for _, s := range []string{
		`{"type":"FeatureCollection","features":[{"type":"Feature","id":1,"properties":{"a":"]}\\\""},"geometry":null}]}`,
		`{"features":[{},{"a":[1,{"b":"c"}]}],"type":"FeatureCollection","crs":{"type":"name"}}`,
		"{\"type\":\"Feature\",\"geometry\":null}\n{\"type\":\"Feature\"}\n",
		"\x1e{\"type\":\"Feature\"}\n",
		`{"type":"FeatureCollection","features":[ ]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, _, err := streamAll(t, iotest.HalfReader(bytes.NewReader(in)), 1<<20)
		var fc struct {
			Type     string            `json:"type"`
			Features []json.RawMessage `json:"features"`
		}
		if json.Unmarshal(in, &fc) != nil || !bytes.Contains(in, []byte(`"features"`)) || fc.Type != "FeatureCollection" || fc.Features == nil {
			// Not a plain collection: the stream may accept or refuse,
			// but never panics, and anything it yields is an object.
			for _, g := range got {
				if len(g) == 0 || g[0] != '{' {
					t.Fatalf("yielded %q", g)
				}
			}
			return
		}
		if err != nil {
			var syn *SyntaxError
			// encoding/json accepts duplicate members, the stream does not.
			if errors.As(err, &syn) && strings.Contains(syn.Msg, "appears twice") || strings.Contains(err.Error(), "second features") {
				return
			}
			if errors.As(err, &syn) && strings.Contains(syn.Msg, "must be a FeatureCollection") {
				return
			}
			t.Fatalf("valid collection refused: %v\n%q", err, in)
		}
		if len(got) != len(fc.Features) {
			t.Fatalf("%d features, encoding/json finds %d\n%q", len(got), len(fc.Features), in)
		}
		for i := range got {
			if got[i] != string(bytes.TrimSpace(fc.Features[i])) {
				t.Fatalf("feature %d: %q, encoding/json %q", i, got[i], fc.Features[i])
			}
		}
	})
}
