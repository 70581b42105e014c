package layer

import (
	"reflect"
	"strings"
	"testing"
)

func TestMerge(t *testing.T) {
	discovered := []Layer{
		{ID: "roads", Source: Source{Schema: "public", Table: "roads", GeometryColumn: "geom", SRID: 2326, IDColumn: "id"},
			GeometryType: LineString, MaxZoom: 22,
			Fields: []Field{{Name: "name", Type: String}, {Name: "lanes", Type: Integer}}},
		{ID: "cases", Source: Source{Table: "cases", GeometryColumn: "geom", SRID: 2326}, Sensitive: true,
			Masking: &Masking{Geometry: "snap:250"}, MaxZoom: 22},
		{ID: "other", Source: Source{Schema: "public", Table: "other", GeometryColumn: "g", SRID: 4326}, MaxZoom: 22},
	}
	configured := []Layer{
		{ID: "main_roads", Title: Text{En: "Roads", Zh: "道路"}, Source: Source{Table: "roads"},
			Fields: []Field{{Name: "lane_count", Column: "lanes"}}},
		{ID: "cases", Title: Text{En: "Cases"}, Source: Source{Table: "cases"}},
		{ID: "missing", Source: Source{Table: "nowhere"}},
	}
	got := Merge(configured, discovered)
	if len(got) != 4 {
		t.Fatalf("got %d layers, want 4 (3 configured + 1 unclaimed)", len(got))
	}
	r := got[0]
	if r.ID != "main_roads" || r.Source.Schema != "public" || r.Source.SRID != 2326 || r.GeometryType != LineString || r.MaxZoom != 22 {
		t.Errorf("roads not completed from discovery: %+v", r)
	}
	if len(r.Fields) != 1 || r.Fields[0].Type != Integer || r.Fields[0].SourceColumn() != "lanes" {
		t.Errorf("configured field list not kept with discovered type: %+v", r.Fields)
	}
	if !got[1].Sensitive || got[1].Masking == nil {
		t.Error("configuration dropped the store's sensitivity or masking")
	}
	if got[2].Source.GeometryColumn != "" {
		t.Error("a configured layer with no table must stay incomplete so the caller can report it")
	}
	if got[3].ID != "other" {
		t.Errorf("unclaimed discovered layer missing: %+v", got[3])
	}
}

func TestValidate(t *testing.T) {
	ok := Layer{ID: "a.b-c_1", Source: Source{Table: "t"}, MaxZoom: 22, Fields: []Field{{Name: "x", Type: String}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]Layer{
		"id":        {ID: "a b", Source: Source{Table: "t"}},
		"table":     {ID: "a"},
		"zoom":      {ID: "a", Source: Source{Table: "t"}, MinZoom: 5, MaxZoom: 2},
		"fieldtype": {ID: "a", Source: Source{Table: "t"}, Fields: []Field{{Name: "x", Type: "blob"}}},
		"dup":       {ID: "a", Source: Source{Table: "t"}, Fields: []Field{{Name: "x", Type: String}, {Name: "x", Type: String}}},
	}
	for name, l := range bad {
		if l.Validate() == nil {
			t.Errorf("%s: invalid layer passed", name)
		}
	}
	if (Text{En: "a", Zh: "乙"}).In("zh-HK") != "乙" || (Text{En: "a"}).In("zh") != "a" || (Text{Zh: "乙"}).In("en") != "乙" {
		t.Error("Text.In picks the wrong language")
	}
}

func TestSensitivityFollowsTheTable(t *testing.T) {
	centroid := &Masking{Geometry: "centroid"}
	discovered := []Layer{
		{ID: "cases", Source: Source{Table: "elderly_home_care"}, Sensitive: true},
		{ID: "roads", Source: Source{Schema: "public", Table: "roads"}},
		{ID: "private.cases", Source: Source{Schema: "private", Table: "cases"}, Masking: centroid},
	}
	merged := []Layer{
		{ID: "cases", Source: Source{Table: "elderly_home_care"}, Sensitive: true},
		{ID: "roads", Source: Source{Schema: "public", Table: "roads"}},
		{ID: "copy", Source: Source{Table: "ELDERLY_HOME_CARE"}}, // a config alias, another spelling
		{ID: "alias", Source: Source{Schema: "Private", Table: "Cases"}},
		{ID: "flagged", Source: Source{Table: "t"}, Sensitive: true},
		{ID: "masked", Source: Source{Table: "u"}, Masking: &Masking{Geometry: "snap:100"}},
	}
	out := Protect(merged, discovered)
	var sensitive []string
	for _, l := range out {
		if l.Sensitive {
			sensitive = append(sensitive, l.ID)
		}
	}
	if got := strings.Join(sensitive, ","); got != "cases,copy,alias,flagged,masked" {
		t.Errorf("sensitive: %s, want every layer but roads", got)
	}
	if out[3].Masking != centroid {
		t.Errorf("the alias of a masked table does not take its masking: %+v", out[3].Masking)
	}
	if merged[2].Sensitive {
		t.Error("Protect changed its input")
	}
}

func TestAccessFollowsTheTable(t *testing.T) {
	discovered := []Layer{
		{ID: "clinics", Source: Source{Schema: "public", Table: "clinics"}, Department: "DH",
			Access: Access{Level: "restricted", Departments: []string{"SWD", "HA"}}},
		{ID: "roads", Source: Source{Schema: "public", Table: "roads"}, Access: Access{Level: "internal"}},
		{ID: "cases", Source: Source{Schema: "public", Table: "cases"}, Sensitive: true,
			Access: Access{Unmasked: []string{"SWD"}}},
	}
	configured := []Layer{
		{ID: "clinics", Source: Source{Table: "clinics"}, Title: Text{En: "Clinics"}}, // retitled only
		{ID: "clinics-wide", Source: Source{Table: "CLINICS"}, Access: Access{Level: "public"}},
		{ID: "clinics-narrow", Source: Source{Table: "clinics"},
			Access: Access{Level: "restricted", Departments: []string{"HA", "LandsD"}}},
		{ID: "roads", Source: Source{Table: "roads"}, Access: Access{Level: "restricted"}},
		{ID: "cases", Source: Source{Table: "cases"}, Access: Access{Unmasked: []string{"SWD", "HKPF"}}},
	}
	got := map[string]Access{}
	for _, l := range Protect(Merge(configured, discovered), discovered) {
		got[l.ID] = l.Access
	}
	want := map[string]Access{
		"clinics":        {Level: "restricted", Departments: []string{"SWD", "HA"}},
		"clinics-wide":   {Level: "restricted", Departments: []string{"SWD", "HA"}},
		"clinics-narrow": {Level: "restricted", Departments: []string{"HA"}},
		"roads":          {Level: "restricted"},
		"cases":          {Unmasked: []string{"SWD"}},
	}
	for id, w := range want {
		if !reflect.DeepEqual(got[id], w) {
			t.Errorf("%s: access %+v, want %+v (configuration may only tighten the table's access)", id, got[id], w)
		}
	}
}

func ids(ls []Layer) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.ID)
	}
	return out
}
