package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/auditing"
	"github.com/csdi-hk/csdi/internal/auth"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/ingest"
	"github.com/csdi-hk/csdi/internal/ingest/gpkgfile"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
)

const importUsage = `Usage: csdi import -layer ID [-append|-upsert|-replace] [-dry-run] [flags] FILE

Imports GeoJSON (a FeatureCollection, streamed, or GeoJSON text sequences /
newline-delimited .geojsonl), CSV or a GeoPackage layer into layer ID, all or
nothing. A layer that does not exist is created, its schema inferred from
the file (or given with -schema). FILE "-" reads standard input (into an
existing layer only).

Flags:
`

// importFlags are the command line of csdi import.
type importFlags struct {
	config, layerID, format, crs, sourceLayer, schema, actor string
	x, y, wkt, id                                            string
	appendMode, upsert, replace, dryRun, jsonOut             bool
	progress                                                 time.Duration
	maxProblems                                              int
	file                                                     string
	// cpuProfile is a hidden flag for measuring the import itself.
	cpuProfile string
}

func parseImportFlags(args []string, stderr io.Writer, getenv func(string) string) (*importFlags, error) {
	f := &importFlags{}
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, importUsage)
		// Every flag but the hidden ones.
		shown := flag.NewFlagSet("import", flag.ContinueOnError)
		shown.SetOutput(stderr)
		fs.VisitAll(func(fl *flag.Flag) {
			if !hiddenImportFlags[fl.Name] {
				shown.Var(fl.Value, fl.Name, fl.Usage)
				shown.Lookup(fl.Name).DefValue = fl.DefValue // not what was parsed
			}
		})
		shown.PrintDefaults()
	}
	fs.StringVar(&f.config, "config", getenv("CSDI_CONFIG"), "YAML configuration `file` (CSDI_CONFIG)")
	fs.StringVar(&f.layerID, "layer", "", "the layer (collection id) to import into (required)")
	fs.BoolVar(&f.appendMode, "append", false, "add the features; an id that exists fails the whole run (the default)")
	fs.BoolVar(&f.upsert, "upsert", false, "add the features, replacing those whose ids exist")
	fs.BoolVar(&f.replace, "replace", false, "replace every feature of the layer with the file's, in one transaction")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check everything and print a report; write nothing")
	fs.StringVar(&f.format, "format", "", "geojson, csv or gpkg (default: from the file name)")
	fs.StringVar(&f.crs, "crs", "", "CRS of the file's coordinates, e.g. EPSG:2326 (default: the file's, else CRS84; easting/northing CSV columns: EPSG:2326)")
	fs.StringVar(&f.sourceLayer, "source-layer", "", "the GeoPackage layer (table) to import (default: the only one)")
	fs.StringVar(&f.schema, "schema", "", "YAML `file` describing a new layer (as in the config's layers), instead of inferring it")
	fs.StringVar(&f.x, "x", "", "CSV column of longitude or easting")
	fs.StringVar(&f.y, "y", "", "CSV column of latitude or northing")
	fs.StringVar(&f.wkt, "wkt", "", "CSV column of WKT geometry")
	fs.StringVar(&f.id, "id", "", "CSV column of feature ids (default: id)")
	fs.StringVar(&f.actor, "actor", "", "who is importing, for the change log (default: import:$USER)")
	fs.BoolVar(&f.jsonOut, "json", false, "print the report as JSON")
	fs.DurationVar(&f.progress, "progress", 5*time.Second, "interval of progress lines when not on a terminal (0: none)")
	fs.IntVar(&f.maxProblems, "max-problems", ingest.DefaultMaxProblems, "problems listed in the report (all are counted)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the import to `file`")
	// Flags may come after FILE too.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case f.layerID == "":
		return nil, fmt.Errorf("%w: import needs -layer ID", errUsage)
	case len(files) != 1:
		return nil, fmt.Errorf("%w: import needs exactly one FILE, got %d", errUsage, len(files))
	case btoi(f.appendMode)+btoi(f.upsert)+btoi(f.replace) > 1:
		return nil, fmt.Errorf("%w: give one of -append, -upsert and -replace", errUsage)
	case f.maxProblems < 1:
		return nil, fmt.Errorf("%w: -max-problems must be at least 1", errUsage)
	}
	f.file = files[0]
	if f.actor == "" {
		f.actor = "import"
		if u, err := user.Current(); err == nil {
			f.actor = "import:" + u.Username
		}
	}
	return f, nil
}

// hiddenImportFlags are for measuring csdi itself, not in the usage.
var hiddenImportFlags = map[string]bool{"cpuprofile": true}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (f *importFlags) mode() ingest.Mode {
	switch {
	case f.upsert:
		return ingest.Upsert
	case f.replace:
		return ingest.Replace
	}
	return ingest.Append
}

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	f, err := parseImportFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// An import allocates a record per feature and keeps only a few
		// batches of them: collecting half as often saves a tenth of its
		// CPU for some 20 MiB more memory, still bounded by the batches.
		debug.SetGCPercent(200)
	}
	if f.cpuProfile != "" {
		stop, err := startCPUProfile(f.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	cfg, err := config.Load(f.config, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	src, err := openSource(ctx, f)
	if err != nil {
		return err
	}
	defer src.Close()

	st, err := openWriteStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ed, ok := st.(store.Editor)
	if !ok {
		return fmt.Errorf("this store cannot be written to")
	}
	// The import is in the audit trail like one over HTTP, under the
	// actor's name.
	if k, ok := st.(audit.Keeper); ok && !f.dryRun {
		alog, _, err := writableAuditLog(ctx, k, getenv)
		if err != nil {
			return err
		}
		ed = auditing.Wrap(ed, alog)
		ctx = auth.WithPrincipal(ctx, auth.Principal{Method: auth.ByCommandLine, Subject: "cli/" + f.actor})
	}
	l, exists, err := importLayer(ctx, cfg, st, f.layerID, log)
	if err != nil {
		return err
	}
	opts := ingest.Options{Mode: f.mode(), DryRun: f.dryRun, Actor: f.actor, MaxProblems: f.maxProblems, Progress: &ingest.Progress{},
		// PostgreSQL runs transactions side by side; SQLite has one writer.
		ConcurrentCheck: cfg.Database.URL != ""}
	stop := showProgress(stderr, src, opts.Progress, f.progress)
	var rep ingest.Report
	if exists {
		rep, err = ingest.Run(ctx, ed, l, src, opts)
	} else {
		rep, err = importNew(ctx, ed, f, src, opts)
	}
	stop()
	if err != nil && !errors.Is(err, ingest.ErrRejected) {
		return err
	}
	if werr := printReport(stdout, &rep, f.jsonOut); werr != nil {
		return werr
	}
	if !rep.OK() {
		if f.dryRun {
			return fmt.Errorf("dry run: %d %s", rep.ProblemCount, plural(rep.ProblemCount, "problem", "problems"))
		}
		return fmt.Errorf("%d %s; nothing was written", rep.ProblemCount, plural(rep.ProblemCount, "problem", "problems"))
	}
	return nil
}

// importNew imports into a layer that does not exist yet: its schema is
// given or inferred, and a file with problems leaves no table behind. A
// store that creates the table in the import's own transaction (PostGIS)
// needs only the schema first: the import checks every feature, and keeps
// the table only with them. Otherwise every feature is checked against
// the schema first (by inference itself where the source can), and only
// then is the table created and written.
func importNew(ctx context.Context, ed store.Editor, f *importFlags, src ingest.Source, opts ingest.Options) (ingest.Report, error) {
	if opts.Progress != nil {
		opts.Progress.SetStage("reading the schema")
	}
	cr, inTx := ed.(ingest.Creator)
	inTx = inTx && !opts.DryRun
	l, sc, problems, err := newLayer(ctx, f, src, inTx)
	if err != nil {
		return ingest.Report{}, err
	}
	if len(problems) > 0 {
		rep := ingest.Report{Layer: f.layerID, Mode: opts.Mode, DryRun: opts.DryRun, Features: sc.Features,
			Problems: problems, ProblemCount: max(sc.ProblemCount, len(problems))}
		return rep, ingest.ErrRejected
	}
	if err := l.Validate(); err != nil {
		return ingest.Report{}, fmt.Errorf("the new layer: %w", err)
	}
	if inTx {
		return ingest.RunNew(ctx, cr, l, src, opts)
	}
	if !sc.Checked || opts.DryRun {
		check := opts
		check.DryRun = true
		rep, err := ingest.Run(ctx, nil, l, src, check)
		rep.Schema = l
		if err != nil || opts.DryRun {
			return rep, err
		}
	}
	created, err := ed.CreateLayer(ctx, l)
	if err != nil {
		return ingest.Report{Layer: l.ID, Mode: opts.Mode, Schema: l}, fmt.Errorf("create layer %s: %w", l.ID, err)
	}
	rep, err := ingest.Run(ctx, ed, &created, src, opts)
	rep.Created, rep.Schema = true, &created
	if err != nil {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the new layer's table %s was created and is empty", created.Source.Table))
	}
	return rep, err
}

// newLayer is the layer a new import creates: from -schema, or inferred,
// and what inference found (Checked: every feature checked against it).
// typesOnly asks only for the types where the source can infer them
// faster so: the import will check every feature itself.
func newLayer(ctx context.Context, f *importFlags, src ingest.Source, typesOnly bool) (*layer.Layer, ingest.Schema, []ingest.Problem, error) {
	infer := src.Infer
	if t, ok := src.(interface {
		InferTypes(context.Context) (ingest.Schema, []ingest.Problem, error)
	}); ok && typesOnly {
		infer = t.InferTypes
	}
	if f.schema != "" {
		l, err := readSchema(f.schema, f.layerID)
		if err != nil {
			return nil, ingest.Schema{}, nil, err
		}
		if l.Source.SRID != 0 {
			return l, ingest.Schema{}, nil, nil
		}
		sc, problems, err := infer(ctx)
		if err != nil || len(problems) > 0 {
			return nil, sc, problems, err
		}
		l.Source.SRID = sc.SRID
		return l, ingest.Schema{}, nil, nil // checked against the inferred schema, not this one
	}
	sc, problems, err := infer(ctx)
	if err != nil || len(problems) > 0 {
		return nil, sc, problems, err
	}
	l := ingest.NewLayer(f.layerID, sc)
	return &l, sc, nil, nil
}

// readSchema reads a layer as the config file describes one; what it
// leaves out of the source gets a new layer's defaults.
func readSchema(path, id string) (*layer.Layer, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var l layer.Layer
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("schema %s: %w", path, err)
	}
	if l.ID != "" && l.ID != id {
		return nil, fmt.Errorf("schema %s describes layer %q, not %q", path, l.ID, id)
	}
	l.ID = id
	if l.Source.Table == "" {
		l.Source.Table = ingest.TableName(id)
	}
	if l.Source.IDColumn == "" {
		l.Source.IDColumn = "id"
	}
	if l.Source.GeometryColumn == "" {
		l.Source.GeometryColumn = "geom"
	}
	if l.GeometryType == "" {
		l.GeometryType = layer.AnyGeometry
	}
	if l.MaxZoom == 0 {
		l.MaxZoom = layer.DefaultMaxZoom
	}
	if l.Title == (layer.Text{}) {
		l.Title.En = id
	}
	return &l, nil
}

// openSource opens FILE in the format its name (or -format) says.
func openSource(ctx context.Context, f *importFlags) (ingest.Source, error) {
	format := strings.ToLower(f.format)
	if format == "" {
		switch ext := strings.ToLower(filepath.Ext(f.file)); ext {
		case ".geojson", ".json", ".geojsonl", ".geojsons", ".ndjson", ".jsonl":
			format = "geojson"
		case ".csv", ".txt":
			format = "csv"
		case ".gpkg":
			format = "gpkg"
		case ".shp", ".zip":
			return nil, fmt.Errorf("%s: Shapefiles cannot be imported yet; convert with ogr2ogr -f GPKG out.gpkg %s", f.file, f.file)
		default:
			return nil, fmt.Errorf("%w: cannot tell the format of %q from its name; give -format geojson, csv or gpkg", errUsage, f.file)
		}
	}
	srid := 0
	if f.crs != "" {
		var err error
		if srid, err = ingest.ParseCRS(f.crs); err != nil {
			return nil, fmt.Errorf("%w: -crs: %v", errUsage, err)
		}
	}
	if format != "csv" && (f.x != "" || f.y != "" || f.wkt != "" || f.id != "") {
		return nil, fmt.Errorf("%w: -x, -y, -wkt and -id are for CSV files", errUsage)
	}
	if format == "gpkg" {
		if f.file == "-" {
			return nil, fmt.Errorf("%w: a GeoPackage cannot be read from standard input", errUsage)
		}
		if f.crs != "" {
			return nil, fmt.Errorf("%w: a GeoPackage says its own CRS; -crs is for GeoJSON and CSV", errUsage)
		}
		return gpkgfile.Open(ctx, f.file, f.sourceLayer)
	}
	if f.sourceLayer != "" {
		return nil, fmt.Errorf("%w: -source-layer is for GeoPackages", errUsage)
	}
	open, size, err := fileOpener(f.file)
	if err != nil {
		return nil, err
	}
	switch format {
	case "geojson":
		return ingest.NewGeoJSON(open, size, ingest.GeoJSONOptions{SRID: srid}), nil
	case "csv":
		return ingest.NewCSV(open, size, ingest.CSVOptions{SRID: srid, X: f.x, Y: f.y, WKT: f.wkt, ID: f.id}), nil
	}
	return nil, fmt.Errorf("%w: -format %q is not geojson, csv or gpkg", errUsage, f.format)
}

// fileOpener opens a file for each pass; standard input can be read once.
func fileOpener(path string) (ingest.Opener, int64, error) {
	if path == "-" {
		used := false
		return func() (io.ReadCloser, error) {
			if used {
				return nil, errors.New("standard input can be read only once: import a file to create a new layer")
			}
			used = true
			return io.NopCloser(os.Stdin), nil
		}, 0, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a file", path)
	}
	return func() (io.ReadCloser, error) { return os.Open(path) }, fi.Size(), nil
}

// openWriteStore opens the configured store for writing. Unlike serve, an
// embedded store that does not exist yet is created empty, not filled with
// the demo dataset.
func openWriteStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	if cfg.Database.URL == "" && !gpkg.Exists(cfg.Embedded.Path) {
		st, err := gpkg.Open(cfg.Embedded.Path, gpkg.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("create embedded store %s: %w", cfg.Embedded.Path, err)
		}
		return st, nil
	}
	return openStore(ctx, cfg, log)
}

// importLayer finds the layer id names, as serve would publish it; a
// sensitive layer that serve withholds can be imported into all the same.
func importLayer(ctx context.Context, cfg *config.Config, st store.Store, id string, log *slog.Logger) (*layer.Layer, bool, error) {
	quiet := slog.New(slog.DiscardHandler)
	layers, err := catalogue(ctx, cfg, st, quiet)
	if err != nil {
		return nil, false, err
	}
	if *cfg.Database.AutoMigrate {
		if err := migrateStore(ctx, st, layers, log); err != nil {
			return nil, false, err
		}
	}
	for i := range layers {
		if layers[i].ID == id {
			return &layers[i], true, nil
		}
	}
	all, err := st.Layers(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("discover layers: %w", err)
	}
	for _, l := range layer.Merge(cfg.Layers, all) {
		if l.ID == id {
			return &l, true, nil
		}
	}
	return nil, false, nil
}

// showProgress reports the import's progress until the returned stop is
// called: one line rewritten in place on a terminal, otherwise a line
// every interval.
func showProgress(w io.Writer, src ingest.Source, p *ingest.Progress, interval time.Duration) (stop func()) {
	tty := isTerminal(w)
	if !tty && interval <= 0 {
		return func() {}
	}
	if tty {
		interval = 250 * time.Millisecond
	}
	start, stage := time.Now(), p.Stage()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				if tty {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			case <-t.C:
				// Each stage (a pass over the input) has its own rate.
				if s := p.Stage(); s != stage {
					stage, start = s, time.Now()
				}
				line := progressLine(src, stage, p.Read.Load(), p.Written.Load(), time.Since(start))
				if tty {
					fmt.Fprint(w, "\r\033[K"+line)
				} else {
					fmt.Fprintln(w, line)
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// progressLine says how far an import has got: features read and
// written, the rate, and for inputs of known size the share read and the
// time left.
func progressLine(src ingest.Source, stage string, n, written int64, elapsed time.Duration) string {
	rate := float64(n) / elapsed.Seconds()
	line := fmt.Sprintf("import: %d features, %.0f features/s, %d written", n, rate, written)
	if stage != "" {
		line += " (" + stage + ")"
	}
	done, total := src.Progress()
	if total > 0 && done > 0 {
		frac := float64(done) / float64(total)
		line += fmt.Sprintf(", %.0f%%", 100*frac)
		if frac < 1 {
			left := time.Duration(float64(elapsed) * (1 - frac) / frac)
			line += ", ETA " + left.Round(time.Second).String()
		}
		const width = 30
		filled := min(width, int(frac*width))
		line = "[" + strings.Repeat("#", filled) + strings.Repeat(" ", width-filled) + "] " + line
	}
	return line
}

// startCPUProfile profiles the process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	out, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		out.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		out.Close()
	}, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// printReport writes the report as text for people, or as JSON.
func printReport(w io.Writer, rep *ingest.Report, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rep)
	}
	var b strings.Builder
	rate := 0.0
	if rep.Seconds > 0 {
		rate = float64(rep.Features) / rep.Seconds
	}
	switch {
	case rep.DryRun:
		fmt.Fprintf(&b, "dry run of %s into %s: %d features read in %.1f s; nothing was written\n", rep.Mode, rep.Layer, rep.Features, rep.Seconds)
	case rep.OK():
		fmt.Fprintf(&b, "imported %d features into %s (%s) in %.1f s, %.0f features/s; change-log seq %d\n",
			rep.Written, rep.Layer, rep.Mode, rep.Seconds, rate, rep.Seq)
		if rep.Deleted > 0 {
			fmt.Fprintf(&b, "replaced %d features that were there before\n", rep.Deleted)
		}
		if rep.Created {
			fmt.Fprintf(&b, "created layer %s (table %s)\n", rep.Layer, rep.Schema.Source.Table)
		}
	default:
		fmt.Fprintf(&b, "import into %s refused: %d features read, nothing was written\n", rep.Layer, rep.Features)
	}
	if rep.ProblemCount > 0 {
		fmt.Fprintf(&b, "%d %s", rep.ProblemCount, plural(rep.ProblemCount, "problem", "problems"))
		if len(rep.Problems) < rep.ProblemCount {
			fmt.Fprintf(&b, " (the first %d listed)", len(rep.Problems))
		}
		b.WriteString(":\n")
		for _, p := range rep.Problems {
			if p.Index < 0 {
				b.WriteString("  the file")
			} else {
				fmt.Fprintf(&b, "  feature %d", p.Index)
			}
			if p.ID != nil {
				fmt.Fprintf(&b, " (id %v)", p.ID)
			}
			if p.Field != "" {
				fmt.Fprintf(&b, ": %s", p.Field)
			}
			fmt.Fprintf(&b, ": %s\n", p.Reason)
		}
	} else if rep.DryRun {
		b.WriteString("no problems\n")
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	if l := rep.Schema; l != nil && (rep.DryRun || !rep.OK()) {
		fmt.Fprintf(&b, "schema of the new layer %s: table %s, %s geometry in EPSG:%d, ids named by the %s\n",
			l.ID, l.Source.Table, l.GeometryType, l.Source.SRID, l.IDs)
		for _, f := range l.Fields {
			fmt.Fprintf(&b, "  %-24s %s", f.Name, f.Type)
			if f.Column != "" {
				fmt.Fprintf(&b, " (column %s)", f.Column)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
