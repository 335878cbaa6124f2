#!/usr/bin/env bash
# Starts and stops a private PostgreSQL cluster for the tests, from Debian's packages, on a
# free loopback port in a temporary folder. initdb and pg_ctl refuse to run as root, so
# they run as the `postgres` user. Source it, then `pg_private_start` exports
# PORTAL_DESK_TEST_POSTGRES_URL and `pg_private_stop` removes the cluster.

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
PG_DIR=""

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_private_start() {
  PG_DIR="$(mktemp -d /tmp/portal-desk-pg.XXXXXX)"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DIR"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  as_postgres "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres >/dev/null
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
  export PORTAL_DESK_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

pg_private_stop() {
  [ -n "$PG_DIR" ] || return 0
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}
