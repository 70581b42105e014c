package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/config"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
)

const auditUsage = `Usage:
  csdi audit [-config FILE] [-key-file FILE] list [-layer ID] [-actor A] [-department D]
             [-action A] [-since TIME] [-until TIME] [-after SEQ] [-limit N] [-newest] [-json]
  csdi audit [-config FILE] [-key-file FILE] verify [-anchor SEQ:HASH]... [-json]

TIME is RFC 3339 (2026-03-01T09:30:00+08:00), a date (2026-03-01, local
time), or a duration before now (36h). The audit key is read from -key-file
or CSDI_AUDIT_KEY; without one the chain is plain SHA-256, which anyone who
can write the table could recompute.
`

// errAuditBroken marks a verification that failed: exit status 1, with
// the report on standard output.
var errAuditBroken = errors.New("the audit log does not verify")

// auditOptions are the flags list and verify share; they may stand before
// or after the subcommand.
type auditOptions struct {
	config  string
	keyFile string
}

func (o *auditOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.config, "config", o.config, "YAML configuration `file` (CSDI_CONFIG)")
	fs.StringVar(&o.keyFile, "key-file", o.keyFile, "`file` holding the audit key (else CSDI_AUDIT_KEY)")
}

// auditCmd lists and verifies the audit trail: who wrote what, and who
// read a sensitive layer unmasked.
func auditCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	opts := auditOptions{config: getenv("CSDI_CONFIG")}
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, auditUsage) }
	opts.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() == 0 {
		fmt.Fprint(stderr, auditUsage)
		return fmt.Errorf("%w: audit needs list or verify", errUsage)
	}
	sub, rest := fs.Arg(0), fs.Args()[1:]
	switch sub {
	case "list":
		return auditList(ctx, &opts, rest, stdout, stderr, getenv)
	case "verify":
		return auditVerify(ctx, &opts, rest, stdout, stderr, getenv)
	}
	fmt.Fprint(stderr, auditUsage)
	return fmt.Errorf("%w: unknown audit command %q", errUsage, sub)
}

func auditList(ctx context.Context, opts *auditOptions, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("audit list", flag.ContinueOnError)
	opts.register(fs)
	var (
		q            audit.Query
		since, until string
		asJSON       bool
	)
	fs.StringVar(&q.Layer, "layer", "", "only entries of this layer `id`")
	fs.StringVar(&q.Actor, "actor", "", "only entries of this `actor` (department/subject)")
	fs.StringVar(&q.Department, "department", "", "only entries of this `department`")
	fs.StringVar(&q.Action, "action", "", "only entries of this `action`: write, import, rollback, read-unmasked")
	fs.StringVar(&since, "since", "", "only entries at or after `TIME`")
	fs.StringVar(&until, "until", "", "only entries before `TIME`")
	fs.Int64Var(&q.After, "after", 0, "only entries after this `seq`")
	fs.IntVar(&q.Limit, "limit", 0, "at most `N` entries (0: all)")
	fs.BoolVar(&q.Newest, "newest", false, "newest first (with -limit: the latest N)")
	fs.BoolVar(&asJSON, "json", false, "one JSON object per line")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	now := time.Now()
	var err error
	if q.Since, err = parseAuditTime(since, now); err != nil {
		return fmt.Errorf("%w: -since: %v", errUsage, err)
	}
	if q.Until, err = parseAuditTime(until, now); err != nil {
		return fmt.Errorf("%w: -until: %v", errUsage, err)
	}
	if err := q.Check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	log, _, closeStore, err := openAuditLog(ctx, opts, stderr, getenv)
	if err != nil {
		return err
	}
	defer closeStore()
	enc := json.NewEncoder(stdout)
	n := 0
	for e, err := range log.Entries(ctx, q) {
		if err != nil {
			return err
		}
		if asJSON {
			if err := enc.Encode(jsonEntryOf(e)); err != nil {
				return err
			}
		} else {
			if n == 0 {
				fmt.Fprintf(stdout, "%6s  %-27s  %-13s  %-20s  %8s  %s\n", "SEQ", "TIME (UTC)", "ACTION", "LAYER", "FEATURES", "WHO / REQUEST")
			}
			fmt.Fprintln(stdout, formatEntry(e))
		}
		n++
	}
	if n == 0 && !asJSON {
		fmt.Fprintln(stderr, "no entries")
	}
	return nil
}

// formatEntry is one entry as a line of the list.
func formatEntry(e audit.Entry) string {
	who := e.Actor
	var how []string
	if e.Method != "" {
		how = append(how, e.Method)
	}
	if e.ACR != "" {
		how = append(how, "acr "+e.ACR)
	}
	if e.ChangeSeq != 0 {
		how = append(how, fmt.Sprintf("change %d", e.ChangeSeq))
	}
	if len(how) > 0 {
		who += " (" + strings.Join(how, ", ") + ")"
	}
	return fmt.Sprintf("%6d  %-27s  %-13s  %-20s  %8d  %s  %s", e.Seq, e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.Action, e.Layer, e.Features, who, e.Request)
}

// jsonEntry is an entry as list -json writes it, hashes in hex.
type jsonEntry struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"`
	Department string    `json:"department,omitempty"`
	Method     string    `json:"method,omitempty"`
	ACR        string    `json:"acr,omitempty"`
	Issuer     string    `json:"issuer,omitempty"`
	Action     string    `json:"action"`
	Layer      string    `json:"layer"`
	Request    string    `json:"request,omitempty"`
	Features   int64     `json:"features"`
	ChangeSeq  int64     `json:"change_seq,omitempty"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

func jsonEntryOf(e audit.Entry) jsonEntry {
	return jsonEntry{Seq: e.Seq, At: e.At.UTC(), Actor: e.Actor, Department: e.Department, Method: e.Method,
		ACR: e.ACR, Issuer: e.Issuer, Action: e.Action, Layer: e.Layer, Request: e.Request, Features: e.Features,
		ChangeSeq: e.ChangeSeq, PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

// verifyResult is verify -json's output.
type verifyResult struct {
	OK      bool         `json:"ok"`
	Entries int64        `json:"entries"`
	Head    string       `json:"head,omitempty"` // the anchor to keep: seq:hash
	Keyed   bool         `json:"keyed"`
	KeyID   string       `json:"key_id,omitempty"`
	Breaks  int          `json:"breaks"`
	Broken  *audit.Break `json:"first_break,omitempty"`
}

func auditVerify(ctx context.Context, opts *auditOptions, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	opts.register(fs)
	var (
		anchors []audit.Anchor
		asJSON  bool
	)
	fs.Func("anchor", "a head `SEQ:HASH` printed by an earlier verify: the log must still reach it (repeatable)", func(s string) error {
		a, err := audit.ParseAnchor(s)
		anchors = append(anchors, a)
		return err
	})
	fs.BoolVar(&asJSON, "json", false, "write the report as JSON")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log, chain, closeStore, err := openAuditLog(ctx, opts, stderr, getenv)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := audit.Verify(log.Entries(ctx, audit.Query{}), chain, anchors...)
	if err != nil {
		return err
	}
	res := verifyResult{OK: rep.OK(), Entries: rep.Entries, Keyed: rep.Keyed, KeyID: rep.KeyID, Breaks: rep.Breaks, Broken: rep.Broken}
	if rep.Entries > 0 {
		res.Head = rep.Head.String()
	}
	if asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return err
		}
	} else {
		printVerify(stdout, rep, len(anchors))
	}
	if !rep.OK() {
		return fmt.Errorf("%w: %w", errAuditBroken, rep.Broken)
	}
	return nil
}

func printVerify(w io.Writer, rep audit.Report, anchors int) {
	key := "unkeyed (plain SHA-256: anyone who can write the table could rewrite the chain; set an audit key)"
	if rep.Keyed {
		key = "keyed, key id " + rep.KeyID
	}
	if rep.OK() {
		fmt.Fprintf(w, "audit log intact: %d entries, %s", rep.Entries, key)
		if anchors > 0 {
			fmt.Fprintf(w, "; reaches %d anchor(s)", anchors)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "audit log BROKEN: %d entries read, %d break(s), %s\n", rep.Entries, rep.Breaks, key)
		b := rep.Broken
		fmt.Fprintf(w, "first break: entry %d (%s)\n  expected: %s\n  found:    %s\n", b.Seq, b.Kind, b.Expected, b.Found)
		if b.Hint != "" {
			fmt.Fprintf(w, "  likely:   %s\n", b.Hint)
		}
	}
	if rep.Entries > 0 {
		fmt.Fprintf(w, "head: %s\n", rep.Head)
		if rep.OK() {
			fmt.Fprintf(w, "Keep this anchor outside the store; later, csdi audit verify -anchor %s\nproves no entry up to it was removed or changed.\n", rep.Head)
		}
	}
}

// openAuditLog opens the configured store's audit log, keyed as given.
// An embedded store that does not exist is an error, not created: there
// is nothing to audit in it.
func openAuditLog(ctx context.Context, opts *auditOptions, stderr io.Writer, getenv func(string) string) (audit.Log, audit.Chain, func(), error) {
	chain, err := auditChain(opts.keyFile, getenv)
	if err != nil {
		return nil, chain, nil, err
	}
	cfg, err := config.Load(opts.config, getenv)
	if err != nil {
		return nil, chain, nil, err
	}
	if cfg.Database.URL == "" && !gpkg.Exists(cfg.Embedded.Path) {
		return nil, chain, nil, fmt.Errorf("no embedded store at %s: nothing to audit (set CSDI_DATABASE_URL or -config)", cfg.Embedded.Path)
	}
	st, err := openStore(ctx, cfg, newLogger(cfg.Log, stderr))
	if err != nil {
		return nil, chain, nil, err
	}
	k, ok := st.(audit.Keeper)
	if !ok {
		st.Close()
		return nil, chain, nil, fmt.Errorf("this store keeps no audit log")
	}
	return k.AuditLog(chain), chain, func() { st.Close() }, nil
}

// writableAuditLog is k's audit log under CSDI_AUDIT_KEY, for a command
// that appends to it: refused when the trail's newest entry was made with
// another key (audit.CheckKey), which appending would break. An unkeyed
// chain is reported, for serve to warn of.
func writableAuditLog(ctx context.Context, k audit.Keeper, getenv func(string) string) (audit.TxLog, audit.Chain, error) {
	chain, err := auditChain("", getenv)
	if err != nil {
		return nil, chain, err
	}
	log := k.AuditLog(chain)
	if err := audit.CheckKey(ctx, log, chain); err != nil {
		return nil, chain, err
	}
	return log, chain, nil
}

// auditChain is the chain of the audit key in keyFile, else in
// CSDI_AUDIT_KEY, else the unkeyed chain. A file's trailing newline is
// not part of the key.
func auditChain(keyFile string, getenv func(string) string) (audit.Chain, error) {
	key := getenv("CSDI_AUDIT_KEY")
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return audit.Chain{}, fmt.Errorf("audit key: %w", err)
		}
		key = strings.TrimRight(string(b), "\r\n")
		if key == "" {
			return audit.Chain{}, fmt.Errorf("audit key: %s is empty", keyFile)
		}
	}
	return audit.NewChain([]byte(key))
}

// parseAuditTime reads an RFC 3339 time, a date (midnight, local time) or
// a duration before now; "" is no bound.
func parseAuditTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, time.Local); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-03-01T09:30:00+08:00), a date (2026-03-01) or a duration before now (36h)", s)
}
