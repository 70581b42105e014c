package ingest

import (
	"context"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

// FuzzCSV feeds arbitrary text to the CSV reader, with a layer and by
// inference: it must never panic, every record it yields passes Check, and
// every problem names a row it read (or the file, -1).
func FuzzCSV(f *testing.F) {
	for _, s := range []string{
		"\uFEFFid,name,lon,lat\n1,大會堂,114.1,22.3\n",
		"name,easting,northing\nx,833980,816000\n",
		"id,geometry_wkt,n\n1,\"POLYGON((0 0,1 0,1 1,0 0))\",2\n",
		"wkt,d\n\"POINT(1 2)\",2024-01-01\n\"x\n",
		"lon,lat,tags\n1,2,\"[1,\"\"a\"\"]\"\n",
	} {
		f.Add(s)
	}
	l := &layer.Layer{ID: "f", GeometryType: layer.AnyGeometry, Source: layer.Source{Table: "f", SRID: 4326},
		Fields: []layer.Field{{Name: "name", Type: layer.String}, {Name: "n", Type: layer.Integer},
			{Name: "d", Type: layer.Date}, {Name: "tags", Type: layer.Array}}}
	f.Fuzz(func(t *testing.T, in string) {
		src := NewCSV(textOpener(in), 0, CSVOptions{})
		rows := 0
		inferred := false
		check := func(l *layer.Layer) {
			err := src.Read(context.Background(), l, func(i int, r store.Record, ps []Problem) error {
				for _, p := range ps {
					// Every value the schema was inferred from fits it.
					// (Text that is not UTF-8 is refused whatever the type.)
					if inferred && p.Field != "" && p.Field != FieldGeometry && p.Field != FieldID && l.FieldIndex(p.Field) >= 0 && !strings.Contains(p.Reason, "UTF-8") {
						t.Fatalf("the inferred layer refuses its own input: %+v\n%+v", p, l.Fields)
					}
				}
				if i < -1 || i > rows {
					t.Fatalf("index %d after %d rows", i, rows)
				}
				if i >= 0 {
					rows = i + 1
				}
				if len(ps) == 0 {
					if again := Check(l, i, r); len(again) > 0 {
						t.Fatalf("a record with problems was yielded: %v", again)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		check(l)
		s, ps, err := src.Infer(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) == 0 {
			nl := NewLayer("fuzz", s)
			if err := nl.Validate(); err != nil {
				t.Fatalf("inferred layer: %v", err)
			}
			rows, inferred = 0, true
			check(&nl)
		}
	})
}
