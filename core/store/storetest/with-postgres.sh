#!/bin/sh
# Runs a command with a throwaway PostgreSQL cluster on loopback: its own data
# folder and port, stopped and removed at the end. The command finds it in
# SWITCHBOARD_TEST_DATABASE_URL (see storetest.DatabaseURL). PostgreSQL comes
# from Debian's packages, installed when missing. `make test-postgres` uses it.
set -eu

PORT=${PGPORT_TEST:-55439}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ]; then
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
dir=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"
stop() {
  run "$bin/pg_ctl" -D "$dir/db" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT INT TERM
run "$bin/initdb" -D "$dir/db" -U postgres --auth=trust >/dev/null
run "$bin/pg_ctl" -D "$dir/db" -w -l "$dir/log" \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $dir -c max_connections=400 -c fsync=on" start >/dev/null
export SWITCHBOARD_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres?sslmode=disable"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT for: $*"
"$@"
