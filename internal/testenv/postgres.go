package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a PostgreSQL + PostGIS server of one test's own, which the
// test may stop and start again: fault tests cannot do that to the server
// make test shares between packages. It is started as with-postgis.sh
// starts that one, on a free loopback port in a temporary directory, and
// removed when the test ends.
type Postgres struct {
	// URL names database csdi_test, which has PostGIS.
	URL string

	bin  string // PostgreSQL's server binaries
	dir  string // data directory, socket and log live here
	port int
}

// StartPostgres starts a new server. Without PostgreSQL's server binaries
// it skips the test, unless CSDI_TEST_REQUIRE_DATABASE is set: then it
// fails.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin, err := serverBinaries()
	if err != nil {
		if os.Getenv("CSDI_TEST_REQUIRE_DATABASE") != "" {
			t.Fatalf("a PostgreSQL server of the test's own: %v", err)
		}
		t.Skipf("no PostgreSQL server binaries: %v", err)
	}
	// Not t.TempDir: its parents are private to the test's user, and the
	// server may run as another (postgres, when the test runs as root).
	dir, err := os.MkdirTemp("", "csdi-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Postgres{bin: bin, dir: dir}
	t.Cleanup(func() {
		_ = p.pgctl("-m", "immediate", "stop")
		if t.Failed() {
			if log, err := os.ReadFile(p.logPath()); err == nil {
				t.Logf("PostgreSQL log (%s):\n%s", dir, tail(log, 4000))
			}
		}
		_ = os.RemoveAll(dir)
	})
	if err := ownedByServer(dir); err != nil {
		t.Fatal(err)
	}
	if p.port, err = freePort(); err != nil {
		t.Fatal(err)
	}
	if out, err := p.asServer(filepath.Join(bin, "initdb"), "-D", p.dataDir(), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C.UTF-8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.Start(t)
	base := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/", p.port)
	p.URL = base + "csdi_test?sslmode=disable"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := exec1(ctx, base+"postgres?sslmode=disable", "CREATE DATABASE csdi_test"); err != nil {
		t.Fatal(err)
	}
	if err := exec1(ctx, p.URL, "CREATE EXTENSION postgis"); err != nil {
		t.Fatal(err)
	}
	return p
}

// Stop shuts the server down as an operator's restart does (pg_ctl stop
// -m fast): open transactions are rolled back and connections cut.
func (p *Postgres) Stop(t testing.TB) {
	t.Helper()
	if err := p.pgctl("-m", "fast", "-t", "60", "stop"); err != nil {
		t.Fatalf("stop PostgreSQL: %v", err)
	}
}

// Start starts the server again on the same port, and waits until it
// accepts connections.
func (p *Postgres) Start(t testing.TB) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"+
		" -c full_page_writes=off -c max_connections=100", p.port, p.dir)
	if err := p.pgctl("-l", p.logPath(), "-t", "60", "-o", opts, "start"); err != nil {
		log, _ := os.ReadFile(p.logPath())
		t.Fatalf("start PostgreSQL: %v\n%s", err, tail(log, 4000))
	}
}

func (p *Postgres) dataDir() string { return filepath.Join(p.dir, "data") }
func (p *Postgres) logPath() string { return filepath.Join(p.dir, "server.log") }

// pgctl runs pg_ctl on the data directory, waiting for it to finish.
func (p *Postgres) pgctl(args ...string) error {
	args = append([]string{"-D", p.dataDir(), "-w"}, args...)
	out, err := p.asServer(filepath.Join(p.bin, "pg_ctl"), args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// asServer is a command run as the server's user: PostgreSQL refuses to
// run as root, so a root test runs it as postgres.
func (p *Postgres) asServer(name string, args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}

// ownedByServer hands dir to the postgres user when the test runs as
// root; the server wants its directories private.
func ownedByServer(dir string) error {
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root, PostgreSQL needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return fmt.Errorf("hand %s to postgres: %w", dir, err)
		}
	}
	return os.Chmod(dir, 0o700)
}

// serverBinaries finds the directory of initdb and pg_ctl: pg_config's,
// else the newest of Debian's /usr/lib/postgresql/*/bin (Debian's
// pg_config may belong to the client package).
func serverBinaries() (string, error) {
	var dirs []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dirs = append(dirs, strings.TrimSpace(string(out)))
	}
	debian, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(debian, func(a, b string) int { return majorOf(b) - majorOf(a) })
	dirs = append(dirs, debian...)
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "pg_ctl")) {
			return d, nil
		}
	}
	return "", fmt.Errorf("initdb and pg_ctl not found (pg_config --bindir, /usr/lib/postgresql/*/bin)")
}

// majorOf is the version in a /usr/lib/postgresql/<major>/bin path.
func majorOf(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// freePort is a loopback TCP port nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// exec1 runs one statement on a connection of its own.
func exec1(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect to the test's PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// tail is the end of a log, at most n bytes.
func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
