package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"iter"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/privacy"
	"github.com/csdi-hk/csdi/internal/store"
)

// generated caches each (layer, options) pair's records for the whole test
// binary: several tests read the same 100 000 buildings.
var generated sync.Map

func collect(t testing.TB, id string, opts Options) []store.Record {
	t.Helper()
	key := fmt.Sprint(id, opts)
	if recs, ok := generated.Load(key); ok {
		return recs.([]store.Record)
	}
	var recs []store.Record
	for rec, err := range Records(id, opts) {
		if err != nil {
			t.Fatalf("Records(%s): %v", id, err)
		}
		recs = append(recs, rec)
	}
	generated.Store(key, recs)
	return recs
}

func demoLayer(t testing.TB, id string) layer.Layer {
	t.Helper()
	for _, l := range Layers() {
		if l.ID == id {
			return l
		}
	}
	t.Fatalf("no layer %q", id)
	return layer.Layer{}
}

func TestLayersAreValidAndComplete(t *testing.T) {
	seen := map[string]bool{}
	for _, l := range Layers() {
		t.Run(l.ID, func(t *testing.T) {
			if err := l.Validate(); err != nil {
				t.Fatal(err)
			}
			if seen[l.ID] {
				t.Fatalf("id %q appears twice", l.ID)
			}
			seen[l.ID] = true
			for what, text := range map[string]layer.Text{"title": l.Title, "description": l.Description} {
				if text.En == "" || text.Zh == "" {
					t.Errorf("%s is not bilingual: %+v", what, text)
				}
			}
			if l.Department == "" || l.License == "" || len(l.Keywords) == 0 {
				t.Errorf("department %q, license %q, keywords %v: all are required", l.Department, l.License, l.Keywords)
			}
			s := l.Source
			if s.Table != l.ID || s.IDColumn != "id" || s.GeometryColumn != "geom" || s.SRID != 2326 {
				t.Errorf("source %+v", s)
			}
			if s.TimeColumn != "" {
				if i := l.TimeField(); i < 0 || l.Fields[i].Type != layer.Date {
					t.Errorf("time column %q is not a date field", s.TimeColumn)
				}
			}
			for _, f := range l.Fields {
				if f.Title.En == "" || f.Title.Zh == "" {
					t.Errorf("field %s title is not bilingual: %+v", f.Name, f.Title)
				}
			}
			if l.Sensitive {
				if l.Masking == nil {
					t.Fatal("sensitive layer without a masking policy")
				}
				for name := range l.Masking.Attributes {
					if l.FieldIndex(name) < 0 {
						t.Errorf("masking names unknown field %q", name)
					}
				}
			}
		})
	}
	want := []string{BuildingsID, RoadsID, PublicToiletsID, ClinicsID, DistrictsID, ElderlyHomeCareID}
	for _, id := range want {
		if !seen[id] {
			t.Errorf("layer %q missing", id)
		}
	}
}

func TestZoomRanges(t *testing.T) {
	want := map[string][2]int{
		BuildingsID: {12, 22}, RoadsID: {8, 22}, DistrictsID: {0, 22},
		PublicToiletsID: {10, 22}, ClinicsID: {10, 22}, ElderlyHomeCareID: {10, 22},
	}
	for _, l := range Layers() {
		if got := [2]int{l.MinZoom, l.MaxZoom}; got != want[l.ID] {
			t.Errorf("%s: zoom %v, want %v", l.ID, got, want[l.ID])
		}
	}
}

func TestSensitiveLayerPolicy(t *testing.T) {
	l := demoLayer(t, ElderlyHomeCareID)
	if !l.Sensitive || l.Access.Level != "public" || l.Masking == nil {
		t.Fatalf("sensitive %v, access %+v, masking %v", l.Sensitive, l.Access, l.Masking)
	}
	want := map[string]string{"hkid": "partial", "name": "drop", "address": "drop", "age": "generalise:10", "case_opened": "generalise:month"}
	for k, v := range want {
		if l.Masking.Attributes[k] != v {
			t.Errorf("masking %s = %q, want %q", k, l.Masking.Attributes[k], v)
		}
	}
	if l.Masking.Geometry != "snap:250" || l.Masking.Others != "drop" {
		t.Errorf("geometry masking %q, others %q", l.Masking.Geometry, l.Masking.Others)
	}
	// The policy compiles: make run would refuse to start otherwise.
	if _, err := privacy.Compile(&l, []byte("a demo key of enough length")); err != nil {
		t.Errorf("the demo's masking policy does not compile: %v", err)
	}
	for _, o := range Layers() {
		if o.ID != l.ID && (o.Sensitive || o.Masking != nil) {
			t.Errorf("%s is marked sensitive", o.ID)
		}
	}
}

// hashRecords digests records exactly: ids, every coordinate's bits and
// every value with its type.
func hashRecords(t testing.TB, records iter.Seq2[store.Record, error]) string {
	t.Helper()
	h := sha256.New()
	for rec, err := range records {
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%T %v|", rec.ID, rec.ID)
		hashGeometry(h, rec.Geometry)
		for _, p := range rec.Props {
			if tm, ok := p.(time.Time); ok {
				p = tm.Format(time.RFC3339Nano)
			}
			fmt.Fprintf(h, "%T %v|", p, p)
		}
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashGeometry(h hash.Hash, g orb.Geometry) {
	fmt.Fprintf(h, "%s:", g.GeoJSONType())
	eachPoint(g, func(p orb.Point) {
		fmt.Fprintf(h, "%x,%x;", math.Float64bits(p[0]), math.Float64bits(p[1]))
	})
}

// eachPoint calls fn with every vertex of g.
func eachPoint(g orb.Geometry, fn func(orb.Point)) {
	switch g := g.(type) {
	case orb.Point:
		fn(g)
	case orb.LineString:
		for _, p := range g {
			fn(p)
		}
	case orb.Polygon:
		for _, r := range g {
			for _, p := range r {
				fn(p)
			}
		}
	}
}

func TestRecordsAreDeterministic(t *testing.T) {
	opts := Options{Buildings: 10_000, Seed: 42}
	first := map[string]string{}
	for _, l := range Layers() {
		first[l.ID] = hashRecords(t, Records(l.ID, opts))
	}
	// Again, in reverse order and with other layers generated in between:
	// a layer's records must depend on the options alone.
	ls := Layers()
	slices.Reverse(ls)
	for _, l := range ls {
		hashRecords(t, Records(BuildingsID, Options{Buildings: 1_000, Seed: 7}))
		if got := hashRecords(t, Records(l.ID, opts)); got != first[l.ID] {
			t.Errorf("%s: second run hashed %s, first %s", l.ID, got, first[l.ID])
		}
	}
	// Another seed gives another dataset (the districts aside: they are
	// fixed).
	other := Options{Buildings: 10_000, Seed: 43}
	for _, l := range Layers() {
		if l.ID == DistrictsID {
			continue
		}
		if hashRecords(t, Records(l.ID, other)) == first[l.ID] {
			t.Errorf("%s: seeds 42 and 43 gave the same records", l.ID)
		}
	}
}

func TestRecordsStopWhenAsked(t *testing.T) {
	for _, l := range Layers() {
		n := 0
		for _, err := range Records(l.ID, Options{Buildings: 2_000}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 3 {
				break // the iterator panics if it yields after this
			}
		}
	}
}

func TestCounts(t *testing.T) {
	for _, n := range []int{0, 1, 1_234, 100_000} {
		want := n
		if n == 0 {
			want = defaultBuildings
		}
		if got := len(collect(t, BuildingsID, Options{Buildings: n})); got < want {
			t.Errorf("Buildings %d: generated %d, want at least %d", n, got, want)
		}
	}
	opts := Options{}
	counts := map[string][2]int{
		RoadsID:           {1_000, 10_000},
		PublicToiletsID:   {200, 999},
		ClinicsID:         {200, 999},
		ElderlyHomeCareID: {2_000, 5_000},
		DistrictsID:       {18, 18},
	}
	for id, want := range counts {
		if got := len(collect(t, id, opts)); got < want[0] || got > want[1] {
			t.Errorf("%s: %d records, want %d to %d", id, got, want[0], want[1])
		}
	}
}

func TestAllEighteenDistricts(t *testing.T) {
	want := map[string]string{
		"Central and Western": "中西區", "Wan Chai": "灣仔區", "Eastern": "東區", "Southern": "南區",
		"Yau Tsim Mong": "油尖旺區", "Sham Shui Po": "深水埗區", "Kowloon City": "九龍城區",
		"Wong Tai Sin": "黃大仙區", "Kwun Tong": "觀塘區", "Kwai Tsing": "葵青區", "Tsuen Wan": "荃灣區",
		"Tuen Mun": "屯門區", "Yuen Long": "元朗區", "North": "北區", "Tai Po": "大埔區",
		"Sai Kung": "西貢區", "Sha Tin": "沙田區", "Islands": "離島區",
	}
	recs := collect(t, DistrictsID, Options{})
	if len(recs) != len(want) {
		t.Fatalf("%d districts, want %d", len(recs), len(want))
	}
	got := map[string]bool{}
	population := int64(0)
	for _, r := range recs {
		en, zh := r.Props[0].(string), r.Props[1].(string)
		if want[en] != zh {
			t.Errorf("district %q %q: unknown or misnamed", en, zh)
		}
		got[en] = true
		population += r.Props[3].(int64)
		if area := r.Props[2].(float64); area < 5 || area > 200 {
			t.Errorf("%s: land area %v km²", en, area)
		}
	}
	if len(got) != len(want) {
		t.Errorf("district names repeat: %v", got)
	}
	if population < 7_000_000 || population > 7_700_000 {
		t.Errorf("total population %d is not Hong Kong's", population)
	}
}

// TestValueTypes checks every value against the Go type its field's
// layer.FieldType documents, and every geometry against the layer's type.
func TestValueTypes(t *testing.T) {
	opts := Options{Buildings: 5_000, Seed: 3}
	for _, l := range Layers() {
		t.Run(l.ID, func(t *testing.T) {
			last := int64(0)
			for _, rec := range collect(t, l.ID, opts) {
				id, ok := rec.ID.(int64)
				if !ok || id != last+1 {
					t.Fatalf("id %#v after %d: want consecutive int64 ids from 1", rec.ID, last)
				}
				last = id
				if rec.Geometry == nil || rec.Geometry.GeoJSONType() != string(l.GeometryType) {
					t.Fatalf("id %d: geometry %T, want %s", id, rec.Geometry, l.GeometryType)
				}
				if len(rec.Props) != len(l.Fields) {
					t.Fatalf("id %d: %d props for %d fields", id, len(rec.Props), len(l.Fields))
				}
				for i, f := range l.Fields {
					if err := checkType(f.Type, rec.Props[i]); err != nil {
						t.Fatalf("id %d field %s: %v", id, f.Name, err)
					}
				}
			}
		})
	}
}

func checkType(ft layer.FieldType, v any) error {
	ok := false
	switch ft {
	case layer.String:
		s, isString := v.(string)
		ok = isString && s != ""
	case layer.Integer:
		_, ok = v.(int64)
	case layer.Number:
		f, isFloat := v.(float64)
		ok = isFloat && !math.IsNaN(f) && !math.IsInf(f, 0)
	case layer.Boolean:
		_, ok = v.(bool)
	case layer.Date:
		tm, isTime := v.(time.Time)
		ok = isTime && tm.Location() == time.UTC && tm.Equal(tm.Truncate(24*time.Hour))
	case layer.DateTime:
		_, ok = v.(time.Time)
	case layer.JSON:
		_, ok = v.(json.RawMessage)
	case layer.Array:
		_, ok = v.([]any)
	}
	if !ok {
		return fmt.Errorf("value %#v (%T) is not a %s", v, v, ft)
	}
	return nil
}

func TestUnknownLayer(t *testing.T) {
	for _, err := range Records("no_such_layer", Options{}) {
		var unknown UnknownLayerError
		if !errors.As(err, &unknown) || unknown.ID != "no_such_layer" {
			t.Fatalf("error %v, want UnknownLayerError", err)
		}
		return
	}
	t.Fatal("Records yielded nothing for an unknown layer")
}

func TestAllocate(t *testing.T) {
	capacity := make([]int, len(places))
	for i := range capacity {
		capacity[i] = 100
	}
	capacity[0] = 1 // a full place's share goes to the others
	shares, err := allocate(len(places)*50, capacity)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for i, s := range shares {
		if s > capacity[i] {
			t.Errorf("place %d: share %d over capacity %d", i, s, capacity[i])
		}
		total += s
	}
	if total != len(places)*50 {
		t.Errorf("shares add up to %d, want %d", total, len(places)*50)
	}
	_, err = allocate(len(places)*100, capacity)
	var tooMany TooManyBuildingsError
	if !errors.As(err, &tooMany) || tooMany.Capacity != len(places)*100-99 {
		t.Errorf("allocate beyond capacity: %v, want TooManyBuildingsError", err)
	}
}

func TestTooManyBuildings(t *testing.T) {
	if testing.Short() {
		t.Skip("lays out millions of plots")
	}
	for _, err := range Records(BuildingsID, Options{Buildings: 5_000_000}) {
		var tooMany TooManyBuildingsError
		if !errors.As(err, &tooMany) || tooMany.Capacity >= tooMany.Want {
			t.Fatalf("error %v, want TooManyBuildingsError", err)
		}
		return
	}
}

// memoryWriter is a store.Writer keeping what it is given, all or nothing
// per layer as the interface asks.
type memoryWriter struct {
	layers  map[string]layer.Layer
	records map[string][]store.Record
	failOn  string // WriteLayer fails for this layer id
}

var errWriterBroke = errors.New("disk full")

func (m *memoryWriter) WriteLayer(ctx context.Context, l *layer.Layer, records iter.Seq2[store.Record, error]) error {
	if l.ID == m.failOn {
		return errWriterBroke
	}
	var got []store.Record
	for rec, err := range records {
		if err != nil {
			return fmt.Errorf("reading %s: %w", l.ID, err)
		}
		got = append(got, rec)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.layers == nil {
		m.layers, m.records = map[string]layer.Layer{}, map[string][]store.Record{}
	}
	m.layers[l.ID] = *l
	m.records[l.ID] = got
	return nil
}

func TestWrite(t *testing.T) {
	opts := Options{Buildings: 3_000, Seed: 9}
	var w memoryWriter
	if err := Write(context.Background(), &w, opts); err != nil {
		t.Fatal(err)
	}
	for _, l := range Layers() {
		got, ok := w.layers[l.ID]
		if !ok {
			t.Errorf("layer %s not written", l.ID)
			continue
		}
		if got.Source != l.Source || len(got.Fields) != len(l.Fields) {
			t.Errorf("%s: written as %+v", l.ID, got)
		}
		if hashRecords(t, storeSeq(w.records[l.ID])) != hashRecords(t, Records(l.ID, opts)) {
			t.Errorf("%s: written records differ from Records", l.ID)
		}
	}
	if n := len(w.records[BuildingsID]); n < opts.Buildings {
		t.Errorf("wrote %d buildings, want at least %d", n, opts.Buildings)
	}
}

func storeSeq(recs []store.Record) iter.Seq2[store.Record, error] {
	return func(yield func(store.Record, error) bool) {
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

func TestWriteReportsWriterErrors(t *testing.T) {
	w := memoryWriter{failOn: ClinicsID}
	err := Write(context.Background(), &w, Options{Buildings: 1_000})
	if !errors.Is(err, errWriterBroke) {
		t.Fatalf("Write returned %v, want an error wrapping %v", err, errWriterBroke)
	}
	if _, ok := w.layers[BuildingsID]; !ok {
		t.Error("layers before the failing one were not written")
	}
}

func TestWriteStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var w memoryWriter
	if err := Write(ctx, &w, Options{Buildings: 1_000}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Write returned %v, want context.Canceled", err)
	}
	if len(w.layers) != 0 {
		t.Errorf("wrote %d layers after cancellation", len(w.layers))
	}
}

func TestCancellableStopsMidLayer(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range cancellable(ctx, Records(BuildingsID, Options{Buildings: 10_000})) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) || n >= 10_000 {
		t.Fatalf("after %d records: %v, want context.Canceled", n, last)
	}
}
