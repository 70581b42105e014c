// Command csdi serves a spatial data infrastructure: departmental layers
// from PostGIS (or an embedded GeoPackage) as OGC API Features and vector
// tiles, from an in-memory cache.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

const usage = `csdi — a spatial data infrastructure server

Usage:
  csdi serve   [-config FILE] [-addr HOST:PORT]   serve the configured store
  csdi demo    [-config FILE] [-out FILE.gpkg | -database URL] [-buildings N] [-seed N]
                                                 write the demo dataset
  csdi import  [-config FILE] -layer ID [-append|-upsert|-replace] [-dry-run] FILE
                                                 import GeoJSON, CSV or a GeoPackage layer
  csdi apikey  -name N -department D [-roles viewer,analyst,editor,admin]
                                                 make an API key and its config entry
  csdi migrate [-config FILE]                    install or upgrade the csdi schema
                                                 (change log, history, triggers)
  csdi rollback [-config FILE] -layer ID -to SEQ|TIME
                                                 put a layer back as it was then
  csdi audit   [-config FILE] list|verify [...]   query the audit trail, or check its hash chain
  csdi healthcheck [-config FILE] [-url URL]      exit 0 when the server's /readyz answers 200
  csdi version                                   print the version

Settings come from the YAML file given with -config, overridden by CSDI_*
environment variables (see README.md). With no database URL, serve uses the
embedded GeoPackage store and writes the demo dataset to it on first run.
`

// errUsage marks a mistake in the command line: exit status 2.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "csdi:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: name a command", errUsage)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr, getenv)
	case "demo":
		return demoCmd(ctx, rest, stdout, stderr, getenv)
	case "import":
		return importCmd(ctx, rest, stdout, stderr, getenv)
	case "apikey":
		return apikeyCmd(ctx, rest, stdout, stderr, getenv)
	case "migrate":
		return migrateCmd(ctx, rest, stdout, stderr, getenv)
	case "rollback":
		return rollbackCmd(ctx, rest, stdout, stderr, getenv)
	case "audit":
		return auditCmd(ctx, rest, stdout, stderr, getenv)
	case "healthcheck":
		return healthcheckCmd(ctx, rest, stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "csdi", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// parseFlags parses a subcommand's flags, reporting mistakes as usage errors.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

// version is the module version, or the VCS revision of a local build.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "devel-" + s.Value[:12]
		}
	}
	return "devel"
}
