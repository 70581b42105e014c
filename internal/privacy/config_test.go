package privacy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/csdi-hk/csdi/internal/layer"
)

// TestMaskingDecodes: a policy reads the same from the config's YAML and
// from the JSON a PostGIS comment or the GeoPackage's csdi_layers carries,
// and the old two-field form still reads.
func TestMaskingDecodes(t *testing.T) {
	want := layer.Masking{
		Attributes: map[string]string{"hkid": "partial", "name": "drop"},
		Others:     "drop", Geometry: "snap:250", MinZoom: 12, MinACR: "loa2",
	}
	const y = `
attributes: {hkid: partial, name: drop}
others: drop
geometry: "snap:250"
min_zoom: 12
min_acr: loa2
`
	var fromYAML layer.Masking
	dec := yaml.NewDecoder(strings.NewReader(y))
	dec.KnownFields(true)
	if err := dec.Decode(&fromYAML); err != nil || !reflect.DeepEqual(fromYAML, want) {
		t.Errorf("YAML: %+v, %v", fromYAML, err)
	}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON layer.Masking
	if err := json.Unmarshal(b, &fromJSON); err != nil || !reflect.DeepEqual(fromJSON, want) {
		t.Errorf("JSON %s: %+v, %v", b, fromJSON, err)
	}
	var old layer.Masking
	if err := json.Unmarshal([]byte(`{"attributes":{"name":"redact"},"geometry":"snap:100"}`), &old); err != nil ||
		old.Geometry != "snap:100" || old.Attributes["name"] != "redact" || old.MinZoom != 0 || old.Others != "" {
		t.Errorf("old form: %+v, %v", old, err)
	}
}
