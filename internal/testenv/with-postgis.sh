#!/usr/bin/env bash
# with-postgis.sh CMD...: starts a throwaway PostgreSQL + PostGIS on a free
# loopback port in a temporary directory, runs CMD with CSDI_TEST_DATABASE_URL
# pointing at a database with PostGIS installed, and tears the server down
# whatever CMD does.
set -euo pipefail
bindir=$(pg_config --bindir)
# Debian's pg_config may belong to the client; prefer the server's bin dir.
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d /tmp/csdi-pg.XXXXXX)
port=$(python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
)
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
chmod 700 "$dir"
cleanup() {
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
as_pg "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; exit 1; }
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" >/dev/null \
  || { cat "$dir/server.log"; exit 1; }
psql -h 127.0.0.1 -p "$port" -U postgres -q -v ON_ERROR_STOP=1 -d postgres \
  -c "CREATE DATABASE csdi_test" -c "\\c csdi_test" -c "CREATE EXTENSION postgis" >/dev/null
export CSDI_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/csdi_test?sslmode=disable"
export CSDI_TEST_REQUIRE_DATABASE=1
echo "PostgreSQL + PostGIS on 127.0.0.1:$port ($dir)"
set +e
"$@"
rc=$?
exit $rc
