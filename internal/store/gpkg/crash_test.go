package gpkg

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/csdi-hk/csdi/internal/store"
	"github.com/csdi-hk/csdi/internal/store/storetest"
)

// crashEnv names the file the crash helper edits; the helper is this test
// binary run again, as its own process.
const crashEnv = "CSDI_GPKG_CRASH_HELPER"

// TestCrashHelper is not a test: run by TestKilledWriteChangesNothing in
// a child process, it replaces a layer by a bulk import and, half-way
// through, signals the parent (by creating a file) and waits to be killed.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestKilledWriteChangesNothing")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fx := storetest.Fixtures()[0]
	_, err = s.Edit(context.Background(), &fx.Layer, "import", func(tx store.Tx) error {
		if _, err := tx.DeleteAll(context.Background()); err != nil {
			return err
		}
		_, err := tx.Copy(context.Background(), func(yield func(store.Record, error) bool) {
			for i := range int64(1 << 40) {
				r := fx.Records[0]
				r.ID = i + 100
				if !yield(r, nil) {
					return
				}
				if i == 20_000 {
					if err := os.WriteFile(path+".halfway", nil, 0o644); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(time.Hour) // until killed
				}
			}
		}, false)
		return err
	})
	t.Fatalf("the helper was not killed: %v", err)
}

// TestKilledWriteChangesNothing kills a process with SIGKILL in the middle
// of a bulk import and checks the layer, its spatial index and the change
// log are exactly as before.
func TestKilledWriteChangesNothing(t *testing.T) {
	ctx := context.Background()
	s, fx := migrated(t)
	l := &fx[0].Layer
	if _, err := s.Edit(ctx, l, "before", func(tx store.Tx) error { return tx.Delete(ctx, int64(3)) }); err != nil {
		t.Fatal(err)
	}
	before := loadAll(t, s, l)
	head, err := s.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashEnv+"="+s.path)
	out, err := os.CreateTemp(t.TempDir(), "helper")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	halfway := s.path + ".halfway"
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(halfway); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(out.Name())
			t.Fatalf("the helper did not get half-way in 2 minutes:\n%s", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()

	after := loadAll(t, s, l)
	if len(after) != len(before) {
		t.Fatalf("after the killed import the layer has %d features, want %d", len(after), len(before))
	}
	for i := range before {
		compare(t, after[i], before[i])
	}
	if h, err := s.Head(ctx); err != nil || h.Seq != head.Seq {
		t.Errorf("the change log moved from %+v to %+v (%v)", head, h, err)
	}
	for _, q := range []string{
		`SELECT rtreecheck('rtree_contract_facilities_geom')`,
		`PRAGMA integrity_check`,
		`SELECT CASE count(*) WHEN 0 THEN 'ok' ELSE 'an actor is left behind' END FROM csdi_actor`,
	} {
		var res string
		if err := s.db.QueryRow(q).Scan(&res); err != nil || res != "ok" {
			t.Errorf("%s: %q, %v", q, res, err)
		}
	}
	// The file takes writes again: the dead process's lock went with it.
	if _, err := s.Edit(ctx, l, "after", func(tx store.Tx) error { return tx.Delete(ctx, int64(1)) }); err != nil {
		t.Errorf("Edit after the crash: %v", err)
	}
}
