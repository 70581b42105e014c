package crs_test

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/csdi-hk/csdi/internal/crs"
)

var update = flag.Bool("update", false, "regenerate testdata/crs golden files with PROJ's cs2cs")

const goldenDir = "../../testdata/crs"

// golden describes one reference file. Every data line is "x y lon lat",
// x y in the file's SRID and lon lat in its geographic CRS (WGS 84 unless
// geo says otherwise); cs2cs was run in the direction the file names, fed
// and read in EPSG axis order (northing/latitude first).
type golden struct {
	file    string
	srid    int
	geo     int    // the lon/lat columns' SRID; 0 means EPSG:4326
	fromWGS bool   // generated lon/lat → srid rather than srid → lon/lat
	axes    string // what x and y are
	inFmt   string // how inputs are written, in cs2cs's axis order
	points  func() [][2]float64
}

var goldens = []golden{
	{
		file:   "hk1980_wgs84.txt",
		srid:   2326,
		axes:   "easting northing",
		inFmt:  "%.3f %.3f",
		points: hk1980Points,
	},
	{
		file:    "wgs84_hk1980.txt",
		srid:    2326,
		fromWGS: true,
		axes:    "easting northing",
		inFmt:   "%.9f %.9f",
		points:  hkLonLatPoints,
	},
	{
		file:   "cgcs2000_wgs84.txt",
		srid:   4490,
		axes:   "lon lat",
		inFmt:  "%.9f %.9f",
		points: func() [][2]float64 { return spread(1000, 73.5, 135, 18, 53.5) },
	},
	{
		file:   "hk1980_cgcs2000.txt",
		srid:   2326,
		geo:    4490,
		axes:   "easting northing",
		inFmt:  "%.3f %.3f",
		points: hk1980Points,
	},
	{
		file:    "cgcs2000_hk1980.txt",
		srid:    2326,
		geo:     4490,
		fromWGS: true,
		axes:    "easting northing",
		inFmt:   "%.9f %.9f",
		points:  hkLonLatPoints,
	},
}

// hk1980Points and hkLonLatPoints cover the whole territory with a margin,
// in HK1980 Grid metres and in degrees.
func hk1980Points() [][2]float64   { return spread(1200, 800000, 870000, 800000, 850000) }
func hkLonLatPoints() [][2]float64 { return spread(1000, 113.83, 114.50, 22.14, 22.59) }

// spread returns n deterministic, evenly scattered points in the box, with
// the four corners first: a Halton (2, 3) sequence covers a region more
// evenly than random points and avoids a grid's repeated coordinates.
func spread(n int, x0, x1, y0, y1 float64) [][2]float64 {
	pts := [][2]float64{{x0, y0}, {x1, y0}, {x0, y1}, {x1, y1}}
	for i := 1; len(pts) < n; i++ {
		pts = append(pts, [2]float64{
			x0 + (x1-x0)*halton(i, 2),
			y0 + (y1-y0)*halton(i, 3),
		})
	}
	return pts
}

func halton(i, base int) float64 {
	f, r := 1.0, 0.0
	for ; i > 0; i /= base {
		f /= float64(base)
		r += f * float64(i%base)
	}
	return r
}

func (g golden) path() string { return filepath.Join(goldenDir, g.file) }

func (g golden) geoSRID() int {
	if g.geo == 0 {
		return 4326
	}
	return g.geo
}

// cs2csSteps returns the cs2cs runs that make the file, each fed the
// previous one's output. EPSG has no transformation between HK1980 and
// CGCS2000, so a direct `cs2cs EPSG:2326 EPSG:4490` takes a "ballpark"
// path that ignores the HK1980 datum shift (~270 m); those files chain
// through WGS 84, as csdi does.
func (g golden) cs2csSteps() [][]string {
	crss := []int{g.srid, g.geoSRID()}
	if g.fromWGS {
		crss[0], crss[1] = crss[1], crss[0]
	}
	if crss[0] != 4326 && crss[1] != 4326 {
		crss = []int{crss[0], 4326, crss[1]}
	}
	var steps [][]string
	for i := 1; i < len(crss); i++ {
		steps = append(steps, []string{"-f", "%.9f",
			fmt.Sprintf("EPSG:%d", crss[i-1]), fmt.Sprintf("EPSG:%d", crss[i])})
	}
	return steps
}

// command is the shell pipeline cs2csSteps runs, for the file's header.
func (g golden) command() string {
	var runs []string
	for _, args := range g.cs2csSteps() {
		runs = append(runs, "cs2cs "+strings.Join(args, " "))
	}
	return strings.Join(runs, " | ")
}

// runCS2CS pipes input through the cs2cs steps and returns the output lines.
func (g golden) runCS2CS(input string) ([]string, error) {
	data := input
	for _, args := range g.cs2csSteps() {
		cmd := exec.Command("cs2cs", args...)
		cmd.Stdin = strings.NewReader(data)
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("running cs2cs %s: %w", strings.Join(args, " "), err)
		}
		data = string(out)
	}
	return strings.Split(strings.TrimSpace(data), "\n"), nil
}

// regenerate runs cs2cs over the file's points and writes the file.
func (g golden) regenerate(t *testing.T) {
	t.Helper()
	version, err := projVersion()
	if err != nil {
		t.Fatalf("finding PROJ: %v", err)
	}
	var in strings.Builder
	var inputs []string
	for _, p := range g.points() {
		// cs2cs reads EPSG axis order: northing/latitude first.
		line := fmt.Sprintf(g.inFmt, p[1], p[0])
		inputs = append(inputs, line)
		fmt.Fprintln(&in, line)
	}
	outputs, err := g.runCS2CS(in.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(outputs) != len(inputs) {
		t.Fatalf("cs2cs gave %d lines for %d points", len(outputs), len(inputs))
	}

	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %d reference points from PROJ %s.\n", g.file, len(inputs), version)
	fmt.Fprintf(&b, "# Columns: %s in EPSG:%d, lon lat in EPSG:%d. Generated by\n", g.axes, g.srid, g.geoSRID())
	fmt.Fprintf(&b, "# `go test ./internal/crs -run Golden -update`, which runs\n")
	fmt.Fprintf(&b, "#   %s\n", g.command())
	fmt.Fprintf(&b, "# on lines in EPSG axis order (northing easting, lat lon) and swaps back.\n")
	for i, line := range inputs {
		a, err := fields(line)
		if err != nil {
			t.Fatalf("input %q: %v", line, err)
		}
		o, err := fields(outputs[i])
		if err != nil {
			t.Fatalf("cs2cs output %q for %q: %v", outputs[i], line, err)
		}
		x, y := a[1], a[0]
		lon, lat := o[1], o[0]
		if g.fromWGS {
			x, y, lon, lat = o[1], o[0], a[1], a[0]
		}
		fmt.Fprintf(&b, "%s %s %s %s\n", x, y, lon, lat)
	}
	if err := os.WriteFile(g.path(), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fields returns the first two whitespace-separated numbers of a line,
// checking they parse.
func fields(line string) ([2]string, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return [2]string{}, errors.New("fewer than two fields")
	}
	for _, s := range f[:2] {
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return [2]string{}, fmt.Errorf("parsing %q: %w", s, err)
		}
	}
	return [2]string{f[0], f[1]}, nil
}

func projVersion() (string, error) {
	// cs2cs with no arguments prints "Rel. 9.1.1, December 1st, 2022" first.
	out, _ := exec.Command("cs2cs").CombinedOutput()
	first, _, _ := strings.Cut(string(out), "\n")
	v, ok := strings.CutPrefix(first, "Rel. ")
	if !ok {
		return "", fmt.Errorf("unexpected cs2cs banner %q", first)
	}
	v, _, _ = strings.Cut(v, ",")
	return v, nil
}

// goldenPoint is one reference pair: x y in the file's SRID, and WGS 84.
type goldenPoint struct{ x, y, lon, lat float64 }

func readGolden(t *testing.T, path string) []goldenPoint {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (regenerate with -update)", err)
	}
	defer f.Close()
	var pts []goldenPoint
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		var p goldenPoint
		if _, err := fmt.Sscan(line, &p.x, &p.y, &p.lon, &p.lat); err != nil {
			t.Fatalf("%s:%d: %v", path, n, err)
		}
		pts = append(pts, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return pts
}

// Tolerances, in metres. The transforms reproduce PROJ's pipeline step by
// step, so in the direction cs2cs ran they agree to the file's nine
// decimals of a degree (~0.1 mm). The other direction also carries PROJ's
// own round-trip error: its Helmert inverse transposes a linearised rotation
// matrix and the height is dropped between the steps.
const (
	toleranceSameWay  = 1e-4
	toleranceOtherWay = 1e-3
)

func TestGolden(t *testing.T) {
	for _, g := range goldens {
		if *update {
			g.regenerate(t)
		}
		pts := readGolden(t, g.path())
		if len(pts) < 1000 {
			t.Errorf("%s: %d points, want at least 1000", g.file, len(pts))
		}
		toTol, fromTol := toleranceSameWay, toleranceOtherWay
		if g.fromWGS {
			toTol, fromTol = fromTol, toTol
		}
		t.Run(g.file+"/to_lonlat", func(t *testing.T) {
			tr, err := chain(g.srid, g.geoSRID())
			if err != nil {
				t.Fatal(err)
			}
			worst, at := -1.0, goldenPoint{}
			for _, p := range pts {
				lon, lat := tr(p.x, p.y)
				if d := groundDistance(lon, lat, p.lon, p.lat); !(d <= worst) {
					worst, at = d, p // also catches NaN
				}
			}
			t.Logf("max error %.2e m at %v", worst, at)
			if !(worst <= toTol) {
				t.Errorf("max error %.6f m at %v, want ≤ %g m", worst, at, toTol)
			}
		})
		t.Run(g.file+"/from_lonlat", func(t *testing.T) {
			tr, err := chain(g.geoSRID(), g.srid)
			if err != nil {
				t.Fatal(err)
			}
			worst, at := -1.0, goldenPoint{}
			for _, p := range pts {
				x, y := tr(p.lon, p.lat)
				d := math.Hypot(x-p.x, y-p.y)
				if g.srid == 4490 {
					d = groundDistance(x, y, p.x, p.y)
				}
				if !(d <= worst) {
					worst, at = d, p
				}
			}
			t.Logf("max error %.2e m at %v", worst, at)
			if !(worst <= fromTol) {
				t.Errorf("max error %.6f m at %v, want ≤ %g m", worst, at, fromTol)
			}
		})
	}
}

// chain composes srid a → WGS 84 → srid b, as csdi's encoders do.
func chain(a, b int) (crs.Transform, error) {
	first, err := crs.ToLonLat(a)
	if err != nil {
		return nil, err
	}
	second, err := crs.FromLonLat(b)
	if err != nil {
		return nil, err
	}
	return func(x, y float64) (float64, float64) { return second(first(x, y)) }, nil
}

// groundDistance is the distance in metres between two nearby lon/lat
// points, on a sphere of WGS 84's equatorial radius — good to 1 % at the
// millimetre scale these tests care about.
func groundDistance(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6378137 * math.Pi / 180
	dx := (lon1 - lon2) * r * math.Cos(lat2*math.Pi/180)
	dy := (lat1 - lat2) * r
	return math.Hypot(dx, dy)
}
