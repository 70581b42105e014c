package gpkg

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/audit/audittest"
	"github.com/csdi-hk/csdi/internal/layer"
	"github.com/csdi-hk/csdi/internal/store"
)

var auditKey, _ = audit.NewChain([]byte("a 32-byte key for the audit test"))

// openAt opens the GeoPackage at path, closed when the test ends.
func openAt(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestAuditContract(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Opener {
		path := filepath.Join(t.TempDir(), "audit.gpkg")
		if _, err := openAt(t, path).Migrate(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		// Every handle is a Store of its own on the file, as two processes
		// sharing it would be.
		return func(t *testing.T, c audit.Chain) audit.Log { return openAt(t, path).AuditLog(c) }
	})
}

// newAudited is a migrated file and its log holding n sample entries.
func newAudited(t *testing.T, n int) (*Store, audit.TxLog) {
	t.Helper()
	s := openAt(t, filepath.Join(t.TempDir(), "audit.gpkg"))
	if _, err := s.Migrate(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	l := s.AuditLog(auditKey)
	for i := range n {
		if _, err := l.Append(context.Background(), audittest.Sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	return s, l
}

func verifyLog(t *testing.T, l audit.Log, anchors ...audit.Anchor) audit.Report {
	t.Helper()
	rep, err := audit.Verify(l.Entries(context.Background(), audit.Query{}), auditKey, anchors...)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestAuditAppendOnly(t *testing.T) {
	s, l := newAudited(t, 3)
	for _, q := range []string{
		"UPDATE csdi_audit_log SET actor = 'nobody' WHERE seq = 2",
		"DELETE FROM csdi_audit_log WHERE seq = 3",
		"DELETE FROM csdi_audit_log",
		// An insert that does not continue the chain: a gap, a fork, a repeat.
		`INSERT INTO csdi_audit_log SELECT seq + 2, at, actor, department, method, acr, issuer, action, layer,
			request, features, change_seq, hash, hash FROM csdi_audit_log WHERE seq = 3`,
		`INSERT INTO csdi_audit_log SELECT seq + 1, at, actor, department, method, acr, issuer, action, layer,
			request, features, change_seq, prev_hash, hash FROM csdi_audit_log WHERE seq = 3`,
		`INSERT OR REPLACE INTO csdi_audit_log SELECT * FROM csdi_audit_log WHERE seq = 2`,
	} {
		_, err := s.db.Exec(q)
		if err == nil || !errors.Is(auditError(err), audit.ErrAppendOnly) {
			t.Errorf("%s: %v, want the append-only refusal", q, err)
		}
	}
	if rep := verifyLog(t, l); !rep.OK() || rep.Entries != 3 {
		t.Errorf("after the refusals: %d entries, %v", rep.Entries, rep.Broken)
	}
	if err := checkName("table", "CSDI_Audit_Log"); err == nil {
		t.Error("a layer may be named like the audit log (WriteLayer would drop it)")
	}
}

// tamper runs statements with the append-only triggers dropped, as anyone
// who can write the file could, and puts the triggers back.
func tamper(t *testing.T, s *Store, stmts ...string) {
	t.Helper()
	tamperWith(t, s, func(tx *sql.Tx) error {
		for _, q := range stmts {
			if _, err := tx.Exec(q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
}

func tamperWith(t *testing.T, s *Store, fn func(tx *sql.Tx) error) {
	t.Helper()
	tx, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{"DROP TRIGGER csdi_audit_log_no_update", "DROP TRIGGER csdi_audit_log_no_delete",
		"DROP TRIGGER csdi_audit_log_linked"} {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := fn(tx); err != nil {
		t.Fatal(err)
	}
	for _, q := range auditSchema {
		if _, err := tx.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestAuditTampering(t *testing.T) {
	s, l := newAudited(t, 10)
	head := verifyLog(t, l).Head
	orig := audittest.Collect(t, l, audit.Query{})
	restore := func(e audit.Entry) {
		tamperWith(t, s, func(tx *sql.Tx) error {
			_, err := tx.Exec(`UPDATE csdi_audit_log SET at = ?, actor = ?, department = ?, method = ?, acr = ?,
				issuer = ?, action = ?, layer = ?, request = ?, features = ?, change_seq = ?, prev_hash = ?, hash = ?
				WHERE seq = ?`, e.At.Format(auditTime), e.Actor, e.Department, e.Method, e.ACR, e.Issuer,
				e.Action, e.Layer, e.Request, e.Features, e.ChangeSeq, e.PrevHash, e.Hash, e.Seq)
			return err
		})
	}

	t.Run("update", func(t *testing.T) {
		for _, set := range []string{"actor = 'nobody'", "features = 0", "at = '2000-01-01T00:00:00.000000Z'",
			"layer = 'elsewhere'", "request = request || '&x'", "change_seq = 3", "prev_hash = hash"} {
			tamper(t, s, "UPDATE csdi_audit_log SET "+set+" WHERE seq = 4")
			rep := verifyLog(t, l, head)
			want := audit.Altered
			if strings.HasPrefix(set, "prev_hash") {
				want = audit.Relinked
			}
			if rep.OK() || rep.Broken.Seq != 4 || rep.Broken.Kind != want {
				t.Errorf("SET %s: %+v", set, rep.Broken)
			}
			restore(orig[3])
			if rep := verifyLog(t, l, head); !rep.OK() {
				t.Fatalf("restored: %v", rep.Broken)
			}
		}
	})
	t.Run("tail deleted", func(t *testing.T) {
		tamper(t, s, "DELETE FROM csdi_audit_log WHERE seq > 8")
		if rep := verifyLog(t, l); !rep.OK() || rep.Entries != 8 {
			t.Errorf("without an anchor: %d entries, %v", rep.Entries, rep.Broken)
		}
		rep := verifyLog(t, l, head)
		if rep.OK() || rep.Broken.Seq != 10 || rep.Broken.Kind != audit.Truncated {
			t.Errorf("against the anchor: %+v", rep.Broken)
		}
	})
	t.Run("middle deleted", func(t *testing.T) {
		tamper(t, s, "DELETE FROM csdi_audit_log WHERE seq = 5")
		rep := verifyLog(t, l)
		if rep.OK() || rep.Broken.Seq != 6 || rep.Broken.Kind != audit.Missing {
			t.Errorf("entry 5 deleted: %+v", rep.Broken)
		}
	})
	t.Run("table dropped", func(t *testing.T) {
		if _, err := s.db.Exec("DROP TABLE csdi_audit_log"); err != nil {
			t.Fatal(err)
		}
		_, err := audit.Verify(l.Entries(context.Background(), audit.Query{}), auditKey, head)
		if !errors.Is(err, audit.ErrNoLog) {
			t.Errorf("Verify of a dropped log: %v", err)
		}
	})
}

func auditedLayer() layer.Layer {
	return layer.Layer{
		ID:           "sites",
		Source:       layer.Source{Table: "sites", IDColumn: "id", GeometryColumn: "geom", SRID: 2326},
		GeometryType: layer.Point,
		Fields:       []layer.Field{{Name: "name", Type: layer.String}},
	}
}

// TestAuditInTransaction: an entry appended inside an Edit commits with
// the write, points at its change-log seq, and vanishes with it on a
// rollback, leaving no gap.
func TestAuditInTransaction(t *testing.T) {
	ctx := context.Background()
	s := openAt(t, filepath.Join(t.TempDir(), "edit.gpkg"))
	l0 := auditedLayer()
	l, err := s.CreateLayer(ctx, &l0)
	if err != nil {
		t.Fatal(err)
	}
	log := s.AuditLog(auditKey)
	var inTx audit.Entry
	c, err := s.Edit(ctx, &l, "lands/alice", func(tx store.Tx) error {
		for range 3 {
			if _, err := tx.Insert(ctx, store.Record{Geometry: orb.Point{833000, 816000}, Props: []any{"a"}}); err != nil {
				return err
			}
		}
		var err error
		inTx, err = log.AppendTx(ctx, tx, audit.Entry{Actor: "lands/alice", Action: audit.ActionWrite, Layer: l.ID, Features: 3})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if inTx.Seq != 1 || inTx.ChangeSeq != c.Seq || c.Seq == 0 {
		t.Errorf("entry %d points at change %d, the edit wrote up to %d", inTx.Seq, inTx.ChangeSeq, c.Seq)
	}
	boom := errors.New("the write failed after its entry was appended")
	_, err = s.Edit(ctx, &l, "lands/alice", func(tx store.Tx) error {
		if _, err := log.AppendTx(ctx, tx, audit.Entry{Action: audit.ActionWrite, Layer: l.ID}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Edit: %v", err)
	}
	next, err := log.Append(ctx, audit.Entry{Action: audit.ActionReadUnmasked, Layer: l.ID})
	if err != nil || next.Seq != 2 {
		t.Errorf("after a rolled-back append the next entry is %d (%v), want 2", next.Seq, err)
	}
	if rep := verifyLog(t, log); !rep.OK() || rep.Entries != 2 {
		t.Errorf("Verify: %d entries, %v", rep.Entries, rep.Broken)
	}
	if _, err := log.AppendTx(ctx, "not a tx", audit.Entry{Action: "write"}); !errors.Is(err, audit.ErrForeignTx) {
		t.Errorf("AppendTx with a string: %v", err)
	}
}

// TestAuditInstall: a file never migrated has no log to read, and gets
// one with its first entry; a version-1 file gains it on Migrate.
func TestAuditInstall(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	defer s.Close()
	l := s.AuditLog(auditKey)
	for _, err := range l.Entries(ctx, audit.Query{}) {
		if !errors.Is(err, audit.ErrNoLog) {
			t.Errorf("Entries of a file without a log: %v", err)
		}
	}
	if _, err := l.Append(ctx, audittest.Sample(1)); err != nil {
		t.Fatalf("first Append: %v", err)
	}
	if v, err := logVersion(ctx, s.db); err != nil || v != schemaVersion {
		t.Errorf("schema version %d (%v) after the first Append", v, err)
	}
	// Back to version 1, as an older csdi left the file.
	for _, q := range []string{"DROP TABLE csdi_audit_log", "UPDATE csdi_meta SET value = '1' WHERE key = 'schema_version'"} {
		if _, err := s.db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if from, err := s.Migrate(ctx, nil); err != nil || from != 1 {
		t.Fatalf("Migrate from version 1: from %d, %v", from, err)
	}
	if ok, err := tableExists(ctx, s.db, "csdi_audit_log"); err != nil || !ok {
		t.Errorf("no audit log after Migrate (%v)", err)
	}
}

func BenchmarkAuditAppend(b *testing.B) {
	s := openAt(b, filepath.Join(b.TempDir(), "bench.gpkg"))
	ctx := context.Background()
	if _, err := s.Migrate(ctx, nil); err != nil {
		b.Fatal(err)
	}
	l := s.AuditLog(auditKey)
	e := audittest.Sample(0)
	for b.Loop() {
		if _, err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}
