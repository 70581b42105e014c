package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/audit/audittest"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/gpkg"
	"github.com/csdi-hk/csdi/internal/store/postgis"
	"github.com/csdi-hk/csdi/internal/testenv"
)

const testAuditKey = "a 32-byte key for the audit test"

// auditTarget is a store for the audit command: csdi's environment for
// it, a way to open it, and raw SQL on it with the log's append-only
// triggers off, as someone with full access to the database could run.
type auditTarget struct {
	env    map[string]string
	open   func(t *testing.T) store.Store
	tamper func(t *testing.T, stmts ...string)
}

func embeddedAuditTarget(t *testing.T) auditTarget {
	path := filepath.Join(t.TempDir(), "store.gpkg")
	return auditTarget{
		env: map[string]string{"CSDI_EMBEDDED_PATH": path, "CSDI_AUDIT_KEY": testAuditKey},
		open: func(t *testing.T) store.Store {
			st, err := gpkg.Open(path, gpkg.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		tamper: func(t *testing.T, stmts ...string) {
			// modernc's driver, registered by the gpkg store's import.
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var triggers []string
			rows, err := db.Query(`SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'csdi_audit_log'`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var ddl string
				if err := rows.Scan(&ddl); err != nil {
					t.Fatal(err)
				}
				triggers = append(triggers, ddl)
			}
			rows.Close()
			all := []string{"DROP TRIGGER csdi_audit_log_no_update", "DROP TRIGGER csdi_audit_log_no_delete", "DROP TRIGGER csdi_audit_log_linked"}
			for _, q := range append(append(all, stmts...), triggers...) {
				if _, err := db.Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		},
	}
}

func postgisAuditTarget(t *testing.T) auditTarget {
	url := testenv.DatabaseURL(t)
	return auditTarget{
		env: map[string]string{"CSDI_DATABASE_URL": url, "CSDI_AUDIT_KEY": testAuditKey},
		open: func(t *testing.T) store.Store {
			st, err := postgis.Open(context.Background(), url, postgis.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		tamper: func(t *testing.T, stmts ...string) {
			ctx := context.Background()
			c, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			all := append([]string{"BEGIN", "ALTER TABLE csdi.audit_log DISABLE TRIGGER USER"}, stmts...)
			for _, q := range append(all, "ALTER TABLE csdi.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only",
				"ALTER TABLE csdi.audit_log ENABLE TRIGGER audit_log_linked", "COMMIT") {
				if _, err := c.Exec(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
		},
	}
}

// csdiAudit runs csdi audit in-process with env as its environment.
func csdiAudit(env map[string]string, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"audit"}, args...), &out, &errOut, func(k string) string { return env[k] })
	return out.String(), errOut.String(), err
}

func TestAuditCommandEmbedded(t *testing.T) { testAuditCommand(t, embeddedAuditTarget(t)) }

func TestAuditCommandPostGIS(t *testing.T) { testAuditCommand(t, postgisAuditTarget(t)) }

func testAuditCommand(t *testing.T, at auditTarget) {
	ctx := context.Background()
	st := at.open(t) // creates the embedded file: an empty GeoPackage
	if _, _, err := csdiAudit(at.env, "list"); !errors.Is(err, audit.ErrNoLog) {
		t.Errorf("list before the log exists: %v", err)
	}
	if _, ok, err := migrate(ctx, st, nil); !ok || err != nil {
		t.Fatalf("migrate: %v %v", ok, err)
	}
	chain, _ := audit.NewChain([]byte(testAuditKey))
	log := st.(audit.Keeper).AuditLog(chain)
	for i := range 6 {
		if _, err := log.Append(ctx, audittest.Sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()

	t.Run("list", func(t *testing.T) {
		out, _, err := csdiAudit(at.env, "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if err != nil || len(lines) != 7 || !strings.Contains(lines[0], "SEQ") ||
			!strings.Contains(lines[1], "read-unmasked") || !strings.Contains(lines[1], "lands/alice (jwt, acr high)") ||
			!strings.Contains(lines[2], "(api-key, change 101)") {
			t.Errorf("list: %v\n%s", err, out)
		}
		seqs := func(args ...string) []int64 {
			t.Helper()
			out, _, err := csdiAudit(at.env, append([]string{"list", "-json"}, args...)...)
			if err != nil {
				t.Fatalf("list -json %v: %v", args, err)
			}
			var got []int64
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				var e jsonEntry
				if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
					t.Fatalf("list -json line %q: %v", sc.Text(), err)
				}
				if len(e.Hash) != 64 || len(e.PrevHash) != 64 || e.At.IsZero() {
					t.Errorf("entry %d: hashes %q %q at %v", e.Seq, e.Hash, e.PrevHash, e.At)
				}
				got = append(got, e.Seq)
			}
			return got
		}
		for _, tc := range []struct {
			args []string
			want []int64
		}{
			{nil, []int64{1, 2, 3, 4, 5, 6}},
			{[]string{"-layer", "homecare"}, []int64{1, 4}},
			{[]string{"-actor", "planning/etl"}, []int64{2, 5}},
			{[]string{"-department", "lands", "-action", "import"}, []int64{3, 6}},
			{[]string{"-action", "import", "-newest", "-limit", "1"}, []int64{6}},
			{[]string{"-after", "4"}, []int64{5, 6}},
			{[]string{"-since", "1h", "-until", "2999-01-01"}, []int64{1, 2, 3, 4, 5, 6}},
			{[]string{"-until", "2000-01-01T00:00:00+08:00"}, nil},
		} {
			if got := seqs(tc.args...); !slices.Equal(got, tc.want) {
				t.Errorf("list %v: %v, want %v", tc.args, got, tc.want)
			}
		}
		if _, errOut, err := csdiAudit(at.env, "list", "-layer", "nothing"); err != nil || !strings.Contains(errOut, "no entries") {
			t.Errorf("an empty list: %v %q", err, errOut)
		}
	})

	var head string
	t.Run("verify", func(t *testing.T) {
		out, _, err := csdiAudit(at.env, "verify")
		m := regexp.MustCompile(`head: (6:[0-9a-f]{64})`).FindStringSubmatch(out)
		if err != nil || !strings.Contains(out, "audit log intact: 6 entries, keyed") || m == nil {
			t.Fatalf("verify: %v\n%s", err, out)
		}
		head = m[1]
		out, _, err = csdiAudit(at.env, "-config", "", "verify", "-json", "-anchor", head)
		var res verifyResult
		if err != nil || json.Unmarshal([]byte(out), &res) != nil || !res.OK || res.Entries != 6 || res.Head != head || !res.Keyed {
			t.Errorf("verify -json -anchor: %v %+v\n%s", err, res, out)
		}
		// The key from a file, before or after the subcommand.
		keyFile := filepath.Join(t.TempDir(), "audit.key")
		if err := os.WriteFile(keyFile, []byte(testAuditKey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		noEnvKey := maps(at.env, "CSDI_AUDIT_KEY", "")
		for _, args := range [][]string{{"-key-file", keyFile, "verify"}, {"verify", "-key-file", keyFile}} {
			if out, _, err := csdiAudit(noEnvKey, args...); err != nil {
				t.Errorf("%v: %v\n%s", args, err, out)
			}
		}
		// Another key, or none, does not verify the chain.
		for name, env := range map[string]map[string]string{
			"another key": maps(at.env, "CSDI_AUDIT_KEY", "another key of thirty-two bytes."),
			"no key":      noEnvKey,
		} {
			out, _, err := csdiAudit(env, "verify")
			if !errors.Is(err, errAuditBroken) || errors.Is(err, errUsage) || !strings.Contains(out, "first break: entry 1 (altered)") {
				t.Errorf("verify with %s: %v\n%s", name, err, out)
			}
		}
		if _, _, err := csdiAudit(maps(at.env, "CSDI_AUDIT_KEY", "short"), "verify"); err == nil || !strings.Contains(err.Error(), "too short") {
			t.Errorf("a short key: %v", err)
		}
	})

	t.Run("tampering", func(t *testing.T) {
		if head == "" {
			t.Skip("verify failed")
		}
		at.tamper(t, "DELETE FROM "+auditTable(at)+" WHERE seq = 6")
		if out, _, err := csdiAudit(at.env, "verify"); err != nil || !strings.Contains(out, "intact: 5 entries") {
			t.Errorf("a cut log without an anchor: %v\n%s", err, out)
		}
		out, _, err := csdiAudit(at.env, "verify", "-anchor", head)
		if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "entry 6 (truncated)") {
			t.Errorf("a cut log against its anchor: %v\n%s", err, out)
		}
		at.tamper(t, "UPDATE "+auditTable(at)+" SET features = 1000 WHERE seq = 2")
		out, _, err = csdiAudit(at.env, "verify")
		if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "first break: entry 2 (altered)") ||
			!strings.Contains(err.Error(), "entry 2") {
			t.Errorf("a changed entry: %v\n%s", err, out)
		}
		// The real binary exits with status 1 and says where.
		cmd := exec.Command(csdiBinary(t), "audit", "verify")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
		for k, v := range at.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stdout.String(), "BROKEN") ||
			!strings.Contains(stderr.String(), "entry 2") {
			t.Errorf("csdi audit verify: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
		}
	})
}

func auditTable(at auditTarget) string {
	if at.env["CSDI_DATABASE_URL"] != "" {
		return "csdi.audit_log"
	}
	return "csdi_audit_log"
}

// maps is m with k set to v ("" removes it).
func maps(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m))
	for mk, mv := range m {
		out[mk] = mv
	}
	if v == "" {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func TestAuditCommandLine(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.gpkg")
	env := map[string]string{"CSDI_EMBEDDED_PATH": missing}
	for _, args := range [][]string{
		{},
		{"frobnicate"},
		{"-nope", "list"},
		{"list", "extra"},
		{"list", "-since", "yesterday"},
		{"list", "-until", "-3h"},
		{"list", "-limit", "-1"},
		{"list", "-since", "2026-03-02", "-until", "2026-03-01"},
		{"verify", "-anchor", "6:zz"},
		{"verify", "-anchor", "abc"},
	} {
		if _, _, err := csdiAudit(env, args...); !errors.Is(err, errUsage) {
			t.Errorf("audit %v: %v, want a usage error", args, err)
		}
	}
	// An embedded store that is not there is not made for the audit.
	for _, sub := range []string{"list", "verify"} {
		if _, _, err := csdiAudit(env, sub); err == nil || !strings.Contains(err.Error(), "nothing to audit") {
			t.Errorf("audit %s of a missing store: %v", sub, err)
		}
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("audit created %s", missing)
	}
	if _, _, err := csdiAudit(env, "-key-file", filepath.Join(dir, "nokey"), "verify"); err == nil || !strings.Contains(err.Error(), "audit key") {
		t.Errorf("a missing key file: %v", err)
	}
}

func TestImportIsAuditedEmbedded(t *testing.T) { testImportIsAudited(t, embeddedTarget(t)) }

func TestImportIsAuditedPostGIS(t *testing.T) { testImportIsAudited(t, postgisTarget(t)) }

// csdi import is in the audit trail like a write over HTTP, with its
// actor and feature count, a new layer's first import included; with
// another audit key it refuses before writing anything.
func testImportIsAudited(t *testing.T, it importTarget) {
	it.env["CSDI_AUDIT_KEY"] = testAuditKey
	if rep, err := it.csdiImport(t, "-layer", "landmarks", "-actor", "tester", fixture("buildings_zh.geojson")); err != nil || rep.Written != 3 {
		t.Fatalf("import into a new layer: %v %+v", err, rep)
	}
	more := writeFile(t, "more.geojsonl",
		`{"type":"Feature","id":10,"properties":{"name":"新樓","floors":3},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.3],[114.11,22.31],[114.1,22.3]]]}}`+"\n")
	if rep, err := it.csdiImport(t, "-layer", "landmarks", "-actor", "tester", more); err != nil || rep.Written != 1 {
		t.Fatalf("append: %v %+v", err, rep)
	}
	// A dry run writes nothing, so it has nothing to answer for.
	if rep, err := it.csdiImport(t, "-layer", "landmarks", "-dry-run", "-upsert", more); err != nil || !rep.DryRun {
		t.Fatalf("dry run: %v %+v", err, rep)
	}
	out, _, err := csdiAudit(it.env, "list", "-json", "-layer", "landmarks")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e jsonEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		got = append(got, fmt.Sprintf("%s %s %s %d", e.Action, e.Actor, e.Method, e.Features))
	}
	want := []string{"write cli/tester command-line 3", "write cli/tester command-line 1"}
	if !slices.Equal(got, want) {
		t.Errorf("audit entries of the imports:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if out, _, err := csdiAudit(it.env, "verify"); err != nil || !strings.Contains(out, "intact") {
		t.Errorf("verify: %v %s", err, out)
	}

	other := importTarget{env: map[string]string{}, open: it.open}
	for k, v := range it.env {
		other.env[k] = v
	}
	other.env["CSDI_AUDIT_KEY"] = "another audit key, not the trail's"
	again := writeFile(t, "again.geojsonl",
		`{"type":"Feature","id":11,"properties":{"name":"又一樓","floors":4},"geometry":{"type":"Polygon","coordinates":[[[114.1,22.3],[114.11,22.3],[114.11,22.31],[114.1,22.3]]]}}`+"\n")
	if _, err := other.csdiImport(t, "-layer", "landmarks", again); !errors.Is(err, audit.ErrWrongKey) {
		t.Errorf("import with another audit key: %v, want %v", err, audit.ErrWrongKey)
	}
	if n, _ := it.digest(t, "landmarks"); n != 4 {
		t.Errorf("%d features after the refused import, want 4", n)
	}
}
