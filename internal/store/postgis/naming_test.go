package postgis

import (
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
)

func TestLayerIDs(t *testing.T) {
	long := strings.Repeat("a", 200)
	ids := layerIDs{}
	tests := []struct {
		schema, table, column string
		first                 bool
		want                  string
	}{
		{"public", "parks", "geom", true, "parks"},
		{"public", "parks", "entrance", false, "parks.entrance"},
		{"lands", "lots", "geom", true, "lands.lots"},
		{"lands.lots", "x", "geom", true, "lands.lots.x"},
		{"lands", "lots.x", "geom", true, "lands.lots.x-2"}, // clash
		{"public", "Parcels Export", "Shape", true, "Parcels_Export"},
		{"public", "公園", "geom", true, "layer"},
		{"public", "_公園", "geom", true, "layer-2"},
		{"public", "__tmp", "geom", true, "tmp"},
		{"public", long, "geom", true, long[:128]},
		{"public", long + "b", "geom", true, long[:126] + "-2"},
	}
	for _, tt := range tests {
		got := ids.next(tt.schema, tt.table, tt.column, tt.first)
		if got != tt.want {
			t.Errorf("next(%q, %q, %q) = %q, want %q", tt.schema, tt.table, tt.column, got, tt.want)
		}
		l := layer.Layer{ID: got, Source: layer.Source{Table: tt.table}, MaxZoom: 22}
		if err := l.Validate(); err != nil {
			t.Errorf("id %q is not a valid layer id: %v", got, err)
		}
	}
}

func TestReadable(t *testing.T) {
	tests := map[string]string{
		"public_toilets":   "Public toilets",
		"Parcels Export":   "Parcels Export",
		"hk-1980__grid":    "Hk 1980 grid",
		"公園":               "公園",
		"äpfel":            "Äpfel",
		"":                 "",
		"___":              "___",
		"two_geoms.centre": "Two geoms centre",
	}
	for in, want := range tests {
		if got := readable(in); got != want {
			t.Errorf("readable(%q) = %q, want %q", in, got, want)
		}
	}
}
