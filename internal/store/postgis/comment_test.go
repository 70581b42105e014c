package postgis

import (
	"reflect"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

func TestTableComment(t *testing.T) {
	full := layer.Layer{
		Title:       layer.Text{En: "Parks", Zh: "公園"},
		Description: layer.Text{En: "All parks"},
		Department:  "LCSD",
		Keywords:    []string{"leisure"},
		License:     "OGL",
	}
	tests := []struct {
		name    string
		comment string
		want    layer.Layer
	}{
		{"none", "", layer.Layer{Title: layer.Text{En: "Default"}}},
		{"plain text", "Parks of Hong Kong", layer.Layer{Title: layer.Text{En: "Default"}, Description: layer.Text{En: "Parks of Hong Kong"}}},
		{"other JSON", `{"title":"x"}`, layer.Layer{Title: layer.Text{En: "Default"}, Description: layer.Text{En: `{"title":"x"}`}}},
		{"other version", `{"csdi":2}`, layer.Layer{Title: layer.Text{En: "Default"}, Description: layer.Text{En: `{"csdi":2}`}}},
		{"no title keeps the default", `{"csdi":1,"description":{"zh-Hant":"說明"}}`,
			layer.Layer{Title: layer.Text{En: "Default"}, Description: layer.Text{Zh: "說明"}}},
		{"round trip", mustComment(t, &full), full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := layer.Layer{Title: layer.Text{En: "Default"}}
			applyTableComment(&l, tt.comment)
			if !reflect.DeepEqual(l, tt.want) {
				t.Errorf("got %+v, want %+v", l, tt.want)
			}
		})
	}
	if c := mustComment(t, &layer.Layer{ID: "x"}); c != "" {
		t.Errorf("a layer without metadata got comment %q", c)
	}
}

func mustComment(t *testing.T, l *layer.Layer) string {
	t.Helper()
	c, err := tableComment(l)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestColumnComment(t *testing.T) {
	for _, title := range []layer.Text{{}, {En: "Name"}, {En: "Name", Zh: "名稱"}, {Zh: "名稱"}} {
		c, err := columnComment(layer.Field{Title: title})
		if err != nil {
			t.Fatal(err)
		}
		if got := columnTitle(c); got != title {
			t.Errorf("title %+v came back as %+v (comment %q)", title, got, c)
		}
	}
	if got := columnTitle("Opening hours"); got != (layer.Text{En: "Opening hours"}) {
		t.Errorf("plain comment gave %+v", got)
	}
}

// A sensitive layer must come back sensitive from its table, or a server
// publishing the table would serve it unmasked.
func TestSensitivityTravelsWithTheTable(t *testing.T) {
	l := layer.Layer{ID: "cases", Title: layer.Text{En: "Cases"}, Sensitive: true,
		Access:  layer.Access{Level: "restricted", Departments: []string{"SWD"}},
		Masking: &layer.Masking{Attributes: map[string]string{"hkid": "partial"}, Geometry: "snap:250"}}
	c, err := tableComment(&l)
	if err != nil {
		t.Fatal(err)
	}
	var back layer.Layer
	applyTableComment(&back, c)
	if !back.Sensitive || back.Masking == nil || back.Masking.Geometry != "snap:250" || back.Access.Level != "restricted" {
		t.Fatalf("round trip lost the policy: %+v from %s", back, c)
	}
	onlyMasking := layer.Layer{Masking: &layer.Masking{Geometry: "centroid"}}
	c, _ = tableComment(&onlyMasking)
	back = layer.Layer{}
	applyTableComment(&back, c)
	if !back.Sensitive {
		t.Error("a masking policy alone must mark the layer sensitive")
	}
	for _, broken := range []string{`{"csdi":1,"sensitive":true,`, `{"csdi":2,"sensitive":true}`, `{"masking": {}}`} {
		back = layer.Layer{}
		applyTableComment(&back, broken)
		if !back.Sensitive {
			t.Errorf("comment %q: unparseable sensitivity must fail closed", broken)
		}
	}
}
