#!/usr/bin/env bash
# Start a private PostgreSQL server on loopback for the tests and print its URL.
#   eval "$(scripts/test-postgres.sh start)"   exports RATER_TEST_PG_URL
#   scripts/test-postgres.sh stop
# The cluster lives in a temporary folder owned by the postgres user (the
# server refuses to run as root); nothing touches the system's own clusters.
set -euo pipefail
ACTION="${1:-start}"
PGDIR="${RATER_TEST_PGDIR:-/tmp/rater-test-pg}"
PORT="${RATER_TEST_PGPORT:-55432}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"

if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "echo 'test-postgres: PostgreSQL server binaries not found; PostgreSQL tests will be skipped' >&2"
  exit 0
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/bash -c "$*"
  else
    bash -c "$*"
  fi
}

case "$ACTION" in
  start)
    if [ ! -f "$PGDIR/data/PG_VERSION" ]; then
      rm -rf "$PGDIR"
      mkdir -p "$PGDIR"
      [ "$(id -u)" = 0 ] && chown postgres: "$PGDIR"
      as_pg "'$BIN/initdb' -D '$PGDIR/data' -U rater --auth=trust -E UTF8 >'$PGDIR/initdb.log' 2>&1"
    fi
    if ! as_pg "'$BIN/pg_ctl' -D '$PGDIR/data' status" >/dev/null 2>&1; then
      as_pg "'$BIN/pg_ctl' -D '$PGDIR/data' -l '$PGDIR/server.log' -w -t 60 \
        -o \"-p $PORT -k '$PGDIR' -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200\" start" >/dev/null
    fi
    echo "export RATER_TEST_PG_URL='postgresql+psycopg://rater@127.0.0.1:$PORT/postgres'"
    ;;
  stop)
    as_pg "'$BIN/pg_ctl' -D '$PGDIR/data' -m fast stop" >/dev/null 2>&1 || true
    ;;
esac
