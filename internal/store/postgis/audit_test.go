package postgis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/paulmach/orb"

	"github.com/csdi-hk/csdi/internal/audit"
	"github.com/csdi-hk/csdi/internal/audit/audittest"
	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/testenv"
)

var auditKey, _ = audit.NewChain([]byte("a 32-byte key for the audit test"))

// migratedURL is a new database with the csdi schema installed.
func migratedURL(t *testing.T) string {
	t.Helper()
	url := testenv.DatabaseURL(t)
	s := open(t, url, Options{})
	if _, err := s.Migrate(context.Background(), nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return url
}

func TestAuditContract(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Opener {
		url := migratedURL(t)
		// Every handle is a Store of its own, with its own pool: as
		// replicas are.
		return func(t *testing.T, c audit.Chain) audit.Log { return open(t, url, Options{}).AuditLog(c) }
	})
}

// newAudited is a migrated store and its log holding n sample entries.
func newAudited(t *testing.T, n int) (*Store, audit.TxLog, string) {
	t.Helper()
	url := migratedURL(t)
	s := open(t, url, Options{})
	l := s.AuditLog(auditKey)
	for i := range n {
		if _, err := l.Append(context.Background(), audittest.Sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	return s, l, url
}

func verifyLog(t *testing.T, l audit.Log, anchors ...audit.Anchor) audit.Report {
	t.Helper()
	rep, err := audit.Verify(l.Entries(context.Background(), audit.Query{}), auditKey, anchors...)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// sqlState is the SQLSTATE of err, "" when it has none.
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// TestAuditAppendOnly: the database refuses to change or remove entries,
// whoever asks, csdi's own connections included.
func TestAuditAppendOnly(t *testing.T) {
	s, l, url := newAudited(t, 3)
	ctx := context.Background()
	for _, q := range []string{
		"UPDATE csdi.audit_log SET actor = 'nobody' WHERE seq = 2",
		"DELETE FROM csdi.audit_log WHERE seq = 3",
		"DELETE FROM csdi.audit_log WHERE seq = 99", // touches no row: still refused
		"TRUNCATE csdi.audit_log",
	} {
		_, err := s.pool.Exec(ctx, q)
		if sqlState(err) != appendOnlyCode || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the append-only refusal", q, err)
		}
		// As a logical-replication apply worker: still refused.
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Exec(ctx, "SET session_replication_role = replica; "+q)
		c.Close(ctx)
		if sqlState(err) != appendOnlyCode {
			t.Errorf("%s with session_replication_role = replica: %v", q, err)
		}
	}
	if err := auditError("x", errors.New("plain")); errors.Is(err, audit.ErrAppendOnly) {
		t.Error("every error is ErrAppendOnly")
	}
	_, err := s.pool.Exec(ctx, "UPDATE csdi.audit_log SET actor = 'nobody'")
	if err := auditError("update", err); !errors.Is(err, audit.ErrAppendOnly) {
		t.Errorf("the trigger's refusal is not ErrAppendOnly: %v", err)
	}
	// An INSERT that does not continue the chain is refused too.
	for _, q := range []string{
		`INSERT INTO csdi.audit_log SELECT seq + 2, at, actor, department, method, acr, issuer, action, layer,
			request, features, change_seq, hash, hash FROM csdi.audit_log WHERE seq = 3`, // a gap
		`INSERT INTO csdi.audit_log SELECT seq + 1, at, actor, department, method, acr, issuer, action, layer,
			request, features, change_seq, prev_hash, hash FROM csdi.audit_log WHERE seq = 3`, // a fork
		`INSERT INTO csdi.audit_log SELECT seq, at, actor, department, method, acr, issuer, action, layer,
			request, features, change_seq, prev_hash, hash FROM csdi.audit_log WHERE seq = 3`, // a repeat
	} {
		if _, err := s.pool.Exec(ctx, q); sqlState(err) != appendOnlyCode {
			t.Errorf("%s: %v, want a refusal", q, err)
		}
	}
	if rep := verifyLog(t, l); !rep.OK() || rep.Entries != 3 {
		t.Errorf("after the refusals: %d entries, %v", rep.Entries, rep.Broken)
	}
}

// asSuperuser runs statements with the append-only trigger disabled, as
// someone who owns the table (or a superuser) could, in one transaction.
func asSuperuser(t *testing.T, url string, stmts ...string) {
	t.Helper()
	all := append([]string{"BEGIN", "ALTER TABLE csdi.audit_log DISABLE TRIGGER USER"}, stmts...)
	exec(t, url, append(all, "ALTER TABLE csdi.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only",
		"ALTER TABLE csdi.audit_log ENABLE TRIGGER audit_log_linked", "COMMIT")...)
}

// TestAuditTampering: what someone who gets past the triggers does shows
// in Verify, at the entry they touched.
func TestAuditTampering(t *testing.T) {
	_, l, url := newAudited(t, 10)
	head := verifyLog(t, l).Head
	if head.Seq != 10 {
		t.Fatalf("head %v", head)
	}

	orig := audittest.Collect(t, l, audit.Query{})
	t.Run("update", func(t *testing.T) {
		for _, set := range []string{"actor = 'nobody'", "features = 0", "at = at + interval '1 hour'",
			"layer = 'elsewhere'", "request = request || '&x'", "change_seq = 3", "prev_hash = hash"} {
			asSuperuser(t, url, "UPDATE csdi.audit_log SET "+set+" WHERE seq = 4")
			rep := verifyLog(t, l, head)
			want := audit.Altered
			if strings.HasPrefix(set, "prev_hash") {
				want = audit.Relinked
			}
			if rep.OK() || rep.Broken.Seq != 4 || rep.Broken.Kind != want {
				t.Errorf("SET %s: %+v", set, rep.Broken)
			}
			// Put the entry back as it was: the chain verifies again.
			restore(t, url, orig[3])
			if rep := verifyLog(t, l, head); !rep.OK() {
				t.Fatalf("restored: %v", rep.Broken)
			}
		}
	})
	t.Run("rehashed without the key", func(t *testing.T) {
		es := audittest.Collect(t, l, audit.Query{})
		forged := es[5]
		forged.Layer = "elsewhere"
		forged.Hash = audit.Chain{}.Hash(forged)
		asSuperuser(t, url, "UPDATE csdi.audit_log SET layer = 'elsewhere', hash = '\\x"+hexOf(forged.Hash)+"' WHERE seq = 6")
		rep := verifyLog(t, l, head)
		if rep.OK() || rep.Broken.Seq != 6 || !strings.Contains(rep.Broken.Hint, "without a key") {
			t.Errorf("forged entry: %+v", rep.Broken)
		}
		restore(t, url, orig[5])
	})
	t.Run("tail deleted", func(t *testing.T) {
		asSuperuser(t, url, "DELETE FROM csdi.audit_log WHERE seq > 8")
		// Without an anchor, a shorter chain is still a whole chain...
		if rep := verifyLog(t, l); !rep.OK() || rep.Entries != 8 {
			t.Errorf("without an anchor: %d entries, %v", rep.Entries, rep.Broken)
		}
		// ...which the anchor shows is not the one that was.
		rep := verifyLog(t, l, head)
		if rep.OK() || rep.Broken.Seq != 10 || rep.Broken.Kind != audit.Truncated {
			t.Errorf("against the anchor: %+v", rep.Broken)
		}
	})
	t.Run("middle deleted", func(t *testing.T) {
		asSuperuser(t, url, "DELETE FROM csdi.audit_log WHERE seq = 5")
		rep := verifyLog(t, l)
		if rep.OK() || rep.Broken.Seq != 6 || rep.Broken.Kind != audit.Missing || !strings.Contains(rep.Broken.Hint, "entry 5") {
			t.Errorf("entry 5 deleted: %+v", rep.Broken)
		}
	})
}

// restore writes e back over the entry of its seq, past the triggers.
func restore(t *testing.T, url string, e audit.Entry) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	tx, err := c.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, "ALTER TABLE csdi.audit_log DISABLE TRIGGER USER")
	if err == nil {
		_, err = tx.Exec(ctx, `UPDATE csdi.audit_log SET at = $2, actor = $3, department = $4, method = $5,
			acr = $6, issuer = $7, action = $8, layer = $9, request = $10, features = $11, change_seq = $12,
			prev_hash = $13, hash = $14 WHERE seq = $1`, e.Seq, e.At, e.Actor, e.Department, e.Method, e.ACR,
			e.Issuer, e.Action, e.Layer, e.Request, e.Features, e.ChangeSeq, e.PrevHash, e.Hash)
	}
	if err == nil {
		_, err = tx.Exec(ctx, "ALTER TABLE csdi.audit_log ENABLE ALWAYS TRIGGER audit_log_append_only")
	}
	if err == nil {
		_, err = tx.Exec(ctx, "ALTER TABLE csdi.audit_log ENABLE TRIGGER audit_log_linked")
	}
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestAuditInTransaction: an entry appended inside an Edit commits with
// the write, points at its change-log seq, and vanishes with it on a
// rollback, leaving no gap.
func TestAuditInTransaction(t *testing.T) {
	s, l := newEditStore(t)
	ctx := context.Background()
	log := s.AuditLog(auditKey)
	var inTx audit.Entry
	c, err := s.Edit(ctx, l, "lands/alice", func(tx store.Tx) error {
		for range 3 {
			if _, err := tx.Insert(ctx, store.Record{Geometry: orb.Point{833000, 816000}, Props: []any{"a", int64(1)}}); err != nil {
				return err
			}
		}
		var err error
		inTx, err = log.AppendTx(ctx, tx, audit.Entry{Actor: "lands/alice", Department: "lands",
			Action: audit.ActionWrite, Layer: l.ID, Request: "POST /collections/sites/items", Features: 3})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if inTx.Seq != 1 || inTx.ChangeSeq != c.Seq || c.Seq == 0 {
		t.Errorf("entry %d points at change %d, the edit wrote up to %d", inTx.Seq, inTx.ChangeSeq, c.Seq)
	}
	boom := errors.New("the write failed after its entry was appended")
	_, err = s.Edit(ctx, l, "lands/alice", func(tx store.Tx) error {
		if _, err := log.AppendTx(ctx, tx, audit.Entry{Action: audit.ActionWrite, Layer: l.ID, Features: 0}); err != nil {
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
	// A write that changed nothing points at no change.
	_, err = s.Edit(ctx, l, "x", func(tx store.Tx) error {
		e, err := log.AppendTx(ctx, tx, audit.Entry{Action: audit.ActionWrite, Layer: l.ID})
		if err == nil && e.ChangeSeq != 0 {
			t.Errorf("a write of nothing points at change %d", e.ChangeSeq)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Another store's transaction is refused.
	other := open(t, testenv.DatabaseURL(t), Options{})
	if _, err := other.AuditLog(auditKey).AppendTx(ctx, "not a tx", audit.Entry{Action: "write"}); !errors.Is(err, audit.ErrForeignTx) {
		t.Errorf("AppendTx with a string: %v", err)
	}
	_, err = s.Edit(ctx, l, "x", func(tx store.Tx) error {
		_, err := other.AuditLog(auditKey).AppendTx(ctx, tx, audit.Entry{Action: "write"})
		return err
	})
	if !errors.Is(err, audit.ErrForeignTx) {
		t.Errorf("AppendTx with another store's tx: %v", err)
	}
}

func TestAuditNotInstalled(t *testing.T) {
	s := open(t, testenv.DatabaseURL(t), Options{})
	ctx := context.Background()
	l := s.AuditLog(auditKey)
	if _, err := l.Append(ctx, audittest.Sample(1)); !errors.Is(err, audit.ErrNoLog) {
		t.Errorf("Append before migrate: %v", err)
	}
	for _, err := range l.Entries(ctx, audit.Query{}) {
		if !errors.Is(err, audit.ErrNoLog) {
			t.Errorf("Entries before migrate: %v", err)
		}
	}
}

// TestAuditMigration: a version-1 database gains the log at version 2;
// migrating again changes nothing.
func TestAuditMigration(t *testing.T) {
	url := testenv.DatabaseURL(t)
	ctx := context.Background()
	// Version 1 as an older csdi left it.
	exec(t, url, "CREATE SCHEMA csdi",
		"CREATE TABLE csdi.schema_version (version integer NOT NULL, installed_at timestamptz NOT NULL DEFAULT now())",
		migrations[0], "INSERT INTO csdi.schema_version (version) VALUES (1)")
	s := open(t, url, Options{})
	if from, err := s.Migrate(ctx, nil); err != nil || from != 1 {
		t.Fatalf("Migrate from version 1: from %d, %v", from, err)
	}
	if _, err := s.AuditLog(auditKey).Append(ctx, audittest.Sample(1)); err != nil {
		t.Fatalf("Append after the upgrade: %v", err)
	}
	if from, err := s.Migrate(ctx, nil); err != nil || from != 2 {
		t.Fatalf("Migrate again: from %d, %v", from, err)
	}
}

// BenchmarkAuditAppend is one entry appended in its own transaction, the
// cost an unmasked read pays; in parallel the appenders queue on the lock.
func BenchmarkAuditAppend(b *testing.B) {
	url := testenv.DatabaseURL(b)
	s := open(b, url, Options{})
	ctx := context.Background()
	if _, err := s.Migrate(ctx, nil); err != nil {
		b.Fatal(err)
	}
	l := s.AuditLog(auditKey)
	e := audittest.Sample(0)
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := l.Append(ctx, e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism(4)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := l.Append(ctx, e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	start := time.Now()
	rep, err := audit.Verify(l.Entries(ctx, audit.Query{}), auditKey)
	if err != nil || !rep.OK() {
		b.Fatalf("Verify: %v %v", err, rep.Broken)
	}
	b.Logf("verified %d entries in %v", rep.Entries, time.Since(start))
}
